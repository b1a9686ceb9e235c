"""The source text of a report, read back from its input path for review pages
and near-duplicate detection; decoded exactly as the pipeline decoded it."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024


@dataclass
class SourceText:
    text: str | None
    problem: str | None = None   # why text is None or cannot be trusted


def source_state(path: str, sha: str | None) -> str:
    """The state of a report's source file that derived results (signatures, review
    pages) are keyed by: the run's sha of it, and its size and mtime now."""
    try:
        st = os.stat(path)
    except OSError:
        return f"{sha}|missing"
    return f"{sha}|{st.st_size}|{st.st_mtime_ns}"


def read_source(path: str, sha256: str | None = None, encoding: str | None = None) -> SourceText:
    """The text of a report's source file as the run decoded it; `sha256` and `encoding`:
    what the run recorded of the file (its encoding is not detected again while the
    bytes are the same)."""
    p = Path(path)
    if not p.is_file():
        return SourceText(None, f"原文件已不存在：{path}")
    try:
        from pipeline.ingest import IngestError, read_file
    except ImportError:  # ingest stage not installed: plain UTF-8 text only
        try:
            raw = p.read_bytes()[:MAX_BYTES]
            text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        except (OSError, UnicodeDecodeError) as e:
            return SourceText(None, f"无法读取原文件：{e}")
        return SourceText(text)
    try:
        ing = read_file(p, MAX_BYTES, (sha256, encoding) if sha256 and encoding else None)
    except IngestError as e:
        return SourceText(None, f"无法读取原文件：{e.reason}")
    except Exception as e:  # a review page is never worth crashing the run
        return SourceText(None, f"无法读取原文件：{type(e).__name__}")
    if sha256 and ing.sha256 and ing.sha256 != sha256:
        return SourceText(ing.text, "原文件在运行后已被修改，标注位置可能不准")
    return SourceText(ing.text)


class SourceCache:
    """Keeps the last file read: reports.jsonl is sorted by path, so each
    file is read once per pass. With `keep_chars`, the texts read are also kept
    (up to that many characters in all), so that a later pass over the same files
    (the review pages, after the near-duplicate pass) does not read and decode
    them again."""

    def __init__(self, sha_by_path: dict[str, str | None] | None = None, keep_chars: int = 0,
                 encoding_by_path: dict[str, str | None] | None = None):
        self.sha = sha_by_path or {}
        self.encoding = encoding_by_path or {}
        self._path: str | None = None
        self._src: SourceText | None = None
        self._kept: dict[str, SourceText] = {}
        self._room = keep_chars
        self._once = False

    def last_use(self) -> None:
        """No more texts are kept, and each kept one is dropped once read again: the
        pass that re-reads them goes through the files in the same order, once."""
        self._room = 0
        self._once = True

    def get(self, path: str) -> SourceText:
        if path != self._path:
            src = self._kept.pop(path, None) if self._once else self._kept.get(path)
            if src is None:
                src = read_source(path, self.sha.get(path), self.encoding.get(path))
                size = len(src.text) if src.text is not None else 0
                if size <= self._room:
                    self._kept[path] = src
                    self._room -= size
            self._path, self._src = path, src
        return self._src
