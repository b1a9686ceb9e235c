"""Fact extraction, one module per fact type.

Where is X extracted? `count.py`, `rate.py`, `amount.py`, `award.py`,
`activity.py`, `placeholder.py`; numbers are parsed by `numerals.py`, masks
found by `masks.py`, dates by `dates.py`; cue vocabularies live in `data/`.
`extract_facts` runs them all over one report and orders the facts by offset.
"""
from __future__ import annotations

import importlib
from functools import cache

from pipeline.document import SourceDoc
from pipeline.extract.context import ExtractContext

FACT_MODULES = ("placeholder", "count", "rate", "amount", "award", "activity")


@cache
def _extractors():
    return [importlib.import_module(f"pipeline.extract.{name}").extract for name in FACT_MODULES]


def extract_facts(doc: SourceDoc, start: int, end: int, ctx: ExtractContext) -> list:
    """All facts of the report occupying doc[start:end], sorted by position."""
    facts = []
    for extract in _extractors():
        facts.extend(extract(doc, start, end, ctx))
    facts.sort(key=lambda f: (f.start, f.end, f.type))
    return facts
