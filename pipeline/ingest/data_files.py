"""The ingest stage's data files, loaded once."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

_DATA = Path(__file__).with_name("data")


@functools.cache
def load_formats() -> dict:
    with open(_DATA / "formats.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


@functools.cache
def magic_table() -> tuple[tuple[bytes, str, int, int], ...]:
    """(magic bytes, format, search window or 0, minimum file size) from formats.yaml."""
    return tuple((bytes.fromhex(m["hex"]), m["format"], int(m.get("within", 0)),
                  int(m.get("min_size", 0))) for m in load_formats()["magic"])
