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
