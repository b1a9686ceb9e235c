"""LinearClassifier: the one learned-model component of the project.

A scikit-learn estimator (`__init__` only stores hyper-parameters; `fit`,
`predict`, `predict_proba`, `classes_`; `sklearn.base.clone` and pickling work)
whose fitted model is a `Pipeline` of a featurisation step and a logistic
regression. The featurisation is one of three, chosen by `features`:
- "dense": numeric rows (`StandardScaler`), the boundary classifier;
- "char": a text's character n-grams (`TfidfVectorizer(analyzer="char")`), the
  section classifier;
- a function item -> {feature: value} (`FunctionTransformer` + `DictVectorizer`),
  the count-metric model (`metric_model.metric_features`).
`to_arrays()` exports what `pipeline.modelfile.LinearScorer` needs to give the
same probabilities without scikit-learn (the run-time path); `scorer()` is that
scorer for a fitted estimator.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from pipeline.modelfile import LinearScorer, function_path, map_items


class LinearClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, features: str | Callable = "dense", C: float = 1.0,
                 class_weight: str | None = None, max_iter: int = 1000, tol: float = 1e-4,
                 ngram_range: tuple[int, int] = (1, 3), feature_names: tuple[str, ...] | None = None):
        self.features = features
        self.feature_names = feature_names  # of "dense" columns (kept in the weights file)
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.ngram_range = ngram_range

    def _featurisation(self) -> list[tuple[str, object]]:
        if self.features == "dense":
            return [("scale", StandardScaler())]
        if self.features == "char":
            return [("tfidf", TfidfVectorizer(analyzer="char", ngram_range=tuple(self.ngram_range),
                                              sublinear_tf=True, min_df=1))]
        if callable(self.features):
            return [("features", FunctionTransformer(map_items, kw_args={"func": self.features})),
                    ("dv", DictVectorizer())]
        raise ValueError(f"features: 'dense', 'char' or a function, not {self.features!r}")

    def fit(self, X, y, sample_weight=None) -> "LinearClassifier":
        from threadpoolctl import threadpool_limits

        if self.features == "dense":
            X = np.asarray(X, dtype=float)
        lr = LogisticRegression(C=self.C, class_weight=self.class_weight,
                                max_iter=self.max_iter, tol=self.tol)
        self.pipeline_ = Pipeline(self._featurisation() + [("lr", lr)])
        # one BLAS thread: multi-threaded BLAS makes these small lbfgs fits many times
        # slower on a busy machine, and one thread keeps the weights reproducible
        fit_params = {}
        if sample_weight is not None:  # weighs the scaling's mean and variance too
            w = np.asarray(sample_weight, dtype=float)
            fit_params = {"lr__sample_weight": w, **({"scale__sample_weight": w}
                                                     if self.features == "dense" else {})}
        with threadpool_limits(limits=1):
            self.pipeline_.fit(X, list(y), **fit_params)
        self.classes_ = lr.classes_
        self.__dict__.pop("_scorer", None)
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.scorer().predict_proba(X)

    def predict(self, X) -> list:
        return self.scorer().predict(X)

    def predict_proba_sklearn(self, X) -> np.ndarray:
        """predict_proba through the scikit-learn pipeline itself (the reference the
        exported scorer must reproduce)."""
        if self.features == "dense":
            X = np.asarray(X, dtype=float)
        return self.pipeline_.predict_proba(X)

    def scorer(self) -> LinearScorer:
        s = self.__dict__.get("_scorer")
        if s is None:
            s = self._scorer = LinearScorer(self.to_arrays())
        return s

    def to_arrays(self) -> dict[str, np.ndarray]:
        steps = self.pipeline_.named_steps
        lr = steps["lr"]
        coef, intercept = lr.coef_.T.astype(float), lr.intercept_.astype(float)
        if coef.shape[1] == 1:  # binary: softmax over (-z/2, z/2) is sigmoid(z)
            coef = np.hstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        out: dict[str, np.ndarray] = {"classes": np.asarray(lr.classes_)}
        if self.features == "dense":
            sc = steps["scale"]
            # fold the scaling into the weights: ((x - m) / s) @ w = x @ (w / s) - (m / s) @ w
            coef = coef / sc.scale_[:, None]
            intercept = intercept - sc.mean_ @ coef
            names = list(self.feature_names or [f"x{j}" for j in range(len(sc.mean_))])
            out.update(kind=np.array("dense"), features=np.array(names))
        elif self.features == "char":
            tf = steps["tfidf"]
            names = sorted(tf.vocabulary_, key=tf.vocabulary_.get)
            out.update(kind=np.array("char_tfidf"), features=np.array(names), idf=tf.idf_,
                       ngram_range=np.array(tf.ngram_range), lowercase=np.array(tf.lowercase))
        else:
            names = list(steps["dv"].feature_names_)
            out.update(kind=np.array("dict"), features=np.array(names),
                       featurizer=np.array(function_path(self.features)))
        out.update(coef=coef, intercept=intercept)
        return out

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_scorer", None)
        return state
