"""Chinese labels and column headers for the analyst's outputs (data files, loaded once)."""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@cache
def labels() -> dict[str, dict[str, str]]:
    with open(DATA / "labels_zh.toml", "rb") as fh:
        return tomllib.load(fh)


@cache
def headers() -> dict[str, str]:
    with open(DATA / "headers_zh.toml", "rb") as fh:
        return tomllib.load(fh)


def zh(kind: str, key: str | None) -> str:
    """Chinese name of an enumeration value; the value itself when it has none."""
    if key is None:
        return ""
    return labels().get(kind, {}).get(key, key)


def header(column: str) -> str:
    return headers().get(column, column)
