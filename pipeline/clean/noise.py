"""Mark template-site boilerplate (never delete it): collection titles, site
introductions, copy buttons, upload/author lines, page numbers, contact lines,
URLs and watermarks, pinyin glosses.

Everything is matched on the normalised text; spans are offsets valid in both
texts. A whole-line span covers the line's text without its newline.
"""
from __future__ import annotations

import re

from pipeline.clean.pages import page_furniture
from pipeline.clean.rules import NoiseRules, load_rules
from pipeline.document import NoiseSpan, SourceDoc

_HANZI = re.compile(r"[\u3400-\u9fff]")
_PROSE = re.compile(r"[。，,！!？?；;…]")
# Kinds that mark the top of a file as site header: what precedes them there is too.
_HEADER_KINDS = frozenset({"collection_title", "site_intro", "meta"})


def find_noise(text: str, norm: str) -> list[NoiseSpan]:
    """Noise spans of one document, sorted by start, none inside another."""
    if len(text) != len(norm):
        raise ValueError("norm must have the length of text")
    rules = load_rules()
    spans: list[NoiseSpan] = []
    spans.extend(_line_noise(norm, rules))
    spans.extend(_inline_noise(norm, rules))
    spans.extend(page_furniture(text, norm))
    return _outermost(spans)


def _lines(norm: str):
    """(line_index0, start, end) of every line, end before the newline."""
    start = 0
    i = 0
    n = len(norm)
    while start <= n:
        end = norm.find("\n", start)
        if end == -1:
            end = n
        yield i, start, end
        i += 1
        start = end + 1


def _line_noise(norm: str, rules: NoiseRules) -> list[NoiseSpan]:
    intro_lines = _intro_line_starts(norm, rules)
    out: list[NoiseSpan] = []
    header: list[tuple[int, int, int, str | None]] = []  # first non-blank lines
    max_chars = rules.max_line_chars
    for _, start, end in _lines(norm):
        if end - start > max_chars and start not in intro_lines:
            if len(header) < rules.header_lines:
                header.append((start, end, 0, None))
            continue
        line = norm[start:end]
        stripped = line.strip()
        if not stripped:
            continue
        in_header = len(header) < rules.header_lines
        kind = None
        if len(stripped) <= max_chars:
            m = rules.line_rule.fullmatch(stripped)
            if m is None and in_header:
                m = rules.header_line_rule.fullmatch(stripped)
            if m is not None:
                kind = m.lastgroup
        if kind is None and start in intro_lines and not rules.fact_guard.search(line):
            weight = _intro_weight(line, rules)
            if weight >= (rules.header_intro_weight if in_header else rules.intro_weight):
                kind = "site_intro"
        if kind is not None:
            out.append(NoiseSpan(start, end, kind))
        if in_header:
            header.append((start, end, 1, kind))
    out.extend(_header_preamble(norm, header, rules))
    return out


def _header_preamble(norm: str, header: list[tuple[int, int, int, str | None]],
                     rules: NoiseRules):
    """Short prose lines above a site-header line (collection title, intro, upload
    line) among the very first lines of the file are site preamble too: the
    generic first sentences of a site intro ("工作总结可以帮助我们…。"). Title-like
    lines (no sentence punctuation) are left to the split stage."""
    top = header[:rules.preamble_lines]
    last = max((i for i, h in enumerate(top) if h[3] in _HEADER_KINDS), default=-1)
    if last <= 0:
        return
    before = [h for h in top[:last] if h[3] is None]
    if any(not _PROSE.search(norm[s:e]) for s, e, _, _ in before):
        return
    if any(e - s > rules.max_preamble_chars or rules.fact_guard.search(norm[s:e])
           for s, e, _, _ in before):
        return  # a long unmarked line up there is report text: leave all of it
    for start, end, _, _ in before:
        yield NoiseSpan(start, end, "site_intro")


def _intro_line_starts(norm: str, rules: NoiseRules) -> set[int]:
    """Starts of the (short) lines holding an intro anchor (one regex pass over the text)."""
    starts: set[int] = set()
    line_end = -1
    for m in rules.intro_any.finditer(norm):
        if m.start() <= line_end:
            continue  # this line is already judged
        s = norm.rfind("\n", 0, m.start()) + 1
        line_end = norm.find("\n", m.end())
        if line_end == -1:
            line_end = len(norm)
        if line_end - s <= rules.max_intro_chars:
            starts.add(s)
    return starts


def _intro_weight(line: str, rules: NoiseRules) -> float:
    return sum(w for cue, w in rules.intro_cues if cue.search(line))


_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
_EMAIL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._%+")


_MAX_NAME = 253  # longest DNS name; also bounds the scan on "a.com.a.com…" runs


def _extend_left(norm: str, i: int, chars: frozenset[str], floor: int) -> int:
    stop = max(floor, i - _MAX_NAME)
    while i > stop and norm[i - 1] in chars:
        i -= 1
    return i


def _inline_noise(norm: str, rules: NoiseRules) -> list[NoiseSpan]:
    out: list[NoiseSpan] = []
    for kind, pattern in rules.inline:
        floor = 0  # end of the previous match: names never reach back over it
        for m in pattern.finditer(norm):
            start, end = m.start(), m.end()
            if kind in ("domain", "email"):
                name_start = _extend_left(norm, start, _EMAIL_CHARS if kind == "email"
                                          else _DOMAIN_CHARS, floor)
                floor = end
                while name_start < start and norm[name_start] in ".-_%+":
                    name_start += 1
                if name_start == start:
                    continue  # ".com" alone: no name
                start = name_start
            if kind in ("url", "domain"):
                end = start + len(norm[start:end].rstrip(".,;:!?)/"))
                site = _site_name_before(norm, start, rules)
                out.append(NoiseSpan(site, end, "watermark") if site is not None
                           else NoiseSpan(start, end, "url"))
            else:
                out.append(NoiseSpan(start, end, kind))
    return out


def _site_name_before(norm: str, url_start: int, rules: NoiseRules) -> int | None:
    """Start of a site name written right before a URL ("公文汇 www…"), if any."""
    j = url_start
    while j > 0 and norm[j - 1] == " ":
        j -= 1
    window = norm[max(0, j - 12):j]
    for name in rules.site_names:
        if window.endswith(name):
            return j - len(name)
    # a short hanzi run standing alone before the domain ...
    k = j
    while k > 0 and _HANZI.match(norm[k - 1]) and j - k < 9:
        k -= 1
    run = norm[k:j]
    if j < url_start and 2 <= len(run) <= 8 and (k == 0 or not _HANZI.match(norm[k - 1])):
        return k
    # ... or the shortest name-like tail ("…工作取得了公文汇 www…")
    for suffix in rules.site_name_suffixes:
        if run.endswith(suffix):
            n = len(suffix) + 2
            return j - n if len(run) >= n else k
    return None


def _outermost(spans: list[NoiseSpan]) -> list[NoiseSpan]:
    """Sorted spans without those lying inside another span."""
    spans.sort(key=lambda s: (s.start, -s.end))
    out: list[NoiseSpan] = []
    reach = -1
    for s in spans:
        if s.end <= reach:
            continue
        out.append(s)
        reach = max(reach, s.end)
    return out


def noise_lines(doc: SourceDoc) -> set[int]:
    """1-based numbers of the non-blank lines whose every non-space character is noise."""
    if not doc.noise:
        return set()
    text = doc.text
    result: set[int] = set()
    candidates: dict[int, list[tuple[int, int]]] = {}
    for span in doc.noise:
        first, last = doc.line_of(span.start), doc.line_of(max(span.start, span.end - 1))
        for line in range(first, last + 1):
            candidates.setdefault(line, []).append((span.start, span.end))
    for line, covered in candidates.items():
        s, e = doc.line_span(line)
        if not text[s:e].strip():
            continue
        pos = s
        ok = True
        for cs, ce in sorted(covered):
            if cs > pos and text[pos:min(cs, e)].strip():
                ok = False
                break
            pos = max(pos, ce)
            if pos >= e:
                break
        if ok and pos < e and text[pos:e].strip():
            ok = False
        if ok:
            result.add(line)
    return result
