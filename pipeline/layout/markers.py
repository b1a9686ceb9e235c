"""Heading numbering markers: 一、 (一) 1、 1. 1) (1) ① 一是 第一部分 ...

`parse_marker(line)` reads the numbering at the start of a (normalised,
left-stripped) line and returns its kind and value; kinds are compared, not
ranked, because reports use them in different orders (the structure stage
derives levels from the order of first appearance).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_CN_DIGITS = {"零": 0, "〇": 0, "0": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5,
              "陆": 6, "柒": 7, "捌": 8, "玖": 9}
CN_NUM = "[一二三四五六七八九十]{1,3}"


def cn_to_int(s: str) -> int | None:
    """Chinese (or Arabic) numeral 1..99 -> int; None if it is not one."""
    if not s:
        return None
    if s.isdigit():
        try:
            return int(s)
        except ValueError:
            return None
    s = s.replace("拾", "十")
    if "十" in s:
        head, _, tail = s.partition("十")
        tens = _CN_DIGITS.get(head, None) if head else 1
        ones = _CN_DIGITS.get(tail, None) if tail else 0
        if tens is None or ones is None or "十" in tail:
            return None
        return tens * 10 + ones
    if len(s) == 1 and s in _CN_DIGITS:
        return _CN_DIGITS[s]
    return None


# (kind, regex); the first match wins, so the more specific come first.
_MARKERS: list[tuple[str, re.Pattern]] = [
    ("cn_paren", re.compile(rf"^[(（]\s*({CN_NUM})\s*[)）]\s*")),
    ("ar_paren", re.compile(r"^[(（]\s*([0-9]{1,2})\s*[)）]\s*")),
    ("cn_dun", re.compile(rf"^({CN_NUM})\s*[、,，.．:：]\s*")),
    ("part", re.compile(rf"^第({CN_NUM})(?:部分|章|节|方面|项)?\s*[、,，:：.．\s]\s*")),
    ("cn_shi", re.compile(rf"^(?:其|第)?({CN_NUM})是\s*[,，:：]?")),
    ("ar_dun", re.compile(r"^([0-9]{1,2})\s*[、,，]\s*(?=\D)")),
    ("ar_dot", re.compile(r"^([0-9]{1,2})\s*[.．](?!(?![0-9]{4}\s*年)[0-9])\s*")),  # 8.2026年工作计划
    ("ar_dot", re.compile(r"^([⒈-⒛])\s*")),
    ("ar_rparen", re.compile(r"^([0-9]{1,2})\s*[)）]\s*")),
    ("circled", re.compile(r"^([①-⑳])\s*")),
]


@dataclass(frozen=True)
class Marker:
    kind: str
    value: int
    length: int      # characters of the marker (with trailing spaces/punctuation)
    text: str        # the marker as written


def _value(kind: str, raw: str) -> int | None:
    if kind == "circled":
        return ord(raw) - ord("①") + 1
    if raw and "⒈" <= raw <= "⒛":
        return ord(raw) - ord("⒈") + 1
    return cn_to_int(raw)


def parse_marker(line: str) -> Marker | None:
    """The numbering marker at the start of `line` (already left-stripped), if any."""
    if not line:
        return None
    c = line[0]
    if not (c in "(（第其" or c.isdigit() or c in _CN_DIGITS or c == "十" or "①" <= c <= "⑳" or "⒈" <= c <= "⒛"):
        return None
    return _parse_prefix(line[:12])


@functools.lru_cache(maxsize=4096)
def _parse_prefix(line: str) -> Marker | None:
    c = line[0]
    if not (c in "(（第其" or c.isdigit() or c in _CN_DIGITS or c == "十" or "①" <= c <= "⑳" or "⒈" <= c <= "⒛"):
        return None
    for kind, rx in _MARKERS:
        m = rx.match(line)
        if m:
            v = _value(kind, m.group(1))
            if v is None or v == 0:
                continue
            # "一年来" / "二0一0年" are not markers: the cn_dun regex needs punctuation,
            # cn_shi needs 是; guard the year-like "2010." too.
            if kind in ("ar_dot", "ar_dun", "ar_rparen") and v > 60:
                continue
            return Marker(kind, v, m.end(), m.group(0))
    return None
