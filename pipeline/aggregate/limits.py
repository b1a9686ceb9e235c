"""Limits of the analyst outputs (`data/outputs.toml`), read once per process."""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

OUTPUTS_CONFIG = Path(__file__).parent / "data" / "outputs.toml"


@cache
def outputs_config() -> dict:
    """The whole file: one table per output ([excel], [dashboard])."""
    with open(OUTPUTS_CONFIG, "rb") as fh:
        return tomllib.load(fh)
