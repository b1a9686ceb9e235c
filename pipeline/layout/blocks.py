"""Content blocks of a document: its non-empty lines that are not boilerplate.

A `Block` is one content line: its 1-based line number, the char span of its
stripped text and that text normalised. The blocks are computed once per doc,
after the clean stage, and kept on the doc (`doc.blocks`); split and structure
both read them from there.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.document import SourceDoc


@dataclass
class Block:
    """One content line: 1-based `line`, char span of its stripped text, normalised text."""
    line: int
    start: int
    end: int
    norm: str


class Blocks(list):
    """The content blocks of a doc, in line order, with a line-number index."""

    def __init__(self, blocks=()):
        super().__init__(blocks)
        self.lines = [b.line for b in self]

    def between(self, first_line: int, last_line: int) -> list[Block]:
        """The blocks on lines first_line..last_line (inclusive)."""
        lo = bisect.bisect_left(self.lines, first_line)
        hi = bisect.bisect_right(self.lines, last_line)
        return self[lo:hi]


def content_blocks(doc: SourceDoc) -> list[Block]:
    """Non-empty lines that the clean stage did not mark as noise lines; boilerplate
    at the start or end of a line (a noise span there) is not part of its block."""
    from pipeline.clean import noise_lines

    noise = noise_lines(doc) if doc.noise else set()
    edges = _noise_edges(doc) if doc.noise else {}
    norm = doc.norm
    blocks: list[Block] = []
    for ln in range(1, doc.n_lines + 1):
        if ln in noise:
            continue
        s, e = doc.line_span(ln)
        if ln in edges:
            s, e = max(s, edges[ln][0]), min(e, edges[ln][1])
        seg = norm[s:e]
        stripped = seg.strip()
        if not stripped:
            continue
        lead = len(seg) - len(seg.lstrip())
        blocks.append(Block(ln, s + lead, s + lead + len(stripped), stripped))
    return blocks


def _noise_edges(doc: SourceDoc) -> dict[int, tuple[int, int]]:
    """Per line with a noise span at its start and/or end: the (start, end) left."""
    norm = doc.norm
    out: dict[int, tuple[int, int]] = {}
    for n in doc.noise:
        first, last = doc.line_of(n.start), doc.line_of(max(n.start, n.end - 1))
        for ln in (first, last) if first != last else (first,):
            s, e = out.get(ln) or doc.line_span(ln)
            if not norm[s:n.start].strip() and n.end < e:
                s = max(s, n.end)          # opens the line
            elif not norm[n.end:e].strip() and n.start > s:
                e = min(e, n.start)        # closes the line
            else:
                continue
            out[ln] = (s, e)
    return out


def report_blocks(doc: SourceDoc) -> Blocks:
    """Content lines minus site boilerplate lines (collection titles, 小编 intros):
    the lines reports are made of."""
    from pipeline.clean import is_collection

    return Blocks(b for b in content_blocks(doc) if not is_collection(b.norm))
