"""What ingest returns, and how it fails."""
from __future__ import annotations

import re
from dataclasses import dataclass, field


# "… needs OCR but Tesseract is not installed (…)", "… needs a converter but none is
# installed (…)": the file is fine, this machine lacks a tool; installing it changes
# the outcome, so such a failure must not be cached.
_MISSING_TOOL = re.compile(r"\bneeds\b.*\bbut\b.*\b(?:is not|none is) installed\b")


def missing_tool(reason: str | None) -> bool:
    """True when a failure reason says a tool is missing on this machine."""
    return bool(reason and _MISSING_TOOL.search(reason))


class IngestError(Exception):
    """An input file that cannot be turned into text; `reason` says why, for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Ingested:
    """One decoded input file.

    `text` is the *source text*: the decoded characters after newline
    normalisation (CRLF and lone CR become LF); every offset and line number of
    the pipeline refers to it.
    """
    text: str
    encoding: str | None   # e.g. "utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16-le"; None for .docx
    format: str            # a reader's name: "txt", "md", "docx", "html", "pdf", "image", "doc", "rtf"
    n_bytes: int
    sha256: str
    ocr: bool = False                     # text recognised from page images (Tesseract)
    ocr_confidence: float | None = None   # mean word confidence, 0-100
    # (start, end) offsets of OCR words below the confidence threshold
    low_confidence: list[tuple[int, int]] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)  # start offset of each page (PDF, OCR)
    tool: str | None = None               # converter/engine that produced the text
