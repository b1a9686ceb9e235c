"""The count-metric model's view of a count: the words around it, where cues do not settle it.

Features are jieba words (`pipeline.nlp.segment`, union-domain dictionary) of
the count's clause, at most `FEATURE_REACH` chars each side, with position
prefixes (`L:` left of the number, `R:` right of the unit, `L1:`/`R1:` the
adjacent words), the unit, the metrics the cue rules name (`cue:`), the cue
metric of the sentence so far (`sent:`) and the metric of the previous count in
the same line (`prev:`), the last lead verb of the sentence before the number
(`V:`, count_metrics.yaml `lead_verbs`) and the section label where the count
stands (`sec:`, from the structure stage). The model is a linear classifier over these
(`pipeline.training.metrics` trains it: DictVectorizer + logistic regression);
at run time it is the scorer of pipeline/models/count_metric.npz. Only the
clause of each count is tokenised (a few counts per 1000 chars, <= 40 chars
each), so jieba never runs over the full text. How the model's answer combines
with the cue rules: `count.assign_metric` (and the header of
data/count_metrics.yaml).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

FEATURE_REACH = 20  # chars each side, within the clause
INHERIT_REACH = 150
_DIGITS = re.compile(r"[0-9０-９.]+")


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


def metric_context(norm: str, c, start: int, end: int,
                   prev: tuple[int, str, str] | None, section: str | None = None) -> MetricContext:
    """Context of a `count.CountCandidate` in `norm` (report bounds start..end)."""
    from pipeline.extract.count import lead_verb, sentence_cue, sentence_start
    from pipeline.extract.numerals import left_clause, right_clause

    ls = left_clause(norm, c.lead, FEATURE_REACH, start)
    re_ = right_clause(norm, c.unit_end, FEATURE_REACH, end)
    unit_key = "人" if c.unit == "名" else c.unit
    prev_metric = None
    if prev is not None:
        prev_end, pm, pu = prev
        if pu == unit_key and c.lead - prev_end <= INHERIT_REACH \
                and "\n" not in norm[prev_end:c.lead]:
            prev_metric = pm
    return MetricContext(left=norm[ls:c.lead], right=norm[c.unit_end:re_], unit=unit_key,
                         cues=tuple(x.metric for x in c.cues if not x.default),
                         sentence_cue=sentence_cue(norm, c.lead, c.unit, start),
                         prev=prev_metric,
                         verb=lead_verb(norm, sentence_start(norm, c.lead, start), c.lead),
                         section=section)


@functools.lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    """jieba words of a short window (dictionary only: HMM off is faster and finds the
    same domain words); numbers collapsed to `#` (the figure is not the cue)."""
    from pipeline.nlp import jieba_tokenizer

    if not text:
        return ()
    return tuple(_DIGITS.sub("#", w) for w in jieba_tokenizer().lcut(text, HMM=False) if w.strip())


def metric_features(mc: MetricContext) -> dict[str, float]:
    f: dict[str, float] = {"unit:" + mc.unit: 1.0}
    left, right = _words(mc.left), _words(mc.right)
    for w in left:
        f["L:" + w] = 1.0
    for w in right:
        f["R:" + w] = 1.0
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
    f["sec:" + (mc.section or "none")] = 1.0
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
