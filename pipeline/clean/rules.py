"""The clean stage's vocabulary (data/noise.yaml), compiled once."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.regexes import AnyOf, holds_one_of

_DATA = Path(__file__).with_name("data") / "noise.yaml"


@dataclass(frozen=True)
class NoiseRules:
    line_rule: re.Pattern[str]          # fullmatch on a stripped line; lastgroup = kind
    header_line_rule: re.Pattern[str]   # same, only near the top of the file
    max_line_chars: int
    intro_cues: tuple[tuple[re.Pattern[str], float], ...]
    intro_any: re.Pattern[str]          # any intro anchor literal (prefilter over the text)
    max_intro_chars: int
    intro_weight: float
    header_intro_weight: float
    header_lines: int
    fact_guard: re.Pattern[str]
    preamble_lines: int
    max_preamble_chars: int
    inline: tuple[tuple[str, re.Pattern[str]], ...]   # (kind, pattern)
    site_names: tuple[str, ...]         # longest first
    site_name_suffixes: tuple[str, ...]
    collection_lines: AnyOf             # a content line holding one is boilerplate
    min_paragraph_chars: int            # ...unless longer than this and holding
    report_figure: re.Pattern[str]      # ...a report's figure
    furniture_lines: AnyOf              # anchored: furniture at any length
    edge_min_chars: int                 # longer lines: boilerplate at their edges only
    max_edge_gap: int
    edge_any: "AnyFound"                # prefilter: a line that may hold boilerplate
    sentence_end: re.Pattern[str]
    collection_end: re.Pattern[str]     # the end of a collection title ("…(精选3篇)")


class AnyFound:
    """Does a literal or one of `patterns` occur in a text? (The answer of their union,
    found faster: one alternation of literals, then each pattern on its own.)"""

    def __init__(self, literals: list[str], patterns: list[str]):
        self.literals = re.compile("|".join(map(re.escape, literals))) if literals else None
        # a pattern whose every match holds one of the literals adds nothing
        self.patterns = [re.compile(p) for p in patterns if not holds_one_of(p, literals)]

    def search(self, text: str) -> bool:
        if self.literals is not None and self.literals.search(text):
            return True
        for rx in self.patterns:
            if rx.search(text):
                return True
        return False


def _expand(pattern: str, macros: dict[str, str]) -> str:
    for name, value in macros.items():
        pattern = pattern.replace("{" + name + "}", value)
    return pattern


def _kinds_regex(rules: dict[str, list[str]], macros: dict[str, str]) -> re.Pattern[str]:
    alts = []
    for kind, patterns in rules.items():
        body = "|".join(f"(?:{_expand(p, macros)})" for p in patterns)
        alts.append(f"(?P<{kind}>{body})")
    return re.compile("|".join(alts))


@functools.cache
def load_rules() -> NoiseRules:
    with open(_DATA, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    macros = cfg["macros"]
    cues = tuple((re.compile(_expand(p, macros)), float(w)) for p, w in cfg["intro_cues"])
    return NoiseRules(
        line_rule=_kinds_regex(cfg["line_rules"], macros),
        header_line_rule=_kinds_regex(cfg["header_line_rules"], macros),
        max_line_chars=int(cfg["max_line_chars"]),
        intro_cues=cues,
        intro_any=re.compile("|".join(re.escape(a) for a in cfg["intro_anchors"])),
        max_intro_chars=int(cfg["max_intro_chars"]),
        intro_weight=float(cfg["intro_weight"]),
        header_intro_weight=float(cfg["header_intro_weight"]),
        header_lines=int(cfg["header_lines"]),
        fact_guard=re.compile(cfg["fact_guard"]),
        preamble_lines=int(cfg["preamble_lines"]),
        max_preamble_chars=int(cfg["max_preamble_chars"]),
        inline=tuple((k, re.compile(_expand(v, macros))) for k, v in cfg["inline"].items()),
        site_names=tuple(sorted(cfg["site_names"], key=len, reverse=True)),
        site_name_suffixes=tuple(cfg["site_name_suffixes"]),
        collection_lines=AnyOf(cfg["collection_lines"]),
        min_paragraph_chars=int(cfg["min_paragraph_chars"]),
        report_figure=re.compile(cfg["report_figure"]),
        furniture_lines=AnyOf(cfg["furniture_lines"]),
        edge_min_chars=int(cfg["edge_min_chars"]),
        max_edge_gap=int(cfg["max_edge_gap"]),
        # prefilter: a content-line pattern that can match anywhere, or an intro anchor
        edge_any=AnyFound(list(cfg["intro_anchors"]),
                          [p for p in cfg["collection_lines"] if not p.startswith("^")]),
        sentence_end=re.compile(cfg["sentence_end"]),
        collection_end=re.compile(_expand(cfg["collection_end"], macros)),
    )
