"""News pieces and reviews of several units: one report, whatever units its paragraphs open on.

A 回眸/盘点 article of a federation, or any news piece (本报讯, 记者, 发布时间/来源 under
the headline), runs paragraph after paragraph on one unit after another (X学院工会则…,
Y医院工会的…同样亮眼). Those paragraphs look like the openings of run-together reports to
the boundary model; inside such a piece a report starts only with a head of its own: a
title-like line, or a dateline, signature or source line (page furniture) just above.
"""
from __future__ import annotations

import re

from pipeline.document import SourceDoc
from pipeline.layout.blocks import Block
from pipeline.layout.markers import parse_marker
from pipeline.split.vocab import vocab

HEAD_LINES = 3        # the title (and subtitle) lines and the first paragraph of a piece
LEAD_CHARS = 40       # ...of which the start says 本报讯(记者…) / 岁末盘点
MAX_HEADLINE = 40     # a news headline: a short line without a full stop
_FULL_STOP = re.compile(r"[。;；]")


def _noise_between(doc: SourceDoc, a: int, b: int) -> list[str]:
    """Texts of the furniture (clean-stage noise) on lines a..b."""
    out = []
    for n in doc.noise:
        ln = doc.line_of(n.start)
        if ln > b:
            break
        if ln >= a:
            out.append(doc.text[n.start:n.end])
    return out


def is_review(doc: SourceDoc, blocks: list[Block]) -> bool:
    """Does this piece have the head of a news piece or a review of units?"""
    if not blocks:
        return False
    rx = vocab()["review"]
    head = blocks[:HEAD_LINES]
    texts = [b.norm if len(b.norm) <= MAX_HEADLINE else b.norm[:LEAD_CHARS] for b in head]
    texts += _noise_between(doc, head[0].line, head[-1].line)
    return any(rx.search(t) for t in texts)


def has_head(doc: SourceDoc, blocks: list[Block], i: int) -> bool:
    """Does a report start at blocks[i] with a head of its own: a headline-like line, or a
    dateline, a signature or furniture (来源:…, a byline) right above it?"""
    from pipeline.split.titles import lead_title

    b = blocks[i]
    if lead_title(b) or (len(b.norm) <= MAX_HEADLINE and not _FULL_STOP.search(b.norm)
                         and parse_marker(b.norm) is None):
        return True
    prev = blocks[i - 1]
    if len(prev.norm) <= 30 and vocab()["dateline"].search(prev.norm):
        return True
    return bool(_noise_between(doc, prev.line + 1, b.line - 1))
