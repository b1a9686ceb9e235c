"""Placeholder facts: every masked value a template left in the report."""
from __future__ import annotations

from pipeline.document import SourceDoc
from pipeline.extract.context import ExtractContext
from pipeline.extract.masks import mask_spans
from schemas.report import PlaceholderFact


def extract(doc: SourceDoc, start: int, end: int, ctx: ExtractContext | None = None
            ) -> list[PlaceholderFact]:
    """One PlaceholderFact per mask run in [start, end), outside boilerplate."""
    facts = []
    for s, e in mask_spans(doc.norm, start, end):
        if doc.noise and doc.is_noise(s, e):
            continue
        facts.append(PlaceholderFact(text=doc.text[s:e], start=s, end=e, line=doc.line_of(s)))
    return facts
