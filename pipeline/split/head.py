"""Where the first report of a file starts, among the page furniture above its body.

Template and news sites put a headline, metadata, breadcrumbs, collection titles
and intros above a report, often repeating its title. Per the annotation spec the
report starts at its own title line directly above the body (metadata lines such
as 发布时间/来源 may lie between), at the LAST copy when the title is repeated, at
a 第1篇/篇一 line directly above repeated copies, else at its first body line.
Everything above belongs to no report.

The head is the run of short title-like lines before the first body line. Rules:
- a title-like line above a collection title or a site intro, or one naming a
  collection or tagged by the site (…汇编, …范文(最新)), is a page headline: the
  report starts at the body;
- a title rendered again at the start of the body line (…工作总结 2021年度…工作总结
  一年来…, 1、…工作总结今年以来…) leaves the start at the body line;
- an outline block (目录/提纲 and the headings it lists) is furniture;
- a title spread one word per line (three or more lines of a few characters) is furniture;
- a title cut over two lines (…工会工 / 作总结), or followed by a date or an author's
  name, starts at the title line; a main title (not a short section name such as
  工作动态) directly followed by a distinct subtitle starts at the main title.
"""
from __future__ import annotations

import re

from pipeline.document import SourceDoc
from pipeline.layout.blocks import Block
from pipeline.split.titles import is_bare_marker, near_copy, title_text_line
from pipeline.split.vocab import vocab
from pipeline.layout.markers import parse_marker

MAX_FRAGMENT = 5        # a spread-title word / the cut-off tail of a title line
MIN_SPREAD = 3          # lines of a title spread one word per line
MAX_HEAD_SENTENCE = 30  # "…工作总结。": a title with a full stop is still head
MIN_MAIN_TITLE = 8      # a main title above a subtitle (not a section name such as 工作动态)
_CLAUSE = re.compile(r"[,，;；:：、]")
_SENTENCE_END = re.compile(r"[。!！?？;；…:：]$")
_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"^[(（]?\s*(?:19|20|二[〇零0])[0-9〇零一二三四五六七八九]{2}\s*[-/.年]\s*[0-9一二三四五六七八九十]{1,2}\s*[-/.月]\s*[0-9一二三四五六七八九十]{1,3}\s*日?(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?\s*[)）]?$")
# kinds of clean-stage noise that separate a page headline from the report below
_SEPARATING = frozenset({"collection_title", "site_intro"})
_HAN = re.compile(r"[\u4e00-\u9fff]")
MAX_TITLE_LINES = 3     # a main title wrapped over lines, then its subtitle


def _wordless(t: str) -> bool:
    """A line without words (201118, (2013130)): a date whose separators were lost, a code."""
    return len(_HAN.findall(t)) < 2


def _below_title(b: Block) -> bool:
    """A line that sits under a title: a date, the speaker, a ——在…会议上的报告 subtitle."""
    t = b.norm
    return bool(_DATE.match(t) or vocab()["speaker"].search(t) or _wordless(t) or vocab()["dash_subtitle"].match(t))


def _head_like(b: Block) -> bool:
    """Could this line be above the body (a title, marker, fragment or title with a full stop)?"""
    t = b.norm
    if _below_title(b):
        return True  # a date, the speaker or a ——subtitle under the headline
    if t.endswith((":", "：")):
        return False  # a salutation (同志们:) opens the body
    if len(t) <= MAX_FRAGMENT or is_bare_marker(t) or title_text_line(b) or vocab()["title"].search(t):
        return parse_marker(t) is None or is_bare_marker(t)
    return len(t) <= MAX_HEAD_SENTENCE and t.endswith(("。", "!", "！")) and not _CLAUSE.search(t)


def _exclaimed(t: str) -> bool:
    """A headline ending in an exclamation mark (…再创佳绩!)."""
    return len(t) <= MAX_HEAD_SENTENCE and t.endswith(("!", "！")) and "。" not in t and not _CLAUSE.search(t)


def _title_candidate(b: Block) -> bool:
    return title_text_line(b) or _exclaimed(b.norm) or (
        bool(vocab()["title"].search(b.norm)) and not _SENTENCE_END.search(b.norm))


def _opens_with(body: Block, title: Block) -> bool:
    """Does the body line start with this title (after a page-chunk prefix such as 1、)?"""
    key = _SPACES.sub("", title.norm)
    text = _SPACES.sub("", body.norm)
    m = parse_marker(text)
    if m is not None:
        text = text[m.length:]
    return len(key) >= 4 and text[:len(key) + 12].find(key) >= 0


class _Gaps:
    """What lies between two content lines: furniture lines the clean or split stage removed."""

    def __init__(self, doc: SourceDoc, upto: int):
        self.doc = doc
        self.kinds: dict[int, set[str]] = {}
        for n in doc.noise:
            if n.start >= upto:
                break
            self.kinds.setdefault(doc.line_of(n.start), set()).add(n.kind)

    def _between(self, a: Block, b: Block):
        for ln in range(a.line + 1, b.line):
            s, e = self.doc.line_span(ln)
            if self.doc.norm[s:e].strip():
                yield ln

    def separated(self, a: Block, b: Block) -> bool:
        """A collection title or site intro between a and b."""
        return any(self.kinds.get(ln, set()) & _SEPARATING for ln in self._between(a, b))

    def adjacent(self, a: Block, b: Block) -> bool:
        """Nothing but blank lines between a and b."""
        return next(self._between(a, b), None) is None


def _drop_outline(part: list[Block]) -> list[Block]:
    """A 目录/提纲 block at the top (the headings listed before the body) is furniture:
    it runs to an ellipsis-only line or to the first unnumbered title line."""
    v = vocab()
    for o, b in enumerate(part[:4]):
        if v["outline"].search(b.norm):
            for e in range(o + 1, len(part)):
                t = part[e].norm
                if v["ellipsis"].match(t):
                    return part[e + 1:] or part
                if title_text_line(part[e]) and parse_marker(t) is None:
                    return part[e:]
            return part
    return part


def _drop_spread(head: list[Block]) -> list[Block]:
    """Runs of MIN_SPREAD+ consecutive lines of a few characters (a title spread word by word)."""
    out: list[Block] = []
    run: list[Block] = []
    for b in head + [None]:
        if b is not None and len(b.norm) <= MAX_FRAGMENT and (not run or b.line - run[-1].line <= 2):
            run.append(b)
            continue
        if len(run) < MIN_SPREAD:
            out.extend(run)
        run = []
        if b is not None:
            if len(b.norm) <= MAX_FRAGMENT:
                run = [b]
            else:
                out.append(b)
    return out


def report_head(doc: SourceDoc, part: list[Block]) -> tuple[list[Block], bool]:
    """The first (untitled) piece of a file from its report start; True when that start
    is the report's own title line."""
    part = _drop_outline(part)
    k = next((i for i, b in enumerate(part) if not _head_like(b)), len(part))
    if k == 0 or k == len(part):
        return part, False
    body = part[k]
    head = _drop_spread(part[:k])
    if not head:
        return part[k:], False
    gaps = _Gaps(doc, body.start)
    # below the title: a date, the speaker, an author's name, the cut-off tail of the title line
    # (…工会工 / 作总结): the title above them is still the start
    speech = False  # a ——在…会议上的报告 line: the lines above it are one title block
    while head and (_below_title(head[-1])
                    or (not _title_candidate(head[-1]) and len(head[-1].norm) <= MAX_FRAGMENT)):
        speech = speech or bool(vocab()["dash_subtitle"].match(head[-1].norm))
        head = head[:-1]
    if not head or not _title_candidate(head[-1]):
        return part[k:], False
    last = head[-1]
    if gaps.separated(last, body) or _opens_with(body, last) or vocab()["page_title"].search(last.norm):
        return part[k:], False
    s = len(head) - 1
    c = s  # copies of the title right above it
    while c > 0 and near_copy(head[c - 1], head[s]) and not gaps.separated(head[c - 1], head[c]):
        c -= 1
    if c > 0 and (is_bare_marker(head[c - 1].norm) or vocab()["title"].search(head[c - 1].norm)) \
            and c < s and gaps.adjacent(head[c - 1], head[c]):
        s = c - 1  # 第1篇 above the repeated title
    elif c == s:
        # main title, then its subtitle; above a speech's ——subtitle the main title may be
        # wrapped over lines, blank lines between
        top = s
        while top > 0 and s - top < (MAX_TITLE_LINES - 1 if speech else 1) \
                and _continues_title(head[top - 1], head[top], gaps, speech) \
                and not vocab()["title"].search(head[top].norm):
            top -= 1
        s = top
    return part[part.index(head[s]):], True


def _continues_title(above: Block, b: Block, gaps: _Gaps, speech: bool) -> bool:
    """Is `above` the main title (or its first line) over `b`: a title line of some length
    on the line above (in a speech's title block: with nothing but blank lines between)?"""
    near = gaps.adjacent(above, b) if speech else above.line == b.line - 1
    return _title_candidate(above) and len(above.norm) >= MIN_MAIN_TITLE and near
