"""Saved models: the fitted scikit-learn object and the weights the pipeline runs on.

`save_model` writes two files side by side:
- `NAME.joblib`: the fitted model object (scikit-learn `Pipeline` inside), for
  inspection, cross-validation and re-fitting;
- `NAME.npz`: its inference weights as plain numpy arrays (`model.to_arrays()`).

At run time `load_model` reads the `.npz` (`cls.from_arrays`), so a worker
process starts without importing scikit-learn or unpickling its objects (about
2 s per process, more than the work on a typical file). The `.joblib` is the
fallback when the `.npz` is missing or unreadable. Both are written under
temporary names and renamed: a worker loading a model while `ghminer train`
runs sees the old files or the new ones, never half a file.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def weights_path(path: Path) -> Path:
    return Path(path).with_suffix(".npz")


def _replace_atomically(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_model(model, path: Path) -> None:
    """Write `model` to `path` (.joblib) and its inference weights beside it (.npz)."""
    import joblib
    import numpy as np

    path = Path(path)

    def write_weights(tmp: Path) -> None:
        with open(tmp, "wb") as fh:  # a file handle: np.savez would append ".npz" to a name
            np.savez(fh, **model.to_arrays())

    # weights first: a reader never sees a new .joblib beside stale weights for long,
    # and load_model prefers the weights, which are then already the new ones
    _replace_atomically(weights_path(path), write_weights)
    _replace_atomically(path, lambda tmp: joblib.dump(model, tmp))


def load_model(cls, path: Path):
    """The model saved at `path`: from its weights (no scikit-learn import), else
    from the pickled object; None when neither loads (the caller trains one)."""
    import numpy as np

    path = Path(path)
    wpath = weights_path(path)
    if wpath.exists():
        try:
            with np.load(wpath, allow_pickle=False) as arrays:
                return cls.from_arrays({k: arrays[k] for k in arrays.files})
        except Exception as e:  # stale or foreign file: try the pickle
            log.warning("cannot load %s (%s); trying %s", wpath, e, path.name)
    if path.exists():
        try:
            import joblib
            return joblib.load(path)
        except Exception as e:  # stale or incompatible file: the caller retrains
            log.warning("cannot load %s (%s)", path, e)
    else:
        log.warning("%s missing", path)
    return None
