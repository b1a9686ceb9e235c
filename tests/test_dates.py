"""Date expressions: explicit dates, ranges, ellipses, festivals, masks."""
import pytest

from pipeline.extract.dates import find_dates, parse_cn_int, parse_date


@pytest.mark.parametrize("s, iso", [
    ("1月9日", "01-09"),
    ("4月17日", "04-17"),
    ("12月24日", "12-24"),
    ("3月初", "03"),
    ("九月底", "09"),
    ("10月下旬", "10"),
    ("3月中旬", "03"),
    ("5月份", "05"),
    ("五月", "05"),
    ("十一月份", "11"),
    ("十二月三十一日", "12-31"),
    ("二十一日", None),                      # no month: not a date on its own
    ("2010年4月13日", "2010-04-13"),
    ("二0一0年十一月十日", "2010-11-10"),
    ("二〇一一年三月十五日", "2011-03-15"),
    ("2008年3月", "2008-03"),
    ("20xx年4月13日", "04-13"),               # masked year: no year, date kept
    ("xx月xx日", None),                       # masked month and day: no date
    ("3月xx日", "03"),                       # masked day: the month is still known
    ("3月7日至9日", "03-07"),
    ("8月20日至21日", "08-20"),
    ("10月13日-26日", "10-13"),
    ("4月15日至5月15日", "04-15"),
    ("3月至5月", "03"),
    ("3-5月", "03"),
    ("7、8月份", "07"),
    ("4月底至5月初", "04"),
    ("“6.26”国际禁毒日", "06-26"),
    ("组织了“3.12”植树活动", "03-12"),
])
def test_explicit_dates(s, iso):
    d = parse_date(s)
    assert (d.iso() if d else None) == iso


@pytest.mark.parametrize("s", ["近3个月", "两个月", "第十一届", "30年教龄", "提高了3.5个百分点",
                               "增长12.6%", "第11期", "十一五规划"])
def test_not_dates(s):
    assert find_dates(s) == []


def test_range_yields_one_expression():
    found = find_dates("于10月13日-26日普及简化太极拳")
    assert [(d.iso(), d.is_range) for d in found] == [("10-13", True)]


def test_elliptic_day_takes_previous_month():
    s = "1月5日校工会给全体教职工发放油等。7日发放两级补助金和物品"
    assert [d.iso() for d in find_dates(s)] == ["01-05", "01-07"]


def test_elliptic_part_takes_previous_month():
    s = "3月中旬,我们将这50条录入编辑打印成册,下旬各工会小组长签定了责任书"
    assert [d.iso() for d in find_dates(s)] == ["03", "03"]


def test_elliptic_day_needs_a_dated_neighbour_on_the_line():
    assert [d.iso() for d in find_dates("7日发放补助金")] == []
    assert [d.iso() for d in find_dates("3月\n7日发放补助金")] == ["03"]


@pytest.mark.parametrize("s, fest, iso, lunar", [
    ("三八节组织了系列活动", "三八", "03-08", False),
    ("“五一”前夕,区总工会召开表彰大会", "五一", "05-01", False),
    ("“五·一”前夕", "五·一", "05-01", False),
    ("国庆节安排职工游园", "国庆节", "10-01", False),
    ("国庆期间组织游园", "国庆", "10-01", False),
    ("“十一”节我们组织了拔河比赛", "十一", "10-01", False),
    ("元旦前夕走访", "元旦", "01-01", False),
    ("教师节观看了电影", "教师节", "09-10", False),
    ("八一建军节前夕", "八一建军节", "08-01", False),
    ("春节前夕慰问", "春节", None, True),
    ("端午节包粽子", "端午节", None, True),
])
def test_festivals(s, fest, iso, lunar):
    d = find_dates(s)[0]
    assert (d.kind, d.festival, d.iso(), d.lunar) == ("festival", fest, iso, lunar)


def test_festival_time_word_is_part_of_the_expression():
    s = "每年五一期间召开表彰大会"
    d = find_dates(s)[0]
    assert s[d.start:d.end] == "五一期间"


@pytest.mark.parametrize("s, v", [("12", 12), ("十", 10), ("十二", 12), ("二十一", 21), ("三十", 30),
                                  ("二0一0", 2010), ("二〇一一", 2011), ("xx", None), ("", None),
                                  ("十十", None)])
def test_parse_cn_int(s, v):
    assert parse_cn_int(s) == v


def test_offsets_point_into_the_text():
    s = "今年工作如下:2010年4月13日召开会议,“五一”前夕开展慰问。"
    for d in find_dates(s):
        assert s[d.start:d.end] in ("2010年4月13日", "“五一”前夕")


def test_long_and_odd_input_does_not_crash():
    s = "9" * 40 + "月" + "9" * 40 + "日" + "\U0001F600\u200b" * 1000 + "十" * 5000 + "月"
    find_dates(s)


@pytest.mark.parametrize("s, iso", [
    ("今年 3 月 27日", "03-27"),          # spaces between the parts
    ("20183月召开", "2018-03"),           # a year whose 年 was dropped
    ("9月x日,我会", "09"),                # masked day: month only
    ("到201*年5月底", "05"),              # a year masked in its last digit
])
def test_real_report_date_shapes(s, iso):
    d = parse_date(s)
    assert d is not None and d.iso() == iso


def test_masked_year_with_three_digits_is_part_of_the_date():
    d = parse_date("到201*年5月底")
    assert d is not None and d.start == 1 and d.year is None


@pytest.mark.parametrize("text, iso", [
    ("于20190315召开", "2019-03-15"),        # a compact date after a time preposition
    ("7月9-11日", "07-09"),                   # a day range with one 日 keeps its first day
    ("“三?八”前夕", "03-08"),                 # a middle dot lost to a bad encoding
    ("护士节期间", "05-12"),
    ("植树节当天", "03-12"),
])
def test_more_date_shapes(text, iso):
    assert [d.iso() for d in find_dates(text)] == [iso]


@pytest.mark.parametrize("text", ["电话20190315", "共计20190315人", "编号2019031588"])
def test_eight_digit_numbers_are_not_dates(text):
    assert find_dates(text) == []


@pytest.mark.parametrize("text, iso", [
    ("2024.3.8,工会组织", "2024-03-08"),       # numeric dates with their year (news items)
    ("2024-03-08 工会召开", "2024-03-08"),
    ("于2024/4/20举办", "2024-04-20"),
])
def test_numeric_dates_with_a_year(text, iso):
    assert [d.iso() for d in find_dates(text)] == [iso]


@pytest.mark.parametrize("text", [
    "增长3.8%",             # without a year a dotted number is a number
    "2023-2024学年",        # a year range
    "2024.3.8.1版",         # a version number
    "电话0571-2024-3-8",
    "投入3.8万元",
])
def test_numeric_shapes_that_are_not_dates(text):
    assert [d.iso() for d in find_dates(text) if d.kind == "date"] == []


def test_double_eleven_is_no_national_day():
    assert find_dates("双十一期间开展促销") == []
    assert [d.iso() for d in find_dates("十一期间组织旅游")] == ["10-01"]
