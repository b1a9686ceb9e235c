"""SectionClassifier: heading/paragraph-lead text -> canonical section label.

Used only for headings the cue vocabulary does not settle. The model is a
linear classifier over the text's character 1-3-gram TF-IDF (robust to jieba's
segmentation of short headings), trained by `pipeline.training.sections`; at
run time it is the scorer of pipeline/models/sections.npz (`pipeline.modelfile`).
This wrapper adds what the structure stage asks of it: labels with their
probability, "none" as None, and a memo (headings recur across template reports).
"""
from __future__ import annotations

import functools

NONE = "none"
MEMO_SIZE = 50000


class SectionClassifier:
    """`model`: a fitted model with `classes_` and `predict_proba` over texts (the saved
    scorer, or a `pipeline.training.estimator.LinearClassifier`)."""

    def __init__(self, model):
        self.model = model
        self._memo: dict[str, object] = {}

    def _proba(self, text: str):
        row = self._memo.get(text)
        if row is None:
            if len(self._memo) > MEMO_SIZE:
                self._memo.clear()
            row = self._memo[text] = self.model.predict_proba([text])[0]
        return row

    def predict_with_proba(self, texts: list[str]) -> list[tuple[str | None, float]]:
        classes = list(self.model.classes_)
        out = []
        for t in texts:
            row = self._proba(t)
            k = int(row.argmax())
            lab = str(classes[k])
            out.append((None if lab == NONE else lab, float(row[k])))
        return out

    def predict(self, texts: list[str]) -> list[str | None]:
        return [lab for lab, _ in self.predict_with_proba(texts)]

    def __getstate__(self):
        return {"model": self.model, "_memo": {}}


@functools.cache
def default_classifier() -> SectionClassifier:
    from pipeline.modelfile import default_model

    return SectionClassifier(default_model("sections"))
