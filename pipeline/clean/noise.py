"""Mark template-site boilerplate (never delete it): collection titles, site
introductions, copy buttons, upload/author lines, page numbers, contact lines,
URLs and watermarks, pinyin glosses.

Everything is matched on the normalised text; spans are offsets valid in both
texts. A whole-line span covers the line's text without its newline.
"""
from __future__ import annotations

import functools
import re

from pipeline.clean.pages import page_furniture
from pipeline.clean.rules import NoiseRules, load_rules
from pipeline.document import NoiseSpan, SourceDoc

_HANZI = re.compile(r"[\u3400-\u9fff]")
# a pinyin gloss after a hanzi, 發(fā)布
_GLOSS = re.compile(r"[(（][a-zA-Züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]{1,8}[)）]")
_CLAUSE = re.compile(r"[,，、;；]")
# ("!"/"?" are no prose cue: headlines use them, 喜报!…)
_PROSE = re.compile(r"[。，,；;…]")
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
        if end - start > rules.edge_min_chars:
            # a long line: boilerplate at its start or end is a span of its own, the
            # report text after (before) it stays content
            spans = _edge_boilerplate(norm, start, end, rules)
            out.extend(spans)
            if len(header) < rules.header_lines:
                whole = len(spans) == 1 and not norm[start:spans[0].start].strip() \
                    and not norm[spans[0].end:end].strip()
                header.append((start, end, 1 if whole else 0, "site_intro" if whole else None))
            continue
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


def _edge_boilerplate(norm: str, start: int, end: int, rules: NoiseRules) -> list[NoiseSpan]:
    """Boilerplate sentences at the start and at the end of a long line, as spans.

    A run of sentences from the line start is boilerplate up to the last one that
    is (a collection title, a site intro, site chrome); sentences of generic
    prose may lie before and between them (a site intro's "总结是对…" lead-in),
    but none with a figure and not more than `max_edge_gap` characters of them.
    At the line end the run must end with a boilerplate sentence."""
    line = norm[start:end]
    if not rules.edge_any.search(line):
        return []
    units = _units(norm, start, end, rules)
    flags = [_boilerplate_unit(norm[a:b], rules) for a, b in units]
    if not any(flags):
        return []
    lead = _chain(norm, units, flags, rules)
    # at the end, boilerplate closes the line ("…希望对大家有所帮助。"): no lead-in
    tail = len(units) - (_chain(norm, units[::-1], flags[::-1], rules) if flags[-1] else 0)
    first = start + len(line) - len(line.lstrip())
    last = end - (len(line) - len(line.rstrip()))
    if tail <= lead:
        return [NoiseSpan(first, last, "site_intro")]
    out = []
    if lead:
        out.append(NoiseSpan(first, units[lead - 1][1], "site_intro"))
    if tail < len(units):
        out.append(NoiseSpan(units[tail][0], last, "site_intro"))
    return out


def _units(norm: str, start: int, end: int, rules: NoiseRules) -> list[tuple[int, int]]:
    """Sentences of a line; a collection title ("…(精选3篇)") ends one too."""
    cuts = {m.end() for m in rules.sentence_end.finditer(norm, start, end)}
    cuts.update(m.end() for m in rules.collection_end.finditer(norm, start, end))
    bounds = [start] + sorted(c for c in cuts if start < c < end) + [end]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if norm[a:b].strip()]


def _boilerplate_unit(text: str, rules: NoiseRules) -> bool:
    core = text.strip().rstrip("。!?！？;；")
    if not core or rules.fact_guard.search(core):
        return False
    if len(core) <= rules.max_line_chars and not _CLAUSE.search(core) and (
            rules.collection_lines.search(core) or rules.line_rule.fullmatch(core)):
        return True  # a title or a site line, not a sentence of prose ("…,发表稿件3篇")
    return rules.intro_any.search(core) is not None and _intro_weight(core, rules) >= rules.intro_weight


def _chain(norm: str, units: list[tuple[int, int]], flags: list[bool], rules: NoiseRules) -> int:
    """How many units from the first one are boilerplate (see _edge_boilerplate)."""
    taken, gap = 0, 0
    for i, ((a, b), flag) in enumerate(zip(units, flags)):
        if flag:
            taken, gap = i + 1, 0
            continue
        gap += b - a
        if gap > rules.max_edge_gap or rules.fact_guard.search(norm[a:b]):
            break
    return taken


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


@functools.lru_cache(maxsize=16384)  # layout and split ask about the same lines
def is_collection(line: str) -> bool:
    """Is this (normalised, stripped) content line site boilerplate: a collection
    title, a 小编 intro, an upload or contact line, page furniture? The collection
    patterns judge only a line of at most `edge_min_chars` (in a longer one the clean
    stage marks the boilerplate sentences at its edges as noise spans and the rest is
    content), and not a paragraph holding a report's figures (a first paragraph may
    quote a collection title); the anchored furniture patterns judge any line."""
    rules = load_rules()
    if "(" in line or "（" in line:  # 發(fā)布: pinyin glosses do not hide furniture
        line = _GLOSS.sub("", line)
    return bool((len(line) <= rules.edge_min_chars and rules.collection_lines.search(line)
                 and not (len(line) > rules.min_paragraph_chars
                          and rules.report_figure.search(line)))
                or rules.furniture_lines.search(line))


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
