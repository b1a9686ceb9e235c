"""Readers: one module per input format, registered by format name.

A reader turns a file's bytes into a `Decoded` (the text plus what is known
about how it was obtained) or raises `IngestError` with a reason an analyst
understands. `pipeline/ingest/data/formats.yaml` maps suffixes and magic bytes
to format names; `reader_for(name)` gives the reader. A new format is one module
here with `@register("name")` and one line in formats.yaml.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.ingest.model import IngestError


@dataclass
class ReadRequest:
    """What a reader gets: the bytes, the path (for messages), the size limit and
    the encoding a previous run recorded for these very bytes (or None)."""
    data: bytes
    path: Path
    max_bytes: int
    encoding_hint: str | None = None


@dataclass
class Decoded:
    """A reader's result. `text` may still hold CR/CRLF only when no offsets
    (`low_confidence`, `pages`) are given; readers that give offsets give LF text.

    - `pages`: start offset of each page in `text` (PDF, OCR); pages are joined
      with a form feed at the start of each page after the first, as pdftotext does,
      so the clean stage sees page boundaries in the text itself.
    - `ocr`: the text was recognised from images; `ocr_confidence` is the mean word
      confidence (0-100); `low_confidence` are (start, end) spans of words below
      the threshold, facts over them are flagged for review.
    - `tool`: the converter or engine that produced the text (e.g. "pdfium",
      "tesseract 5.3", "antiword").
    """
    text: str
    encoding: str | None = None
    pages: list[int] = field(default_factory=list)
    ocr: bool = False
    ocr_confidence: float | None = None
    low_confidence: list[tuple[int, int]] = field(default_factory=list)
    tool: str | None = None


Reader = Callable[[ReadRequest], Decoded]
_READERS: dict[str, Reader] = {}
# Modules that register readers; imported on first use (their heavy imports are lazy too).
_MODULES = ("txt", "docx", "html", "mht", "pdf", "image", "doc", "rtf")


def register(*names: str) -> Callable[[Reader], Reader]:
    """Decorator: register a reader under one or more format names."""
    def deco(fn: Reader) -> Reader:
        for name in names:
            if name in _READERS and _READERS[name] is not fn:
                raise ValueError(f"format {name!r} has two readers")
            _READERS[name] = fn
        return fn
    return deco


_loaded: list[bool] = []


def _load() -> None:
    # Every module, even when one was imported on its own before (it registered itself only).
    if not _loaded:
        for mod in _MODULES:
            importlib.import_module(f"pipeline.ingest.readers.{mod}")
        _loaded.append(True)


def reader_for(fmt: str) -> Reader:
    _load()
    try:
        return _READERS[fmt]
    except KeyError:
        raise IngestError(f"no reader for format {fmt!r}") from None


def formats() -> tuple[str, ...]:
    _load()
    return tuple(sorted(_READERS))


__all__ = ["Decoded", "ReadRequest", "Reader", "register", "reader_for", "formats"]
