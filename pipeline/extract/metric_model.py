"""CountMetricModel: the metric of a count from the words around it, where cues do not settle it.

Features are jieba words (`pipeline.nlp.segment`, union-domain dictionary) of
the count's clause, at most `FEATURE_REACH` chars each side, with position
prefixes (`L:` left of the number, `R:` right of the unit, `L1:`/`R1:` the
adjacent words), the unit, the metrics the cue rules name (`cue:`), the cue
metric of the sentence so far (`sent:`) and the metric of the previous count in
the same line (`prev:`); DictVectorizer + logistic regression in a scikit-learn
`Pipeline`. Only the clause of each count is tokenised (a few counts per 1000
chars, <= 40 chars each), so jieba never runs over the full text; the count
extractor stays near 1M chars/s. How the model's answer combines with the cue
rules: `count.assign_metric` (and the header of data/count_metrics.yaml).

Trained on the gold counts of `corpora/gold/synthetic/` and
`corpora/gold/seeds/` aligned with the count extractor's candidates in their
source texts. `corpora/gold/heldout/` is never read here: it is the blind test.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[2]
MODEL_PATH = REPO / "pipeline" / "models" / "count_metric.joblib"
# (gold folder, text folder); the held-out corpus is deliberately absent
TRAIN_SETS = (
    (REPO / "corpora" / "gold" / "synthetic", REPO / "corpora" / "synthetic"),
    (REPO / "corpora" / "gold" / "seeds", REPO / "corpora" / "seeds"),
)
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


def metric_context(norm: str, c, start: int, end: int,
                   prev: tuple[int, str, str] | None) -> MetricContext:
    """Context of a `count.CountCandidate` in `norm` (report bounds start..end)."""
    from pipeline.extract.count import sentence_cue
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
                         prev=prev_metric)


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
    return f


class CountMetricModel:
    """DictVectorizer + LogisticRegression over `metric_features`.

    Inference runs on plain weights (`to_arrays`/`from_arrays`: vocabulary,
    coefficients, classes), so a model loaded from its weights file needs no
    scikit-learn; `model` (the scikit-learn Pipeline) is None then."""

    def __init__(self, C: float = 4.0):
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        self.model = Pipeline([
            ("dv", DictVectorizer()),
            ("lr", LogisticRegression(C=C, max_iter=3000)),
        ])

    @property
    def classes_(self) -> list[str]:
        return self._weights()[3]

    def fit(self, contexts: Sequence[MetricContext], labels: Sequence[str]) -> "CountMetricModel":
        from threadpoolctl import threadpool_limits

        features = [metric_features(c) for c in contexts]
        # multi-threaded BLAS makes this tiny lbfgs fit 50x slower on a busy machine
        with threadpool_limits(limits=1):
            self.model.fit(features, list(labels))
        self._fast = None
        return self

    def predict_proba(self, contexts: Sequence[MetricContext]):
        import numpy as np

        return np.array([self._probabilities(c) for c in contexts])

    def predict(self, contexts: Sequence[MetricContext]) -> list[str]:
        return [self.best_one(c)[0] for c in contexts]

    def _weights(self):
        """(vocabulary, weight rows, intercepts, classes). sklearn's per-call validation
        costs ~0.3 ms and one count needs a few sums: one contiguous row of class
        weights per feature (the transposed coefficients) makes that a row sum."""
        fast = self.__dict__.get("_fast")
        if fast is None:
            import numpy as np

            dv, lr = self.model.named_steps["dv"], self.model.named_steps["lr"]
            fast = self._fast = (dv.vocabulary_, np.ascontiguousarray(lr.coef_.T),
                                 lr.intercept_, [str(c) for c in lr.classes_])
        return fast

    def to_arrays(self) -> dict:
        import numpy as np

        vocab, rows, intercept, classes = self._weights()
        names = sorted(vocab, key=vocab.get)  # column order
        return {"features": np.array(names), "coef": rows.T, "intercept": intercept,
                "classes": np.array(classes)}

    @classmethod
    def from_arrays(cls, arrays: dict) -> "CountMetricModel":
        import numpy as np

        self = cls.__new__(cls)
        self.model = None
        names = [str(f) for f in arrays["features"]]
        self._fast = ({f: j for j, f in enumerate(names)}, np.ascontiguousarray(arrays["coef"].T),
                      arrays["intercept"], [str(c) for c in arrays["classes"]])
        return self

    def _probabilities(self, mc: MetricContext):
        """Softmax (or sigmoid) over the classes for one count, as a numpy vector."""
        import numpy as np

        vocab, rows, intercept, classes = self._weights()
        idx = [j for j in map(vocab.get, metric_features(mc)) if j is not None]
        # every feature is binary (1.0): the score is a sum of weight rows
        s = intercept + rows[idx].sum(axis=0) if idx else intercept
        if rows.shape[1] == 1:  # binary
            p1 = 1.0 / (1.0 + math.exp(-float(s[0])))
            return np.array([1.0 - p1, p1])
        e = np.exp(s - s.max())
        return e / e.sum()

    def scores_one(self, mc: MetricContext) -> dict[str, float]:
        """Class probabilities of one count (the fitted model's predict_proba)."""
        return dict(zip(self.classes_, map(float, self._probabilities(mc))))

    def best_one(self, mc: MetricContext) -> tuple[str, float]:
        """Most probable metric of one count and its probability."""
        probs = self._probabilities(mc)
        k = int(probs.argmax())
        return self.classes_[k], float(probs[k])

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_fast", None)
        return state


# ---------------------------------------------------------------- training data

@dataclass
class FileExamples:
    """A training file: its doc, the extractor's count candidates, and the gold
    metric of each candidate that matches a gold count (None otherwise)."""
    group: str
    doc: object
    candidates: list
    gold: list[str | None]


def _gold_counts(gold_path: Path, text: str) -> list[tuple[int, int, float, str, str]]:
    """(start, end, value, unit, metric) of the gold counts; gold without offsets is
    located by its text, in order."""
    data = json.loads(gold_path.read_text(encoding="utf-8"))
    out = []
    pos = 0
    for r in data.get("reports", []):
        for f in r.get("facts", []):
            if f.get("type") != "count" or f.get("value") is None or not f.get("metric"):
                continue
            s, e = f.get("start"), f.get("end")
            if s is None or e is None:
                k = text.find(f["text"], pos)
                if k < 0:
                    k = text.find(f["text"])
                if k < 0:
                    continue
                s, e = k, k + len(f["text"])
            pos = max(pos, s)
            unit = "人" if f["unit"] in ("名", "位") else f["unit"]
            out.append((s, e, float(f["value"]), unit, f["metric"]))
    return out


def load_files(train_sets=TRAIN_SETS) -> list[FileExamples]:
    from pipeline.extract.count import candidates
    from pipeline.ingest import read_file
    from pipeline.process import build_doc

    files = []
    for gold_dir, text_dir in train_sets:
        for gp in sorted(Path(gold_dir).glob("*.json")):
            tp = Path(text_dir) / (gp.stem + ".txt")
            if not tp.exists():
                continue
            ing = read_file(tp)
            doc = build_doc(tp, ing.text, ing.encoding, ing.format)
            cands = list(candidates(doc, 0, len(doc.text)))
            gold = _gold_counts(gp, doc.text)
            used: set[int] = set()
            labels: list[str | None] = []
            for c in cands:
                unit = "人" if c.unit == "名" else c.unit
                hit = None
                for k, (s, e, v, u, _) in enumerate(gold):
                    if k not in used and s < c.end and c.start < e and u == unit \
                            and abs(v - c.value) < 1e-6:
                        hit = k
                        break
                if hit is None:
                    labels.append(None)
                else:
                    used.add(hit)
                    labels.append(gold[hit][4])
            files.append(FileExamples(f"{Path(gold_dir).name}/{gp.stem}", doc, cands, labels))
    return files


def run_file(fx: FileExamples, model: CountMetricModel | None
             ) -> tuple[list[MetricContext], list[str]]:
    """Contexts and assigned metrics of a file's candidates, in text order, as
    `count.extract` assigns them (the previous count's metric carries over)."""
    from pipeline.extract.count import assign_metric

    doc = fx.doc
    n = len(doc.text)
    contexts, metrics = [], []
    prev = None
    for c in fx.candidates:
        contexts.append(metric_context(doc.norm, c, 0, n, prev))
        m = assign_metric(doc, c, 0, n, prev, model)
        metrics.append(m)
        prev = (c.end, m, "人" if c.unit == "名" else c.unit)
    return contexts, metrics


def training_set(files: Sequence[FileExamples]) -> tuple[list[MetricContext], list[str]]:
    X, y = [], []
    for fx in files:
        contexts, _ = run_file(fx, None)
        for mc, g in zip(contexts, fx.gold):
            if g is not None:
                X.append(mc)
                y.append(g)
    return X, y


def fit_model(files: Sequence[FileExamples]) -> CountMetricModel:
    X, y = training_set(files)
    return CountMetricModel().fit(X, y)


def cross_validate(files: Sequence[FileExamples]) -> dict:
    """Leave-one-file-out accuracy of the metric over gold-matched candidates:
    cues only vs cues + model, overall and where cues do not settle it."""
    from pipeline.extract.count import cues_settle

    n = ok_cues = ok_model = n_open = ok_cues_open = ok_model_open = 0
    for i, fx in enumerate(files):
        model = fit_model([f for j, f in enumerate(files) if j != i])
        _, m_cues = run_file(fx, None)
        _, m_model = run_file(fx, model)
        for c, g, a, b in zip(fx.candidates, fx.gold, m_cues, m_model):
            if g is None:
                continue
            n += 1
            ok_cues += a == g
            ok_model += b == g
            if not cues_settle(c.cues):
                n_open += 1
                ok_cues_open += a == g
                ok_model_open += b == g

    def r(a, b):
        return round(a / b, 4) if b else None
    return {"lofo_files": len(files), "lofo_counts": n,
            "lofo_acc_cues": r(ok_cues, n), "lofo_acc_cues_model": r(ok_model, n),
            "lofo_unsettled": n_open, "lofo_unsettled_acc_cues": r(ok_cues_open, n_open),
            "lofo_unsettled_acc_cues_model": r(ok_model_open, n_open)}


def train_metric_model(out_path: Path | None = None, cross_validated: bool = True) -> dict:
    """Fit the count-metric model on all repo training data, save it to `out_path`
    (default `pipeline/models/count_metric.joblib`) and return its metrics:
    training size and, with `cross_validated`, leave-one-file-out accuracies."""
    from pipeline.modelfile import save_model

    files = load_files()
    X, y = training_set(files)
    model = CountMetricModel().fit(X, y)
    out = Path(out_path) if out_path else MODEL_PATH
    out.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, out)
    metrics = {"examples": len(X), "files": len(files), "classes": len(set(y)), "path": str(out)}
    if cross_validated:
        metrics.update(cross_validate(files))
    return metrics


@functools.cache
def default_model() -> CountMetricModel:
    """The saved model, or one trained in memory from the repo data (with a warning)."""
    from pipeline.modelfile import load_model

    model = load_model(CountMetricModel, MODEL_PATH)
    if model is not None:
        return model
    log.warning("training the count-metric model in memory")
    t = time.perf_counter()
    model = fit_model(load_files())
    log.info("count-metric model trained in %.1f s", time.perf_counter() - t)
    return model
