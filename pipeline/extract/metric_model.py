"""The count-metric model's view of a count: what is counted and what is said of it.

Features of a count's clause (at most `FEATURE_REACH` chars each side, pinyin
glosses read through): the word classes of data/metric_classes.yaml (`HL:`/`HR:`
the class of the noun just left of the number / right of the unit, `PL:`/`PR:`
the predicates left / right of it, `PS:` the predicates in the rest of the
sentence, each also paired with the unit; `topic:` the metric the sentence's
topic turns the first cue into, `count.topic_metric`), the jieba
words next to the number (`L1:`/`R1:`, union-domain dictionary), the unit, the
metrics the cue rules name (`cue:`), the cue metric of the sentence so far
(`sent:`), the metric of the previous count in the same line (`prev:`), the last
lead verb of the sentence before the number (`V:`, count_metrics.yaml
`lead_verbs`) and the section label where the count stands (`sec:`, from the
structure stage). No bag of the clause's words: by-file CV on the real reports
showed it memorises single reports (0.861 -> 0.866 without it). The model is a
linear classifier over these (`pipeline.training.metrics` trains it:
DictVectorizer + logistic regression); at run time it is the scorer of
pipeline/models/count_metric.npz. Only the clause of each count is tokenised,
so jieba never runs over the full text. How the model's answer combines with
the cue rules: `count.assign_metric` (and the header of data/count_metrics.yaml).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

FEATURE_REACH = 20  # chars each side, within the clause
INHERIT_REACH = 150
SENTENCE_AFTER = 40  # how far the rest of the sentence is read right of the clause
_DIGITS = re.compile(r"[0-9０-９.]+")
# a pinyin gloss of a glossed site (项(xiàng)目): it splits the words the model reads
_GLOSS = re.compile(r" ?[(（][a-zA-Z\u00c0-\u024f ]{1,9}[)）]")


@functools.cache
def _classes() -> tuple[int, int, tuple[tuple[str, re.Pattern], ...],
                        tuple[tuple[str, re.Pattern], ...]]:
    """(head_left, head_right, head classes, predicate classes) of
    data/metric_classes.yaml."""
    from pipeline.extract.numerals import load_data

    d = load_data("metric_classes.yaml")
    return (int(d["head_left"]), int(d["head_right"]),
            tuple((k, re.compile(v)) for k, v in d["heads"].items()),
            tuple((k, re.compile(v)) for k, v in d["predicates"].items()))


@functools.lru_cache(maxsize=1 << 16)
def class_features(left: str, right: str) -> tuple[str, ...]:
    """Word-class features of a count's clause: the class of the noun next to the
    number (`HL:` just left of it, `HR:` just right of the unit) and of what the
    clause says about it (`PL:` left of the number, `PR:` right of the unit)."""
    hl, hr, heads, preds = _classes()
    left, right = _GLOSS.sub("", left), _GLOSS.sub("", right)
    near_l, near_r = left[-hl:], right[:hr]
    out = []
    for name, rx in heads:
        if rx.search(near_l):
            out.append("HL:" + name)
        if rx.search(near_r):
            out.append("HR:" + name)
    for name, rx in preds:
        if rx.search(left):
            out.append("PL:" + name)
        if rx.search(right):
            out.append("PR:" + name)
    return tuple(out)


@dataclass(frozen=True)
class MetricContext:
    """What the model sees of one count."""
    left: str                 # clause left of the number, <= FEATURE_REACH chars
    right: str                # clause right of the unit
    unit: str
    cues: tuple[str, ...]     # metrics named by the matching cue rules, in rule order
    sentence_cue: str | None  # cue metric of the sentence up to the number
    prev: str | None          # metric of the previous count in the line, same unit
    verb: str | None = None   # the last lead verb of the sentence before the number
    section: str | None = None  # canonical section label where the count stands
    around: str = ""          # the rest of the sentence, outside the clause windows
    topic: str | None = None  # the metric the sentence's topic turns the first cue into


def metric_context(norm: str, c, start: int, end: int,
                   prev: tuple[int, str, str] | None, section: str | None = None) -> MetricContext:
    """Context of a `count.CountCandidate` in `norm` (report bounds start..end)."""
    from pipeline.extract.count import (SENTENCE_BREAKS, clause_left, clause_right, lead_verb,
                                        sentence_cue, sentence_start, topic_metric)

    ls = clause_left(norm, c.lead, FEATURE_REACH, start)
    re_ = clause_right(norm, c.unit_end, FEATURE_REACH, end)
    unit_key = "人" if c.unit == "名" else c.unit
    prev_metric = None
    if prev is not None:
        prev_end, pm, pu = prev
        if pu == unit_key and c.lead - prev_end <= INHERIT_REACH \
                and "\n" not in norm[prev_end:c.lead]:
            prev_metric = pm
    first = c.cues[0].metric if c.cues else None
    turned = topic_metric(norm, c, start, end, first) if first else None
    ss = sentence_start(norm, c.lead, start)
    se = re_
    while se < min(end, re_ + SENTENCE_AFTER) and norm[se] not in SENTENCE_BREAKS:
        se += 1
    return MetricContext(left=norm[ls:c.lead], right=norm[c.unit_end:re_], unit=unit_key,
                         cues=tuple(x.metric for x in c.cues if not x.default),
                         sentence_cue=sentence_cue(norm, c.lead, c.unit, start),
                         prev=prev_metric,
                         verb=lead_verb(norm, ss, c.lead),
                         section=section, around=norm[ss:ls] + "|" + norm[re_:se],
                         topic=turned if turned != first else None)


@functools.lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    """jieba words of a short window (dictionary only: HMM off is faster and finds the
    same domain words); numbers collapsed to `#` (the figure is not the cue)."""
    from pipeline.nlp import jieba_tokenizer

    if not text:
        return ()
    text = _GLOSS.sub("", text)
    return tuple(_DIGITS.sub("#", w) for w in jieba_tokenizer().lcut(text, HMM=False) if w.strip())


@functools.lru_cache(maxsize=1 << 16)
def sentence_classes(around: str) -> tuple[str, ...]:
    """`PS:` predicate classes of the rest of the sentence (培训 opening the
    sentence, the course people attend named after the clause)."""
    preds = _classes()[3]
    around = _GLOSS.sub("", around)
    return tuple("PS:" + name for name, rx in preds if rx.search(around))


def metric_features(mc: MetricContext) -> dict[str, float]:
    f: dict[str, float] = {"unit:" + mc.unit: 1.0}
    left, right = _words(mc.left), _words(mc.right)
    if left:
        f["L1:" + left[-1]] = 1.0
    if right:
        f["R1:" + right[0]] = 1.0
    if mc.verb:
        f["V:" + mc.verb] = 1.0
    for k, m in enumerate(mc.cues):
        f["cue:" + m] = 1.0
        if k == 0:
            f["cue1:" + m] = 1.0
    if not mc.cues:
        f["cue:none"] = 1.0
    if mc.sentence_cue:
        f["sent:" + mc.sentence_cue] = 1.0
    if mc.prev:
        f["prev:" + mc.prev] = 1.0
    if mc.topic:
        f["topic:" + mc.topic] = 1.0
    f["sec:" + (mc.section or "none")] = 1.0
    for k in sentence_classes(mc.around):
        f[k] = 1.0
        f[k + "|" + mc.unit] = 1.0
    for k in class_features(mc.left, mc.right):
        f[k] = 1.0
        f[k + "|" + mc.unit] = 1.0  # a union counted in 家 and in 人 are different counts  # 家 of a union and 人 of a union differ
    return f


def best_metric(model, mc: MetricContext) -> tuple[str, float]:
    """Most probable metric of one count and its probability; `model`: the saved
    scorer (one-row fast path) or any fitted model with `predict_proba`."""
    row = model.proba_one(mc) if hasattr(model, "proba_one") else model.predict_proba([mc])[0]
    k = int(row.argmax())
    return str(model.classes_[k]), float(row[k])


def default_model():
    """The saved count-metric model (pipeline/models/count_metric.npz)."""
    from pipeline.modelfile import default_model as load

    return load("count_metric")
