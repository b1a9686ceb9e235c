"""The award rules as data: `data/award_rules.yaml` (triggers, filters, honour
shapes) and `data/award_levels.yaml` (level markers), validated when loaded and
compiled once into `AwardVocab`.

A rule is `{id, kind, text | re}`; an unknown kind, a duplicate id, a rule with
both or neither pattern, or a regex that does not compile fails loading with
the rule's id in the message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

_DATA = Path(__file__).with_name("data")

TRIGGER_KINDS = ("win", "title", "confer", "confer_title", "by", "out", "ranking")
RuleKind = Literal["win", "title", "confer", "confer_title", "by", "out", "ranking", "obtained",
                   "nomination", "not_after_huo", "suffix", "prize", "rank", "tail", "token",
                   "honour_prefix", "praise", "bare_rank", "work", "vague", "praise_object", "honour_word",
                   "performance"]
CONFERRER_REACH = 25   # 被<conferrer>评为: the conferrer is this long at most
Level = Literal["national", "provincial", "municipal", "district", "town", "internal"]


class AwardRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    kind: RuleKind
    text: str | None = None
    re: str | None = None
    # the verb itself says an honour was won (荣获): an object opening with an honour
    # word (荣获优秀共产党员) needs no honour suffix
    strong: bool = False
    # the verb praises (评选表彰): a top-N place it names (评选表彰前20名) is an honour
    top_n: bool = False

    @model_validator(mode="after")
    def _one_pattern(self):
        if (self.text is None) == (self.re is None):
            raise ValueError(f"award rule {self.id!r}: give exactly one of `text` and `re`")
        if self.re is not None:
            try:
                re.compile(self.re)
            except re.error as e:
                raise ValueError(f"award rule {self.id!r}: bad regex: {e}") from None
        return self

    @property
    def pattern(self) -> str:
        """The rule as a regex fragment."""
        return self.re if self.re is not None else re.escape(self.text)

    @property
    def subject_confers(self) -> bool:
        """The clause subject gives the honour (授予, 评为): the winner is elsewhere."""
        return self.kind in ("confer", "confer_title")

    @property
    def object_is_title(self) -> bool:
        """The whole object after the verb is a title (被评为先进女职工委员会)."""
        return self.kind in ("title", "confer_title", "by", "out")


class _RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[AwardRule]

    @model_validator(mode="after")
    def _unique_ids(self):
        seen: set[str] = set()
        for r in self.rules:
            if r.id in seen:
                raise ValueError(f"award rule id {r.id!r} is used twice")
            seen.add(r.id)
        return self


class _LevelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Level
    markers: list[str]


class _LevelFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    levels: list[_LevelEntry]
    strip_prefix_re: str
    internal_scope_re: str
    self_reference_re: str


def _alt(rules: list[AwardRule]) -> str:
    """Alternation of rules, longest literal first (so 荣获了 wins over 荣获)."""
    ordered = sorted(rules, key=lambda r: (r.re is None, len(r.text or "")), reverse=True)
    return "|".join(f"(?:{r.pattern})" for r in ordered)


@dataclass(frozen=True)
class AwardVocab:
    """Compiled rules. `trigger` matches one trigger; `rule_of` names the rule."""
    rules: tuple[AwardRule, ...]
    trigger: re.Pattern
    trigger_anchor: re.Pattern
    nomination: re.Pattern
    suffix_re: re.Pattern
    rank_re: re.Pattern
    prize_re: re.Pattern
    token_re: re.Pattern
    tail_re: re.Pattern
    prefixes: tuple[str, ...]
    work_re: re.Pattern
    honour_word_re: re.Pattern
    vague_re: re.Pattern
    performance_re: re.Pattern
    praise: tuple[tuple[AwardRule, re.Pattern], ...]
    praise_object: tuple[tuple[AwardRule, re.Pattern], ...]
    obtained: tuple[tuple[AwardRule, re.Pattern], ...]
    bare_rank: tuple[tuple[AwardRule, re.Pattern], ...]
    levels: tuple[tuple[str, re.Pattern], ...]
    strip_re: re.Pattern
    scope_re: re.Pattern
    self_ref_re: re.Pattern
    _literal: dict
    _regex: tuple

    def rule_of(self, m: re.Match) -> AwardRule:
        """The rule behind a `trigger` match."""
        group = "byv" if m.group("by") is not None else "trig"  # (被评选为 is a verb, not 被<评><选为>)
        kinds = ("by",) if group == "byv" else tuple(k for k in TRIGGER_KINDS if k != "by")
        said = m.group(group)
        for kind in kinds:
            r = self._literal.get((kind, said))
            if r is not None:
                return r
        for r, rx in self._regex:
            if r.kind in kinds:
                hit = rx.match(m.string, m.start(group))   # lookaheads may read past the group
                if hit and hit.end() == m.end(group):
                    return r
        raise LookupError(f"no award rule for trigger {said!r}")  # cannot happen: the regex is built from the rules


def load_rules(path: Path = _DATA / "award_rules.yaml") -> list[AwardRule]:
    return _RuleFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).rules


@cache
def vocab() -> AwardVocab:
    rules = load_rules()
    lv = _LevelFile.model_validate(yaml.safe_load((_DATA / "award_levels.yaml").read_text(encoding="utf-8")))
    kind = {k: [r for r in rules if r.kind == k] for k in RuleKind.__args__}  # type: ignore[attr-defined]
    not_huo = "|".join(r.pattern for r in kind["not_after_huo"])
    # 获 alone is "won" only when no not_after_huo word follows it
    verbs = [r for r in rules if r.kind in TRIGGER_KINDS and r.kind != "by"]
    verb_alt = "|".join(f"(?:{r.pattern})" if r.text != "获" else rf"(?:获(?!{not_huo}))"
                        for r in sorted(verbs, key=lambda r: (r.re is None, len(r.text or "")), reverse=True))
    trigger = re.compile(
        rf"(?<![收捕俘查破斩缴])(?P<trig>{verb_alt})"
        rf"|(?P<by>被(?P<conf>[^,，。;；被]{{1,{CONFERRER_REACH}}}?)(?P<byv>{_alt(kind['by'])}))")
    # a trigger can only begin at one of these characters (the full regex is tried there only)
    firsts = {"被"} | {r.text[0] for r in verbs if r.text} | {r.re[0] for r in verbs if r.re}
    return AwardVocab(
        rules=tuple(rules),
        trigger=trigger,
        trigger_anchor=re.compile("[" + "".join(sorted(c for c in firsts if c not in "(\\[")) + "]"),
        nomination=re.compile(_alt(kind["nomination"])),
        suffix_re=re.compile(f"(?:{_alt(kind['suffix'])})$"),
        rank_re=re.compile(_alt(kind["rank"])),
        prize_re=re.compile(_alt(kind["prize"])),
        token_re=re.compile(rf"([”」\"》])(?:{_alt(kind['token'])})$"),
        tail_re=re.compile(_alt(kind["tail"])),
        prefixes=tuple(r.text for r in kind["honour_prefix"]),
        work_re=re.compile(f"(?:{_alt(kind['work'])})$"),
        honour_word_re=re.compile(_alt(kind["honour_word"])),
        vague_re=re.compile(_alt(kind["vague"])),
        performance_re=re.compile(rf"(?:{_alt(kind['performance'])})$"),
        praise=tuple((r, re.compile(r.pattern)) for r in kind["praise"]),
        praise_object=tuple((r, re.compile(r.pattern)) for r in kind["praise_object"]),
        obtained=tuple((r, re.compile(r.pattern)) for r in kind["obtained"]),
        bare_rank=tuple((r, re.compile(r.pattern)) for r in kind["bare_rank"]),
        levels=tuple((e.level, re.compile("|".join(f"(?:{m})" for m in e.markers))) for e in lv.levels),
        strip_re=re.compile(lv.strip_prefix_re),
        scope_re=re.compile(lv.internal_scope_re),
        self_ref_re=re.compile(lv.self_reference_re),
        _literal={(r.kind, r.text): r for r in rules if r.text is not None},
        _regex=tuple((r, re.compile(r.re)) for r in rules if r.re is not None),
    )
