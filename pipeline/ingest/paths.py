"""File names as text that can be written to UTF-8 outputs.

A file copied from a Chinese Windows machine or a USB stick often has a name
in GBK bytes. On a UTF-8 system Python represents the bytes it cannot decode
as lone surrogates ("\\udcb1"), which no UTF-8 writer (JSON, Parquet, Excel)
accepts: one such name would stop the whole run. `display_path` gives the
name people would read: each undecodable path component is decoded as
GB18030 when its bytes are valid GB18030, otherwise its bad bytes are shown
as `\\xNN` escapes. Other names are returned unchanged.
"""
from __future__ import annotations

import os
from pathlib import Path


def _has_surrogates(s: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in s)


def _component(part: str) -> str:
    if not _has_surrogates(part):
        return part
    raw = part.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def display_path(path: str | os.PathLike) -> str:
    """`str(path)`, with undecodable name bytes made readable (see module doc)."""
    s = os.fspath(path)
    if not _has_surrogates(s):
        return s
    # Per component: a UTF-8 folder name next to a GBK file name stays as it is.
    try:
        return os.sep.join(_component(part) for part in s.split(os.sep))
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


def display_name(path: str | os.PathLike) -> str:
    """The file name (last component) of `display_path(path)`."""
    return Path(display_path(path)).name
