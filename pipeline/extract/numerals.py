"""Numeral normaliser: Arabic and Chinese numerals, 万/亿 multipliers,
approximation qualifiers and ranges -> a float value.

`parse_number` reads one quantity string as the extractors cut it out
(`3.5万余元`, `近百人`, `五、六千元`, `二0一0`, `百分之三十`); it never raises
and returns None for anything that is not a plausible quantity (garbage,
40-digit identifiers). The regex fragments at the bottom are shared by the
count, rate and amount extractors so they all see numbers the same way.
"""
from __future__ import annotations

import math
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Iterator, NamedTuple

import yaml

DATA_DIR = Path(__file__).with_name("data")


@cache
def load_data(name: str) -> dict:
    """One YAML vocabulary file of the extract stage, loaded once."""
    with open(DATA_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


class ParsedNumber(NamedTuple):
    value: float
    approx: bool = False
    is_range: bool = False


CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "洞": 0,
    "一": 1, "壹": 1, "幺": 1,
    "二": 2, "两": 2, "兩": 2, "贰": 2, "貳": 2, "俩": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
for _d in range(10):
    CN_DIGITS[str(_d)] = _d
    CN_DIGITS[chr(0xFF10 + _d)] = _d  # full-width digits
CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG = {"万": 10 ** 4, "萬": 10 ** 4, "亿": 10 ** 8, "億": 10 ** 8}
MAGNITUDES = {**CN_UNITS, **CN_BIG}

MAX_VALUE = 1e15          # beyond this a digit run is an identifier, not a quantity
MAX_DIGITS = 16
_RANGE_SEPS = "-~～—–至到、"
# units a caller may leave on the string (parse_number("3-5人"))
_TRAILING_UNITS = sorted(
    ["万美元", "美元", "美金", "人民币", "元", "圆", "块钱", "人次", "场次", "人", "名", "位", "户", "家",
     "个", "份", "场", "期", "次", "条", "件", "项", "所", "支", "对", "篇", "间", "%", "％"],
    key=len, reverse=True)
# 万美元 must keep its 万: strip only the currency part
_TRAILING_UNITS.remove("万美元")
_FULLWIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                            "．": ".", "，": ",", "　": " "})
_ARABIC_MAG = re.compile(r"(\d+(?:\.\d+)?)([十百千万亿拾佰仟萬億]*)")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
# 20余万, 3千多万, 十几万: a qualifier between the digits and a multiplier
_INNER_APPROX = re.compile(r"(?<=[\d一二两三四五六七八九十百千])[余多来](?=[十百千万亿])|(?<=十)几(?=[百千万亿])")


@cache
def _blocked_prefixes() -> dict[str, frozenset[str]]:
    data = load_data("approx.yaml").get("blocked_after") or {}
    return {q: frozenset(chars) for q, chars in data.items()}


@cache
def _qualifiers() -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    data = load_data("approx.yaml")
    pre = tuple(sorted(data["prefixes"], key=len, reverse=True))
    suf = tuple(sorted(data["suffixes"], key=len, reverse=True))
    return pre, suf, frozenset(data.get("magnitude_only", []))


@cache
def _suffix_set() -> frozenset[str]:
    return frozenset(_qualifiers()[1])


@cache
def _prefixes_by_char(end: int) -> dict[str, tuple[str, ...]]:
    """Approximation prefixes grouped by their first (end=0) or last (end=-1) character,
    in `_qualifiers` order: the character next to a number selects the few worth testing."""
    out: dict[str, list[str]] = {}
    for q in _qualifiers()[0]:
        out.setdefault(q[end], []).append(q)
    return {c: tuple(qs) for c, qs in out.items()}


def _digit_sequence(s: str) -> float | None:
    """二0一0 -> 2010: Chinese/Arabic digits read one by one."""
    if len(s) > MAX_DIGITS:
        return None
    out = 0
    for c in s:
        d = CN_DIGITS.get(c)
        if d is None:
            return None
        out = out * 10 + d
    return float(out)


def _cn_integer(s: str) -> float | None:
    """Positional Chinese numeral (十二, 两千三百, 一亿二千万, 两千三 = 2300)."""
    if not s:
        return None
    if not any(c in MAGNITUDES for c in s):
        return _digit_sequence(s)
    total = 0.0
    section = 0.0
    number: int | None = None
    last_unit = 0
    after_unit = False  # the pending digit directly follows a unit (两千三)
    for c in s:
        if c in CN_DIGITS:
            d = CN_DIGITS[c]
            if number is not None and not after_unit:
                return None  # two bare digits in a positional numeral: not a number
            number = d
            if d == 0:
                after_unit = False
                number = None
            continue
        if c in CN_UNITS:
            unit = CN_UNITS[c]
            section += (number if number is not None else 1) * unit
            number, last_unit, after_unit = None, unit, True
            continue
        big = CN_BIG.get(c)
        if big is None:
            return None
        base = section + (number or 0)
        if base == 0 and total == 0:
            base = 1  # a bare 万 / 亿 (近万人)
        if big == 10 ** 8:
            total = (total + base) * big
        else:
            total += base * big
        section, number, last_unit, after_unit = 0.0, None, big, True
    if number is not None:
        if after_unit and last_unit >= 100:
            section += number * last_unit / 10  # 两千三 -> 2300, 三万五 -> 35000
        else:
            section += number
    return total + section


_MIXED = re.compile(r"(?:\d+(?:\.\d+)?[十百千万亿拾佰仟萬億]+){2,}")
_MIXED_PART = re.compile(r"(\d+(?:\.\d+)?)([十百千万亿拾佰仟萬億]+)")


def _mixed_value(body: str) -> float | None:
    """1亿2千万, 3万5千: Arabic digits each with their own magnitudes, decreasing."""
    total, last = 0.0, math.inf
    for digits, mags in _MIXED_PART.findall(body):
        scale = math.prod(MAGNITUDES[c] for c in mags)
        if scale >= last:
            return None
        total += float(digits) * scale
        last = scale
    return total


def _plain_value(body: str) -> float | None:
    """Value of a number without qualifiers or ranges."""
    if not body:
        return None
    if _THOUSANDS.fullmatch(body):
        body = body.replace(",", "")
    m = _ARABIC_MAG.fullmatch(body)
    if m:
        digits, mags = m.groups()
        if len(digits.split(".")[0]) > MAX_DIGITS:
            return None
        value = float(digits)
        for c in mags:
            value *= MAGNITUDES[c]
        return value
    if _MIXED.fullmatch(body):
        return _mixed_value(body)  # None when the magnitudes do not decrease (3千1万)
    if "点" in body:
        ip, _, fp = body.partition("点")
        mult = 1
        while fp and fp[-1] in MAGNITUDES:
            mult *= MAGNITUDES[fp[-1]]
            fp = fp[:-1]
        iv = _cn_integer(ip) if ip else 0.0
        if iv is None or not fp or any(c not in CN_DIGITS for c in fp):
            return None
        return (iv + float("0." + "".join(str(CN_DIGITS[c]) for c in fp))) * mult
    # 2-char runs of non-zero Chinese digits are ranges (两三, 五六), not 23/56
    if len(body) >= 2 and all(c in CN_DIGITS for c in body) and len(body) == 2 \
            and not body.isdigit() and 0 not in (CN_DIGITS[body[0]], CN_DIGITS[body[1]]):
        return None
    return _cn_integer(body)


_DECIMAL_TAIL = re.compile(r"\d{2}")


def _range_lower(left: str, right: str, rv: float) -> float | None:
    """Lower bound of a range: it inherits the upper bound's magnitude when it has
    none (2~5千 -> 2000), and its 万/亿 when it has none of those and the result
    stays below the upper bound (一百二十到一百五十万 -> 1200000, but 3千-1万 -> 3000)."""
    lv = _plain_value(left) if _magnitude_suffix(left) else None
    if lv is None:
        return _plain_value(left + _magnitude_suffix(right))
    big = _big_suffix(right)
    if big and not any(ch in CN_BIG for ch in left):
        scaled = _plain_value(left + big)
        if scaled is not None and scaled <= rv:
            return scaled
    return lv


def _big_suffix(s: str) -> str:
    i = len(s)
    while i > 0 and s[i - 1] in CN_BIG:
        i -= 1
    return s[i:]


def _magnitude_suffix(s: str) -> str:
    i = len(s)
    while i > 0 and s[i - 1] in MAGNITUDES:
        i -= 1
    return s[i:]


_UNIT_SET = frozenset(_TRAILING_UNITS)


def _strip_affixes(s: str) -> tuple[str, bool]:
    """Remove trailing units and approximation qualifiers; report approx."""
    _, _, mag_only = _qualifiers()
    suffix_set = _suffix_set()
    approx = False
    stripped = True
    while stripped:
        stripped = False
        for k in (3, 2, 1):
            if len(s) > k:
                tail = s[-k:]
                if tail in _UNIT_SET or tail in suffix_set:
                    approx = approx or tail in suffix_set
                    s, stripped = s[:-k], True
                    break
    for q in _prefixes_by_char(0).get(s[:1], ()):
        if s.startswith(q) and len(s) > len(q):
            rest = s[len(q):]
            if q in mag_only and rest[0] not in MAGNITUDES:
                continue
            s, approx = rest, True
            break
    return s, approx


def _parse(s: str) -> ParsedNumber | None:
    s = s.translate(_FULLWIDTH).replace(" ", "").replace("\u00a0", "")
    if not s or len(s) > 48:
        return None
    percent = s.startswith("百分之")
    money = s.endswith(("元", "圆"))  # 4509、50元 reads as a decimal only for money
    if percent:
        s = s[3:]
    s, approx = _strip_affixes(s)
    s, n_inner = _INNER_APPROX.subn("", s)
    approx = approx or n_inner > 0
    if not s:
        return None
    if not (approx or percent) and s[0] not in "十拾" and all(c in MAGNITUDES for c in s):
        return None  # a bare 万元 / 百家 names no figure; 近万 / 上百 / 十万 do
    # explicit range: 3-5, 3至5, 五、六千 (the lower bound inherits the upper's magnitude)
    for i, c in enumerate(s):
        if c in _RANGE_SEPS and 0 < i < len(s) - 1:
            left, right = s[:i], s[i + 1:]
            if money and c == "、" and _DECIMAL_TAIL.fullmatch(right) and left.isdigit() \
                    and int(right) < int(left):
                # 4509、50元: a mistyped decimal mark (a range never falls from 4509 to 50);
                # in counts (325、40人) it is a list
                return _checked(float(f"{left}.{right}"), approx, False)
            rv = _plain_value(right)
            if rv is None:
                return None
            lv = _range_lower(left, right, rv)
            if lv is None:
                return None
            return _checked(min(lv, rv), True, True)
    # adjacent Chinese digits as a range: 两三, 三四十, 五六千
    if len(s) >= 2 and s[0] in CN_DIGITS and s[1] in CN_DIGITS and not s[:2].isdigit() \
            and CN_DIGITS[s[0]] != 0 and 0 < CN_DIGITS[s[1]] - CN_DIGITS[s[0]] <= 2 \
            and all(c in MAGNITUDES for c in s[2:]):
        v = _plain_value(s[0] + s[2:])
        return _checked(v, True, True)
    return _checked(_plain_value(s), approx, False)


def _checked(value: float | None, approx: bool, is_range: bool) -> ParsedNumber | None:
    if value is None or not math.isfinite(value) or value < 0 or value > MAX_VALUE:
        return None
    return ParsedNumber(round(value, 6), approx, is_range)


def parse_number(s: str) -> ParsedNumber | None:
    """Parse one quantity (`3.5万余元`, `近百`, `3-5人`, `壹仟`); None if it is none."""
    try:
        return _parse_cached(str(s))
    except (ValueError, OverflowError, KeyError, IndexError, TypeError):
        return None


@lru_cache(maxsize=16384)  # the same figure is parsed by several extractors
def _parse_cached(s: str) -> ParsedNumber | None:
    return _parse(s)


# --- regex fragments shared by the quantity extractors ---------------------
CN_NUM_CHARS = "零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億"
# thousands separated by commas or single spaces (1,438 / 2 300)
ARABIC = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?: \d{3})+(?![\d.])|\d+)(?:\.\d+)?"
MAG = "十百千万亿"
# a number starts at the start of its digit run (the look-behinds keep finditer
# linear on long digit runs) and may carry inner qualifiers (3千多万, 二十余万)
NUMBER = (rf"(?:(?<![\d.]){ARABIC}(?:[余多]?[{MAG}]+)*(?:\d+(?:\.\d+)?[{MAG}]+)*"
          rf"|(?<![{CN_NUM_CHARS}])[{CN_NUM_CHARS}]+(?:点[{CN_NUM_CHARS}]+)?(?:[余多][{MAG}]+|(?<=十)几[{MAG}]+)*)")
RANGE = rf"{NUMBER}(?: ?[-~～—–至到、] ?{NUMBER})?"


# Arabic and Chinese runs apart: 队伍12支 holds the capital 伍 and then 12
_RUN = re.compile(rf"\d+|[{CN_NUM_CHARS}]+")
CAPITAL_NUMERALS = frozenset("壹贰叁肆伍陆柒捌玖拾佰仟")


def is_lone_capital(num: str) -> bool:
    """A single capital numeral is a word (队伍, 大陆, 收拾), not a sum (伍佰元 is one)."""
    return len(num) == 1 and num in CAPITAL_NUMERALS


@lru_cache(maxsize=16)  # counts, amounts and rates scan the same span
def _run_starts(norm: str, start: int, end: int) -> tuple[int, ...]:
    """Starts of the digit/numeral runs in norm[start:end], without the decimals of a
    number (3.5: only 3)."""
    starts = [run.start() for run in _RUN.finditer(norm, start, end)]
    return tuple([rs for rs in starts
                  if not (rs > 1 and norm[rs - 1] == "." and norm[rs - 2].isdigit())])


def quantity_matches(norm: str, start: int, end: int, tail: re.Pattern
                     ) -> Iterator[tuple[re.Match, int, str]]:
    """Figures in norm[start:end]: `tail` (number, unit, ...) matched at the start of
    each digit/numeral run, with an approximation prefix in front of it if any.

    Yields (match, lead, prefix) where lead is where the prefix (or the number)
    starts. Scanning runs and matching there keeps this linear and fast
    (a pattern opening with an optional prefix is tried at every character).
    """
    _, _, mag_only = _qualifiers()
    by_last = _prefixes_by_char(-1)
    blocked = _blocked_prefixes()
    last_end = start
    match = tail.match
    for rs in _run_starts(norm, start, end):
        if rs < last_end:
            continue
        m = match(norm, rs, end)
        if m is None:
            continue
        prefix = ""
        for q in by_last.get(norm[rs - 1], ()) if rs > start else ():
            qs = rs - len(q)
            if qs >= start and norm.startswith(q, qs):
                if q in mag_only and norm[rs] not in MAG:
                    continue
                if qs > 0 and norm[qs - 1] in blocked.get(q, ()):
                    continue
                prefix = q
                break
        last_end = m.end()
        yield m, rs - len(prefix), prefix


def approx_prefix_pattern() -> str:
    """Regex alternation of approximation prefixes (上/数/几 only before 十百千万)."""
    pre, _, mag_only = _qualifiers()
    alts = [re.escape(q) + (f"(?=[{MAG}])" if q in mag_only else "") for q in pre]
    return "(?:" + "|".join(alts) + ")"


def approx_suffixes() -> tuple[str, ...]:
    return _qualifiers()[1]


# clause boundaries for context windows around a figure
CLAUSE_BREAKS = frozenset(",，。;；:：!！?？\n\r()（）[]【】")


def left_clause(norm: str, pos: int, width: int, lo: int = 0) -> int:
    """Start of the context window left of `pos`: at most `width` chars, within the clause."""
    i = pos
    stop = max(lo, pos - width)
    while i > stop and norm[i - 1] not in CLAUSE_BREAKS:
        i -= 1
    return i


def right_clause(norm: str, pos: int, width: int, hi: int | None = None,
                 breaks: frozenset[str] = CLAUSE_BREAKS) -> int:
    """End of the context window right of `pos`."""
    stop = min(len(norm) if hi is None else hi, pos + width)
    i = pos
    while i < stop and norm[i] not in breaks:
        i += 1
    return i
