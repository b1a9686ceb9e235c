"""SectionClassifier: heading/paragraph-lead text -> canonical section label.

TF-IDF over character 1-3-grams (robust to jieba's segmentation of short
headings, and fast) + logistic regression, in a `sklearn.pipeline.Pipeline`.
Used only for headings the cue vocabulary does not settle. Trained on
corpora/annotations/section_examples.jsonl (hand-written examples and
labelled seed headings); saved to pipeline/models/sections.joblib (+ .npz weights,
loaded at run time: `pipeline.modelfile`), trained in memory with a warning when
both are missing.
"""
from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "corpora" / "annotations" / "section_examples.jsonl"
MODEL_PATH = REPO / "pipeline" / "models" / "sections.joblib"
NONE = "none"


def load_examples(exclude: set[str] | frozenset = frozenset()) -> tuple[list[str], list[str], list[str]]:
    texts, labels, sources = [], [], []
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        if r.get("source") in exclude:
            continue
        texts.append(r["text"])
        labels.append(r["label"] or NONE)
        sources.append(r.get("source") or "invented")
    return texts, labels, sources


class SectionClassifier:
    """Inference runs on plain weights (`to_arrays`/`from_arrays`: n-gram
    vocabulary, idf, coefficients, classes), so a model loaded from its weights
    file needs no scikit-learn; `model` (the scikit-learn Pipeline) is None then."""

    def __init__(self, C: float = 4.0):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        self.model = Pipeline([
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)),
            ("lr", LogisticRegression(C=C, tol=1e-3, max_iter=500, class_weight="balanced")),
        ])

    def fit(self, texts: list[str], labels: list[str]) -> "SectionClassifier":
        self.model.fit(texts, labels)
        self.__dict__.pop("_weights", None)
        self.__dict__.pop("_memo", None)
        return self

    def predict(self, texts: list[str]) -> list[str | None]:
        return [lab for lab, _ in self.predict_with_proba(texts)]

    def _linear(self) -> dict:
        w = self.__dict__.get("_weights")
        if w is None:
            tfidf, lr = self.model.named_steps["tfidf"], self.model.named_steps["lr"]
            # this is what the fitted TfidfVectorizer does (char analyzer, l2 norm)
            assert tfidf.analyzer == "char" and tfidf.norm == "l2" and tfidf.sublinear_tf \
                and tfidf.strip_accents is None and tfidf.preprocessor is None
            w = self._weights = {
                "vocab": tfidf.vocabulary_, "idf": tfidf.idf_, "coef": lr.coef_,
                "intercept": lr.intercept_, "classes": [str(c) for c in lr.classes_],
                "ngram_range": tuple(tfidf.ngram_range), "lowercase": bool(tfidf.lowercase)}
        return w

    def to_arrays(self) -> dict:
        import numpy as np

        w = self._linear()
        return {"ngrams": np.array(sorted(w["vocab"], key=w["vocab"].get)), "idf": w["idf"],
                "coef": w["coef"], "intercept": w["intercept"], "classes": np.array(w["classes"]),
                "ngram_range": np.array(w["ngram_range"]),
                "lowercase": np.array(w["lowercase"])}

    @classmethod
    def from_arrays(cls, arrays: dict) -> "SectionClassifier":
        self = cls.__new__(cls)
        self.model = None
        self._weights = {
            "vocab": {str(g): j for j, g in enumerate(arrays["ngrams"])}, "idf": arrays["idf"],
            "coef": arrays["coef"], "intercept": arrays["intercept"],
            "classes": [str(c) for c in arrays["classes"]],
            "ngram_range": tuple(int(n) for n in arrays["ngram_range"]),
            "lowercase": bool(arrays["lowercase"])}
        return self

    def _fast_proba(self, texts: list[str]):
        """predict_proba for a few short texts without sklearn's per-call validation
        overhead (~4 ms): same TF-IDF (char n-grams, sublinear tf, l2) and softmax."""
        import math

        import numpy as np

        w = self._linear()
        vocab, idf = w["vocab"], w["idf"]
        lo, hi = w["ngram_range"]
        coef, intercept = w["coef"], w["intercept"]
        rows = []
        for t in texts:
            t = t.lower() if w["lowercase"] else t
            t = " ".join(t.split())
            counts: dict[int, int] = {}
            for n in range(lo, hi + 1):
                for k in range(len(t) - n + 1):
                    j = vocab.get(t[k:k + n])
                    if j is not None:
                        counts[j] = counts.get(j, 0) + 1
            if not counts:
                scores = intercept.copy()
            else:
                idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                val = np.fromiter(((1.0 + math.log(c)) for c in counts.values()), dtype=float, count=len(counts))
                val *= idf[idx]
                val /= np.sqrt((val * val).sum()) or 1.0
                scores = coef[:, idx] @ val + intercept
            if coef.shape[0] == 1:  # binary
                p1 = 1.0 / (1.0 + math.exp(-scores[0]))
                rows.append(np.array([1.0 - p1, p1]))
            else:
                e = np.exp(scores - scores.max())
                rows.append(e / e.sum())
        return np.vstack(rows)

    def _cached(self, text: str):
        # headings recur across template reports: memoise per instance
        memo = self.__dict__.setdefault("_memo", {})
        row = memo.get(text)
        if row is None:
            if len(memo) > 50000:
                memo.clear()
            row = memo[text] = self._fast_proba([text])[0]
        return row

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_memo", None)
        state.pop("_weights", None)
        return state

    def predict_with_proba(self, texts: list[str]) -> list[tuple[str | None, float]]:
        if not texts:
            return []
        probs = [self._cached(t) for t in texts]
        classes = self._linear()["classes"]
        out = []
        for row in probs:
            k = int(row.argmax())
            lab = classes[k]
            out.append((None if lab == NONE else str(lab), float(row[k])))
        return out

    @classmethod
    def train(cls, exclude: set[str] | frozenset = frozenset()) -> "SectionClassifier":
        texts, labels, _ = load_examples(exclude)
        return cls().fit(texts, labels)


@functools.cache
def default_classifier() -> SectionClassifier:
    from pipeline.modelfile import load_model

    clf = load_model(SectionClassifier, MODEL_PATH)
    if clf is not None:
        return clf
    log.warning("training the section classifier in memory")
    return SectionClassifier.train()
