"""Placeholder facts: every masked value a template left in the report."""
from __future__ import annotations

import re
from functools import cache

from pipeline.document import SourceDoc
from pipeline.extract.context import ExtractContext
from pipeline.extract.masks import mask_spans
from pipeline.extract.numerals import load_data
from schemas.report import PlaceholderFact


@cache
def _frame_line() -> re.Pattern:
    return re.compile(load_data("masks.yaml")["frame_line_re"], re.M)


def extract(doc: SourceDoc, start: int, end: int, ctx: ExtractContext | None = None
            ) -> list[PlaceholderFact]:
    """One PlaceholderFact per mask run in [start, end), outside boilerplate and off a
    document-sharing site's page header or blurb line (each line judged once: a long
    line can hold thousands of runs)."""
    facts = []
    frame_lines: dict[int, bool] = {}
    for s, e in mask_spans(doc.norm, start, end):
        if doc.noise and doc.is_noise(s, e):
            continue
        line = doc.line_of(s)
        if line not in frame_lines:
            ls, le = doc.line_span(line)
            frame_lines[line] = _frame_line().search(doc.norm, ls, le) is not None
        if frame_lines[line]:
            continue
        facts.append(PlaceholderFact(text=doc.text[s:e], start=s, end=e, line=line))
    return facts
