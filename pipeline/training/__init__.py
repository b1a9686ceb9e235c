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
retrained from less data), so every machine runs the same models.
`train_all(corrections=(DIR, ...))` (`ghminer train --corrections DIR`) adds the
analyst's corrections folders (`corrections_data.py`) to every model's data and
records them in trained_on.json; without it the manifest and models are what
they were. Training is
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


def cross_validate(name: str, with_real: bool, n_folds: int = 10, corrections: tuple = ()) -> dict:
    mod = data_module(name)
    if name == "boundary":
        groups = [a.group for a in mod.annotated_texts(with_real, corrections)]
        return mod.cross_validate(_group_folds(groups, n_folds), with_real, corrections)
    return mod.cross_validate(n_folds, with_real, corrections)


def source_summary(with_real: bool, corrections: tuple = ()) -> list[str]:
    """One line per data source `train_all` reads (for `ghminer train`'s output)."""
    from pipeline.training.sources import REPO_GOLD, gold_file_pairs, real_gold, shared_dir

    lines = ["训练数据 repo：corpora/ 的标注文件 "
             + "、".join(f"{prefix} {len(gold_file_pairs(g, t))} 个" for prefix, g, t in REPO_GOLD)
             + "，另有边界标注与标题样例（corpora/annotations）"]
    real = real_gold()
    if with_real and real is not None:
        lines.append(f"训练数据 real：{real[1]} 的真实报告标注 {len(gold_file_pairs(real[1], real[2]))} 个"
                     f"（指纹 {_real_fingerprint()}）")
    else:
        base = shared_dir()
        lines.append("训练数据 real：没有（" + ("GHMINER_SHARED=none" if base is None else
                                              f"{base / 'gold' / 'real'} 不存在") + "）")
    if corrections:
        from pipeline.training.corrections_data import summary
        from pipeline.training.sources import load_corrections

        lines += [summary(f) for f in load_corrections(corrections).folders]
    return lines


def train_all(out_dir: Path | None = None, cross_validated: bool = True, n_folds: int = 10,
              corrections=(), echo=None) -> dict:
    """Fit, save and (with `cross_validated`) cross-validate every model, on the repo
    data, the shared real gold when present and the corrections folders `corrections`
    (oldest first); `echo` gets one line per data source. Returns the models' figures.
    Raises `corrections_data.CorrectionsDataError` (before any model is written) when a
    corrections folder cannot be trained on."""
    from pipeline.modelfile import PACKAGE_MODELS, save_model
    from pipeline.training.corrections_data import CorrectionsDataError, manifest_entry
    from pipeline.training.sources import load_corrections, real_gold

    out = Path(out_dir) if out_dir else PACKAGE_MODELS
    corrections = tuple(Path(c).resolve() for c in corrections)
    corr = load_corrections(corrections) if corrections else None  # checks every folder
    with_real = real_gold() is not None
    mpath = out / MANIFEST
    manifest = json.loads(mpath.read_text(encoding="utf-8")) if mpath.exists() else {}
    if corr is not None and not with_real:
        lost = [name for name in MODELS if _keep_committed(name, out, manifest)]
        if lost:
            raise CorrectionsDataError(
                f"{out} 里的模型（{'、'.join(lost)}）是用共享的真实报告标注训练的，本机没有这些标注："
                "只用仓库数据和更正重训会丢掉它们从真实报告学到的东西。请在有共享标注的机器上训练"
                "（GHMINER_SHARED 指向 shared 文件夹），或用 --out-dir 把新模型存到别的文件夹")
    for line in source_summary(with_real, corrections):
        (echo or log.info)(line)
    out.mkdir(parents=True, exist_ok=True)
    data = ["repo", "real"] if with_real else ["repo"]
    metrics: dict = {}
    for name in MODELS:
        if not with_real and _keep_committed(name, out, manifest):
            metrics[name] = {"kept": f"{name}.npz was trained with the shared real gold "
                                     "(absent here): kept as committed"}
            continue
        model, m = data_module(name).fit(frozenset(), with_real, corrections)
        save_model(model, out / f"{name}.joblib")
        manifest[name] = {"data": data + ["corrections"] if corr else data,
                          "real_gold": _real_fingerprint() if with_real else None,
                          **{k: v for k, v in m.items()}}
        if corr is not None:  # (absent otherwise: a manifest without corrections is unchanged)
            manifest[name]["corrections"] = [manifest_entry(f) for f in corr.folders]
        if name == "boundary":
            m["weights"] = {k: round(v, 3) for k, v in model.scorer().feature_weights().items()}
        if cross_validated:
            m.update(cross_validate(name, with_real, n_folds, corrections))
        metrics[name] = m
    mpath.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                     encoding="utf-8")
    return metrics
