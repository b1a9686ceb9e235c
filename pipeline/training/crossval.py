"""End-to-end estimate on the shared real reports that no learned model has seen.

For each of `--folds` folds of the real files (GroupKFold, one group per file),
every learned model is trained without that fold's files (repo data + the other
real files), the whole pipeline runs on the fold's files with those models
(`ghminer run --no-report --no-cache` with GHMINER_MODEL_DIR set), and the
folds' reports are written together to OUT/reports.jsonl, sorted like a run's:

    python -m pipeline.training.crossval --folds 10 --out DIR
    python ../shared/eval/score.py --pred DIR/reports.jsonl --gold ../shared/gold/real

Folds run their pipelines in `--jobs` processes (default 2) while the next
folds train. A few minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipeline.training import MODELS, fit_model
from pipeline.training.sources import real_gold


def folds_of(files: list[Path], n_folds: int) -> list[list[Path]]:
    from sklearn.model_selection import GroupKFold

    names = [p.stem for p in files]
    cv = GroupKFold(n_splits=min(n_folds, len(files)))
    return [sorted(files[i] for i in test) for _, test in cv.split(names, groups=names)]


def _run_fold(texts: list[Path], model_dir: Path, work: Path) -> subprocess.Popen:
    inp = work / "input"
    inp.mkdir(parents=True)
    for p in texts:  # a copy (the run refuses links out of its input); removed after the run
        shutil.copyfile(p, inp / p.name)
    env = dict(os.environ, GHMINER_MODEL_DIR=str(model_dir))
    cmd = [sys.executable, "-c", "from pipeline.cli import main; main()", "run", str(inp),
           "--out", str(work / "run"), "--no-report", "--no-cache", "--workers", "0"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(work / "log", "w"))


def crossval(out: Path, n_folds: int = 10, jobs: int = 2) -> Path:
    from pipeline.modelfile import save_model

    real = real_gold()
    if real is None:
        raise SystemExit("no shared real gold (../shared or GHMINER_SHARED)")
    _, gold_dir, text_dir = real
    files = sorted(text_dir / f"{g.stem}.txt" for g in gold_dir.glob("*.json")
                   if (text_dir / f"{g.stem}.txt").exists())
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    running: list[tuple[int, subprocess.Popen]] = []
    t0 = time.perf_counter()

    def wait_for(limit: int) -> None:
        while len(running) > limit:
            k, proc = running.pop(0)
            if proc.wait() != 0:
                raise SystemExit(f"fold {k}: the pipeline failed (see {out}/fold{k}/log)")
            shutil.rmtree(out / f"fold{k}" / "input")

    for k, fold in enumerate(folds_of(files, n_folds)):
        held = frozenset(f"real/{p.stem}" for p in fold)
        model_dir = out / f"fold{k}" / "models"
        for name in MODELS:
            save_model(fit_model(name, held, with_real=True), model_dir / f"{name}.joblib",
                       pickle=False)
        (out / f"fold{k}" / "files.txt").write_text("".join(p.name + "\n" for p in fold))
        wait_for(jobs - 1)
        running.append((k, _run_fold(fold, model_dir, out / f"fold{k}")))
        print(f"fold {k}: {len(fold)} files, trained ({time.perf_counter() - t0:.0f} s)",
              file=sys.stderr)
    wait_for(0)
    rows = []
    for run in sorted(out.glob("fold*/run/reports.jsonl")):
        rows += [json.loads(line) for line in run.read_text(encoding="utf-8").splitlines() if line]
    rows.sort(key=lambda r: (r.get("source") or "", r.get("report_index") or 0))
    dest = out / "reports.jsonl"
    dest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} reports of {len(files)} files -> {dest} ({time.perf_counter() - t0:.0f} s)",
          file=sys.stderr)
    return dest


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--jobs", type=int, default=2, help="fold pipelines run at once")
    args = ap.parse_args(argv)
    crossval(args.out, args.folds, args.jobs)


if __name__ == "__main__":
    main()
