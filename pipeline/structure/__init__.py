"""Structure stage: heading tree, canonical sections, org, org_type and year of a report.

`structure_report(doc, rs)` works on the report's content lines (normalised
text), labels headings and paragraph leads with the cue vocabulary
(data/section_cues.yaml) and, where cues are silent, with the learned
`SectionClassifier`; inline 一是/二是 clauses are topics too; a report with
hardly any labelled headings is read sentence by sentence (a lead sentence, or
a later one that reports a figure, covers its topic); a title naming a genre
(…工作计划) gives its label. org: the unit named in the title, else the opening
sentence's subject, else the most frequent specific unit; org_type from that
unit's suffix, else a vote. All offsets point into `doc.text`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.document import ReportSlice, SourceDoc
from schemas.report import Section

__all__ = ["StructuredReport", "structure_report"]

_LEAD = re.compile(r"^(.{2,16}?)[。:：](?!\d)")
_CLASSIFY_MIN = 0.4
_FIRST_SENT = re.compile(r"^[^。!?;；]{4,60}")
_SENTENCE = re.compile(r"[^。!?！？;；]{6,}")
# 一是… / 二是… / 其三, … written inline: each clause is a topic of its own
_INLINE_ITEM = re.compile(r"(?:^|[。;；:：,，])\s*(?:其|第)?[一二三四五六七八九十]{1,2}是\s*[,，:：]?([^。;；]{2,40})")
# a figure: digits, or a Chinese number of things (not the vague 一次/一个)
_FIGURE = re.compile(r"[0-9]|(?:[二两三四五六七八九十]|一[十百千万])[一二两三四五六七八九十百千万]*(?:余|多)?[人名户家个场次期项份条件所支]")
_FEW_HEADINGS = 3
_SENTENCE_MIN = 20  # a later sentence this long (or with a figure) is a statement of its own  # a report with fewer labelled headings is read sentence by sentence


@dataclass
class StructuredReport:
    section_tree: list[Section] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    org: str | None = None
    org_type: str | None = None
    year: int | None = None
    section_spans: list[tuple[int, int, str | None]] = field(default_factory=list)


def _report_blocks(doc: SourceDoc, rs: ReportSlice):
    """The report's content lines (layout stage), without its title line."""
    out = doc.blocks.between(rs.start_line, rs.end_line)
    if out and rs.title_line is not None and out[0].line == rs.title_line:
        out = out[1:]
    return out


def _to_section(doc: SourceDoc, node, blocks, labels: dict) -> Section:
    last = blocks[max(node.block_index, node.end_block - 1)]
    return Section(
        heading=doc.text[node.heading_start:node.heading_end], level=node.level, marker=node.marker,
        label=labels.get(id(node)), start_line=blocks[node.block_index].line, end_line=last.line,
        start=node.heading_start, end=last.end,
        children=[_to_section(doc, c, blocks, labels) for c in node.children])


def _paint(base: tuple[int, int], spans: list[tuple[int, int, str | None]]) -> list[tuple[int, int, str | None]]:
    """Flatten nested labelled ranges (later ones override) into sorted, disjoint spans."""
    s0, e0 = base
    cuts = sorted({s0, e0} | {max(s0, min(e0, x)) for s, e, _ in spans for x in (s, e)})
    out: list[tuple[int, int, str | None]] = []
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        lab = None
        for s, e, l in spans:
            if s <= a and b <= e:
                lab = l
        if out and out[-1][2] == lab and out[-1][1] == a:
            out[-1] = (out[-1][0], b, lab)
        else:
            out.append((a, b, lab))
    return out


def structure_report(doc: SourceDoc, rs: ReportSlice, classifier=None) -> StructuredReport:
    from pipeline.structure.classifier import default_classifier
    from pipeline.structure.cues import (best_label, heading_labels, opener_label,
                                         paragraph_min_score, score_labels, sentence_min_score,
                                         title_labels)
    from pipeline.structure.headings import HEAD_MAX, build_tree
    from pipeline.structure.org import find_org_with_source, find_year, type_from_text

    blocks = _report_blocks(doc, rs)
    title_norm = doc.norm[doc.line_span(rs.title_line)[0]:doc.line_span(rs.title_line)[1]] \
        if rs.title_line else None
    tree = build_tree(blocks)
    clf = classifier
    labels: dict[int, str] = {}
    order: list[str] = []
    painted: list[tuple[int, int, str | None]] = []
    heading_blocks: set[int] = set()
    pending = []  # nodes for the classifier
    extra: dict[int, list[str]] = {}

    def walk(nodes, inherited):
        for n in nodes:
            heading_blocks.add(n.block_index)
            labs = heading_labels(n.heading)
            if not labs:
                pending.append(n)
            else:
                labels[id(n)] = labs[0]
                extra[id(n)] = labs[1:]
            walk(n.children, inherited)

    walk(tree, None)
    if pending:
        clf = clf or default_classifier()
        texts = [n.heading + " " + blocks[n.block_index].norm[len(n.heading):][:60] for n in pending]
        for n, (lab, p) in zip(pending, clf.predict_with_proba(texts)):
            if lab is not None and p >= _CLASSIFY_MIN:
                labels[id(n)] = lab

    # document order of labels: headings and paragraph leads as they appear
    events: list[tuple[int, str]] = []

    node_spans: list[tuple[int, int, str | None]] = []

    def span_end(end_block: int, outer_end: int) -> int:
        # a section runs to the next heading at its level or above (blank lines included)
        return doc.line_starts[blocks[end_block].line - 1] if end_block < len(blocks) else outer_end

    def collect(nodes, outer_end):
        for n in nodes:
            lab = labels.get(id(n))
            first = blocks[n.block_index]
            end = span_end(n.end_block, outer_end)
            collect(n.children, end)
            # post-order: an outer labelled section paints over its sub-items, so a
            # sub-item of "下半年工作计划" is still in the plan section
            if lab:
                node_spans.append((doc.line_starts[first.line - 1], end, lab))
                # a labelled sub-item is a paragraph of its own even under another topic
                events.append((first.start, lab))
                events.extend((first.start, x) for x in extra.get(id(n), []))

    collect(tree, rs.end)
    para_min = paragraph_min_score()
    for i, b in enumerate(blocks):
        if i in heading_blocks:
            continue
        m = _LEAD.match(b.norm)
        lab = opener_label(b.norm)
        if lab is None and m:
            lab, _ = best_label(m.group(1))
        if lab is None:
            # a paragraph whose first sentence is strongly about one topic covers it
            first = _FIRST_SENT.match(b.norm)
            scores = score_labels(first.group(0) if first else b.norm[:40])
            if scores:
                cand, sc = max(scores.items(), key=lambda kv: kv[1])
                if sc >= para_min:
                    lab = cand
        if lab:
            events.append((b.start, lab))
            painted.append((b.start, b.end, lab))
    if sum(1 for n in labels) < _FEW_HEADINGS:
        # no (or hardly any) headings: paragraphs carry the topics, often one topic per
        # sentence (sections by paragraph topic, contract: "a paragraph of its own")
        sent_min = sentence_min_score()
        for i, b in enumerate(blocks):
            if i in heading_blocks and len(b.norm) <= HEAD_MAX:
                continue
            for k, m in enumerate(_SENTENCE.finditer(b.norm)):
                # a topic is covered by a paragraph's lead sentence or by a sentence
                # reporting something concrete (a figure), not by a passing mention
                if k and len(m.group(0)) < _SENTENCE_MIN and not _FIGURE.search(m.group(0)):
                    continue
                lab, sc = best_label(m.group(0)[:80])
                if lab is not None and sc >= sent_min:
                    events.append((b.start + m.start(), lab))
    for i, b in enumerate(blocks):
        if "是" not in b.norm:
            continue
        for m in _INLINE_ITEM.finditer(b.norm):
            lab, _ = best_label(m.group(1))
            if lab is not None:
                events.append((b.start + m.start(1), lab))
    events.extend((rs.start, lab) for lab in title_labels(title_norm))
    for _, lab in sorted(events, key=lambda x: x[0]):
        if lab not in order:
            order.append(lab)

    body = "\n".join(b.norm for b in blocks)
    org, org_source = find_org_with_source(body, title_norm)
    head = "\n".join(b.norm for b in blocks[:3])
    opening = "\n".join(b.norm[:80] for b in blocks[:2])
    org_type = type_from_text(body, opening, org, title_norm or "", org_is_subject=org_source in ("title", "subject"))
    year = find_year(title_norm, head)
    if org is not None:
        org = _as_written(doc, org, rs)
    return StructuredReport(
        section_tree=[_to_section(doc, n, blocks, labels) for n in tree],
        sections=order, org=org, org_type=org_type, year=year,
        section_spans=_paint((rs.start, rs.end), painted + node_spans))


def _as_written(doc: SourceDoc, org_norm: str, rs: ReportSlice) -> str:
    """The org as written in the source text (the norm form located there)."""
    i = doc.norm.find(org_norm, rs.start, rs.end)
    return doc.text[i:i + len(org_norm)] if i >= 0 else org_norm
