"""Cross-validated split figures on the real tune files (../shared, r001-r110): the
boundary classifier of each fold is trained WITHOUT the real rows of that fold's
files (GroupKFold by file), then the split stage runs on those files with it. The
baseline trains on no real rows at all.

    PYTHONPATH=. .venv/bin/python corpora/annotations/cv_real_boundaries.py
"""
from __future__ import annotations

import json
from pathlib import Path

from make_real_boundary_rows import SHARED, TUNE

FOLDS = 5


def main() -> None:
    from pipeline.split import split_reports
    from pipeline.split.training import make_doc, real_rows, train_boundary

    corpus, gold = SHARED / "corpus" / "real", SHARED / "gold" / "real"
    files = [p for p in sorted(corpus.glob("*.txt")) if TUNE.match(p.name) and (gold / (p.stem + ".json")).exists()]
    all_real = {g for g, _, _ in real_rows()}
    tally = {"cv": [0, 0, 0], "no_real_rows": [0, 0, 0]}
    base, _ = train_boundary(exclude=all_real)
    for k in range(FOLDS):
        fold = files[k::FOLDS]
        clf, _ = train_boundary(exclude={"real/" + p.name for p in fold})
        for p in fold:
            g = {r["start_line"] for r in json.loads((gold / (p.stem + ".json")).read_text(encoding="utf-8"))["reports"]}
            doc = make_doc(p.read_text(encoding="utf-8"), p.name)
            for key, model in (("cv", clf), ("no_real_rows", base)):
                pred = {r.start_line for r in split_reports(doc, model)}
                t = tally[key]
                t[0] += len(pred & g)
                t[1] += len(pred)
                t[2] += len(g)
    for key, (tp, npred, ngold) in tally.items():
        p, r = tp / npred, tp / ngold
        print(f"{key:14s} P {p:.3f} R {r:.3f} F1 {2 * p * r / (p + r):.3f}  ({tp}/{npred} pred, {ngold} gold, {len(files)} files)")


if __name__ == "__main__":
    main()
