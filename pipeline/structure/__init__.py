"""Structure stage: heading tree, canonical sections, org, org_type and year of a report.

`structure_report(doc, rs)` works on the report's content lines (normalised
text): the heading tree (headings.py), the canonical sections with their
evidence and spans (sections.py; cue vocabulary in data/section_cues.yaml), and
the reporting unit (org_model.py over the rules of org.py; data/org_cues.yaml):
the rules propose the units a report names itself by (title, the subject opening
one of its first lines, a byline, 以下简称, 我代表, a sign-off, the most mentioned
units), the org_rank model picks one (null when neither it nor the rules find
one); org_type: the suffix of a unit that names itself, else the org_type model
over the name, the units named in the opening and title, the unit kind and the
cue words; kept with its span in the source (`org_span`). Names and type cues
are read in gloss-free text (工會(huì) is 工会). All offsets point into `doc.text`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.document import ReportSlice, SourceDoc
from schemas.report import Section

__all__ = ["StructuredReport", "structure_report"]

@dataclass
class StructuredReport:
    section_tree: list[Section] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    org: str | None = None
    org_span: tuple[int, int] | None = None  # where the org is written in doc.text
    org_type: str | None = None
    year: int | None = None
    section_spans: list[tuple[int, int, str | None]] = field(default_factory=list)
    # why each label was given: (char offset, label, kind of evidence), in document order
    evidence: list[tuple[int, str, str]] = field(default_factory=list)


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
    from pipeline.structure.headings import build_tree
    from pipeline.structure.sections import label_report
    from pipeline.structure.org import find_year

    blocks = _report_blocks(doc, rs)
    title_norm = doc.norm[doc.line_span(rs.title_line)[0]:doc.line_span(rs.title_line)[1]] \
        if rs.title_line else None
    tree = build_tree(blocks)
    lab = label_report(blocks, tree, title_norm, rs.start, classifier,
                       source_line=lambda n: doc.norm[slice(*doc.line_span(n))] if n <= doc.n_lines else "")
    labels = lab.labels
    node_spans: list[tuple[int, int, str | None]] = []

    def span_end(end_block: int, outer_end: int) -> int:
        # a section runs to the next heading at its level or above (blank lines included)
        return doc.line_starts[blocks[end_block].line - 1] if end_block < len(blocks) else outer_end

    def collect(nodes, outer_end):
        for n in nodes:
            end = span_end(n.end_block, outer_end)
            collect(n.children, end)
            # post-order: an outer labelled section paints over its sub-items, so a
            # sub-item of "下半年工作计划" is still in the plan section
            if labels.get(id(n)):
                node_spans.append((doc.line_starts[blocks[n.block_index].line - 1], end, labels[id(n)]))

    collect(tree, rs.end)
    order = lab.order
    events = lab.evidence
    painted = lab.painted

    org, org_span, org_type = _org_of(doc, rs, blocks, title_norm)
    year = find_year(title_norm, "\n".join(b.norm for b in blocks[:3]))
    return StructuredReport(
        section_tree=[_to_section(doc, n, blocks, labels) for n in tree],
        sections=order, org=org, org_span=org_span, org_type=org_type, year=year,
        section_spans=_paint((rs.start, rs.end), painted + node_spans), evidence=events)


def org_inputs(doc: SourceDoc, rs: ReportSlice, blocks, title_norm: str | None):
    """What the org decision reads of a report, in gloss-free normalised text (医(yī)院
    is 医院, 工會 is 工会): its body, title, first source lines (bylines and headlines
    the clean stage marks as furniture included) and the opening of its first blocks."""
    from pipeline.structure.org import GLOSS, SELF_NAMING_LINES
    from pipeline.structure.org_model import OrgInputs

    body = GLOSS.sub("", "\n".join(b.norm for b in blocks))
    title = GLOSS.sub("", title_norm) if title_norm else None
    first_lines = [GLOSS.sub("", doc.norm[slice(*doc.line_span(ln))]).strip()
                   for ln in range(rs.start_line, min(rs.end_line, rs.start_line + SELF_NAMING_LINES) + 1)]
    opening = GLOSS.sub("", "\n".join(b.norm[:80] for b in blocks[:2]))
    return OrgInputs(body, title, [ln for ln in first_lines if ln], opening)


def _org_of(doc: SourceDoc, rs: ReportSlice, blocks, title_norm: str | None):
    """(org as written, its span in doc.text, org_type): the org models' choice among
    the rules' candidates (org_model.py)."""
    from pipeline.structure.org import locate
    from pipeline.structure.org_model import decide, default_models

    choice = decide(org_inputs(doc, rs, blocks, title_norm), *default_models())
    org = choice.org
    span = locate(doc.norm, org, rs.start, rs.end) if org else None
    if span:  # as written in the source (traditional characters, glosses)
        org = doc.text[span[0]:span[1]]
    return org, span, choice.org_type
