"""Date expressions in Chinese report text: explicit dates, festivals, ellipses.

Works on normalised text (simplified, half-width). Recognises
`1月9日`, `3月初`, `4月17日`, `2010年4月13日`, `二0一0年十一月十日`, ranges
(`3月7日至9日`, `8月20日至21日`, `10月13日-26日`, `3月至5月` -> the start),
quoted dotted dates (`“6.26”`, `“3.12”`), festivals (`三八节`, `“五一”前夕`,
`国庆期间`, lunar ones flagged; 双十一 is a shopping day, not 国庆), numeric dates
with a year (`2024.3.8`, `2024-03-08`, `2024/4/20`), and elliptic follow-ups that take the month of
the preceding date in the same line (`1月5日…。7日发放…`, `3月中旬…,下旬…`).
Masked parts (`xx月`, `20xx年`) give no value: a masked year is dropped, a
masked month makes the expression masked, a masked day keeps the month
(`9月x日` -> `09`). Parts may be spaced (`今年 3 月 27日`) and a four-digit
year may have lost its 年 (`20183月`).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

_DATA = Path(__file__).with_name("data")

_CN_DIGIT = {"〇": 0, "零": 0, "o": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MASK = "xX×*_"


def parse_cn_int(s: str) -> int | None:
    """Small integer written in Arabic or Chinese digits (`12`, `十二`, `二十一`,
    `二0一0`); None when it cannot be read (masks, empty)."""
    s = s.strip()
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if "十" in s:
        head, _, tail = s.partition("十")
        h = _CN_DIGIT.get(head, None) if head else 1
        t = _CN_DIGIT.get(tail, None) if tail else 0
        if h is None or t is None or len(head) > 1 or len(tail) > 1:
            return None
        return h * 10 + t
    digits = []
    for ch in s:
        if ch.isascii() and ch.isdigit():
            digits.append(int(ch))
        elif ch in _CN_DIGIT:
            digits.append(_CN_DIGIT[ch])
        else:
            return None
    return int("".join(map(str, digits))) if digits else None


@dataclass(frozen=True)
class DateExpr:
    """One date expression found in the text ([start, end) in the doc)."""
    start: int
    end: int
    kind: str                  # "date", "dotted", "festival", "day_only", "part_only"
    month: int | None = None
    day: int | None = None
    year: int | None = None
    part: str | None = None    # 初 / 上旬 / 中旬 / 下旬 / 底 / 末 / masked_day (9月x日)
    festival: str | None = None
    lunar: bool = False
    is_range: bool = False
    masked: bool = False

    def iso(self) -> str | None:
        """`MM-DD`, `MM`, `YYYY-MM-DD` or `YYYY-MM`; None if no month is known.
        A part of the month (初/中旬/下旬/底) keeps the month only."""
        if self.month is None or self.masked or not 1 <= self.month <= 12:
            return None
        out = f"{self.month:02d}"
        if self.day is not None and self.part is None:
            if not 1 <= self.day <= 31:
                return None
            out += f"-{self.day:02d}"
        if self.year is not None and 1900 <= self.year <= 2100:
            out = f"{self.year}-{out}"
        return out


# --- explicit dates -------------------------------------------------------

_CNUM = "〇零一二两三四五六七八九十"
# a year, or a four-digit year whose 年 was dropped (20183月): 19xx/20xx glued to a month
_YEAR = (r"(?:(?P<year>\d{4}|[〇零一二三四五六七八九0-9oO]{4}|\d{2,3}[xX×*_]{1,2}|[xX×*_]{2,4}|\d{2}-|-)[ \u3000]?年(?:度)?"
         r"|(?P<bare_year>(?:19|20)\d\d)(?=(?:1[0-2]|[1-9])月))[ \u3000]?")
# spaces may stand between the parts (今年 3 月 27日)
_MONTH = r"(?P<month>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]|[xX×*_]{1,2})[ \u3000]?月(?:份)?"
_DAY = r"[ \u3000]?(?P<day>3[01]|[12]\d|0?[1-9]|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九]|[xX×*_]{1,2})[ \u3000]?[日号](?!常|益|报|本|记|期|后|程)"
# the first day of a day range whose 日 is written once (7月9-11日)
_DAY_OF_RANGE = r"[ \u3000]?(?P<rday>3[01]|[12]\d|0?[1-9])(?=\s?(?:至|到|-|—|~|～|－)\s?(?:3[01]|[12]\d|0?[1-9])[日号])"
_PART = r"(?P<part>初|上旬|中旬|下旬|中下旬|底|末)"
_RANGE_TAIL = (r"(?:\s?(?:至|到|-|—|~|～|－|―)\s?"
               r"(?:\d{4}年)?(?:(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月(?:份)?)?"
               r"(?:(?:3[01]|[12]\d|0?[1-9]|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])[日号])?"
               r"(?:初|上旬|中旬|下旬|底|末)?)")
_DATE_RE = re.compile(
    rf"(?<![\d.{_CNUM}第])(?:{_YEAR})?{_MONTH}(?:{_DAY}|{_DAY_OF_RANGE}|{_PART})?(?P<range>{_RANGE_TAIL})?"
)
# month range written with one 月: 3-5月, 1至10月
_MONTH_RANGE_RE = re.compile(
    rf"(?<![\d.{_CNUM}第])(?:{_YEAR})?(?P<month>1[0-2]|0?[1-9])(?:-|—|~|至|到|、)(?:1[0-2]|0?[1-9])月(?:份)?"
)
# a compact date (于20081226召开…), only after a time preposition or a boundary
# (?=[12]) first: the year's digit, so the lookbehinds run only where one can start
_COMPACT_RE = re.compile(r"(?=[12])(?:(?<=^)|(?<=[于在从自是,，。;；:：\s(（]))(?P<year>(?:19|20)\d\d)(?P<month>0[1-9]|1[0-2])"
                         r"(?P<day>0[1-9]|[12]\d|3[01])(?![\d.%年月日号元万亿])")
# a numeric date with its year: 2024.3.8, 2024-03-08, 2024/4/20 (news items and
# notices); the same separator twice, so no decimal (3.8万) or year range (2023-2024)
# is read as one. Without a year (3.8) it is a number, not a date.
_NUMERIC_RE = re.compile(r"(?=[12])(?<![\d.\-/])(?P<year>(?:19|20)\d\d)(?P<sep>[./\-])(?P<month>1[0-2]|0?[1-9])"
                         r"(?P=sep)(?P<day>3[01]|[12]\d|0?[1-9])(?![\d%]|[./\-]\d)")
# a quoted dotted date: “6.26”, “3·12”
_DOTTED_RE = re.compile(r"[“\"'‘「](?P<month>1[0-2]|0?[1-9])[.·・](?P<day>3[01]|[12]\d|0?[1-9])[”\"'’」]")
# elliptic follow-ups at the head of a clause
_HEAD = r"(?:(?<=^)|(?<=[。;；,，:：!！?？\n\s]))"
_DAY_ONLY_RE = re.compile(
    _HEAD + r"(?:于|在)?(?P<day>3[01]|[12]\d|0?[1-9]|[二三]?十[一二三四五六七八九]?)[日号](?=[^\d日号至到-])")
_PART_ONLY_RE = re.compile(_HEAD + r"(?:月)?(?P<part>上旬|中旬|下旬|月初|月底|月末)(?=[^,，。;；]{2})")


_DOT_VARIANTS = ("・", "•", "?", "？", "．")


@cache
def _festival_tables() -> tuple[re.Pattern, dict[str, str | None], frozenset[str], tuple[str, ...]]:
    data = yaml.safe_load((_DATA / "festivals.yaml").read_text(encoding="utf-8"))
    date_of: dict[str, str | None] = {}
    for item in data["solar"]:
        for name in item["names"]:
            date_of[str(name)] = item["date"]
            # the middle dot of 三·八 is often written otherwise or lost to a `?` by a bad encoding
            for dot in _DOT_VARIANTS if "·" in str(name) else ():
                date_of[str(name).replace("·", dot)] = item["date"]
    for name in data["lunar"]["names"]:
        date_of[str(name)] = None
    names = sorted(date_of, key=len, reverse=True)
    times = sorted(data["time_words"], key=len, reverse=True)
    alt = "|".join(re.escape(n) for n in names)
    pat = re.compile(
        rf"(?P<q1>[“\"「『])?(?<![{_CNUM}\d第双])(?P<fest>{alt})(?![{_CNUM}\d月日号届个名人次点时]|期(?!间))"
        rf"(?P<q2>[”\"」』])?(?P<jie>(?:国际)?(?:妇女|劳动|青年|儿童|建党|建军)?节(?![约省目能奏点水电制]))?"
        rf"(?P<when>{'|'.join(map(re.escape, times))})?"
    )
    return pat, date_of, frozenset(map(str, data["full_names"])), tuple(times)


def festival_pattern() -> re.Pattern:
    """The festival regex (groups: q1, fest, q2, jie, when)."""
    return _festival_tables()[0]


def festival_dates() -> dict[str, str | None]:
    """Festival written form -> `MM-DD`, or None for lunar festivals."""
    return _festival_tables()[1]


def full_festival_names() -> frozenset[str]:
    """Festival names that are unambiguous without 节 or quotes (元旦, 国庆节 …)."""
    return _festival_tables()[2]


def festival_time_words() -> tuple[str, ...]:
    """前夕, 期间, 之际 …: words saying an event happened at the festival."""
    return _festival_tables()[3]


@cache
def _festival_anchor() -> re.Pattern:
    names = sorted(_festival_tables()[1], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _int_or_mask(s: str | None) -> tuple[int | None, bool]:
    if s is None:
        return None, False
    if any(c in _MASK for c in s) or s in ("-",) or s.endswith("-"):
        return None, True
    return parse_cn_int(s), False


def _year_of(s: str | None) -> int | None:
    v, masked = _int_or_mask(s)
    if masked or v is None or not 1900 <= v <= 2100:
        return None
    return v


_MONTH_ANCHOR = re.compile("月")
_DAY_ANCHOR = re.compile("[日号]")
_PART_ANCHOR = re.compile("旬|月初|月底|月末")


def _anchored(rx: re.Pattern, anchors: re.Pattern, text: str, start: int, end: int,
              back: int, ahead: int = 40):
    """Matches of the (slow, lookbehind-heavy) `rx` that contain a match of the
    (fast) `anchors` regex: `rx` only runs in small windows around anchors."""
    last = start
    for a in anchors.finditer(text, start, end):
        p = a.start()
        if p < last:
            continue
        pos = max(last, p - back)
        stop = min(end, a.end() + ahead)
        while pos <= p:
            m = rx.search(text, pos, stop)
            if m is None or m.start() > p:
                break
            if m.end() > p:
                yield m
                last = m.end()
                break
            pos = max(m.end(), pos + 1)


class _Intervals:
    """Disjoint [s, e) intervals, sorted, with an overlap test (bisect)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def free(self, s: int, e: int) -> bool:
        i = bisect.bisect_left(self.starts, e)
        return i == 0 or self.ends[i - 1] <= s

    def add(self, s: int, e: int) -> None:
        i = bisect.bisect_left(self.starts, s)
        self.starts.insert(i, s)
        self.ends.insert(i, e)


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[DateExpr]:
    """All date expressions in text[start:end], sorted by start, non-overlapping.
    Elliptic day/part-of-month heads inherit the month of the preceding dated
    expression on the same line."""
    end = len(text) if end is None else end
    found: list[DateExpr] = []
    taken = _Intervals()
    free = taken.free

    for m in _anchored(_MONTH_RANGE_RE, _MONTH_ANCHOR, text, start, end, 12):
        found.append(DateExpr(m.start(), m.end(), "date", int(m.group("month")),
                              year=_year_of(m.group("year")), is_range=True))
        taken.add(m.start(), m.end())
    for m in _anchored(_DATE_RE, _MONTH_ANCHOR, text, start, end, 12):
        if not free(m.start(), m.end()):
            continue
        month, mmask = _int_or_mask(m.group("month"))
        day, dmask = _int_or_mask(m.group("day") or m.group("rday"))
        part = m.group("part")
        if dmask and not mmask:
            part = "masked_day"  # 9月x日: the month is still known
        year = _year_of(m.group("year") or m.group("bare_year"))
        found.append(DateExpr(m.start(), m.end(), "date", month, day, year,
                              part, is_range=bool(m.group("range")), masked=mmask))
        taken.add(m.start(), m.end())
    for m in _COMPACT_RE.finditer(text, start, end):
        if free(m.start(), m.end()):
            found.append(DateExpr(m.start(), m.end(), "date", int(m.group("month")),
                                  int(m.group("day")), int(m.group("year"))))
            taken.add(m.start(), m.end())
    for m in _NUMERIC_RE.finditer(text, start, end):
        if free(m.start(), m.end()):
            found.append(DateExpr(m.start(), m.end(), "date", int(m.group("month")),
                                  int(m.group("day")), int(m.group("year"))))
            taken.add(m.start(), m.end())
    for m in _DOTTED_RE.finditer(text, start, end):
        if free(m.start(), m.end()):
            found.append(DateExpr(m.start(), m.end(), "dotted", int(m.group("month")),
                                  int(m.group("day"))))
            taken.add(m.start(), m.end())
    pat, date_of, _, _ = _festival_tables()
    for m in _anchored(pat, _festival_anchor(), text, start, end, 1, 12):
        s, e = m.start(), m.end()
        if m.group("q1") and not m.group("q2"):
            s = m.start("fest")  # an unrelated opening quote
            if not m.group("jie") and not m.group("when"):
                e = m.end("fest")
        if s >= e or not free(s, e):
            continue
        d = date_of[m.group("fest")]
        mm, dd = (int(d[:2]), int(d[3:])) if d else (None, None)
        found.append(DateExpr(s, e, "festival", mm, dd, festival=m.group("fest"), lunar=d is None))
        taken.add(s, e)
    for rx, kind, anchor in ((_DAY_ONLY_RE, "day_only", _DAY_ANCHOR), (_PART_ONLY_RE, "part_only", _PART_ANCHOR)):
        for m in _anchored(rx, anchor, text, start, end, 6, 4):
            if free(m.start(), m.end()):
                if kind == "day_only":
                    found.append(DateExpr(m.start(), m.end(), kind, None, parse_cn_int(m.group("day"))))
                else:
                    found.append(DateExpr(m.start(), m.end(), kind, None,
                                          part=m.group("part").removeprefix("月")))
                taken.add(m.start(), m.end())
    found.sort(key=lambda d: d.start)
    return _resolve_ellipses(text, found)


def _resolve_ellipses(text: str, found: list[DateExpr]) -> list[DateExpr]:
    out: list[DateExpr] = []
    last: DateExpr | None = None
    for d in found:
        if d.kind in ("day_only", "part_only"):
            ok = (last is not None and last.month is not None and not last.masked
                  and d.start - last.end <= 200 and "\n" not in text[last.end:d.start]
                  and (d.kind == "part_only" or last.day is not None))
            if ok:
                assert last is not None
                out.append(DateExpr(d.start, d.end, d.kind, last.month, d.day, None, d.part))
            continue
        if d.kind in ("date", "dotted"):
            last = d
        out.append(d)
    return out


def parse_date(s: str) -> DateExpr | None:
    """The first date expression of a short string (festivals included), or None."""
    found = find_dates(s)
    return found[0] if found else None
