"""Learned choice of the reporting unit and its type, over what the rules propose.

The rules (org.py) each propose units where a report names itself: the title
(or a headline's subject), the subject opening one of its first lines (after
dates, bylines, 在…领导下), a byline, a self-defined short name (以下简称), a
speaker's 我代表…, a sign-off line at its end, and the units it names most often.
`org_candidates` collects them, each with features (where it was proposed, its
unit suffix class, length, mentions, where the text first names it, whether the
title names it, whether the text's type cues agree with its type); the rules'
own choice is no feature, so the ranker's by-file CV figure is its own. The
`org_rank` model scores each candidate; the best is the org when its probability
reaches `ORG_MIN_PROBA` or the rules name a unit at all (else null: the report
does not name itself).

org_type: a unit named where the report names itself (SELF_SOURCES) is typed by
its suffix (the spec's rule); else the `org_type` model scores each type of the
spec's vocabulary with the same features (the org's suffix, units named in the
opening and the title, the unit kind a title or generic subject names, the cue
words' shares and each cue word) and shared weights, and the best type wins;
null when there is no evidence at all.

Both models are `LinearClassifier`s trained by pipeline/training/org_rank.py and
org_type.py (`ghminer train`; pipeline/models/org_rank.npz, org_type.npz); with
`rank_model=None` / `type_model=None`, `decide` gives the rules' answers.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from pipeline.structure.org import (
    _UNION_SUFFIX, _line_subject, _self_defined, _self_introduced, _subject_kind,
    _title_unit_kind, _full_form, _named_unit, full_name_opening, find_org_with_source, org_cues,
    type_evidence, type_from_text, type_of_name, unit_mentions)

ORG_MIN_PROBA = 0.5     # below: the report is taken not to name itself (org null)
FREQUENT_CANDIDATES = 4  # most mentioned units proposed
CLOSING_LINES = 3        # last lines read for a sign-off
CLOSING_LINE_MAX = 40    # characters: a sign-off line holds a name and maybe a date
# where a report names itself: the unit named there is typed by its suffix
SELF_SOURCES = ("title", "subject", "alias", "intro", "closing")
CUE_EVIDENCE_FLOOR = 6.0  # cue weight below which cue shares are shrunk (a median report has ~17)  # a unit named where a report names itself
_DATE_TAIL = re.compile(r"[\s,，]*(?:(?:19|20)[0-9xX]{2}|二[〇零0][一二三四五六七八九〇零xX]{2})?\s*"
                        r"(?:年[\s0-9一二三四五六七八九十〇零]*月?[\s0-9一二三四五六七八九十〇零]*日?)?\s*$")


@dataclass
class OrgInputs:
    """What the org decision reads of one report (gloss-free normalised text)."""
    body: str
    title: str | None
    first_lines: list[str]
    opening: str


@dataclass
class Candidate:
    name: str
    sources: set[str] = field(default_factory=set)
    subject_line: int | None = None  # first of the report's first lines it opens
    freq_rank: int | None = None


@dataclass
class OrgChoice:
    org: str | None
    source: str | None     # title | subject | alias | intro | closing | frequency | kind | None
    org_type: str | None
    rule_org: str | None   # the rules' own answer (for comparison)
    rule_type: str | None


def _core(name: str) -> str:
    return _UNION_SUFFIX.sub("", name) or name


def closing_signature(body: str) -> str | None:
    """A sign-off among the last lines: a short line that is a unit's name, maybe with
    a date (XX公司工会 / XX公司工会 2024年12月)."""
    lines = [ln.strip() for ln in body.split("\n") if ln.strip()][-CLOSING_LINES:]
    for line in reversed(lines):
        if len(line) > CLOSING_LINE_MAX:
            continue
        rest = _DATE_TAIL.sub("", line)
        if not rest:
            continue
        name = _named_unit(rest, 0)
        if name and rest.startswith(name) and len(rest) - len(name) <= 2:
            return name
        name = _line_subject(rest)
        if name and rest == name:
            return name
    return None


def org_candidates(x: OrgInputs) -> tuple[list[Candidate], str | None, str | None]:
    """(candidates, the rules' org, the rules' source)."""
    rule_org, rule_src = find_org_with_source(x.body, x.title, x.first_lines)
    lines = [ln for ln in x.first_lines if ln != x.title]
    opening = full_name_opening(lines, x.body)
    by_name: dict[str, Candidate] = {}

    def add(name: str | None, source: str, **kw) -> None:
        if not name:
            return
        c = by_name.setdefault(name, Candidate(name))
        c.sources.add(source)
        for k, v in kw.items():
            if getattr(c, k) is None:
                setattr(c, k, v)

    if rule_org:  # (the kind and frequency rules also propose it)
        add(rule_org, "rule")
    if x.title:
        n = _named_unit(x.title, len(x.title))
        add(n and _full_form(n, opening), "title")
    if x.title:  # a headline opening with its unit (酒钢工会以…)
        n = _line_subject(x.title)
        add(n and _full_form(n, opening), "title")
    for k, line in enumerate(lines):
        n = _line_subject(line)
        add(n and _full_form(n, opening), "subject", subject_line=k)
    add(_self_defined(x.body), "alias")
    add(_self_introduced(x.body), "intro")
    add(closing_signature(x.body), "closing")
    counts, name_of, _ = unit_mentions(x.body, x.title)
    for r, core in enumerate(sorted(counts, key=lambda c: -counts[c])[:FREQUENT_CANDIDATES]):
        add(name_of[core], "frequency", freq_rank=r)
    return list(by_name.values()), rule_org, rule_src


def _bucket(v: float, edges: tuple) -> str:
    for e in edges:
        if v <= e:
            return str(e)
    return "more"


def candidate_features(c: Candidate, x: OrgInputs, kind: str | None) -> dict[str, float]:
    core = _core(c.name)
    body = x.body
    mentions = body.count(core)
    first = body.find(core)
    f: dict[str, float] = {}
    # the rules' choice is no feature: the ranker learns its own choice from where
    # each candidate is proposed, so its by-file CV figure is not the rules' in-sample one
    for s in c.sources - {"rule"}:
        f["src=" + s] = 1.0
    f["n_sources"] = float(len(c.sources - {"rule"}))
    # the places a report names itself share one feature: each alone is rare
    f["self_naming"] = float(bool(c.sources & SELF_NAMING_SOURCES))

    if c.subject_line is not None:
        f["subject_line=" + _bucket(c.subject_line, (0, 1, 2))] = 1.0
    if c.freq_rank is not None:
        f["freq_rank=" + str(c.freq_rank)] = 1.0
    t = type_of_name(c.name)
    f["type=" + (t or "none")] = 1.0
    m = _UNION_SUFFIX.search(c.name)
    f["union=" + (m.group(0) if m else "none")] = 1.0
    f["len=" + _bucket(len(c.name), (4, 6, 9, 14))] = 1.0
    f["mentions"] = math.log1p(mentions)
    f["first=" + ("none" if first < 0 else _bucket(first / max(len(body), 1), (0.02, 0.1, 0.5)))] = 1.0
    f["in_closing"] = float(first >= 0 and body.rfind(core) >= 0.85 * len(body))
    if x.title:
        f["in_title"] = float(core in x.title)
        f["title_shares_head"] = float(core[:2] in x.title)
    if kind:
        # as the rules match a kind: with its union suffix (街道总工会) on the whole name
        f["of_kind"] = float(c.name.endswith(kind) if _UNION_SUFFIX.search(kind)
                             else core.endswith(kind))
    return f


SELF_NAMING_SOURCES = frozenset({"title", "subject", "alias", "intro", "closing"})
def identity(f: dict[str, float]) -> dict[str, float]:
    """The featurizer of both models: their inputs are feature dicts already."""
    return f


def _kind(x: OrgInputs) -> str | None:
    lines = [ln for ln in x.first_lines if ln != x.title]
    return _title_unit_kind(x.title) or _subject_kind(lines)


def rank_examples(x: OrgInputs) -> tuple[list[Candidate], list[dict[str, float]], str | None, str | None]:
    cands, rule_org, rule_src = org_candidates(x)
    kind = _kind(x)
    feats = [candidate_features(c, x, kind) for c in cands]
    # relative to the other candidates: the only one, the most mentioned
    top = max((f["mentions"] for f in feats), default=0.0)
    lines = [c.subject_line for c in cands if c.subject_line is not None]
    # the text's type cues agree with the candidate's type: a federation's report
    # says 全区各级工会, a factory's 生产/班组, whatever units it mentions
    cues = type_evidence(x.body, x.opening, x.title or "")["cues"]
    cue_total = max(sum(cues.values()), CUE_EVIDENCE_FLOOR)
    for c, f in zip(cands, feats):
        t = type_of_name(c.name)
        if t:
            f["type_cue_share"] = cues[t] / cue_total
        # the first line a unit opens is where the report names itself; later line
        # subjects are often its members or items (红星机械厂工会开展…)
        if lines and c.subject_line == min(lines):
            f["first_subject"] = 1.0
        f["only_candidate"] = float(len(feats) == 1)
        f["most_mentioned"] = float(f["mentions"] == top)
    return cands, feats, rule_org, rule_src


def type_features(x: OrgInputs, org: str | None, source: str | None) -> list[dict[str, float]]:
    """One feature dict per type of the spec's vocabulary (org_cues.yaml `types`), the
    same features for each: does this type follow from the org's suffix (and where
    the org was found), from units named in the opening or the title, from the unit
    kind a title or generic subject names (街道总工会工作总结, 集团工会在…), and what
    share of the cue words' weight (of the self-references 我校/全局… alone too)
    points to it. Shared weights across types: a few parameters, learnable from a
    few hundred reports, and no type is favoured by its frequency beyond a prior."""
    c = org_cues()
    ev = type_evidence(x.body, x.opening, x.title or "")
    t_org = type_of_name(org)
    t_kind = type_of_name(_kind(x))
    # a share of little evidence is no share: one cue word in a short text is not 100%
    total = max(sum(ev["cues"].values()), CUE_EVIDENCE_FLOOR)
    self_cues: dict[str, float] = {}
    for term, n in ev["terms"].items():
        if term[0] in c["self_reference_starts"]:
            t, w = c["type_cues"][term]
            self_cues[t] = self_cues.get(t, 0.0) + w * n
    self_total = sum(self_cues.values()) and max(sum(self_cues.values()), CUE_EVIDENCE_FLOOR)
    top_cue = max(ev["cues"], key=ev["cues"].get) if ev["cues"] else None
    out = []
    for t in c["types"]:
        f = {"class=" + t: 1.0, "cue_share": ev["cues"][t] / total, "cue_log": math.log1p(ev["cues"][t])}
        if t_org == t:
            f["org"] = 1.0
            f[f"org|{source}"] = 1.0
        if ev["opening"][t]:
            f["opening"] = math.log1p(ev["opening"][t])
        if ev["title"][t]:
            f["title"] = math.log1p(ev["title"][t])
        if t_kind == t:
            f["kind"] = 1.0
        if top_cue == t:
            f["cue_top"] = 1.0
        if self_total:
            f["self_share"] = self_cues.get(t, 0.0) / self_total
        # each cue word's own reliability for the type it names (企业 is said by
        # streets and towns that organise enterprises as much as by enterprises)
        for term, n in ev["terms"].items():
            if c["type_cues"][term][0] == t:
                f["term=" + term] = math.log1p(n)
        out.append(f)
    return out


def has_type_evidence(x: OrgInputs, org: str | None) -> bool:
    ev = type_evidence(x.body, x.opening, x.title or "")
    return bool(type_of_name(org) or ev["opening"] or ev["title"] or ev["cues"])


def decide(x: OrgInputs, rank_model=None, type_model=None) -> OrgChoice:
    """The org and its type: the rules' answers, or the models' over the rules' candidates."""
    cands, feats, rule_org, rule_src = rank_examples(x)
    rule_type = type_from_text(x.body, x.opening, rule_org, x.title or "",
                               org_is_subject=rule_src in SELF_SOURCES)
    org, source = rule_org, rule_src
    if rank_model is not None:
        org, source = None, None
        if cands:
            probs = [rank_model.binary_proba(f) for f in feats]
            best = max(range(len(cands)), key=lambda i: probs[i])
            # null (the report does not name itself) when neither the rules nor a
            # confident ranker name a unit
            if probs[best] >= ORG_MIN_PROBA or rule_org is not None:
                org = cands[best].name
                source = _main_source(cands[best].sources)
    org_type = rule_type
    if type_model is not None:
        t_org = type_of_name(org)
        if t_org and source in SELF_SOURCES:
            org_type = t_org  # the spec: a unit that names itself is typed by its suffix
        elif has_type_evidence(x, org):
            types = org_cues()["types"]
            probs = [type_model.binary_proba(f) for f in type_features(x, org, source)]
            org_type = types[max(range(len(types)), key=probs.__getitem__)]
        else:
            org_type = None
    return OrgChoice(org, source, org_type, rule_org, rule_type)


_SOURCE_ORDER = ("title", "subject", "alias", "intro", "closing", "kind", "frequency")


def _main_source(sources: set[str]) -> str | None:
    plain = {s.removeprefix("rule_") for s in sources}
    for s in _SOURCE_ORDER:
        if s in plain:
            return s
    return None


def default_models():
    """The saved org_rank and org_type scorers (pipeline/models), once per process."""
    from pipeline.modelfile import default_model

    return default_model("org_rank"), default_model("org_type")
