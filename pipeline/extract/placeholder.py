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


def _on_frame_line(norm: str, s: int) -> bool:
    """The run lies on a document-sharing site's page header or blurb line."""
    ls = norm.rfind("\n", 0, s) + 1
    le = norm.find("\n", s)
    le = len(norm) if le == -1 else le
    return _frame_line().search(norm, ls, le) is not None


def extract(doc: SourceDoc, start: int, end: int, ctx: ExtractContext | None = None
            ) -> list[PlaceholderFact]:
    """One PlaceholderFact per mask run in [start, end), outside boilerplate."""
    facts = []
    for s, e in mask_spans(doc.norm, start, end):
        if doc.noise and doc.is_noise(s, e):
            continue
        if _on_frame_line(doc.norm, s):
            continue
        facts.append(PlaceholderFact(text=doc.text[s:e], start=s, end=e, line=doc.line_of(s)))
    return facts
