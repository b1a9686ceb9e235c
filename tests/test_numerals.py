"""The numeral normaliser: Arabic/Chinese numerals, multipliers, qualifiers, ranges."""
import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.numerals import left_clause, parse_number, right_clause


@pytest.mark.parametrize("s, value, approx", [
    ("12", 12, False),
    ("1,438", 1438, False),
    ("38,639人", 38639, False),
    ("84.7", 84.7, False),
    ("十二", 12, False),
    ("十", 10, False),
    ("两千三百", 2300, False),
    ("两千三", 2300, False),          # colloquial: the last digit takes the next lower place
    ("三万五", 35000, False),
    ("一千零一", 1001, False),
    ("十万", 100000, False),
    ("一亿二千万", 120000000, False),
    ("二0一0", 2010, False),           # digit by digit
    ("二〇一九", 2019, False),
    ("一九九八", 1998, False),
    ("壹仟", 1000, False),
    ("贰佰", 200, False),
    ("壹拾贰", 12, False),
    ("叁万伍仟元", 35000, False),
    ("三点五", 3.5, False),
    ("百分之三十", 30, False),
    ("百分之百", 100, False),
    ("百分之12.5", 12.5, False),
    ("53万", 530000, False),
    ("53万元", 530000, False),
    ("0.56万元", 5600, False),
    ("1.6129万元", 16129, False),
    ("13.5亿元", 1350000000, False),
    ("1.2亿元", 120000000, False),
    ("7719万美元", 77190000, False),
    ("2千万", 20000000, False),
    ("3.5万余元", 35000, True),
    ("20余万元", 200000, True),
    ("二十余万元", 200000, True),
    ("5万余元", 50000, True),
    ("近百", 100, True),
    ("近百人", 100, True),
    ("上百", 100, True),
    ("上千人", 1000, True),
    ("近千", 1000, True),
    ("近万人", 10000, True),
    ("数十", 10, True),
    ("几百", 100, True),
    ("十几", 10, True),
    ("二十几人", 20, True),
    ("十来个", 10, True),
    ("40余人次", 40, True),
    ("5000多人", 5000, True),
    ("20 余人", 20, True),
    ("约300人", 300, True),
    ("逾千", 1000, True),
    ("超过500", 500, True),
    ("突破1万", 10000, True),
    ("不足25人", 25, True),
    ("不超过500元", 500, True),
    ("至少3篇", 3, True),
    ("100人左右", 100, True),
    ("80%以上", 80, True),
    ("5人以下", 5, True),
])
def test_parse_values(s, value, approx):
    p = parse_number(s)
    assert p is not None, s
    assert p.value == pytest.approx(value)
    assert p.approx is approx


@pytest.mark.parametrize("s, value", [
    ("3-5人", 3), ("3至5人", 3), ("3~5", 3), ("3到5人", 3), ("10—20家", 10),
    ("五、六千元", 5000), ("五六千", 5000), ("三四十人", 30), ("两三个", 2),
    ("3-5万", 30000), ("1.5-2万元", 15000),
    # the lower bound takes the upper's 万/亿 only while it stays below the upper
    ("一百二十到一百五十万元", 1200000), ("五十至八十万", 500000), ("3千-1万元", 3000),
    ("8000万-1亿元", 80000000), ("2~5千元", 2000),
])
def test_ranges_take_lower_bound_and_are_approx(s, value):
    p = parse_number(s)
    assert p is not None and p.value == pytest.approx(value)
    assert p.approx and p.is_range


@pytest.mark.parametrize("s, value", [("1亿2千万元", 120000000), ("3万5千元", 35000), ("12万3千人", 123000)])
def test_arabic_digits_with_their_own_magnitudes(s, value):
    p = parse_number(s)
    assert p is not None and p.value == value and not p.approx


def test_inner_vague_tens_are_approx():
    p = parse_number("十几万元")
    assert p is not None and p.value == 100000 and p.approx


@pytest.mark.parametrize("s, value", [("4509、50元", 4509.5), ("1421、20元", 1421.2)])
def test_enumeration_comma_falling_to_two_digits_is_a_decimal_mark(s, value):
    p = parse_number(s)
    assert p is not None and p.value == pytest.approx(value) and not p.approx


def test_enumeration_comma_in_a_count_is_not_a_decimal_mark():
    p = parse_number("325、40人")
    assert p is None or p.value != pytest.approx(325.4)


def test_enumeration_comma_rising_is_still_a_range():
    p = parse_number("20、50元")
    assert p is not None and p.value == 20 and p.is_range


@pytest.mark.parametrize("s", [
    "", " ", "abc", "xx", "xx万元", "1xxxx", "近1xxxx", "万元", "几", "多", "-", "、", "百分之",
    "1" * 40, "9" * 17, "12ab", "三x", "3千1万", "2万3万", "二十三四五六七八九十百千万亿" * 3, "\x00\ufffd", "..."
])
def test_not_a_number_returns_none(s):
    assert parse_number(s) is None


@given(st.integers(min_value=0, max_value=10 ** 13))
@settings(max_examples=400, deadline=None)
def test_roundtrip_cn2an_lowercase(n):
    p = parse_number(cn2an.an2cn(n, "low"))
    assert p is not None and p.value == n and not p.approx


@given(st.integers(min_value=0, max_value=10 ** 13))
@settings(max_examples=300, deadline=None)
def test_roundtrip_cn2an_capitals(n):
    p = parse_number(cn2an.an2cn(n, "up"))
    assert p is not None and p.value == n


@given(st.integers(min_value=100, max_value=10 ** 12))
@settings(max_examples=200, deadline=None)
def test_roundtrip_cn2an_digit_by_digit(n):
    # two-character digit runs (两三, 五六) are ranges, so the property starts at 100
    p = parse_number(cn2an.an2cn(n, "direct"))
    assert p is not None and p.value == n


@given(st.integers(min_value=0, max_value=10 ** 9), st.integers(min_value=1, max_value=99))
@settings(max_examples=200, deadline=None)
def test_roundtrip_decimals(i, frac):
    x = float(f"{i}.{frac:02d}".rstrip("0")) if frac % 10 else float(f"{i}.{frac // 10}")
    p = parse_number(cn2an.an2cn(x, "low"))
    assert p is not None and p.value == pytest.approx(x)


@given(st.integers(min_value=0, max_value=10 ** 12))
@settings(max_examples=200, deadline=None)
def test_roundtrip_arabic_with_separators(n):
    p = parse_number(f"{n:,}")
    assert p is not None and p.value == n


@given(st.text(max_size=60))
@settings(max_examples=500, deadline=None)
def test_never_raises_on_arbitrary_text(s):
    p = parse_number(s)
    assert p is None or p.value >= 0


@given(st.text(alphabet="0123456789零一二两三四五六七八九十百千万亿点余多近约-、至xX%元人 ",
               max_size=40))
@settings(max_examples=500, deadline=None)
def test_never_raises_on_numeral_soup(s):
    p = parse_number(s)
    assert p is None or 0 <= p.value <= 1e15


def test_clause_windows_stop_at_punctuation():
    s = "今年,会员共计1438人,覆盖员工"
    i = s.index("1438")
    assert s[left_clause(s, i, 20):i] == "会员共计"
    j = i + len("1438人")
    assert s[j:right_clause(s, j, 20)] == ""
    assert s[left_clause(s, i, 2):i] == "共计"
