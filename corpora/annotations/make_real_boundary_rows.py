"""Write real_boundary_rows.jsonl: the boundary classifier's feature rows of the real
reports of the tune set (../shared/corpus/real r001-r110, gold ../shared/gold/real),
labelled by the gold report starts. Only numbers are stored (feature vectors and
labels per file), no text. Real files hold single reports whose paragraphs open
like a new report (今年以来, 2020年,该公司工会…), the negatives the synthetic
run-together texts lack. The held-out files r111-r146 are left out, so their
score stays an out-of-sample figure.

Re-run after changing the features or the segmentation (`ghminer train` skips the
rows, with a warning, when they were written for another feature set):

    PYTHONPATH=. .venv/bin/python corpora/annotations/make_real_boundary_rows.py
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared"
TUNE = re.compile(r"^r(?:0\d\d|10\d|110)\.txt$")


def rows_of(text: str, source: str, starts: set[int]) -> tuple[list[list[float]], list[int]]:
    from pipeline.split import segments
    from pipeline.split.boundary import segment_examples
    from pipeline.split.training import make_doc

    X: list[list[float]] = []
    y: list[int] = []
    for seg in segments(make_doc(text, source)):
        body = seg.blocks[1:] if seg.titled else seg.blocks
        if body:
            xs, ys = segment_examples(body, starts - {body[0].line})
            X += xs
            y += ys
    return X, y


def main(shared: Path = SHARED) -> None:
    from pipeline.split.features import FEATURES

    corpus, gold = shared / "corpus" / "real", shared / "gold" / "real"
    if not corpus.is_dir():
        sys.exit(f"no real corpus at {corpus}")
    out = []
    for p in sorted(corpus.glob("*.txt")):
        g = gold / (p.stem + ".json")
        if not TUNE.match(p.name) or not g.exists():
            continue
        starts = {r["start_line"] for r in json.loads(g.read_text(encoding="utf-8"))["reports"]}
        X, y = rows_of(p.read_text(encoding="utf-8"), p.name, starts)
        out.append({"source": "real/" + p.name, "X": [[round(v, 4) for v in x] for x in X], "y": y})
    header = {"features": list(FEATURES)}
    (HERE / "real_boundary_rows.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [header] + out), encoding="utf-8")
    print(f"{len(out)} files, {sum(len(r['y']) for r in out)} rows, {sum(sum(r['y']) for r in out)} positives")


if __name__ == "__main__":
    main()
