"""What a fact extractor knows about the report it reads, passed explicitly."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from pipeline.document import ReportSlice, SourceDoc


@dataclass
class ExtractContext:
    """Per-report context for the fact extractors.

    `section_spans` are (start, end, label) char ranges of the report's canonical
    sections (label None for unlabelled stretches), sorted by start, from the
    structure stage; extractors use them e.g. to skip dates planned in a `plan`
    section. `year` is the report's reporting year when the text states it.
    """
    doc: SourceDoc
    report: ReportSlice
    year: int | None = None
    section_spans: list[tuple[int, int, str | None]] = field(default_factory=list)
    _starts: list[int] | None = field(default=None, repr=False)

    def section_at(self, offset: int) -> str | None:
        """Canonical section label covering a char offset, or None."""
        if self._starts is None:
            self._starts = [s for s, _, _ in self.section_spans]
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0:
            s, e, label = self.section_spans[i]
            if s <= offset < e:
                return label
        return None
