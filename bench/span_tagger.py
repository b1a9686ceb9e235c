"""A character BIO tagger for award and dated-activity spans (a recall backstop), measured.

Measured, not adopted (bench/span_tagger_cv.py; figures in bench/README.md): a
linear-chain CRF over the characters of candidate sentences, trained on the
gold award and activity spans of seeds + synthetic + real, its spans added to
the rules' facts where the rules found nothing. The pieces a pipeline hook
would need, kept here with the measurement:

- `candidate_units`: the sentences worth tagging (a date, an award trigger, an
  honour suffix or a praise word in them); the rest of a report is never tagged;
- `unit_features`: per character, features that name no report: the character
  and its neighbours (digits folded), bigrams, its class, whether it lies in a
  date / award trigger / honour suffix / event cue / praise word (the rules'
  own vocabularies, read from their data), bucketed distances to them, and its
  position in its jieba word;
- `decode_spans`: labelled runs with a confidence (mean marginal);
- `award_from_span` / `activity_from_span`: a span becomes a contract fact
  through the rules' resolvers (award name and level: award.py and
  award_level.py; date: dates.py; activity_type: activity.py), or nothing when
  it cannot be one.

Offsets are `doc.norm` offsets (the layout view when there is one), as for
every extractor.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

LABELS = ("AWD", "ACT")   # BIO labels B-/I-AWD (award), B-/I-ACT (dated activity), O
_UNIT_END = re.compile(r"[。!！?？;；\n]")
_MAX_UNIT = 300


@cache
def _marks_res() -> dict[str, re.Pattern]:
    from pipeline.extract.activity import _vocab as activity_vocab
    from pipeline.extract.award_rules import vocab

    v = vocab()
    return {
        "trig": v.trigger,
        "suffix": re.compile(v.suffix_re.pattern[:-1]),  # the honour suffixes, anywhere
        "rank": v.rank_re,
        "event": activity_vocab()["event_re"],
        "praise": re.compile("表彰|评选|评比|命名|嘉奖|奖励"),
    }


@dataclass
class Marks:
    """Per-character marks of a stretch of `norm` (index = offset - base)."""
    base: int
    date: bytearray     # 1 = first char of a date, 2 = inside
    trig: bytearray
    suffix: bytearray
    event: bytearray
    praise: bytearray


def doc_marks(norm: str, start: int, end: int) -> Marks:
    from pipeline.extract.dates import find_dates

    n = end - start
    m = Marks(start, bytearray(n), bytearray(n), bytearray(n), bytearray(n), bytearray(n))
    for d in find_dates(norm, start, end):
        if d.iso() is None:
            continue
        for i in range(d.start, d.end):
            m.date[i - start] = 2
        m.date[d.start - start] = 1
    res = _marks_res()
    for key, arr in (("trig", m.trig), ("suffix", m.suffix), ("rank", m.suffix),
                     ("event", m.event), ("praise", m.praise)):
        for x in res[key].finditer(norm, start, end):
            for i in range(x.start(), x.end()):
                arr[i - start] = 2
            if x.end() > x.start():
                arr[x.start() - start] = 1
    return m


def candidate_units(norm: str, start: int, end: int, marks: Marks) -> list[tuple[int, int]]:
    """Sentences (split at 。;!? and line ends, at most _MAX_UNIT chars) holding a
    date, an award trigger, an honour suffix or a praise word."""
    units = []
    pos = start
    while pos < end:
        m = _UNIT_END.search(norm, pos, end)
        e = m.end() if m else end
        s = pos
        while s < e:
            ce = min(e, s + _MAX_UNIT)
            if norm[s:ce].strip():
                a, b = s - marks.base, ce - marks.base
                if any(marks.date[a:b]) or any(marks.trig[a:b]) or any(marks.suffix[a:b]) \
                        or any(marks.praise[a:b]):
                    units.append((s, ce))
            s = ce
        pos = e
    return units


def _cls(c: str) -> str:
    if c.isdigit():
        return "D"
    if c in "〇零一二三四五六七八九十百千万两":
        return "N"
    if c in "“”\"「」『』《》":
        return "Q"
    if c in ",，、:：()（）":
        return "P"
    if c.isascii() and c.isalpha():
        return "L"
    if c.isspace():
        return "S"
    return "C"


def _fold(c: str) -> str:
    return "0" if c.isdigit() else c


def _bucket(d: int | None) -> str:
    if d is None:
        return "no"
    if d == 0:
        return "0"
    if d <= 3:
        return "3"
    if d <= 10:
        return "10"
    if d <= 30:
        return "30"
    return "far"


def _nearest_before(arr: bytearray, a: int, b: int) -> list[int | None]:
    """For each index in [a, b): distance back to the last marked index in [a, i]."""
    out, last = [], None
    for i in range(a, b):
        if arr[i]:
            last = i
        out.append(None if last is None else i - last)
    return out


def _nearest_after(arr: bytearray, a: int, b: int) -> list[int | None]:
    out, nxt = [None] * (b - a), None
    for i in range(b - 1, a - 1, -1):
        if arr[i]:
            nxt = i
        out[i - a] = None if nxt is None else nxt - i
    return out


def _word_positions(text: str) -> list[str]:
    from pipeline.nlp import jieba_tokenizer

    pos = []
    for w in jieba_tokenizer().lcut(text, HMM=False):
        if len(w) == 1:
            pos.append("S")
        else:
            pos.extend(["B"] + ["M"] * (len(w) - 2) + ["E"])
    return pos


def unit_features(norm: str, s: int, e: int, marks: Marks) -> list[list[str]]:
    """Feature strings of each character of norm[s:e]."""
    text = norm[s:e]
    n = len(text)
    a, b = s - marks.base, e - marks.base
    wpos = _word_positions(text)
    dist = {k: (_nearest_before(arr, a, b), _nearest_after(arr, a, b))
            for k, arr in (("d", marks.date), ("t", marks.trig), ("h", marks.suffix), ("v", marks.event),
                           ("p", marks.praise))}
    chars = [_fold(c) for c in text]
    classes = [_cls(c) for c in text]
    quote = 0
    feats = []
    for i in range(n):
        c = chars[i]
        if text[i] in "“「『《":
            quote = 1
        p1 = chars[i - 1] if i > 0 else "^"
        p2 = chars[i - 2] if i > 1 else "^"
        n1 = chars[i + 1] if i + 1 < n else "$"
        n2 = chars[i + 2] if i + 2 < n else "$"
        f = [f"c={c}", f"c-1={p1}", f"c+1={n1}", f"c-2={p2}", f"c+2={n2}",
             f"b-={p1}{c}", f"b+={c}{n1}", f"k={classes[i]}",
             f"k3={classes[i - 1] if i else '^'}{classes[i]}{classes[i + 1] if i + 1 < n else '$'}",
             f"w={wpos[i] if i < len(wpos) else 'S'}", f"q={quote}",
             f"pos={_bucket(i)}", f"left={_bucket(n - 1 - i)}"]
        for k, arr in (("d", marks.date), ("t", marks.trig), ("h", marks.suffix), ("v", marks.event),
                       ("p", marks.praise)):
            before, after = dist[k]
            f.append(f"{k}<{_bucket(before[i])}")
            f.append(f"{k}>{_bucket(after[i])}")
            f.append(f"{k}={arr[a + i]}")
        feats.append(f)
        if text[i] in "”」』》":
            quote = 0
    return feats


def unit_labels(s: int, e: int, spans: list[tuple[int, int, str]]) -> list[str]:
    """BIO labels of norm[s:e] from (start, end, label) gold spans (norm offsets)."""
    labels = ["O"] * (e - s)
    for gs, ge, lab in spans:
        a, b = max(gs, s), min(ge, e)
        if a >= b or any(x != "O" for x in labels[a - s:b - s]):
            continue
        labels[a - s] = f"B-{lab}"
        for i in range(a + 1, b):
            labels[i - s] = f"I-{lab}"
    return labels


def decode_spans(s: int, labels: list[str], marginals: list[dict] | None) -> list[tuple[int, int, str, float]]:
    """(start, end, label, confidence) of the labelled runs; confidence is the mean
    marginal of the run's labels (1.0 without marginals)."""
    out = []
    i, n = 0, len(labels)
    while i < n:
        lab = labels[i]
        if lab == "O":
            i += 1
            continue
        kind = lab[2:]
        j = i + 1
        while j < n and labels[j] == f"I-{kind}":
            j += 1
        conf = 1.0
        if marginals is not None:
            conf = sum(marginals[k][labels[k]] for k in range(i, j)) / (j - i)
        out.append((s + i, s + j, kind, conf))
        i = j
    return out


# ---------------------------------------------------------------- spans -> facts

def activity_from_span(doc, s: int, e: int, rule_filters: bool = True):
    """An ActivityFact for a tagged span: the first date written in it gives the
    date, the rules' typing of the span's text the activity_type; None without
    a date, or (`rule_filters`) when the rules' own tests say the date dates no
    event (a deadline, a plan or future cue, a document date or dateline, a
    status at a date, a festival that is a name or one of a list)."""
    from pipeline.extract import activity as act
    from pipeline.extract.dates import find_dates
    from schemas.report import ActivityFact

    dates = [d for d in find_dates(doc.norm, s, e) if d.iso() is not None]
    if not dates:
        return None
    if rule_filters:
        norm = doc.norm
        floor = norm.rfind("\n", 0, dates[0].start) + 1
        ceil = norm.find("\n", dates[0].end)
        ceil = len(norm) if ceil == -1 else ceil
        d = dates[0]
        if (d.kind == "festival" and not act._festival_dates_event(norm, d, floor, ceil)) \
                or (d.kind != "festival" and act._is_excluded(norm, d, floor, ceil)):
            return None
    text = doc.text[s:e]
    if not text.strip():
        return None
    return ActivityFact(text=text, start=s, end=e, line=doc.line_of(s), date=dates[0].iso(),
                        activity_type=act.activity_type(doc.norm[s:e]))


def award_from_span(doc, s: int, e: int):
    """An AwardFact for a tagged span: the honour is what follows the last
    trigger in it (the whole span without one), named and levelled by the
    award rules' resolvers; None when no honour name is left."""
    from pipeline.extract import award as aw
    from pipeline.extract import award_level as lv
    from pipeline.extract.masks import contains_mask
    from schemas.report import AwardFact

    norm = doc.norm
    v = _marks_res()
    core_start, conferrer = s, ""
    for m in v["trig"].finditer(norm, s, e):
        core_start, conferrer = m.end(), m.group("conf") or ""
    end, _ = aw._cut_tail(norm, core_start, e)
    core = norm[core_start:end].strip(" 了")
    # the rules' own test of an honour (vague quantities, works, masks fail it); the
    # tagger stands for the context, as a count or 称号 does for the rules
    if len(core) < 2 or not aw._is_honour(core, "“" in core, free=True):
        return None
    name, stripped = aw._clean_name(core)
    if not name or contains_mask(name) or len(name) < 2:
        return None
    ls = norm.rfind("\n", 0, s) + 1
    # its prefix, its conferrer (被市总工会评为), the span before it, then its paragraph
    level = lv.level_in(stripped) or (lv.conferrer_level(conferrer) if conferrer else None) \
        or lv.level_in(norm[s:core_start]) or lv.level_in(norm[ls:s], nearest=True) or "unknown"
    return AwardFact(text=doc.text[s:e], start=s, end=e, line=doc.line_of(s), name=name, level=level,
                     recipient=None, recipient_start=None, recipient_end=None, rank=aw._rank_of(name),
                     rule="tagger")
