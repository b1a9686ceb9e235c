"""Saved models: the weights file (.npz) reproduces the fitted scikit-learn model
exactly, and a worker runs the whole pipeline without importing scikit-learn."""
from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pytest

from pipeline.extract.metric_model import metric_features
from pipeline.modelfile import LinearScorer, load_model, save_model, weights_path
from pipeline.split.features import FEATURES
from pipeline.training import fit_model
from pipeline.training.boundary import estimator as boundary_estimator
from tests.test_metric_model import contexts_of


def _roundtrip(model, tmp_path, name):
    path = tmp_path / f"{name}.joblib"
    save_model(model, path)
    assert path.exists() and weights_path(path).exists()
    loaded = load_model(path)
    assert isinstance(loaded, LinearScorer)  # built from the weights, not unpickled
    return loaded


def test_boundary_weights_reproduce_sklearn(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.random((60, len(FEATURES)))
    y = (X[:, 1] + 0.2 * X[:, 3] > 0.6).astype(int)
    clf = boundary_estimator().fit(X, y)
    loaded = _roundtrip(clf, tmp_path, "boundary")
    assert np.allclose(loaded.predict_proba(X), clf.predict_proba_sklearn(X), atol=1e-12)
    assert loaded.classes_ == [0, 1] and loaded.feature_names_ == list(FEATURES)
    # the strongest feature of the rule that made the labels
    weights = loaded.feature_weights()
    assert max(weights, key=weights.get) == FEATURES[1]


def test_section_weights_reproduce_sklearn(tmp_path):
    clf = fit_model("sections", with_real=False)
    loaded = _roundtrip(clf, tmp_path, "sections")
    probe = ["（三）加强经费审查监督", "二、丰富职工文体生活", "存在的不足", "ＡＢＣ职工书屋建设", ""]
    assert abs(loaded.predict_proba(probe) - clf.predict_proba_sklearn(probe)).max() < 1e-9
    assert loaded.predict(probe) == [str(c) for c in clf.pipeline_.predict(probe)]


def test_count_metric_weights_reproduce_sklearn(tmp_path):
    model = fit_model("count_metric", with_real=False)
    loaded = _roundtrip(model, tmp_path, "count_metric")
    mcs = contexts_of("全年慰问困难职工86人，新发展会员1200名，组建工会组织15家，培训职工300人次。")
    assert len(mcs) >= 3
    expected = model.predict_proba_sklearn(mcs)
    assert np.allclose(loaded.predict_proba(mcs), expected, atol=1e-9)
    assert np.allclose(loaded.proba_one(mcs[0]), expected[0], atol=1e-9)
    assert loaded.predict(mcs) == [str(x) for x in model.pipeline_.predict(mcs)]
    assert set(metric_features(mcs[0])) & set(loaded.feature_names_)


def test_weights_files_are_byte_identical_for_the_same_model(tmp_path):
    X = np.random.default_rng(4).random((40, len(FEATURES)))
    clf = boundary_estimator().fit(X, (X[:, 2] > 0.5).astype(int))
    save_model(clf, tmp_path / "a.joblib", pickle=False)
    save_model(boundary_estimator().fit(X, (X[:, 2] > 0.5).astype(int)), tmp_path / "b.joblib",
               pickle=False)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert not (tmp_path / "a.joblib").exists()


def test_unreadable_weights_fall_back_to_the_pickle(tmp_path, caplog):
    X = np.random.default_rng(2).random((30, len(FEATURES)))
    clf = boundary_estimator().fit(X, (X[:, 0] > 0.5).astype(int))
    path = tmp_path / "boundary.joblib"
    save_model(clf, path)
    weights_path(path).write_bytes(b"not an npz")
    with caplog.at_level(logging.WARNING, logger="pipeline.modelfile"):
        loaded = load_model(path)
    assert "cannot load" in caplog.text and "boundary.npz" in caplog.text
    assert np.allclose(loaded.predict_proba(X), clf.predict_proba_sklearn(X))


def test_nothing_saved_gives_none(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="pipeline.modelfile"):
        assert load_model(tmp_path / "absent.joblib") is None
    assert "missing" in caplog.text


def test_unknown_kind_is_refused():
    arrays = {"kind": np.array("forest"), "features": np.array(["a"]), "classes": np.array([0, 1]),
              "coef": np.zeros((1, 2)), "intercept": np.zeros(2)}
    with pytest.raises(ValueError, match="unknown model kind"):
        LinearScorer(arrays)


def test_a_worker_runs_the_pipeline_without_scikit_learn():
    # start-up cost: importing sklearn and unpickling its objects took ~2 s per worker
    code = ("import sys; from pipeline.run.work import warm_worker; warm_worker(); "
            "print(sorted(m for m in ('sklearn', 'joblib', 'scipy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr[-2000:]


def test_binary_proba_is_the_two_class_softmax(tmp_path):
    """The org models' plain-Python path gives the probabilities of the arrays' path."""
    from pipeline.training.org_rank import estimator as org_rank_estimator

    rng = np.random.default_rng(3)
    X = [{f"f{j}": float(rng.integers(0, 3)) for j in rng.choice(12, 4, replace=False)}
         for _ in range(80)]
    y = [int(x.get("f1", 0) + x.get("f5", 0) > 1) for x in X]
    loaded = _roundtrip(org_rank_estimator().fit(X, y), tmp_path, "org_rank")
    k = loaded.classes_.index(1)
    for x in X[:20] + [{}, {"unseen": 1.0}]:
        assert loaded.binary_proba(x) == pytest.approx(loaded.proba_one(x)[k], abs=1e-12)
        assert loaded.binary_proba(x, 0) == pytest.approx(loaded.proba_one(x)[1 - k], abs=1e-12)
    with pytest.raises(ValueError):
        _roundtrip(fit_model("count_metric", with_real=False), tmp_path, "cm").binary_proba({})
