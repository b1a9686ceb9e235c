"""Saved learned models and the scorer the pipeline runs them with.

Every learned model of the project is one `pipeline.training.estimator.LinearClassifier`
(a featurisation step + logistic regression). `save_model` writes two files side
by side:
- `NAME.npz`: the inference weights as plain arrays (`export_arrays`): feature
  names, one weight column per class, intercepts, classes and what the
  featurisation needs (idf, n-gram range, the feature function's import path);
  written deterministically (fixed zip timestamps, sorted members), so the same
  training data gives the same bytes and a committed model file stays clean;
- `NAME.joblib`: the fitted estimator itself, for inspection and re-fitting
  (git-ignored; never needed at run time).

At run time `default_model(NAME)` reads the `.npz` into a `LinearScorer`, so a
worker starts without importing scikit-learn or unpickling its objects (about
2 s per process, more than the work on a typical file). The scorer evaluates
the same featurisation and a softmax on numpy arrays: scikit-learn's per-call
validation costs more than the arithmetic for the few rows one file needs.
Files are written under temporary names and renamed: a worker loading a model
while `ghminer train` runs sees the old files or the new ones, never half a file.

`GHMINER_MODEL_DIR` points the loader at another folder (the cross-validation
runs the pipeline with models trained without the files it scores).
"""
from __future__ import annotations

import functools
import importlib
import io
import logging
import math
import os
import zipfile
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

log = logging.getLogger(__name__)
PACKAGE_MODELS = Path(__file__).resolve().parent / "models"
MODEL_DIR_ENV = "GHMINER_MODEL_DIR"


def models_dir() -> Path:
    return Path(os.environ.get(MODEL_DIR_ENV) or PACKAGE_MODELS)


def weights_path(path: Path) -> Path:
    return Path(path).with_suffix(".npz")


def map_items(items: Iterable, func: Callable) -> list:
    """`func` over each item: the body of the FunctionTransformer that featurises
    inputs for a DictVectorizer (module-level, so the step pickles)."""
    return [func(x) for x in items]


def function_path(func: Callable) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def import_function(path: str) -> Callable:
    module, name = path.split(":")
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


# ------------------------------------------------------------------ scoring

class LinearScorer:
    """predict / predict_proba of a saved linear model from its arrays alone.

    `kind` says how an input becomes feature values:
    - "dense": a numeric row, in the order of `feature_names_` (scaling is
      folded into the weights at export);
    - "dict": `featurizer(x)` gives {feature name: value};
    - "char_tfidf": character n-grams of a text, sublinear tf x idf, l2-normed
      (what scikit-learn's TfidfVectorizer(analyzer="char") computes).
    Scores are `values @ coef + intercept` with one column per class, then a
    softmax (a binary model is exported as two columns whose softmax is its
    sigmoid)."""

    def __init__(self, arrays: dict):
        self.kind = str(arrays["kind"])
        self.feature_names_ = [str(f) for f in arrays["features"]]
        self.classes_ = [_label(c) for c in arrays["classes"]]
        self.coef_ = np.ascontiguousarray(np.asarray(arrays["coef"], dtype=float))  # (features, classes)
        self.intercept_ = np.asarray(arrays["intercept"], dtype=float)
        self.vocabulary_ = {f: j for j, f in enumerate(self.feature_names_)}
        self.featurizer = None
        self._binary = None  # (bias, {feature: weight}) of `binary_proba`, made on first use
        if self.kind == "dict":
            self.featurizer = import_function(str(arrays["featurizer"]))
        elif self.kind == "char_tfidf":
            self.idf_ = np.asarray(arrays["idf"], dtype=float)
            self.ngram_range = tuple(int(n) for n in arrays["ngram_range"])
            self.lowercase = bool(arrays["lowercase"])
        elif self.kind != "dense":
            raise ValueError(f"unknown model kind {self.kind!r}")

    def _scores_one(self, x) -> np.ndarray:
        if self.kind == "dict":
            get = self.vocabulary_.get
            idx, val = [], []
            binary = True
            for name, v in self.featurizer(x).items():
                j = get(name)
                if j is not None:
                    idx.append(j)
                    val.append(v)
                    binary = binary and v == 1.0
            if not idx:
                return self.intercept_.copy()
            if binary:  # binary features: a sum of weight rows
                return self.intercept_ + self.coef_[idx].sum(axis=0)
            return self.intercept_ + np.asarray(val) @ self.coef_[idx]
        if self.kind == "char_tfidf":
            counts = self._char_counts(x)
            if not counts:
                return self.intercept_.copy()
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            val = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=float,
                              count=len(counts))
            val *= self.idf_[idx]
            val /= np.sqrt((val * val).sum()) or 1.0
            return self.intercept_ + val @ self.coef_[idx]
        return self.intercept_ + np.asarray(x, dtype=float) @ self.coef_

    def _char_counts(self, text: str) -> dict[int, int]:
        t = text.lower() if self.lowercase else text
        t = " ".join(t.split())  # TfidfVectorizer's char analyzer collapses white space
        lo, hi = self.ngram_range
        counts: dict[int, int] = {}
        vocab = self.vocabulary_
        for n in range(lo, hi + 1):
            for k in range(len(t) - n + 1):
                j = vocab.get(t[k:k + n])
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
        return counts

    def proba_one(self, x) -> np.ndarray:
        """Class probabilities of one input (the fast path for one count or heading)."""
        s = self._scores_one(x)
        e = np.exp(s - s.max())
        return e / e.sum()

    def binary_proba(self, x, cls=1) -> float:
        """P(`cls`) of one input to a two-class "dict" model, in plain Python: the
        softmax of two columns is the sigmoid of their difference, and a dozen small
        array operations per call cost more than the sum (the org ranker and the
        org-type model ask a dozen times a report)."""
        if self._binary is None:  # the scores of classes_[1] less those of classes_[0]
            if self.kind != "dict" or len(self.classes_) != 2:
                raise ValueError("binary_proba needs a two-class dict model")
            w = self.coef_[:, 1] - self.coef_[:, 0]
            self._binary = (float(self.intercept_[1] - self.intercept_[0]),
                            dict(zip(self.feature_names_, w.tolist())))
        s, weights = self._binary
        get = weights.get
        for name, v in self.featurizer(x).items():
            w = get(name)
            if w is not None:
                s += w * v
        if self.classes_.index(cls) == 0:
            s = -s
        return 1.0 / (1.0 + math.exp(-s)) if s > -700 else 0.0

    def predict_proba(self, X: Sequence) -> np.ndarray:
        if self.kind == "dense":
            X = np.asarray(X, dtype=float)
            if len(X) == 0:
                return np.zeros((0, len(self.classes_)))
            s = X @ self.coef_ + self.intercept_
            s -= s.max(axis=1, keepdims=True)
            e = np.exp(s)
            return e / e.sum(axis=1, keepdims=True)
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        return np.vstack([self.proba_one(x) for x in X])

    def predict(self, X: Sequence) -> list:
        return [self.classes_[int(k)] for k in self.predict_proba(X).argmax(axis=1)] if len(X) else []

    def feature_weights(self, cls=None) -> dict[str, float]:
        """Weight of each feature towards class `cls` (default: the last class,
        the positive one of a binary model), relative to the other classes' mean."""
        k = self.classes_.index(cls) if cls is not None else len(self.classes_) - 1
        w = self.coef_[:, k] - np.delete(self.coef_, k, axis=1).mean(axis=1)
        return dict(zip(self.feature_names_, map(float, w)))


def _label(c):
    """Class labels come back from npz as numpy scalars: plain str/int again."""
    c = c.item() if hasattr(c, "item") else c
    return c


# ------------------------------------------------------------------ files

def _write_npz(path: Path, arrays: dict) -> None:
    """np.savez with fixed member timestamps and order: same arrays, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asanyarray(arrays[name]), allow_pickle=False)
            zf.writestr(info, member.getvalue())
    path.write_bytes(buf.getvalue())


def _replace_atomically(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_model(model, path: Path, pickle: bool = True) -> None:
    """Write a fitted estimator's weights to `path` (.npz) and, with `pickle`, the
    estimator beside it (.joblib)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = model.to_arrays()
    # weights first: load_model prefers them, so a reader sees the new model at once
    _replace_atomically(weights_path(path), lambda tmp: _write_npz(tmp, arrays))
    if pickle:
        import joblib
        _replace_atomically(path.with_suffix(".joblib"), lambda tmp: joblib.dump(model, tmp))


def load_model(path: Path) -> LinearScorer | None:
    """The scorer of the model saved at `path` (.npz, no scikit-learn import), else
    of the pickled estimator (.joblib); None when neither loads."""
    path = Path(path)
    wpath = weights_path(path)
    if wpath.exists():
        try:
            with np.load(wpath, allow_pickle=False) as arrays:
                return LinearScorer({k: arrays[k] for k in arrays.files})
        except Exception as e:  # stale or foreign file: try the pickle
            log.warning("cannot load %s (%s); trying %s", wpath, e, path.with_suffix(".joblib").name)
    jpath = path.with_suffix(".joblib")
    if jpath.exists():
        try:
            import joblib
            return joblib.load(jpath).scorer()
        except Exception as e:  # stale or incompatible file: the caller retrains
            log.warning("cannot load %s (%s)", jpath, e)
    else:
        log.warning("%s missing", wpath)
    return None


@functools.cache
def default_model(name: str) -> LinearScorer:
    """The saved model NAME (`models_dir()/NAME.npz`), once per process; when it is
    missing or unreadable, trained in memory from the repo data with a warning."""
    scorer = load_model(models_dir() / f"{name}.npz")
    if scorer is not None:
        return scorer
    log.warning("training the %s model in memory (run `ghminer train`)", name)
    from pipeline.training import fit_model

    return fit_model(name).scorer()
