"""Explicit report titles: lines carrying an ordinal marker (篇1, 第二篇, 【篇一】,
范文2, 推荐…三) or a title stem repeated with different ordinals."""
from __future__ import annotations

import re
from collections import defaultdict

from pipeline.structure.markers import parse_marker
from pipeline.split.lines import Block
from pipeline.split.vocab import vocab

MAX_TITLE = 80
_TERMINAL = re.compile(r"[。;；!！?？]$")
_TITLE_END = re.compile(r"[。;；:：,，、!！?？]$")


def is_collection(norm: str) -> bool:
    """Site boilerplate: collection titles, 小编 intros, metadata, page furniture."""
    return bool(vocab()["collection"].search(norm))


def _titleish(norm: str) -> bool:
    return len(norm) <= MAX_TITLE and not _TERMINAL.search(norm) and "。" not in norm


def explicit_titles(blocks: list[Block]) -> list[int]:
    """Indices of blocks that are report titles by an explicit marker."""
    v = vocab()
    found: set[int] = set()
    stems: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, b in enumerate(blocks):
        t = b.norm
        if not _titleish(t) or is_collection(t):
            continue
        if v["title"].search(t):
            found.add(i)
            continue
        if parse_marker(t) is not None or len(t) < 6 or len(t) > 40 or _TITLE_END.search(t):
            continue
        m = v["trailing_ordinal"].search(t)
        if m and m.start() >= 4:
            stems[t[: m.start()].rstrip()].append((i, m.group(0).strip()))
        elif v["genre"].search(t):
            stems[t].append((i, ""))
    for stem, occ in stems.items():
        ordinals = {o for _, o in occ}
        if len(occ) >= 2 and (len(ordinals) >= 2 or (ordinals == {""} and len(stem) >= 6)):
            found.update(i for i, _ in occ)
    return sorted(found)


def lead_title(b: Block) -> bool:
    """Is this first line of an unmarked report its title? (short, unpunctuated, a genre word)."""
    t = b.norm
    return (len(t) <= 50 and not _TITLE_END.search(t) and "。" not in t and parse_marker(t) is None
            and bool(vocab()["genre"].search(t)) and not vocab()["dateline"].search(t))


def title_ordinal(b: Block) -> int | None:
    """The ordinal a marked title carries (篇2 -> 2, 第二篇 -> 2), if readable."""
    from pipeline.structure.markers import cn_to_int

    m = vocab()["title"].search(b.norm)
    if not m:
        return None
    o = vocab()["ordinal"].search(m.group(0))
    return cn_to_int(o.group(0)) if o else None
