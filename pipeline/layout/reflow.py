"""The layout view of a decoded text: paragraphs one per line, as the seeds are.

Submissions arrive hard-wrapped (a PDF viewer's copy: a break every ~38
characters, dates and figures cut in two), with layout spaces (`2011 年 9 月`,
`500 元`, OCR's `工 会 工 作`) or as run-on text (a web page's text on one
line). `layout_view(text, norm)` undoes these, in three passes, each decided
from the text itself and doing nothing on a text that does not show it:

1. hard wrap: when most lines are cut at one width (char count or display
   width), a full-width line joins the next unless the next starts a heading
   or list item (`markers.py`), is indented or blank;
2. layout spaces: spaces between a CJK character and a digit (both ways) when
   the text spaces most of them, and between two CJK characters (or a CJK
   character and punctuation) when it spaces many of them, are dropped;
   never between digits or mask characters, nor around Latin words;
3. run-on text (most of the text in lines over `RUNON_CHARS`): a paragraph
   break is inserted before a heading marker that follows a sentence end, and
   pieces still over `PARA_CHARS` are cut at sentence ends.

The view is a new string and `to_source`, the source offset of every view
position (len(view) + 1 ints; an inserted break maps to the next source
character, a deleted character has no view position). `to_source` is None
when the view is the source: the common, zero-cost case.
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.layout.markers import parse_marker

RUNON_CHARS = 400        # a line longer than this is run-on text ...
RUNON_SHARE = 0.6        # ... when lines that long hold this share of the text
PARA_CHARS = 400         # a run-on piece longer than this is cut at sentence ends
WRAP_MIN_LINES = 4       # wrapped lines needed to call a text hard-wrapped
WRAP_MIN_CHARS = 20      # narrower "wraps" are lists of short lines
WRAP_SPREAD = 0.12       # their lengths lie within this fraction of the width
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
_SPACES = re.compile(" +")
_TIGHT_DIGIT = re.compile(rf"[{_CJK}][0-9]|[0-9][{_CJK}]")
# in a text spaced character by character, punctuation next to a hanzi is spaced too
_PUNCT = "。，、；：？！“”‘’（）《》【】,.;:!?()"
_CJK_RUN = re.compile(rf"[{_CJK}]+")
# a line that ends a sentence (a wrap can fall there too, but a paragraph must)
_SENTENCE_END = re.compile(r"[。!?！？;；:：…]['\"”’)）】」』]*$")
# where a run-on text may take a paragraph break: after a sentence end
_BREAK_AFTER = re.compile(r"[。!?！？;；:：]['\"”’)）】」』]*\s*")
_SENTENCE_STOP = re.compile(r"[。!?！？]['\"”’)）】」』]*")
_WIDE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
                   "\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")
_BULLET = re.compile(r"[-•·▪●◦]\s")
_LATIN = re.compile(r"[A-Za-z]")
# marker kinds that open a paragraph in run-on text (一是 clauses stay inline)
_BREAK_KINDS = frozenset({"cn_paren", "ar_paren", "cn_dun", "part", "ar_dun", "ar_dot", "circled"})


@functools.cache
def _titles() -> tuple[re.Pattern, re.Pattern, int]:
    """Report-title patterns for run-on text (data/reflow.yaml)."""
    cfg = yaml.safe_load((Path(__file__).parent / "data" / "reflow.yaml").read_text(encoding="utf-8"))
    union = lambda ps: re.compile("|".join(f"(?:{p})" for p in ps))  # noqa: E731
    return union(cfg["title_before"]), union(cfg["title_after"]), int(cfg["max_title_chars"])


@dataclass
class View:
    text: str
    to_source: list[int] | None   # None: the view is the source


def layout_view(text: str, norm: str) -> View:
    """The layout view of `text` (`norm` is its normalised form, same length)."""
    to_source: list[int] | None = None
    for make_edits in (_wrap_edits, _space_edits, _runon_edits):
        edits = make_edits(norm)
        if edits is None:
            continue
        text, m = _apply(text, *edits)
        norm, _ = _apply(norm, *edits)
        to_source = m if to_source is None else [to_source[i] for i in m]
    return View(text, to_source)


def _apply(text: str, deletes: list[int], inserts: list[int], subs: dict[int, str]) -> tuple[str, list[int]]:
    """Apply deletions (positions), inserted '\\n' (before positions) and substitutions;
    return the new text and the old position of every new position (and of its end)."""
    events = sorted([(p, 1) for p in deletes] + [(p, 0) for p in inserts] + [(p, 2) for p in subs])
    out: list[str] = []
    pos: list[int] = []
    last = 0
    for p, kind in events:
        if p > last:
            out.append(text[last:p])
            pos.extend(range(last, p))
            last = p
        if kind == 0:
            out.append("\n")
            pos.append(p)
        elif p == last:
            if kind == 2:
                out.append(subs[p])
                pos.append(p)
            last = p + 1
    out.append(text[last:])
    pos.extend(range(last, len(text) + 1))
    return "".join(out), pos


# -- 1. hard wrap -------------------------------------------------------------

def _width(line: str) -> int:
    """Display width: wide (CJK, full-width) characters count twice."""
    return len(line) + len(_WIDE.findall(line))


def _spans(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each line of "\n".join(lines)."""
    out, start = [], 0
    for ln in lines:
        out.append((start, start + len(ln)))
        start += len(ln) + 1
    return out


def _wrap_threshold(lines: list[str]) -> tuple[str, float, float] | None:
    """(measure, least and most length of a full line) when the text is hard-wrapped."""
    body = [ln for ln in lines if ln.strip()]
    # lines cut mid-sentence (not at a sentence end) are mostly wrapped lines
    cut = [ln.rstrip() for ln, nxt in zip(lines, lines[1:])
           if ln.strip() and nxt.strip() and not _SENTENCE_END.search(ln.rstrip())]
    if len(cut) < WRAP_MIN_LINES or len(cut) * 5 < len(body):
        return None
    best = None
    for name, measure in (("chars", len), ("width", _width)):
        vals = sorted(measure(ln) for ln in cut)
        top = vals[(len(vals) * 3) // 4]          # the width most cut lines reach
        band = [v for v in vals if abs(v - top) <= top * WRAP_SPREAD]
        least = WRAP_MIN_CHARS * (2 if name == "width" else 1)
        if top < least or len(band) < WRAP_MIN_LINES or len(band) * 2 < len(vals):
            continue
        longer = sum(measure(ln.rstrip()) > top * (1 + WRAP_SPREAD) for ln in body)
        if longer * 10 > len(body):
            continue  # lines past the width: not a wrap
        spread = (band[-1] - band[0]) / top
        if best is None or spread < best[0]:
            best = (spread, name, band[0], top * (1 + WRAP_SPREAD))
    return best[1:] if best else None


def _wrap_edits(norm: str):
    if norm.count("\n") < WRAP_MIN_LINES:
        return None
    lines = norm.split("\n")
    found = _wrap_threshold(lines)
    if found is None:
        return None
    spans = _spans(lines)
    measure = len if found[0] == "chars" else _width
    _, full, longest = found
    deletes: list[int] = []
    subs: dict[int, str] = {}
    for (s, e), ln, nxt in zip(spans, lines, lines[1:]):
        body = ln.rstrip()
        if not body.strip() or not nxt.strip() or not full <= measure(body) <= longest:
            continue  # a paragraph's last line, or a line of its own past the width
        if nxt[0].isspace() or _BULLET.match(nxt) or parse_marker(nxt) is not None:
            continue  # an indented paragraph, a heading or list item starts there
        if _LATIN.match(body[-1:]) and _LATIN.match(nxt[:1]) and "x" not in (body[-1] + nxt[0]).lower():
            subs[e] = " "  # a Latin word ends the line: keep the words apart (not masks: xx)
        else:
            deletes.append(e)
    return (deletes, [], subs) if deletes or subs else None


# -- 2. layout spaces --------------------------------------------------------

def _space_edits(norm: str):
    if " " not in norm:
        return None
    digit_runs: list[tuple[int, int]] = []   # spaces between a hanzi and a digit
    cjk_runs: list[tuple[int, int]] = []     # one space between hanzi (or hanzi and punctuation)
    for m in _SPACES.finditer(norm):
        a, b = m.start(), m.end()
        if a == 0 or b == len(norm):
            continue
        left, right = norm[a - 1], norm[b]
        lc, rc = _is_cjk(left), _is_cjk(right)
        if (lc and right.isdigit() and right.isascii()) or (rc and left.isdigit() and left.isascii()):
            digit_runs.append((a, b))
        elif b - a == 1 and ((lc and (rc or right in _PUNCT)) or (rc and left in _PUNCT)):
            cjk_runs.append((a, b))
    deletes: list[int] = []
    if digit_runs and not _more_than(_TIGHT_DIGIT.finditer(norm), len(digit_runs) * 2):
        deletes.extend(i for a, b in digit_runs for i in range(a, b))
    between = sum(1 for a, _ in cjk_runs if _is_cjk(norm[a - 1]) and _is_cjk(norm[a + 1]))
    if between >= 20 and between * 5 >= sum(map(len, _CJK_RUN.findall(norm))):
        deletes.extend(a for a, _ in cjk_runs)
    return (sorted(deletes), [], {}) if deletes else None


def _more_than(matches, n: int) -> bool:
    """Are there more than n matches? (stops reading at n + 1)"""
    return sum(1 for _ in itertools.islice(matches, n + 1)) > n


def _is_cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" or "\uf900" <= c <= "\ufaff" or c == "\u3007"


# -- 3. run-on text ----------------------------------------------------------

def _runon_edits(norm: str):
    lines = norm.split("\n")
    if max(map(len, lines)) <= RUNON_CHARS:
        return None
    long_spans = [(s, e) for s, e in _spans(lines) if e - s > RUNON_CHARS]
    if not long_spans or sum(e - s for s, e in long_spans) < RUNON_SHARE * len(norm.strip()):
        return None
    inserts: list[int] = []
    for s, e in long_spans:
        found = {m.end() for m in _BREAK_AFTER.finditer(norm, s, e)
                 if m.end() < e and _opens_paragraph(norm, m.end(), e)}
        found.update(_title_cuts(norm, s, e))
        cuts = [s] + sorted(c for c in found if s < c < e) + [e]
        for a, b in zip(cuts, cuts[1:]):
            inserts.extend(_sentence_cuts(norm, a, b))
        inserts.extend(cuts[1:-1])
    return ([], sorted(set(inserts)), {}) if inserts else None


def _title_cuts(norm: str, s: int, e: int) -> list[int]:
    """Breaks around report titles in a run-on line (data/reflow.yaml)."""
    before, after, max_title = _titles()
    out = [m.start() for m in before.finditer(norm, s, e)]
    for m in after.finditer(norm, s, e):
        out.append(m.end())
        ends = [x.end() for x in _SENTENCE_STOP.finditer(norm, max(s, m.start() - max_title), m.start())]
        if ends:
            out.append(ends[-1])
    return out


def _opens_paragraph(norm: str, p: int, e: int) -> bool:
    m = parse_marker(norm[p:min(e, p + 12)])
    return m is not None and m.kind in _BREAK_KINDS


def _sentence_cuts(norm: str, a: int, b: int) -> list[int]:
    """Sentence ends cutting norm[a:b] into pieces of about PARA_CHARS at most."""
    if b - a <= PARA_CHARS:
        return []
    ends = [m.end() for m in _SENTENCE_STOP.finditer(norm, a, b) if m.end() < b]
    out, last = [], a
    for k, p in enumerate(ends):
        nxt = ends[k + 1] if k + 1 < len(ends) else b
        if nxt - last > PARA_CHARS and p - last >= PARA_CHARS // 4:
            out.append(p)
            last = p
    return out
