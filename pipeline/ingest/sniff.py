"""Recognise non-text content by its leading bytes (magic numbers)."""
from __future__ import annotations

# (prefix, human name). ZIP is handled by the caller (a .docx is a zip).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy MS Office file (.doc/.xls, OLE2)"),
    (b"{\\rtf", "RTF document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"ID3", "MP3 audio"),
    (b"OggS", "Ogg media"),
    (b"\x00\x00\x01\x00", "icon image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"wOFF", "web font"),
    (b"\x00asm", "WebAssembly binary"),
)
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def binary_kind(head: bytes) -> str | None:
    """Name of the binary format `head` starts with, or None."""
    if head.startswith(ZIP_MAGIC):
        return "ZIP archive"
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}[head[8:12]]
    if head[:3] == b"BZh" and head[4:10] == b"1AY&SY":
        return "bzip2 archive"
    if head[4:8] == b"ftyp":
        return "MP4/ISO media"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            # "MZ" and "ID3" are also plain-text openings; only trust them with a NUL around.
            if magic in (b"MZ", b"ID3") and b"\x00" not in head[:64]:
                continue
            return name
    return None


def sniff_format(data: bytes) -> str | None:
    """Format name the bytes announce (formats.yaml `magic`; zip with word/ -> docx;
    markup -> html), or None when they announce none."""
    from pipeline.ingest.data_files import magic_table
    for magic, fmt, within, min_size in magic_table():
        if len(data) < min_size:
            continue
        if data.startswith(magic) or (within and magic in data[:within]):
            return fmt
    if data.startswith(ZIP_MAGIC):
        head = data[:4096]
        return "docx" if b"word/" in head or b"[Content_Types].xml" in head else None
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200]:
        return "html"
    return None
