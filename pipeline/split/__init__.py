"""Split stage: one `ReportSlice` per report in a source file.

1. Content lines (`doc.blocks`, layout stage) = non-empty lines that are not
   noise and not site boilerplate (collection titles, 小编 intros, page furniture).
2. Explicit titles (篇N, 第N篇, 【篇一】, 范文N, a title stem repeated with
   ordinals) cut the file into segments; text before the first title is a
   report of its own when it is substantial (e.g. 第二篇 follows an unmarked
   first report), else boilerplate. A bare marker line (篇一, 【范文1】, (一))
   directly above a title line gives way to it: the report starts at its own
   title. Above the first report, page furniture (headlines, repeated titles,
   outlines, spread titles) belongs to no report (`head.report_head`).
3. Inside every segment a boundary classifier finds reports that run together
   without a heading (openings, datelines/closings before, numbering restarts,
   change of self-reference unit and of vocabulary, a new unit as the opening
   subject); a report is at least 3 lines or one paragraph of MIN_CHARS. A copy of
   the segment's own title lower down is no boundary. Inside a news piece or a review
   of several units (`review`), a report starts only with a head of its own.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.document import ReportSlice, SourceDoc
from pipeline.layout.blocks import Block
from pipeline.split.head import report_head
from pipeline.split.review import has_head, is_review
from pipeline.split.titles import explicit_titles, is_bare_marker, lead_title, same_title, title_ordinal

__all__ = ["split_reports", "segments", "Segment"]

MIN_LEAD_CHARS = 200  # text before the first marked title that counts as a report


@dataclass
class Segment:
    blocks: list[Block]
    titled: bool          # blocks[0] is an explicit title


def segments(doc: SourceDoc) -> list[Segment]:
    segs = _marked_segments(doc)
    if segs and not segs[0].titled:
        blocks, titled = report_head(doc, segs[0].blocks)
        segs[0] = Segment(blocks, titled)
    return segs


def _marked_segments(doc: SourceDoc) -> list[Segment]:
    blocks = doc.blocks
    if not blocks:
        return []
    titles = explicit_titles(blocks)
    if not titles:
        return [Segment(blocks, False)]
    out: list[Segment] = []
    t0 = titles[0]
    first_ordinal = title_ordinal(blocks[t0])
    if t0 > 0 and is_bare_marker(blocks[t0 - 1].norm):  # 篇一 / (一) above the title line
        first_ordinal = first_ordinal or title_ordinal(blocks[t0 - 1])
        t0 -= 1
    lead = blocks[:t0]
    # text before "第二篇" is the unmarked first report; before "篇1" it is a report
    # only when substantial (else an intro the clean stage missed)
    if len(lead) >= 2 and ((first_ordinal or 0) >= 2 or sum(len(b.norm) for b in lead) >= MIN_LEAD_CHARS):
        out.append(Segment(lead, False))
    for k, t in enumerate(titles):
        end = titles[k + 1] if k + 1 < len(titles) else len(blocks)
        out.append(Segment(blocks[t:end], True))
    return out


def _slice(doc: SourceDoc, blocks: list[Block], title_first: bool, end_line: int, end: int) -> ReportSlice:
    first = blocks[0]
    title = None
    title_line = None
    if title_first or lead_title(first):
        title = doc.text[first.start:first.end]
        title_line = first.line
    return ReportSlice(start_line=first.line, end_line=end_line, start=doc.line_starts[first.line - 1],
                       end=end, title=title, title_line=title_line)


def _title_again(seg: Segment, i: int) -> bool:
    """The segment's own title repeated lower down (after a lead paragraph) is the same
    report: two reports under one title would each have a body and be marked titles."""
    head = seg.blocks[0]
    return (seg.titled or lead_title(head)) and same_title(seg.blocks[i], head)


def split_reports(doc: SourceDoc, clf=None) -> list[ReportSlice]:
    """One slice per report (see module doc); `clf` overrides the boundary model."""
    from pipeline.split.boundary import detect

    pieces: list[tuple[list[Block], bool]] = []
    for seg in segments(doc):
        body_from = 1 if seg.titled else 0
        cuts = [c + body_from for c in detect(seg.blocks[body_from:], clf)] if len(seg.blocks) > body_from else []
        cuts = [c for c in cuts if not _title_again(seg, c)]
        if cuts and is_review(doc, seg.blocks):
            cuts = [c for c in cuts if has_head(doc, seg.blocks, c)]
        bounds = [0] + cuts + [len(seg.blocks)]
        for k in range(len(bounds) - 1):
            part = seg.blocks[bounds[k]:bounds[k + 1]]
            if part:
                pieces.append((part, seg.titled and k == 0))
    slices: list[ReportSlice] = []
    for n, (part, titled) in enumerate(pieces):
        if n + 1 < len(pieces):
            nxt = pieces[n + 1][0][0]
            end_line = nxt.line - 1
            end = doc.line_starts[nxt.line - 1]
        else:
            end_line = doc.n_lines
            end = len(doc.text)
        slices.append(_slice(doc, part, titled, end_line, end))
    return slices
