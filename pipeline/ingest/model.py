"""What ingest returns, and how it fails."""
from __future__ import annotations

from dataclasses import dataclass


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
    format: str            # "txt", "md", "docx", "html"
    n_bytes: int
    sha256: str
