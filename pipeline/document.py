"""The data passed between stages, explicitly (no globals).

A `SourceDoc` is one decoded input file. `text` is the text every stage reads:
the decoded source, or its layout view when the source is hard-wrapped, spaced
or run-on (`pipeline.layout.reflow`); then `source_text` is the decoded source
and `view_to_source` maps every view offset to a source offset, and the output
offsets are mapped back at the end (`pipeline.layout.mapping`). `norm` is the
normalised form of `text` (traditional ->
simplified, full-width -> half-width, `13。5` -> `13.5`, odd spaces -> ' ').
Normalisation is length-preserving by construction, so an offset in `norm` is
the same offset in `text` and `text[start:end]` is always the as-written span.
Stages add to the doc: `noise` (clean), `blocks` (layout: the content lines
split and structure read), then `ReportSlice`s (split), then structure and
facts per slice.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.layout.blocks import Blocks


def line_starts(text: str) -> list[int]:
    """Char offset of the start of each line of `text` (line n starts at [n-1])."""
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


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
    # the decoded source and view offset -> source offset (len(text) + 1 ints) when
    # `text` is a layout view; both None when `text` is the source
    original: str | None = field(default=None, repr=False)
    view_to_source: list[int] | None = field(default=None, repr=False)
    # (start, end) spans of the SOURCE text holding words OCR read with low
    # confidence (ingest); facts on them get `low_confidence` (pipeline.process)
    low_confidence: list[tuple[int, int]] = field(default_factory=list)
    _line_starts: list[int] | None = field(default=None, repr=False)
    _blocks: Blocks | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if len(self.norm) != len(self.text):
            raise ValueError("normalised text must have the source text's length")

    @property
    def source_text(self) -> str:
        """The decoded source text the output offsets refer to."""
        return self.text if self.original is None else self.original

    @property
    def line_starts(self) -> list[int]:
        """Char offset of the start of each line (line n starts at line_starts[n-1])."""
        if self._line_starts is None:
            self._line_starts = line_starts(self.text)
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
    def blocks(self) -> Blocks:
        """Content lines (layout stage), computed once after the clean stage has set
        `noise`; a doc built by hand gets them on first use."""
        if self._blocks is None:
            from pipeline.layout.blocks import report_blocks
            self._blocks = report_blocks(self)
        return self._blocks

    @blocks.setter
    def blocks(self, value: Blocks) -> None:
        self._blocks = value

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
