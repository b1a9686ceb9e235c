"""Section and org vocabularies (data/*.yaml), compiled once."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from pipeline.regexes import guarded

DATA = Path(__file__).parent / "data"
GLOSS = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü\s]+[)）]")  # pinyin: 工會(huì)


@functools.cache
def section_cues() -> tuple[float, dict[str, dict[str, float]], re.Pattern]:
    raw = yaml.safe_load((DATA / "section_cues.yaml").read_text(encoding="utf-8"))
    labels = {k: {str(c): float(w) for c, w in v.items()} for k, v in raw["labels"].items()}
    terms = sorted({c for v in labels.values() for c in v}, key=len, reverse=True)
    return float(raw["min_score"]), labels, re.compile("|".join(map(re.escape, terms)))


@functools.cache
def _section_raw() -> dict:
    return yaml.safe_load((DATA / "section_cues.yaml").read_text(encoding="utf-8"))


def heading_labels(text: str) -> list[str]:
    """Labels of a heading: the best one plus any other with a strong score."""
    lab, _ = best_label(text)
    if lab is None:
        return []
    raw = _section_raw()
    second = float(raw.get("secondary_score", 99))
    ranked = [(k, v) for k, v in sorted(score_labels(text).items(), key=lambda kv: -kv[1]) if k != lab]
    others = [k for k, v in ranked if v >= second]
    # 提升女职工素质 / 维护女职工特殊权益: a group label names whose work it is, the
    # next best label what the work is
    if lab in raw.get("group_labels", ()) and ranked and not others \
            and ranked[0][1] >= float(raw["group_topic_min_score"]):
        others = [ranked[0][0]]
    return [lab] + others


@functools.cache
def para_openers() -> list[tuple[str, re.Pattern]]:
    return [(lab, re.compile("^(?:" + "|".join(pats) + ")")) for lab, pats in _section_raw()["para_openers"].items()]


def opener_label(text: str) -> str | None:
    for lab, rx in para_openers():
        if rx.match(text):
            return lab
    return None


_QUOTES = re.compile(r"[“”\"'‘’「」『』]")


def score_labels(text: str) -> dict[str, float]:
    """Cue score per label for a heading or paragraph lead (longest cue wins per position)."""
    _, by_term = _term_index()
    scores: dict[str, float] = {}
    for term in _cue_terms(text):
        for lab, w in by_term[term]:
            scores[lab] = scores.get(lab, 0.0) + w
    return scores


@functools.lru_cache(maxsize=8192)  # a heading is scored several times (best, secondary)
def _cue_terms(text: str) -> tuple[str, ...]:
    rx, _ = _term_index()
    if _QUOTES.search(text):  # 送“温暖”、抓“维权”: a quoted word is still the cue
        text = _QUOTES.sub("", text)
    if "(" in text or "（" in text:  # 经(jīng)费: pinyin glosses split the cue words
        text = GLOSS.sub("", text)
    return tuple(rx.findall(text))


@functools.cache
def _term_index() -> tuple[re.Pattern, dict[str, list[tuple[str, float]]]]:
    _, labels, rx = section_cues()
    by_term: dict[str, list[tuple[str, float]]] = {}
    for lab, cues in labels.items():
        for term, w in cues.items():
            by_term.setdefault(term, []).append((lab, w))
    return rx, by_term


def best_label(text: str) -> tuple[str | None, float]:
    min_score, _, _ = section_cues()
    scores = score_labels(text)
    if not scores:
        return None, 0.0
    lab, s = max(scores.items(), key=lambda kv: kv[1])
    return (lab, s) if s >= min_score else (None, s)


@functools.cache
def org_cues() -> dict:
    raw = yaml.safe_load((DATA / "org_cues.yaml").read_text(encoding="utf-8"))
    suffixes = sorted(raw["suffixes"].items(), key=lambda kv: len(kv[0]), reverse=True)
    type_cues = {k: (v[0], float(v[1])) for k, v in raw["type_cues"].items()}
    return {
        "suffixes": suffixes,
        "suffix_rx": re.compile(raw["name_suffix_rx"]),
        "suffix_scan": re.compile(guarded(raw["name_suffix_rx"])),  # same matches, faster scan
        "name_left": re.compile(r"[\u4e00-\u9fa5A-Za-z0-9xX×_\-]{0,12}$"),
        "bare_union": re.compile(raw["bare_union_rx"]),
        "unit_year": re.compile(raw["unit_year_rx"]),
        "title_lead": re.compile(raw["title_lead_rx"]),
        "byline_unit": re.compile(raw["byline_unit_rx"]),
        "line_lead": re.compile(raw["line_lead_rx"]),
        "alias": re.compile(raw["alias_rx"]),
        "self_intro": re.compile(raw["self_intro_rx"]),
        "superior_after": re.compile(raw["superior_after_rx"]),
        "host_after": re.compile(raw["host_after_rx"]),
        "short_name_suffixes": tuple(raw["short_name_suffixes"]),
        "numbered_unit": re.compile(raw["numbered_unit_rx"]),
        "generic": set(raw["generic"]),
        "generic_head": re.compile(raw["generic_head_rx"]),
        "kind_phrase": re.compile(raw["kind_phrase_rx"]),
        "kind_name": re.compile(raw["kind_name_rx"]),
        "left_trim": re.compile(raw["left_trim"]),
        "type_cues": type_cues,
        "types": tuple(raw["types"]),
        "self_reference_starts": str(raw["self_reference_starts"]),
        "type_rx": re.compile("|".join(map(re.escape, sorted(type_cues, key=len, reverse=True)))),
    }


_DASHES = re.compile(r"-{2,}(?!.*-{2,})")


def unit_names(text: str) -> tuple[tuple[str, int], ...]:
    """(raw name, start) of every unit name: a unit suffix (支行, 街道总工会, ...) with up
    to 12 name characters before it (scanning suffixes first keeps this linear).
    Cached by text: a report's title, opening and lines are asked about repeatedly."""
    return _unit_names(text)


@functools.lru_cache(maxsize=4096)
def _unit_names(text: str) -> tuple[tuple[str, int], ...]:
    return tuple(_scan_unit_names(text))


def _scan_unit_names(text: str):
    c = org_cues()
    left = c["name_left"]
    for m in c["suffix_scan"].finditer(text):
        s = m.start()
        w = left.search(text, max(0, s - 12), s)
        if w is None:
            continue
        a = w.start()
        # "发展----华通公司": dashes right after a word separate a title's parts;
        # dashes after punctuation or at a line start stand for a masked name
        d = _DASHES.search(text, a, s)
        if d is not None and d.start() > 0 and "\u4e00" <= text[d.start() - 1] <= "\u9fa5":
            a = d.end()
        yield text[a:m.end()], a


def paragraph_min_score() -> float:
    return float(_section_raw().get("paragraph_min_score", 99))


def min_score_of(kind: str) -> float:
    """A threshold of the section vocabulary (figure_sentence, inline_item, ...)."""
    return float(_section_raw()[f"{kind}_min_score"])


@functools.cache
def _title_label_rx() -> list[tuple[str, re.Pattern]]:
    raw = _section_raw().get("title_labels") or {}
    return [(lab, re.compile("|".join(map(re.escape, terms)))) for lab, terms in raw.items()]


def title_labels(title: str | None) -> list[str]:
    """Labels a report's own title gives it as a whole (…工作计划 -> plan, but not
    …总结及明年工作计划)."""
    # a longer "title" line is a site's blurb run into it (总结是对取得的成绩、存在的问题…的一种书面材料)
    if not title or len(GLOSS.sub("", title)) > int(_section_raw()["title_max_chars"]):
        return []
    unless = _section_raw().get("title_labels_unless") or {}
    return [lab for lab, rx in _title_label_rx()
            if rx.search(title) and not any(w in title for w in unless.get(lab, ()))]


@functools.cache
def _section_rx(key: str) -> re.Pattern:
    return re.compile(_section_raw()[key])


def is_report_title(heading: str) -> bool:
    """A heading that is a report title (…年度工作总结) or says only which part follows."""
    return bool(_section_rx("report_title_rx").search(heading)
                or _section_rx("generic_heading_rx").match(heading))


def is_byline(line: str) -> bool:
    """A dateline/source/author line under a news headline."""
    return bool(_section_rx("byline_rx").search(line))


def is_preamble(paragraph: str) -> bool:
    """A report's opening paragraph (今年以来,XX工会在…领导下,…)."""
    return bool(_section_rx("preamble_rx").search(paragraph))


def aspect_lead(paragraph: str) -> str | None:
    """The lead of a paragraph opening "<topic>方面," (在女职工工作方面,), if any."""
    m = _section_rx("aspect_lead_rx").match(paragraph)
    return m.group(1) if m else None


def without_speech_lead(paragraph: str) -> str:
    """A news paragraph without the clause saying who speaks (XX主席在会上介绍,)."""
    m = _section_rx("speech_lead_rx").match(paragraph)
    return paragraph[m.end():] if m else paragraph


@functools.cache
def _occasion_rx() -> dict[str, re.Pattern]:
    return {lab: re.compile(rx) for lab, rx in (_section_raw().get("occasion_openers") or {}).items()}


_FIRST_CLAUSE = re.compile(r"[^。;；!！?？]*[。;；!！?？]?")


def is_occasion_mention(label: str, text: str) -> bool:
    """Text opening on a group's festival (“三八”节前夕举办女职工演讲比赛;…) reports an event of
    that day: a passing mention of the group, unless what follows its first clause is
    still strongly about it."""
    rx = _occasion_rx().get(label)
    if rx is None or not rx.match(text.lstrip(" ,，")):
        return False
    rest = text[_FIRST_CLAUSE.match(text).end():]
    return score_labels(rest).get(label, 0.0) < paragraph_min_score()


def is_basic_facts_heading(heading: str) -> bool:
    """A part heading on the unit's basic facts (一、基本情况)."""
    return bool(_section_rx("basic_facts_heading_rx").search(heading))


def membership_figures(text: str) -> int:
    """How many membership figures a text gives (会员984人, 工会小组32个, 入会率)."""
    return len(_section_rx("membership_figure_rx").findall(text))


def section_int(key: str) -> int:
    """An integer setting of the section vocabulary (membership_figures_min, ...)."""
    return int(_section_raw()[key])
