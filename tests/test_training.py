"""Training: the estimator behaves as a scikit-learn estimator, training is
deterministic, by-file folds never see the held-out file, committed models trained
with the shared real gold are kept where that gold is absent."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from pipeline.modelfile import PACKAGE_MODELS, load_model, save_model
from pipeline.split.features import FEATURES
from pipeline.training import MANIFEST, MODELS, fit_model, train_all
from pipeline.training import boundary as boundary_data
from pipeline.training import sections as section_data
from pipeline.training.crossval import folds_of
from pipeline.training.estimator import LinearClassifier
from pipeline.training.sources import real_gold


def test_estimator_clones_and_cross_validates_by_group():
    from sklearn.base import clone
    from sklearn.model_selection import GroupKFold, cross_val_predict

    rng = np.random.default_rng(5)
    X = rng.random((80, 4))
    y = (X[:, 0] + X[:, 2] > 1.0).astype(int)
    groups = [f"f{i % 8}" for i in range(80)]
    est = LinearClassifier(features="dense", C=2.0, class_weight="balanced")
    fresh = clone(est)
    assert fresh.get_params() == est.get_params()
    pred = cross_val_predict(est, X, y, groups=groups, cv=GroupKFold(n_splits=4))
    assert len(pred) == 80 and (np.asarray(pred) == y).mean() > 0.8


def test_char_estimator_learns_headings():
    texts = ["加强经费管理", "经费审查监督", "开展文体活动", "举办职工运动会", "经费收支审计", "组织文艺汇演"]
    labels = ["finance", "finance", "culture", "culture", "finance", "culture"]
    est = LinearClassifier(features="char", C=10.0).fit(texts, labels)
    assert est.predict(["工会经费审计", "职工文艺活动"]) == ["finance", "culture"]


def test_training_is_deterministic(tmp_path):
    for name in ("a", "b"):
        save_model(fit_model("boundary", with_real=False), tmp_path / f"{name}.joblib", pickle=False)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_a_fold_never_sees_the_held_out_file():
    seed = "000_e8873a1e66311f93.txt"
    _, _, groups, texts = boundary_data.training_data({seed}, with_real=False)
    _, _, all_groups, all_texts = boundary_data.training_data(frozenset(), with_real=False)
    assert not any(seed in g.split("+") for g in groups)
    assert any(seed in g.split("+") for g in all_groups) and texts < all_texts
    _, _, sgroups = section_data.training_data({"seeds/000_e8873a1e66311f93"}, with_real=False)
    assert "seeds/000_e8873a1e66311f93" not in sgroups and "invented" in sgroups


def test_folds_of_cover_every_file_once():
    files = [Path(f"r{i:03d}.txt") for i in range(1, 24)]
    folds = folds_of(files, 5)
    assert len(folds) == 5
    assert sorted(p for f in folds for p in f) == files


def test_committed_real_models_are_kept_without_the_shared_gold(tmp_path, monkeypatch):
    manifest = PACKAGE_MODELS / MANIFEST
    if not manifest.exists() or any("real" not in v.get("data", [])
                                    for v in json.loads(manifest.read_text()).values()):
        pytest.skip("the package models were not trained with the shared real gold")
    for name in MODELS:
        shutil.copy(PACKAGE_MODELS / f"{name}.npz", tmp_path)
    shutil.copy(manifest, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setenv("GHMINER_SHARED", "none")
    metrics = train_all(tmp_path, cross_validated=False)
    assert all("kept" in metrics[name] for name in MODELS)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_repo_only_model_is_retrained_without_the_shared_gold(tmp_path, monkeypatch):
    X = np.random.default_rng(6).random((30, len(FEATURES)))
    stale = boundary_data.estimator().fit(X, (X[:, 0] > 0.5).astype(int))
    save_model(stale, tmp_path / "boundary.joblib", pickle=False)
    (tmp_path / MANIFEST).write_text(json.dumps({"boundary": {"data": ["repo"]}}))
    monkeypatch.setenv("GHMINER_SHARED", "none")
    monkeypatch.setattr("pipeline.training.MODELS", {"boundary": "boundary"})
    metrics = train_all(tmp_path, cross_validated=False)
    assert "kept" not in metrics["boundary"] and metrics["boundary"]["examples"] > 500
    fresh = load_model(tmp_path / "boundary.npz")
    assert not np.allclose(fresh.coef_, stale.scorer().coef_)


@pytest.mark.skipif(real_gold() is None, reason="no shared real gold beside the repo")
def test_real_gold_feeds_every_model():
    _, _, groups = section_data.training_data()
    assert any(g.startswith("real/") for g in groups)
    _, _, bgroups, _ = boundary_data.training_data()
    assert any(g.startswith("real/") for g in bgroups)
    from pipeline.training import metrics

    files = metrics.load_files()
    real = [f for f in files if f.group.startswith("real/")]
    matched = sum(g is not None for f in real for g in f.gold)
    assert len(real) > 100 and matched > 300


def test_sample_weights_count_like_repeated_examples():
    rng = np.random.default_rng(7)
    X = rng.random((40, 3))
    y = (X[:, 0] > 0.4).astype(int)
    weighted = LinearClassifier(features="dense").fit(X, y, sample_weight=[2.0] * 10 + [1.0] * 30)
    repeated = LinearClassifier(features="dense").fit(np.vstack([X, X[:10]]), np.concatenate([y, y[:10]]))
    assert np.allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-4)
