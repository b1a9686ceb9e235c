"""Heading tree of a report: numbered headings (一、 (一) 1、 1. 1) (1) ① 一是
第一部分) and plain short heading lines, nested by the order in which marker
kinds first appear."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.layout.blocks import Block
from pipeline.layout.markers import parse_marker

HEAD_MAX = 40          # a heading clause longer than this is a body sentence
_CLAUSE_END = re.compile(r"[。;；!！?？]|:(?!\d)|：")
_TERMINAL = re.compile(r"[。;；!！?？,，、]$")


@dataclass
class Node:
    block_index: int
    level: int
    marker: str | None
    kind: str
    heading_start: int
    heading_end: int      # char span of the heading text (in the doc)
    heading: str          # normalised heading text (for labelling)
    children: list["Node"] = field(default_factory=list)
    end_block: int = 0    # exclusive


def heading_of(b: Block, next_block: Block | None) -> tuple[str, int, str | None, int] | None:
    """(kind, heading length in chars, marker text, marker length) if block b is a heading."""
    t = b.norm
    m = parse_marker(t)
    if m is not None:
        rest = t[m.length:]
        end = _CLAUSE_END.search(rest)
        n = end.start() if end else len(rest)
        if n == 0:
            return None
        # a numbered paragraph is a section of its own: its heading is its lead
        return m.kind, m.length + min(n, HEAD_MAX), m.text, m.length
    # plain heading: short, unpunctuated line followed by a longer body line
    if (len(t) <= 24 and not _TERMINAL.search(t) and "。" not in t and next_block is not None
            and len(next_block.norm) > len(t) and not re.match(r"^[0-9二〇零xX_]{2,4}\s*年", t)):
        return "plain", len(t.rstrip(":：")), None, 0
    return None


def build_tree(blocks: list[Block]) -> list[Node]:
    order: list[str] = []
    roots: list[Node] = []
    stack: list[Node] = []
    for i, b in enumerate(blocks):
        h = heading_of(b, blocks[i + 1] if i + 1 < len(blocks) else None)
        if h is None:
            continue
        kind, hlen, mtext, mlen = h
        if kind not in order:
            order.append(kind)
        level = order.index(kind) + 1
        node = Node(i, level, mtext.strip() if mtext else None, kind, b.start, b.start + hlen,
                    b.norm[mlen:hlen].strip())
        while stack and stack[-1].level >= level:
            stack.pop().end_block = i
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    for n in stack:
        n.end_block = len(blocks)
    return roots
