"""Boundary classifier: does a report without a heading start at this line?

A scikit-learn pipeline (scaling + logistic regression) over the features of
`features.py`, trained on annotated boundaries (corpora/annotations) and on
synthetic run-together texts made from annotated reports with their titles
removed. Saved to pipeline/models/boundary.joblib (+ .npz weights, loaded at run
time: `pipeline.modelfile`); if both are missing the model is trained in memory
(about a second) with a warning.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np

from pipeline.split.features import FEATURES, SegmentFeatures
from pipeline.layout.blocks import Block

log = logging.getLogger(__name__)
MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "boundary.joblib"
THRESHOLD = 0.5
MIN_GAP = 3  # a report is at least this many content lines...
MIN_CHARS = 80  # ...or one long paragraph of at least this many characters


class BoundaryClassifier:
    """fit/predict_proba over feature vectors of candidate lines; picklable.

    Inference runs on plain arrays (`to_arrays`/`from_arrays`: scaler mean and
    scale, coefficients), so a model loaded from its weights file needs no
    scikit-learn; `model` (the scikit-learn Pipeline) is None then."""

    def __init__(self, C: float = 1.0):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        self.features = list(FEATURES)
        self.model = Pipeline([
            ("scale", StandardScaler()),
            ("lr", LogisticRegression(C=C, class_weight="balanced", max_iter=2000)),
        ])

    def fit(self, X, y) -> "BoundaryClassifier":
        self.model.fit(np.asarray(X, dtype=float), np.asarray(y, dtype=int))
        self.__dict__.pop("_weights", None)
        return self

    def _linear(self) -> dict[str, np.ndarray]:
        w = self.__dict__.get("_weights")
        if w is None:
            sc, lr = self.model.named_steps["scale"], self.model.named_steps["lr"]
            w = self._weights = {"mean": sc.mean_, "scale": sc.scale_,
                                 "coef": lr.coef_[0], "intercept": lr.intercept_[:1]}
        return w

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"features": np.array(self.features), **self._linear()}

    @classmethod
    def from_arrays(cls, arrays: dict) -> "BoundaryClassifier":
        if [str(f) for f in arrays["features"]] != list(FEATURES):
            raise ValueError("saved for another feature set")
        self = cls.__new__(cls)
        self.features, self.model = list(FEATURES), None
        self._weights = {k: np.asarray(arrays[k], dtype=float)
                         for k in ("mean", "scale", "coef", "intercept")}
        return self

    def predict_proba(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if len(X) == 0:
            return np.zeros(0)
        # the fitted scaler + logistic regression, evaluated directly: sklearn's
        # per-call validation costs more than the arithmetic for a few rows
        w = self._linear()
        z = ((X - w["mean"]) / w["scale"]) @ w["coef"] + w["intercept"][0]
        return 1.0 / (1.0 + np.exp(-z))

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= THRESHOLD).astype(int)

    def weights(self) -> dict[str, float]:
        return dict(zip(self.features, map(float, self._linear()["coef"])))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_weights", None)
        return state


def candidates(seg: SegmentFeatures) -> list[int]:
    return [i for i in range(1, len(seg.blocks)) if seg.cheap(i)]


def segment_examples(blocks: list[Block], starts: set[int]) -> tuple[list[list[float]], list[int]]:
    """Feature rows and labels for the candidate lines of one segment
    (`starts` = 1-based lines where an untitled report begins)."""
    seg = SegmentFeatures(blocks)
    X, y = [], []
    for i in candidates(seg):
        X.append(seg.vector(i))
        y.append(int(blocks[i].line in starts))
    return X, y


def detect(blocks: list[Block], clf: "BoundaryClassifier | None" = None) -> list[int]:
    """Indices (into `blocks`) where a new report starts inside this segment."""
    cum = [0]
    for b in blocks:
        cum.append(cum[-1] + len(b.norm))
    if len(blocks) < 2 or (len(blocks) < 2 * MIN_GAP and cum[-1] < 2 * MIN_CHARS):
        return []

    def big_enough(a: int, b: int) -> bool:
        return b - a >= MIN_GAP or (b > a and cum[b] - cum[a] >= MIN_CHARS)

    clf = clf or model()
    seg = SegmentFeatures(blocks)
    cand = candidates(seg)
    if not cand:
        return []
    probs = clf.predict_proba([seg.vector(i) for i in cand])
    chosen: list[int] = []
    # strongest first; keep a boundary only if it leaves reports of MIN_GAP lines
    for p, i in sorted(zip(probs, cand), reverse=True):
        if p < THRESHOLD:
            break
        left = max([0] + [j for j in chosen if j < i])
        right = min([len(blocks)] + [j for j in chosen if j > i])
        if big_enough(left, i) and big_enough(i, right):
            chosen.append(i)
    return sorted(chosen)


@functools.cache
def model() -> BoundaryClassifier:
    from pipeline.modelfile import load_model

    clf = load_model(BoundaryClassifier, MODEL_PATH)
    if clf is not None:
        return clf
    log.warning("training the boundary model in memory")
    from pipeline.split.training import train_boundary
    return train_boundary()[0]
