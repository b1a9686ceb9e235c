"""Saved models: the weights file (.npz) reproduces the fitted scikit-learn model
exactly, and a worker runs the whole pipeline without importing scikit-learn."""
from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pytest

from pipeline.extract.metric_model import fit_model, load_files, metric_features
from pipeline.modelfile import load_model, save_model, weights_path
from pipeline.split.boundary import BoundaryClassifier
from pipeline.split.features import FEATURES
from pipeline.structure.classifier import SectionClassifier, load_examples
from tests.test_metric_model import contexts_of


def _roundtrip(model, tmp_path, name):
    path = tmp_path / f"{name}.joblib"
    save_model(model, path)
    assert path.exists() and weights_path(path).exists()
    loaded = load_model(type(model), path)
    assert loaded.model is None  # built from the weights, not unpickled
    return loaded


def test_boundary_weights_reproduce_sklearn(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.random((60, len(FEATURES)))
    y = (X[:, 1] + 0.2 * X[:, 3] > 0.6).astype(int)
    clf = BoundaryClassifier().fit(X, y)
    loaded = _roundtrip(clf, tmp_path, "boundary")
    assert np.allclose(loaded.predict_proba(X), clf.model.predict_proba(X)[:, 1], atol=1e-12)
    assert loaded.weights() == clf.weights()


def test_section_weights_reproduce_sklearn(tmp_path):
    texts, labels, _ = load_examples()
    clf = SectionClassifier().fit(texts, labels)
    loaded = _roundtrip(clf, tmp_path, "sections")
    probe = ["（三）加强经费审查监督", "二、丰富职工文体生活", "存在的不足", "ＡＢＣ职工书屋建设", ""]
    expected = clf.model.predict_proba(probe)
    assert abs(loaded._fast_proba(probe) - expected).max() < 1e-9
    assert loaded.predict(probe) == clf.predict(probe)


def test_count_metric_weights_reproduce_sklearn(tmp_path):
    model = fit_model(load_files()[:6])
    loaded = _roundtrip(model, tmp_path, "count_metric")
    mcs = contexts_of("全年慰问困难职工86人，新发展会员1200名，组建工会组织15家，培训职工300人次。")
    assert len(mcs) >= 3
    features = [metric_features(c) for c in mcs]
    assert np.allclose(loaded.predict_proba(mcs), model.model.predict_proba(features), atol=1e-9)
    assert loaded.classes_ == model.classes_
    assert loaded.predict(mcs) == [str(x) for x in model.model.predict(features)]


def test_unreadable_weights_fall_back_to_the_pickle(tmp_path, caplog):
    X = np.random.default_rng(2).random((30, len(FEATURES)))
    clf = BoundaryClassifier().fit(X, (X[:, 0] > 0.5).astype(int))
    path = tmp_path / "boundary.joblib"
    save_model(clf, path)
    weights_path(path).write_bytes(b"not an npz")
    with caplog.at_level(logging.WARNING, logger="pipeline.modelfile"):
        loaded = load_model(BoundaryClassifier, path)
    assert "cannot load" in caplog.text and "boundary.npz" in caplog.text
    assert loaded.model is not None  # unpickled
    assert np.allclose(loaded.predict_proba(X), clf.predict_proba(X))


def test_weights_of_another_feature_set_are_refused(tmp_path):
    X = np.random.default_rng(3).random((30, len(FEATURES)))
    clf = BoundaryClassifier().fit(X, (X[:, 0] > 0.5).astype(int))
    arrays = clf.to_arrays()
    arrays["features"] = arrays["features"][::-1]
    with pytest.raises(ValueError, match="another feature set"):
        BoundaryClassifier.from_arrays(arrays)


def test_nothing_saved_gives_none(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="pipeline.modelfile"):
        assert load_model(BoundaryClassifier, tmp_path / "absent.joblib") is None
    assert "missing" in caplog.text


def test_a_worker_runs_the_pipeline_without_scikit_learn():
    # start-up cost: importing sklearn and unpickling its objects took ~2 s per worker
    code = ("import sys; from pipeline.run.work import warm_worker; warm_worker(); "
            "print(sorted(m for m in ('sklearn', 'joblib', 'scipy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr[-2000:]
