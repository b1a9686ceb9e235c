"""Running headers and footers of printed documents: a short line that recurs at
the top or bottom of the pages (pages are separated by a form feed in the source
text; see pipeline/ingest/readers/pdf.py). Parameters: noise.yaml `page_furniture`."""
from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import yaml

from pipeline.document import NoiseSpan

_DIGITS = re.compile(r"[0-9]+")
_SPACE = re.compile(r"\s+")


@functools.cache
def _settings() -> dict:
    with open(Path(__file__).with_name("data") / "noise.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)["page_furniture"]


def page_furniture(text: str, norm: str) -> list[NoiseSpan]:
    """Spans of the lines repeated at page edges; [] for a text without page breaks.
    Pages are cut at the form feeds of `text` (`norm` has spaces there); the top of
    the first page is never marked: a repeat of the title there is the title."""
    if "\f" not in text:
        return []
    cfg = _settings()
    edge, max_chars = int(cfg["edge_lines"]), int(cfg["max_chars"])
    pages: list[list[tuple[int, int, str]]] = []   # non-blank lines: (start, end, key)
    pos = 0
    for raw in text.split("\f"):
        chunk = norm[pos:pos + len(raw)]
        lines = []
        offset = pos
        for line in chunk.split("\n"):
            key = _SPACE.sub("", line)
            if key:
                lines.append((offset, offset + len(line), _DIGITS.sub("#", key)))
            offset += len(line) + 1
        pages.append(lines)
        pos += len(chunk) + 1
    n_pages = sum(1 for p in pages if p)
    need = max(int(cfg["min_pages"]), cfg["min_share"] * n_pages)
    out: list[NoiseSpan] = []
    for side in ("top", "bottom"):
        edges = [p[:edge] if side == "top" else p[-edge:] for p in pages]
        seen = Counter(k for lines in edges for k in {key for _, _, key in lines}
                       if len(k) <= max_chars)
        repeated = {k for k, n in seen.items() if n >= need}
        for i, lines in enumerate(edges):
            if side == "top" and i == 0:
                continue
            for start, end, key in lines:
                if key in repeated:
                    s = start + (len(norm[start:end]) - len(norm[start:end].lstrip()))
                    out.append(NoiseSpan(s, start + len(norm[start:end].rstrip()), "running_header"))
    return out
