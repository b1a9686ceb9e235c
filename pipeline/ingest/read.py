"""Read one input file into its source text, or say precisely why not."""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from pipeline.ingest.data_files import load_formats
from pipeline.ingest.decode import decode_text
from pipeline.ingest.docx_reader import docx_text
from pipeline.ingest.html_reader import declared_charset, html_text
from pipeline.ingest.model import IngestError, Ingested
from pipeline.ingest.sniff import ZIP_MAGIC, binary_kind

MAX_BYTES = 20 * 1024 * 1024
# A .docx expands when unzipped; XML text compresses ~10x, so allow 10x the file limit.
DOCX_EXPANSION = 10


def read_file(path: Path, max_bytes: int = MAX_BYTES,
              recorded: tuple[str, str | None] | None = None) -> Ingested:
    """Decode one file (.txt/.md/.docx/.html/.htm, or sniffed) into its source text.

    The source text is the decoded text with CRLF and lone CR turned into LF
    (so line n is the n-th "\\n"-separated line). Raises IngestError with a
    specific reason for every input that is not usable text.
    `recorded`: (sha256, encoding) a run recorded for this file: when the bytes still
    have that hash, their encoding is not detected again (same text, less work).
    """
    path = Path(path)
    data = _read_bytes(path, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        raise IngestError("empty file")
    fmt = load_formats()["suffixes"].get(path.suffix.lower()) or _sniff_format(data)
    encoding: str | None
    if fmt == "docx":
        text, encoding = docx_text(data, DOCX_EXPANSION * max_bytes), None
    elif fmt == "html":
        text, encoding = _decode_html(data)
        text = html_text(text)
    else:
        if data.startswith(ZIP_MAGIC):
            raise IngestError("binary content (ZIP archive)")
        hint = recorded[1] if recorded is not None and recorded[0] == sha256 else None
        text, encoding = decode_text(data, hint)
    text = normalise_newlines(text)
    if not text.strip():
        raise IngestError("no text content (whitespace only)" if text else "no text content")
    return Ingested(text=text, encoding=encoding, format=fmt, n_bytes=len(data), sha256=sha256)


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR -> LF (the definition of the source text's lines)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        st = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        if os.path.islink(path):
            raise IngestError("broken symbolic link") from None
        raise IngestError("file not found") from None
    except PermissionError:
        raise IngestError("permission denied") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise IngestError("symbolic link loop") from None
        raise IngestError(f"cannot read file: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        try:
            os.scandir(path).close()
        except PermissionError:
            raise IngestError("permission denied (folder cannot be listed)") from None
        except OSError:
            pass
        raise IngestError("is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise IngestError("not a regular file (device, pipe or socket)")
    if st.st_size > max_bytes:
        raise IngestError(f"file too large: {_size(st.st_size, exact=False)} "
                          f"> limit {_size(max_bytes)}")
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except PermissionError:
        raise IngestError("permission denied") from None
    except IsADirectoryError:
        raise IngestError("is a directory, not a file") from None
    except OSError as e:
        raise IngestError(f"cannot read file: {e.strerror or e}") from None
    if len(data) > max_bytes:  # grew since stat
        raise IngestError(f"file too large: more than limit {_size(max_bytes)}")
    return data


def _size(n: int, exact: bool = True) -> str:
    """"20 MB" for a round limit, "21.0 MB" for a measured size; bytes below 1 KB."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n // scale} {unit}" if exact and n % scale == 0 else f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _sniff_format(data: bytes) -> str:
    """Format of a file whose suffix says nothing: docx, html or txt."""
    if data.startswith(ZIP_MAGIC):
        return "docx" if b"word/" in data[:4096] or b"[Content_Types].xml" in data[:4096] \
            else "txt"  # txt -> rejected as a ZIP archive
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200]:
        return "html"
    return "txt"


def _decode_html(data: bytes) -> tuple[str, str]:
    """HTML bytes -> markup str: BOM, then the declared charset, then text detection."""
    kind = binary_kind(data[:64])
    if kind:
        raise IngestError(f"binary content ({kind})")
    charset = declared_charset(data)
    if charset and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        codec = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}.get(charset, charset)
        try:
            return data.decode(codec), charset
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong declaration is common; fall back to detection
    return decode_text(data)
