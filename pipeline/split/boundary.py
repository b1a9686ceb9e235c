"""Boundary classifier: does a report without a heading start at this line?

A linear model over the features of `features.py` (`pipeline.training.boundary`
trains it: scaling + logistic regression on annotated boundaries and synthetic
run-together texts). At run time it is the scorer of pipeline/models/boundary.npz
(`pipeline.modelfile`); `clf` arguments take any fitted model with a
scikit-learn `predict_proba` (column 1: a report starts here).
"""
from __future__ import annotations

import functools
import logging

from pipeline.split.features import FEATURES, SegmentFeatures
from pipeline.layout.blocks import Block

log = logging.getLogger(__name__)
THRESHOLD = 0.5
MIN_GAP = 3  # a report is at least this many content lines...
MIN_CHARS = 80  # ...or one long paragraph of at least this many characters


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


def detect(blocks: list[Block], clf=None) -> list[int]:
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
    probs = clf.predict_proba([seg.vector(i) for i in cand])[:, 1]
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
def model():
    """The saved boundary model; trained in memory (with a warning) when it was saved
    for another feature set."""
    from pipeline.modelfile import default_model

    clf = default_model("boundary")
    if clf.feature_names_ == list(FEATURES):
        return clf
    log.warning("the saved boundary model has other features; training one in memory")
    from pipeline.training import fit_model
    return fit_model("boundary").scorer()
