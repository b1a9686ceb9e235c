"""Read one input file into its source text, or say precisely why not."""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from pipeline.ingest.data_files import load_formats
from pipeline.ingest.model import IngestError, Ingested
from pipeline.ingest.readers import ReadRequest, reader_for
from pipeline.ingest.sniff import sniff_format

MAX_BYTES = 20 * 1024 * 1024


def read_file(path: Path, max_bytes: int = MAX_BYTES,
              recorded: tuple[str, str | None] | None = None) -> Ingested:
    """Decode one file into its source text with the reader of its format.

    The format comes from the suffix (formats.yaml), or from the bytes when the
    suffix is unknown or is one whose files are often something else (.doc saved
    as RTF, HTML, MHTML or plain text). The source text is the reader's text with CRLF and lone CR
    turned into LF (so line n is the n-th "\\n"-separated line). Raises IngestError
    with a specific reason for every input that is not usable text.
    `recorded`: (sha256, encoding) a run recorded for this file: when the bytes still
    have that hash, their encoding is not detected again (same text, less work).
    """
    path = Path(path)
    data = _read_bytes(path, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        raise IngestError("empty file")
    fmt = file_format(path, data)
    hint = recorded[1] if recorded is not None and recorded[0] == sha256 else None
    got = reader_for(fmt)(ReadRequest(data=data, path=path, max_bytes=max_bytes,
                                      encoding_hint=hint))
    text = got.text
    if "\r" in text:
        if got.low_confidence or got.pages:
            raise AssertionError(f"{fmt} reader gave offsets into text with CR")
        text = normalise_newlines(text)
    if not text.strip():
        raise IngestError("no text content (whitespace only)" if text else "no text content")
    return Ingested(text=text, encoding=got.encoding, format=fmt, n_bytes=len(data),
                    sha256=sha256, ocr=got.ocr, ocr_confidence=got.ocr_confidence,
                    low_confidence=got.low_confidence, pages=got.pages, tool=got.tool)


def file_format(path: Path, data: bytes) -> str:
    """The format to read `data` as: by suffix, by content where the suffix says
    nothing or is one of formats.yaml `content_decides`."""
    formats = load_formats()
    fmt = formats["suffixes"].get(path.suffix.lower())
    if fmt is None:
        return sniff_format(data) or "txt"  # txt: rejected as binary if it is
    if fmt in formats["content_decides"]:
        # no magic: not a Word/RTF file at all; sites serve plain text as .doc
        return sniff_format(data) or "txt"
    return fmt


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
