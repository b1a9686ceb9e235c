"""Content lines of a document: non-empty lines that are not boilerplate."""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.document import SourceDoc


@dataclass
class Block:
    """One content line: 1-based `line`, char span of its stripped text, normalised text."""
    line: int
    start: int
    end: int
    norm: str


def noise_line_set(doc: SourceDoc) -> set[int]:
    """Lines mostly covered by noise spans (the clean stage's verdict when it exists)."""
    if not doc.noise:
        return set()
    try:  # the clean stage owns the definition; fall back to coverage if absent
        from pipeline.clean import noise_lines  # type: ignore
        return set(noise_lines(doc))
    except Exception:
        pass
    out: set[int] = set()
    for n in doc.noise:
        first, last = doc.line_of(n.start), doc.line_of(max(n.start, n.end - 1))
        for ln in range(first, last + 1):
            s, e = doc.line_span(ln)
            body = doc.norm[s:e]
            content = len(body.strip())
            if content == 0:
                continue
            cov = min(e, n.end) - max(s, n.start)
            if cov * 2 >= content:
                out.add(ln)
    return out


def content_blocks(doc: SourceDoc) -> list[Block]:
    noise = noise_line_set(doc)
    norm = doc.norm
    blocks: list[Block] = []
    for ln in range(1, doc.n_lines + 1):
        if ln in noise:
            continue
        s, e = doc.line_span(ln)
        seg = norm[s:e]
        stripped = seg.strip()
        if not stripped:
            continue
        lead = len(seg) - len(seg.lstrip())
        blocks.append(Block(ln, s + lead, s + lead + len(stripped), stripped))
    return blocks


_last: list = [(None, None)]  # one (doc, blocks) pair, replaced atomically (thread-safe)


def report_lines(doc: SourceDoc) -> list[Block]:
    """Content lines minus site boilerplate lines; computed once per doc (split and
    structure both read them)."""
    hit = _last[0]
    if hit[0] is doc:
        return hit[1]
    from pipeline.split.titles import is_collection

    blocks = [b for b in content_blocks(doc) if not is_collection(b.norm)]
    _last[0] = (doc, blocks)
    return blocks
