"""Training of every learned model of the project (never imported by the pipeline at
run time, except to train a model whose saved file is missing).

Models (one `estimator.LinearClassifier` each; data modules alongside):
- `boundary`: does an untitled report start at this line (`boundary.py`);
- `sections`: heading text -> section label (`sections.py`);
- `count_metric`: a count's context -> its metric (`metrics.py`).
- `org_rank`: which of the rules' candidates is the reporting unit (`org_rank.py`);
- `org_type`: the reporting unit's type (`org_type.py`).

`train_all()` (`ghminer train`) fits each on the repo data plus the shared real
gold when it is present (`sources.py`), saves it to pipeline/models/NAME.npz
(+ .joblib) and records what it was trained on in pipeline/models/trained_on.json.
The .npz files and trained_on.json are committed: on a machine without the
shared gold, a committed model that was trained with it is kept as it is (not
retrained from less data), so every machine runs the same models. Training is
deterministic (sorted inputs, fixed seeds, one BLAS thread, fixed zip
timestamps), so re-training on the same data leaves the files unchanged.
Cross-validated figures are by file (GroupKFold over file groups).
"""
from __future__ import annotations

import importlib
import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)
# (the org models come before count_metric, whose training runs the structure stage)
MODELS = {"boundary": "boundary", "sections": "sections", "org_rank": "org_rank",
          "org_type": "org_type", "count_metric": "metrics"}
MANIFEST = "trained_on.json"


def data_module(name: str):
    return importlib.import_module(f"pipeline.training.{MODELS[name]}")


def fit_model(name: str, exclude=frozenset(), with_real: bool | None = None):
    """Model NAME fitted on every training file but the groups in `exclude`."""
    from pipeline.training.sources import real_gold

    if with_real is None:
        with_real = real_gold() is not None
    return data_module(name).fit(frozenset(exclude), with_real)[0]


def _real_fingerprint() -> str | None:
    from pipeline.training.sources import fingerprint, real_gold

    real = real_gold()
    return fingerprint(sorted(real[1].glob("*.json"))) if real else None


def _keep_committed(name: str, out: Path, manifest: dict) -> bool:
    """The saved model was trained with shared real gold this machine lacks: keep it
    (when it loads and fits the current features)."""
    from pipeline.modelfile import load_model

    if "real" not in manifest.get(name, {}).get("data", []):
        return False
    scorer = load_model(out / f"{name}.npz")
    if scorer is None:
        return False
    if name == "boundary":
        from pipeline.split.features import FEATURES
        if scorer.feature_names_ != list(FEATURES):
            log.warning("the committed boundary model has other features: retraining it "
                        "without the shared real gold")
            return False
    return True


def _group_folds(groups: list[str], n_folds: int) -> list[set[str]]:
    from sklearn.model_selection import GroupKFold

    groups = sorted(set(groups))
    k = min(n_folds, len(groups))
    return [{groups[i] for i in test} for _, test in GroupKFold(n_splits=k).split(groups, groups=groups)]


def cross_validate(name: str, with_real: bool, n_folds: int = 10) -> dict:
    mod = data_module(name)
    if name == "boundary":
        groups = [a.group for a in mod.annotated_texts(with_real)]
        return mod.cross_validate(_group_folds(groups, n_folds), with_real)
    return mod.cross_validate(n_folds, with_real)


def train_all(out_dir: Path | None = None, cross_validated: bool = True, n_folds: int = 10) -> dict:
    """Fit, save and (with `cross_validated`) cross-validate every model; returns
    their figures."""
    from pipeline.modelfile import PACKAGE_MODELS, save_model
    from pipeline.training.sources import real_gold

    out = Path(out_dir) if out_dir else PACKAGE_MODELS
    out.mkdir(parents=True, exist_ok=True)
    with_real = real_gold() is not None
    mpath = out / MANIFEST
    manifest = json.loads(mpath.read_text(encoding="utf-8")) if mpath.exists() else {}
    metrics: dict = {}
    for name in MODELS:
        if not with_real and _keep_committed(name, out, manifest):
            metrics[name] = {"kept": f"{name}.npz was trained with the shared real gold "
                                     "(absent here): kept as committed"}
            continue
        model, m = data_module(name).fit(frozenset(), with_real)
        save_model(model, out / f"{name}.joblib")
        manifest[name] = {"data": ["repo", "real"] if with_real else ["repo"],
                          "real_gold": _real_fingerprint() if with_real else None,
                          **{k: v for k, v in m.items()}}
        if name == "boundary":
            m["weights"] = {k: round(v, 3) for k, v in model.scorer().feature_weights().items()}
        if cross_validated:
            m.update(cross_validate(name, with_real, n_folds))
        metrics[name] = m
    mpath.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                     encoding="utf-8")
    return metrics
