"""Explicit report titles: lines carrying an ordinal marker (篇1, 第二篇, 【篇一】,
范文2, 推荐…三) or a title stem repeated with different ordinals."""
from __future__ import annotations

import re
from collections import defaultdict

from pipeline.clean import is_collection
from pipeline.layout.blocks import Block
from pipeline.layout.markers import parse_marker
from pipeline.split.vocab import vocab

MAX_TITLE = 80
_TERMINAL = re.compile(r"[。;；!！?？]$")
_TITLE_END = re.compile(r"[。;；:：,，、!！?？]$")


def _titleish(norm: str) -> bool:
    return len(norm) <= MAX_TITLE and not _TERMINAL.search(norm) and "。" not in norm


_BARE_REST = re.compile(r"^[\s:：\-—_、.．【】\[\]()（）]*$")


def is_bare_marker(norm: str) -> bool:
    """A line that is only a report marker (篇一, 第一篇, 【范文1】, (一)), no title text."""
    v = vocab()
    if v["bare_ordinal"].match(norm):
        return True
    m = v["title"].search(norm)
    core = re.sub(r"[\s【】\[\]()（）:：]", "", norm)
    return bool(m) and len(core) <= 6 and bool(_BARE_REST.match(norm[: m.start()] + norm[m.end():]))


def title_text_line(b: Block) -> bool:
    """Could this line be a report's own title (short, unpunctuated, not a numbered heading)?"""
    t = b.norm
    return (4 <= len(t) <= 60 and not _TITLE_END.search(t) and "。" not in t and parse_marker(t) is None
            and not is_bare_marker(t) and not vocab()["dateline"].search(t) and not t.startswith(("——", "--")))


def _bare_ordinal_titles(blocks: list[Block]) -> list[int]:
    """Ordinal-only lines numbering the reports: at least two, distinct values, starting at 1
    or 2, each followed by a longer line."""
    from pipeline.layout.markers import cn_to_int

    v = vocab()
    hits = []
    for i, b in enumerate(blocks[:-1]):
        if v["bare_ordinal"].match(b.norm) and len(blocks[i + 1].norm) > len(b.norm):
            o = v["ordinal"].search(b.norm)
            val = cn_to_int(o.group(0)) if o else None
            if val:
                hits.append((i, val))
    vals = [x for _, x in hits]
    if len(hits) >= 2 and vals == sorted(set(vals)) and vals[0] <= 2:
        return [i for i, _ in hits]
    return []


def _key(t: str) -> str:
    """A title for comparison: no spaces, no trailing ordinal or marker."""
    t = re.sub(r"\s+", "", t)
    t = vocab()["title"].sub("", t)
    return vocab()["trailing_ordinal"].sub("", t).strip("【】[]()（）:：-_ ")


def _bigrams(t: str) -> set[str]:
    return {t[i:i + 2] for i in range(len(t) - 1)}


def same_title(a: Block, b: Block) -> bool:
    """The same title word for word (up to spaces and an ordinal marker): unlike `near_copy`,
    …2023年工作总结 and …2024年工作总结 are two titles."""
    x = _key(a.norm)
    return len(x) >= 4 and x == _key(b.norm)


def near_copy(a: Block, b: Block) -> bool:
    """The same title twice (up to spaces, an ordinal, a word such as 范文/典型)?"""
    x, y = _key(a.norm), _key(b.norm)
    if not x or not y:
        return False
    if x in y or y in x:
        return min(len(x), len(y)) >= 4
    bx, by = _bigrams(x), _bigrams(y)
    return bool(bx and by) and 2 * len(bx & by) / (len(bx) + len(by)) >= 0.7


def explicit_titles(blocks: list[Block]) -> list[int]:
    """Indices of blocks that are report titles by an explicit marker; a bare marker line
    followed by a title line gives way to that title line (the report's own title)."""
    found = _marked(blocks)
    out = []
    for i in found:
        if (is_bare_marker(blocks[i].norm) and i + 2 < len(blocks) and i + 1 not in found
                and title_text_line(blocks[i + 1]) and not near_copy(blocks[i + 1], blocks[i + 2])):
            i += 1  # (a marker above a REPEATED title stays the start, per the spec)
        out.append(i)
    return sorted(set(out))


def _marked(blocks: list[Block]) -> list[int]:
    v = vocab()
    found: set[int] = set(_bare_ordinal_titles(blocks))
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
        occ = _collapse_copies(blocks, occ)
        ordinals = {o for _, o in occ}
        if len(occ) >= 2 and (len(ordinals) >= 2 or (ordinals == {""} and len(stem) >= 6
                                                     and _bodies_between(blocks, occ) >= MIN_COPY_BODY)):
            found.update(i for i, _ in occ)
    return sorted(found)


def _body_line(b: Block) -> bool:
    t = b.norm
    m = parse_marker(t)
    return len(t) > 40 or "。" in t or (m is not None and not is_bare_marker(t))


MIN_COPY_BODY = 2  # body lines under each copy of an unnumbered title for it to head a report


def _bodies_between(blocks: list[Block], occ: list[tuple[int, str]]) -> int:
    """Fewest body lines under a copy of the title (up to the next copy or the end)."""
    ends = [i for i, _ in occ[1:]] + [len(blocks)]
    return min(sum(_body_line(blocks[j]) for j in range(i + 1, e)) for (i, _), e in zip(occ, ends))


def _collapse_copies(blocks: list[Block], occ: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Copies of a title with no body line between them are one title (a page headline
    repeated above the report): keep the last of each run."""
    out: list[tuple[int, str]] = []
    for i, o in occ:
        if out and not any(_body_line(blocks[j]) for j in range(out[-1][0] + 1, i)):
            out[-1] = (i, o)
        else:
            out.append((i, o))
    return out


def lead_title(b: Block) -> bool:
    """Is this first line of an unmarked report its title? (short, unpunctuated, a genre word)."""
    t = b.norm
    return (len(t) <= 50 and not _TITLE_END.search(t) and "。" not in t and parse_marker(t) is None
            and bool(vocab()["genre"].search(t)) and not vocab()["dateline"].search(t))


def title_ordinal(b: Block) -> int | None:
    """The ordinal a marked title carries (篇2 -> 2, 第二篇 -> 2), if readable."""
    from pipeline.layout.markers import cn_to_int

    m = vocab()["title"].search(b.norm) or vocab()["bare_ordinal"].search(b.norm)
    if not m:
        return None
    o = vocab()["ordinal"].search(m.group(0))
    return cn_to_int(o.group(0)) if o else None
