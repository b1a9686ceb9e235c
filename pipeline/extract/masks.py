"""Mask detection shared by every numeric extractor.

A template masks a value with a run of x/X/×/*/_ (full-width ＊/＿ too), with
digits fused to it (`1xxxx`, `20xx`, `xxx0`). A decimal point or separator is no
mask character: `xx.x万元` holds two runs, `xx` and `x`. Not masks: letters of a latin
word, pinyin gloss, e-mail or URL (`box`, `(xué)`, `xxx@qq.com`), `x`/`×`/`*`
used as a multiplication sign (`4x50米`, `xxx人*xxx元`), decoration lines
(`******`) and bullets.
"""
from __future__ import annotations

import re
from functools import cache

from pipeline.extract.numerals import load_data

# the referee's definition of a character that makes a value's text masked
MASK_CHAR_RE = re.compile(r"[xX×＊*_＿]")


@cache
def _vocab():
    data = load_data("masks.yaml")
    chars = data["mask_chars"]
    # a run starts where its digits start (the look-behind keeps the scan linear); the
    # look-ahead on its first character lets the scan skip other positions quickly
    run = re.compile(r"(?=[\d" + re.escape(chars) + r"])(?<!\d)\d*[" + re.escape(chars) + r"]+\d*")
    return (run, frozenset(chars), frozenset(data["multiplication_chars"]),
            tuple(data["letter_words"]), frozenset(data["address_chars"]),
            re.compile(data["separator_before_re"]), frozenset(data["piece_markers"]))


def _is_letter(c: str) -> bool:
    """Latin letter (ASCII or accented, as in pinyin glosses), not the × sign."""
    if c.isascii():
        return c.isalpha()
    return "\u00c0" <= c <= "\u024f" and c not in "×÷"


def contains_mask(s: str) -> bool:
    """True if `s` holds any mask character: such text must never carry a value."""
    return MASK_CHAR_RE.search(s) is not None


def figure_after_mask(norm: str, pos: int) -> bool:
    """A figure starts at `pos` right after a run of two or more mask chars with no
    digit glued before it: a masked name or code, then a value (张xx676元, 组xx1149.4元).
    Its first digit is not 0: trailing zeros belong to the mask (x00, xxx0)."""
    if pos < 2 or not norm[pos].isdigit() or norm[pos] == "0":
        return False
    i = pos
    while i > 0 and MASK_CHAR_RE.match(norm[i - 1]):
        i -= 1
    return pos - i >= 2 and not (i > 0 and norm[i - 1].isdigit())


def touches_mask(norm: str, start: int, end: int) -> bool:
    """True if [start, end) contains a mask char or is glued to one (`1xxxx`, `xxx0`),
    unless a masked name ends right before the figure (`figure_after_mask`)."""
    if MASK_CHAR_RE.search(norm, start, end):
        return True
    before = norm[start - 1] if start > 0 else ""
    after = norm[end] if end < len(norm) else ""
    if MASK_CHAR_RE.match(before) and not figure_after_mask(norm, start):
        return True
    return bool(MASK_CHAR_RE.match(after))


_BLANK_TO_EOL = re.compile(r"[^\S\n]*(?:\n|\Z)")


def _opens_line(norm: str, s: int) -> bool:
    """Only blanks between the line's start and `s` (scans the blanks, not the line:
    a long line can hold thousands of runs)."""
    i = s - 1
    while i >= 0 and norm[i] != "\n" and norm[i].isspace():
        i -= 1
    return i < 0 or norm[i] == "\n"


def _ends_line(norm: str, e: int) -> bool:
    return _BLANK_TO_EOL.match(norm, e) is not None


_DOTTED = frozenset("._-/:@")


def _in_dotted_name(norm: str, s: int, e: int, chars: frozenset[str]) -> bool:
    """The dotted token around norm[s:e] holds a latin letter that is not a mask char
    (www.xxx.com, xxx.docx): a name. Only mask chars, digits and dots (xx.x, 1x.xx) are a
    masked decimal, whose runs split at the point like any other non-mask char."""
    def part(c: str) -> bool:
        return c in chars or c.isdigit() or c in _DOTTED or _is_letter(c)
    i, j = s, e
    while i > 0 and part(norm[i - 1]):
        i -= 1
    while j < len(norm) and part(norm[j]):
        j += 1
    return any(_is_letter(c) and c not in chars for c in norm[i:j])


def mask_spans(norm: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of every mask run in norm[start:end]."""
    run_re, chars, mult, letter_words, address, separator_before, piece_markers = _vocab()
    end = len(norm) if end is None else end
    out: list[tuple[int, int]] = []
    for m in run_re.finditer(norm, start, end):
        s, e = m.span()
        core_s, core_e = s, e
        while norm[core_s].isdigit():
            core_s += 1
        while norm[core_e - 1].isdigit():
            core_e -= 1
        if core_e < e and core_s == s and figure_after_mask(norm, core_e):
            e = core_e  # 张xx676元: the mask ends where the figure starts
        core = norm[core_s:core_e]
        before = norm[s - 1] if s > 0 else ""
        after = norm[e] if e < len(norm) else ""
        # a latin word, pinyin gloss or address: letters or @ glued to the run
        if _is_letter(before) or _is_letter(after) or before in address or after in address:
            continue
        if (before == "." or after == ".") and _in_dotted_name(norm, s, e, chars):
            continue  # a domain or file name: www.xxx.com, x.docx (not xx.x万元)
        if len(core) == 1 and core in mult and core_s > s and core_e < e:
            continue  # 4x50米, 3×3
        if len(core) == 1 and core in "xX" and norm.startswith(letter_words, e):
            continue  # X光, X射线
        if core_s == s and len(core) > 1 and core[0] in "*×" and core[1] not in "*×" \
                and before and not before.isspace() and before not in chars:
            # xxx人*xxx元: the star multiplies two masked factors
            s = core_s = s + 1
            core = core[1:]
        if core == "_" and separator_before.match(norm, e, min(len(norm), e + 8)):
            continue  # 工作计划_第2页: a page-title separator
        if before in piece_markers and core_s > s:
            s += 1  # 篇120xx年: the 1 numbers the piece
        if len(core) == 1 and core_s == s and core_e == e:
            if _opens_line(norm, s) and _ends_line(norm, e):
                continue  # a lone ×/* on a line of its own: a close icon or bullet, no value
        if core[0] in "*_" and len(set(core)) == 1:
            opens = _opens_line(norm, s)
            if opens and len(core) >= 3 and _ends_line(norm, e):
                continue  # a decoration line ****** / ______
            if core == "*" and opens and after == " ":
                continue  # a bullet
        out.append((s, e))
    return out
