"""Count facts: a number of people, organisations, documents or events.

Candidates are `[qualifier] number [余/多] unit [左右/以上]` on `doc.norm`;
durations, ordinals, ranks, idioms and names, vague 一个/一次, objects
(`count_objects.py`), numbers announcing a list (基本职能有四项，一是…) and masked
numbers are dropped; the metric comes from cue words in the clause (data file
`count_metrics.yaml`), with a learned model (`metric_model.py`, jieba words of
the clause) where no cue decides it or where it is very sure the cue misleads
(`assign_metric`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Iterator, NamedTuple

from pipeline.document import SourceDoc
from pipeline.extract.context import ExtractContext
from pipeline.extract.count_objects import counts_object
from pipeline.extract.masks import contains_mask, touches_mask
from pipeline.extract.numerals import (CN_DIGITS, MAGNITUDES, RANGE, is_lone_capital,
                                       left_clause, load_data, parse_number, quantity_matches,
                                       right_clause)
from schemas.report import CountFact

# written as the bare character, these are an article or an ordinal, not a quantity
VAGUE_NUMERALS = frozenset("一壹二贰")
ALWAYS_VAGUE = frozenset("一壹")  # 一次 stays too vague after a qualifier too (不少于一次)
BARE_WITH_QUALIFIER = frozenset(["百", "千"])
MAX_CUE_GAP = 8  # a left cue further than this from the number is not put in `text`
SENTENCE_REACH = 80   # no cue in the clause: look back to the sentence start, this far at most
INHERIT_REACH = 150   # then take the metric of a figure this close before, in the same line
SENTENCE_BREAKS = "。!?！？\n"
PERSON_UNITS = frozenset(["人", "名", "人次", "户"])
ORG_UNITS = frozenset(["家", "个", "所"])  # organisations in one sentence play different roles
PEOPLE_NOUN_ENDS = frozenset("工员众生民属师部")  # 职工, 人员, 群众, 学生, 农民, 家属, 教师, 干部


@dataclass(frozen=True)
class _Rule:
    metric: str
    units: frozenset[str]
    any: re.Pattern | None
    left: re.Pattern | None
    right: re.Pattern | None
    max_gap: int
    default: bool
    both: bool        # `left` and `right` must both match (one clause, two cues)


@dataclass(frozen=True)
class _Vocab:
    candidate: re.Pattern
    units: dict[str, str]
    not_followed: dict[str, tuple[str, ...]]
    size_class_heads: tuple[str, ...]
    ordinal_prefixes: frozenset[str]
    ordinal_exceptions: tuple[str, ...]
    rank_prefixes: frozenset[str]
    rank_units: frozenset[str]
    open_quotes: frozenset[str]
    close_quotes: frozenset[str]
    quote_reach: int
    quote_right: re.Pattern   # what ends the look right of a figure: an open quote, 》, a line end
    quote_left: re.Pattern    # what ends the look left of it: any quote mark, a line end
    vague_ranges: tuple[str, ...]
    abstract_heads: tuple[str, ...]
    abstract_units: frozenset[str]
    abstract_alone: re.Pattern   # a head ending its phrase: 四项重点，
    list_opener: re.Pattern   # right of an abstract unit: the list it announces starts
    collection_cues: tuple[str, ...]
    idioms: re.Pattern
    longest_idiom: int


@cache
def _vocab() -> _Vocab:
    data = load_data("units.yaml")
    c = data["count"]
    units: dict[str, str] = c["units"]
    unit_alt = "|".join(sorted(map(re.escape, units), key=len, reverse=True))
    candidate = re.compile(
        rf"(?P<num>{RANGE})(?: ?(?P<q>[余多来几]))?"
        rf" ?(?P<unit>{unit_alt})(?P<post>左右|以上|以下|上下)?")
    return _Vocab(
        candidate=candidate, units=units,
        not_followed={u: tuple(ws) for u, ws in c["not_followed_by"].items()},
        size_class_heads=tuple(c["size_class_heads"]),
        ordinal_prefixes=frozenset(c["ordinal_prefixes"]),
        ordinal_exceptions=tuple(c["ordinal_exceptions"]),
        rank_prefixes=frozenset(c["rank_prefixes"]), rank_units=frozenset(c["rank_units"]),
        open_quotes=frozenset(c["open_quotes"]), close_quotes=frozenset(c["close_quotes"]),
        quote_reach=int(c["quote_reach"]),
        quote_right=re.compile("[" + re.escape(c["open_quotes"] + "》\n") + "]"),
        quote_left=re.compile("[" + re.escape(c["open_quotes"] + c["close_quotes"] + "\n") + "]"),
        vague_ranges=tuple(c["vague_range_starts"]),
        abstract_heads=tuple(c["abstract_heads"]), abstract_units=frozenset(c["abstract_units"]),
        abstract_alone=re.compile("(?:" + "|".join(map(re.escape, c["abstract_heads_alone"]))
                                  + r")(?![\u4e00-\u9fff])"),
        list_opener=re.compile(
            rf"(?:{'|'.join(map(re.escape, sorted(c['list_heads'], key=len, reverse=True)))})?"
            rf"[,，:：]?\s*(?:{'|'.join(map(re.escape, c['list_openers']))})"),
        collection_cues=tuple(c["collection_cues"]),
        idioms=re.compile("|".join(sorted(map(re.escape, data["idioms"]), key=len, reverse=True))),
        longest_idiom=max(map(len, data["idioms"])),
    )


@cache
def _lead_verbs() -> tuple[re.Pattern, int]:
    data = load_data("count_metrics.yaml")
    return re.compile(data["lead_verbs"]), int(data["lead_reach"])


def lead_verb(norm: str, lo: int, pos: int) -> str | None:
    """The last lead verb in norm[lo:pos] (组织, 慰问, 培训 ...), None when there is none."""
    verbs, _ = _lead_verbs()
    last = None
    for last in verbs.finditer(norm, lo, pos):
        pass
    return last.group() if last is not None else None


def _phrase_start(norm: str, ls: int, cue_start: int) -> int:
    """Start of the count's phrase: a lead verb shortly before the cue, else the cue."""
    verbs, reach = _lead_verbs()
    best = cue_start
    for m in verbs.finditer(norm, max(ls, cue_start - reach), cue_start + 1):
        if m.start() < best:
            best = m.start()
            break
    return best


@cache
def _metric_rules() -> tuple[int, tuple[_Rule, ...]]:
    data = load_data("count_metrics.yaml")

    def rx(p):
        return re.compile(p) if p else None
    rules = tuple(_Rule(r["metric"], frozenset(r["units"]), rx(r.get("any")), rx(r.get("left")),
                        rx(r.get("right")), int(r.get("max_gap", 10 ** 6)),
                        bool(r.get("default", False)), bool(r.get("both", False)))
                  for r in data["rules"])
    return int(data.get("window", 14)), rules


@cache
def _rules_for(unit_key: str) -> tuple[_Rule, ...]:
    """The rules that apply to a unit, in rule order."""
    return tuple(r for r in _metric_rules()[1] if unit_key in r.units)


def _last_left(rx: re.Pattern, left: str, max_gap: int) -> re.Match | None:
    last = None
    for m in rx.finditer(left):
        if len(left) - m.end() <= max_gap:
            last = m
    return last


class Cue(NamedTuple):
    metric: str
    offset: int | None   # in `left` of a left cue, None for a right cue
    default: bool        # a catch-all rule (any `次` counts sessions), not a specific cue


def _rule_match(rule: _Rule, left: str, right: str) -> Cue | None:
    if rule.both:  # its left half is grammar (为, 共有), not a cue word the fact starts at
        m = _last_left(rule.left, left, rule.max_gap)
        if m and rule.right.search(right):
            return Cue(rule.metric, None, rule.default)
        return None
    if rule.left is not None:
        m = _last_left(rule.left, left, rule.max_gap)
        if m:
            return Cue(rule.metric, m.start(), rule.default)
    if rule.right is not None and rule.right.search(right):
        return Cue(rule.metric, None, rule.default)
    if rule.any is not None:
        m = _last_left(rule.any, left, rule.max_gap)
        if m:
            return Cue(rule.metric, m.start(), rule.default)
        if rule.any.search(right):
            return Cue(rule.metric, None, rule.default)
    return None


def _unit_key(unit: str) -> str:
    return "人" if unit in ("名", "位") else unit


# a pinyin gloss of a glossed site, 竞(jìng)赛: cues are read without it
_GLOSS = re.compile(r" ?[(（][a-zA-Z\u00c0-\u024f]{1,8}[)）]")


def _unglossed(s: str) -> tuple[str, list[int] | None]:
    """`s` without pinyin glosses, and the offset in `s` of each char kept (None when
    there is no gloss)."""
    if "(" not in s and "（" not in s:
        return s, None
    keep, last = [], 0
    for m in _GLOSS.finditer(s):
        keep.extend(range(last, m.start()))
        last = m.end()
    if not keep and last == 0:
        return s, None
    keep.extend(range(last, len(s)))
    return "".join(s[i] for i in keep), keep


def clause_left(norm: str, pos: int, width: int, lo: int) -> int:
    """`numerals.left_clause`, reading through pinyin glosses (竞(jìng)赛: the
    brackets of a gloss end no clause, and its letters take no width)."""
    ls = left_clause(norm, pos, width, lo)
    while ls > lo and norm[ls - 1] in ")）":
        m = _GLOSS.search(norm, max(lo, ls - 11), ls)
        while m is not None and m.end() != ls:
            m = _GLOSS.search(norm, m.end(), ls)
        if m is None:
            break
        width += m.end() - m.start()
        ls = left_clause(norm, m.start(), width - (pos - m.start()), lo)
    return ls


def clause_right(norm: str, pos: int, width: int, hi: int) -> int:
    """`numerals.right_clause`, reading through pinyin glosses."""
    re_ = right_clause(norm, pos, width, hi)
    while re_ < hi and norm[re_] in "(（":
        m = _GLOSS.match(norm, re_)
        if m is None or m.end() > hi:
            break
        width += m.end() - m.start()
        re_ = right_clause(norm, m.end(), width - (m.end() - pos), hi)
    return re_


@lru_cache(maxsize=16384)  # a clause is judged for every count and sentence in it
def cue_metrics(left: str, right: str, unit: str) -> tuple[Cue, ...]:
    """Every cue rule that matches a count's clause (`left` of the number, `right` of
    the unit), in rule order: the first is the cue rules' own answer. Offsets are
    in `left` as given (pinyin glosses are skipped when matching)."""
    bare_left, kept = _unglossed(left)
    bare_right = _unglossed(right)[0]
    out = []
    for rule in _rules_for(_unit_key(unit)):
        cue = _rule_match(rule, bare_left, bare_right)
        if cue is not None:
            if kept is not None and cue.offset is not None:
                cue = cue._replace(offset=kept[cue.offset])
            out.append(cue)
    return tuple(out)


def classify_metric(left: str, right: str, unit: str) -> tuple[str | None, int | None]:
    """Metric of a count from its clause by the first matching cue rule, None when no
    cue matches; also the offset in `left` of a deciding left cue."""
    cues = cue_metrics(left, right, unit)
    return (cues[0].metric, cues[0].offset) if cues else (None, None)


def sentence_cue(norm: str, lead: int, unit: str, lo: int) -> str | None:
    """Cue metric of the sentence up to a figure (at most SENTENCE_REACH chars back)."""
    return classify_metric(norm[sentence_start(norm, lead, lo):lead], "", unit)[0]


def sentence_start(norm: str, pos: int, lo: int) -> int:
    """Start of the sentence holding `pos`, at most SENTENCE_REACH chars back (and >= lo)."""
    stop = max(lo, pos - SENTENCE_REACH)
    last = -1
    for b in SENTENCE_BREAKS:
        i = norm.rfind(b, stop, pos)
        if i > last:
            last = i
    return max(stop, last + 1)


def _loose_approx(norm: str, ls: int, lead: int) -> bool:
    """至少完成3篇: a strong qualifier a few chars before the number, in its clause."""
    words, reach = _loose_prefixes()
    return words.search(norm, max(ls, lead - reach), lead) is not None


@cache
def _loose_prefixes() -> tuple[re.Pattern, int]:
    data = load_data("approx.yaml")
    return (re.compile("|".join(map(re.escape, data["loose_prefixes"]))),
            int(data["loose_reach"]))


def _fallback_metric(norm: str, lead: int, unit: str, start: int,
                     prev: tuple[int, str, str] | None) -> str:
    """No cue in the clause: for people, the sentence's cues; then the metric of
    the count just before in the same line with the same unit (男46人、女6人,
    共计50人 share one topic; 收到提案52条,已答复49条 too)."""
    if unit in PERSON_UNITS:
        metric = sentence_cue(norm, lead, unit, start)
        if metric is not None:
            return metric
    if prev is not None and unit not in ORG_UNITS:
        prev_end, prev_metric, prev_unit = prev
        if lead - prev_end <= INHERIT_REACH and "\n" not in norm[prev_end:lead] \
                and prev_unit == unit:
            return prev_metric
    return "other"


def _inside_name(norm: str, lead: int, unit_end: int, v: _Vocab) -> bool:
    """A figure opening a quoted name or inside a title: “十项利民行动”, 《…15条》."""
    # right of the figure, before any open quote or line end: a title closes
    m = v.quote_right.search(norm, unit_end, min(len(norm), unit_end + v.quote_reach))
    if m is not None and m.group() == "》":
        return True
    # left of it, the nearest quote mark is an open one (not closed before the figure)
    last = None
    for last in v.quote_left.finditer(norm, max(0, lead - v.quote_reach), lead):
        pass
    return last is not None and last.group() in v.open_quotes


def _list_item_start(m: re.Match) -> int:
    """Where the number really starts: `1、2、3人` is a list, keep only its last item;
    `五、六千` is a range and is kept whole."""
    num = m.group("num")
    i = num.rfind("、")
    if i == -1:
        return m.start("num")
    left, right = num[:i].strip(), num[i + 1:].strip()
    if len(left) == 1 and left in CN_DIGITS and not left.isdigit() and right \
            and right[0] in CN_DIGITS and CN_DIGITS[right[0]] - CN_DIGITS[left] in (1, 2):
        return m.start("num")
    return m.start("num") + i + 1


def _excluded(norm: str, m: re.Match, first: int, lead: int, num: str, has_pre: bool,
              v: _Vocab) -> bool:
    unit = m.group("unit")
    unit_end = m.end("unit")
    before = norm[lead - 1] if lead > 0 else ""
    if first > 0 and norm[first - 1] in v.ordinal_prefixes \
            and not norm.endswith(v.ordinal_exceptions, 0, first):
        return True  # 第1、2名
    if before in v.ordinal_prefixes and not norm.endswith(v.ordinal_exceptions, 0, lead):
        return True
    if before.isdigit() or before == "." or (before.isascii() and before.isalpha()):
        return True
    if before in v.rank_prefixes and unit in v.rank_units:
        return True  # 前五名: a ranking
    if is_lone_capital(num):
        return True
    if num in ALWAYS_VAGUE:
        return True
    if not has_pre:
        if num in VAGUE_NUMERALS or num.startswith(v.vague_ranges):
            return True
        if num[0] in MAGNITUDES and num[0] != "十" and all(c in MAGNITUDES for c in num) \
                and not (m.group("q") and num in BARE_WITH_QUALIFIER):
            # 千家万户, 百家: an idiom; 万余人, 万人 mostly a figure whose digits were
            # deleted from a template; 百余人, 千余名 are figures
            return True
    follow = v.not_followed.get(unit)
    if follow and norm.startswith(follow, unit_end):
        return True
    if unit in ("人", "名") and norm.startswith(v.size_class_heads, m.end()):
        return True  # 25人以上企业: a size class
    if unit in v.abstract_units and (norm.startswith(v.abstract_heads, unit_end)
                                     or v.abstract_alone.match(norm, unit_end)
                                     or v.list_opener.match(norm, unit_end)):
        return True  # 四个方面; 基本职能有四项，一是…: the number announces a list
    if counts_object(norm, lead, unit_end, unit):
        return True  # 健身器材8件, 20件酒: objects
    if unit == "篇" and norm[max(0, lead - 12):lead].rstrip().endswith(v.collection_cues):
        return True  # 工作总结优秀7篇: the page's collection title
    if _inside_name(norm, lead, unit_end, v):
        return True
    lo = max(0, lead - v.longest_idiom)
    for im in v.idioms.finditer(norm, lo, min(len(norm), unit_end + v.longest_idiom)):
        if im.start() < unit_end and lead < im.end():
            return True
    return False


@dataclass(frozen=True)
class CountCandidate:
    """A count found in the text, before its metric is decided."""
    start: int          # of the fact's text (its cue or lead verb when close)
    end: int
    lead: int           # where the number (or its qualifier) starts
    unit_end: int
    value: float
    unit: str           # output unit
    approx: bool
    cues: tuple[Cue, ...]   # every cue rule that matched the clause, in rule order


def candidates(doc: SourceDoc, start: int, end: int) -> Iterator[CountCandidate]:
    """Counts in doc[start:end] with their cue metrics; the metric is decided by
    `assign_metric` (cues, then the learned model where cues do not settle it)."""
    norm = doc.norm
    v = _vocab()
    window = _metric_rules()[0]
    for m, first, prefix in quantity_matches(norm, start, end, v.candidate):
        unit = m.group("unit")
        num_s = _list_item_start(m)
        whole = num_s == m.start("num")
        lead = first if whole else num_s
        num = norm[num_s:m.end("num")].strip()
        span_e = m.end()
        if _excluded(norm, m, first, lead, num, whole and bool(prefix), v):
            continue
        if touches_mask(norm, lead, span_e):
            continue
        parsed = parse_number(norm[lead:m.end("unit")])
        if parsed is None:
            continue
        out_unit = v.units[unit]
        if out_unit == "次" and lead - 1 > start and norm[lead - 1] == "人" \
                and norm[lead - 2] in PEOPLE_NOUN_ENDS:
            lead -= 1  # 职工人349次: N person-times written around the number (not 每人2次)
            out_unit = "人次"
        ls = clause_left(norm, lead, window, start)
        approx = parsed.approx or bool(m.group("post")) or _loose_approx(norm, ls, lead)
        re_ = clause_right(norm, m.end("unit"), window, end)
        cues = cue_metrics(norm[ls:lead], norm[m.end("unit"):re_], out_unit)
        cue = cues[0].offset if cues else None
        s = lead
        if cue is not None and lead - (ls + cue) <= MAX_CUE_GAP:
            for cand in (_phrase_start(norm, ls, ls + cue), ls + cue):
                # a cue read through a pinyin gloss (noise) does not pull the span over it
                if not contains_mask(doc.text[cand:span_e]) \
                        and not (doc.noise and doc.is_noise(cand, lead)):
                    s = cand
                    break
        if doc.noise and doc.is_noise(s, span_e):
            continue
        if contains_mask(doc.text[s:span_e]):
            continue
        yield CountCandidate(start=s, end=span_e, lead=lead, unit_end=m.end("unit"),
                             value=parsed.value, unit=out_unit, approx=approx, cues=cues)


def cues_settle(cues: tuple[Cue, ...]) -> bool:
    """The cues decide the metric: at least one matched, and the specific (non-default)
    cues that matched all name the same metric."""
    if not cues:
        return False
    specific = {c.metric for c in cues if not c.default}
    return len(specific) <= 1


class _Topic(NamedTuple):
    metric: str            # the cue answer it applies to
    to: str                # the metric it becomes
    units: frozenset[str]
    topic: re.Pattern      # in the count's stretch of sentence
    unless: re.Pattern     # another activity named there: the cue answer stands


@cache
def _topics() -> tuple[tuple[_Topic, ...], re.Pattern, int]:
    data = load_data("count_metrics.yaml")
    t = data["topics"]
    return (tuple(_Topic(r["metric"], r["to"], frozenset(r["units"]), re.compile(r["topic"]),
                         re.compile(r["unless"])) for r in t["rules"]),
            re.compile("[" + re.escape(t["breaks"]) + "]"), int(t["reach"]))


def topic_metric(norm: str, c: CountCandidate, start: int, end: int, answer: str) -> str:
    """The cue answer, turned by the topic of the count's stretch of sentence
    (count_metrics.yaml `topics`: people attending a course are its trainees)."""
    rules, breaks, reach = _topics()
    for r in rules:
        if answer != r.metric or _unit_key(c.unit) not in r.units:
            continue
        lo, hi = max(start, c.lead - reach), min(end, c.unit_end + reach)
        last = None
        for last in breaks.finditer(norm, lo, c.lead):
            pass
        nxt = breaks.search(norm, c.unit_end, hi)
        text = (norm[(last.end() if last else lo):c.lead]
                + norm[c.unit_end:(nxt.start() if nxt else hi)])
        if r.topic.search(text) and not r.unless.search(text):
            return r.to
    return answer


# The model overrules the cue answer only when this sure. An answer with no cue in
# the count's own clause (the sentence's cue, the previous count's metric) needs
# more: a list of names and figures under one topic (参培人员…: 村A 18人, 村B 9人)
# keeps the topic. By-file CV (real reports; seed reports each held out):
# 0.8/0.8: 0.888/0.859, 0.8/0.9: 0.883/0.920, 0.9/0.9: 0.877/0.926.
OVERRIDE_PROBABILITY = 0.8
OVERRIDE_INHERITED = 0.9


def assign_metric(doc: SourceDoc, c: CountCandidate, start: int, end: int,
                  prev: tuple[int, str, str] | None, model=None, section: str | None = None) -> str:
    """Metric of a candidate (rule documented in count_metrics.yaml):
    the cue answer is the first matching cue rule, else the sentence's cue or the
    previous count's metric (`_fallback_metric`), turned by the topic of the
    count's stretch of sentence (`topic_metric`); when that leaves nothing
    ("other" without any cue) the model decides; otherwise the cue answer stands
    unless the model names another metric with probability >= OVERRIDE_PROBABILITY
    (OVERRIDE_INHERITED when the answer is not from a cue in the count's clause;
    it sees the cue metrics as features, so conflicting cues are resolved there).
    `model=None`: cues only."""
    if c.cues:
        answer = c.cues[0].metric
    else:
        answer = _fallback_metric(doc.norm, c.lead, c.unit, start, prev)
    answer = topic_metric(doc.norm, c, start, end, answer)
    if model is None:
        return answer
    from pipeline.extract.metric_model import best_metric, metric_context

    best, p = best_metric(model, metric_context(doc.norm, c, start, end, prev, section))
    if (not c.cues and answer == "other") \
            or p >= (OVERRIDE_PROBABILITY if c.cues else OVERRIDE_INHERITED):
        return best
    return answer


def extract(doc: SourceDoc, start: int, end: int, ctx: ExtractContext | None = None,
            model="default") -> list[CountFact]:
    """Count facts in doc[start:end]. `model`: the metric model used where cues do not
    settle the metric ("default": the saved model; None: cues only)."""
    if model == "default":
        from pipeline.extract.metric_model import default_model
        model = default_model()
    facts: list[CountFact] = []
    prev: tuple[int, str, str] | None = None  # end, metric, unit of the last count
    for c in candidates(doc, start, end):
        section = ctx.section_at(c.lead) if ctx is not None else None
        metric = assign_metric(doc, c, start, end, prev, model, section)
        value = c.value
        prev = (c.end, metric, "人" if c.unit == "名" else c.unit)
        facts.append(CountFact(text=doc.text[c.start:c.end], start=c.start, end=c.end,
                               line=doc.line_of(c.start),
                               value=int(value) if value.is_integer() else value,
                               unit=c.unit, approx=c.approx, metric=metric))
    return facts
