"""The data passed between stages, explicitly (no globals).

A `SourceDoc` is one decoded input file. `text` is the decoded source text all
output offsets refer to; `norm` is its normalised form (traditional ->
simplified, full-width -> half-width, `13。5` -> `13.5`, odd spaces -> ' ').
Normalisation is length-preserving by construction, so an offset in `norm` is
the same offset in `text` and `text[start:end]` is always the as-written span.
Stages add to the doc: `noise` (clean), then `ReportSlice`s (split), then
structure and facts per slice.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True)
class NoiseSpan:
    """A stretch of template-site boilerplate (marked, never deleted)."""
    start: int
    end: int
    kind: str  # e.g. "site_title", "copy_button", "page_number", "url", "watermark", "pinyin"


@dataclass
class SourceDoc:
    path: str
    source: str          # file name, the contract's `source`
    text: str            # decoded source text
    norm: str            # normalised text, len(norm) == len(text)
    encoding: str | None = None
    format: str = "txt"
    noise: list[NoiseSpan] = field(default_factory=list)
    # (start, end) spans of words OCR read with low confidence (ingest); facts on
    # them get `low_confidence` (pipeline.process.analyse_doc)
    low_confidence: list[tuple[int, int]] = field(default_factory=list)
    _line_starts: list[int] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if len(self.norm) != len(self.text):
            raise ValueError("normalised text must have the source text's length")

    @property
    def line_starts(self) -> list[int]:
        """Char offset of the start of each line (line n starts at line_starts[n-1])."""
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i != -1:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def line_of(self, offset: int) -> int:
        """1-based line number of a char offset."""
        return bisect.bisect_right(self.line_starts, offset)

    def line_span(self, line: int) -> tuple[int, int]:
        """(start, end) offsets of a 1-based line, without its newline."""
        starts = self.line_starts
        s = starts[line - 1]
        e = starts[line] - 1 if line < len(starts) else len(self.text)
        if e > s and self.text[e - 1] == "\r":
            e -= 1
        return s, e

    @property
    def n_lines(self) -> int:
        return len(self.line_starts)

    def is_noise(self, start: int, end: int) -> bool:
        """True if [start, end) overlaps a noise span."""
        return any(n.start < end and start < n.end for n in self.noise)


@dataclass
class ReportSlice:
    """One report inside a SourceDoc, as found by the split stage."""
    start_line: int       # 1-based, the contract's start_line
    end_line: int         # inclusive
    start: int            # char offsets in the doc
    end: int
    title: str | None = None
    title_line: int | None = None
