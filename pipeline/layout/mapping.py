"""Map a report found in a layout view back into the decoded source.

Every stage works on the view (`doc.text`); at the end of the per-file pipeline
each position of the output is moved into the source: report start/end and
lines, the section tree, every fact's start/end/line, and the texts that are
spans (fact text, title, heading) are re-read from the source, so
`source[start:end] == text` holds (a fact may then hold a newline or a layout
space: that is how the source writes it).

A char span [s, e) of the view maps to [m[s], m[e-1] + 1); a boundary b
(a report or section edge) maps to m[b], the source position of the view
character there (an inserted break: the next source character).
"""
from __future__ import annotations

import bisect

from pipeline.document import SourceDoc, line_starts
from schemas.report import Report, Section


class _Mapper:
    def __init__(self, doc: SourceDoc):
        self.m = doc.view_to_source
        self.src = doc.source_text
        self.doc = doc
        self.starts = line_starts(self.src)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def span(self, s: int, e: int) -> tuple[int, int]:
        a = self.m[s]
        return (a, self.m[e - 1] + 1) if e > s else (a, a)

    def bound(self, b: int) -> int:
        return self.m[b]

    def last_line(self, start: int, end: int) -> int:
        """Source line of the last character of [start, end) (a source range)."""
        return self.line(max(start, end - 1))

    def stripped_line(self, view_line: int) -> tuple[int, int]:
        """Source span of a view line's stripped text."""
        s, e = self.doc.line_span(view_line)
        seg = self.doc.text[s:e]
        lead = len(seg) - len(seg.lstrip())
        body = seg.strip()
        return self.span(s + lead, s + lead + len(body))


def report_to_source(doc: SourceDoc, report: Report) -> Report:
    """The report with every position moved from the view into the source (in place)."""
    mp = _Mapper(doc)
    src = mp.src
    view_start, view_end = report.start, report.end
    if report.title is not None:
        # split takes the title from the stripped first line of the report
        s, e = mp.stripped_line(doc.line_of(view_start))
        report.title = src[s:e]
    report.start, report.end = mp.bound(view_start), mp.bound(view_end)
    report.start_line = mp.line(report.start)
    # the last report runs to the end of the file, as it does without a view
    report.end_line = (len(mp.starts) if view_end == len(doc.text)
                       else mp.last_line(report.start, report.end))
    report.chars = report.end - report.start
    if report.org_start is not None and report.org_end is not None:
        # (the name stays as read, without layout spaces or line breaks)
        report.org_start, report.org_end = mp.span(report.org_start, report.org_end)
    for f in report.facts:
        f.start, f.end = mp.span(f.start, f.end)
        f.text = src[f.start:f.end]
        f.line = mp.line(f.start)
        if getattr(f, "recipient_start", None) is not None and f.recipient_end is not None:
            f.recipient_start, f.recipient_end = mp.span(f.recipient_start, f.recipient_end)
    report.section_tree = [_section(mp, sec) for sec in report.section_tree]
    return report


def _section(mp: _Mapper, sec: Section) -> Section:
    hs, he = mp.span(sec.start, _heading_end(mp, sec))
    sec.heading = mp.src[hs:he]
    sec.start = mp.bound(sec.start)
    sec.end = max(sec.start, mp.bound(sec.end))
    sec.start_line = mp.line(sec.start)
    sec.end_line = mp.last_line(sec.start, sec.end)
    sec.children = [_section(mp, c) for c in sec.children]
    return sec


def _heading_end(mp: _Mapper, sec: Section) -> int:
    """View end of a section heading (it starts at sec.start, as written in the view)."""
    return sec.start + len(sec.heading)
