"""Train every learned model of the project from data in the repo.

`train_all()` fits the split stage's boundary classifier and the structure
stage's section classifier on corpora/annotations (and the extract stage's
count-metric model through `pipeline.extract.metric_model`), saves them to
pipeline/models/ (`*.joblib` + `*.npz` weights, see `pipeline.modelfile`) and
returns their metrics (training size and leave-one-file-out figures).
"""
from __future__ import annotations

from pathlib import Path

from pipeline.modelfile import save_model

MODELS = Path(__file__).resolve().parent / "models"


def _lofo_sections() -> dict:
    from pipeline.structure.classifier import SectionClassifier, load_examples

    texts, labels, sources = load_examples()
    ok = n = 0
    for held in sorted(set(sources) - {"invented"}):
        clf = SectionClassifier.train(exclude={held})
        idx = [i for i, s in enumerate(sources) if s == held]
        pred = clf.predict([texts[i] for i in idx])
        ok += sum((p or "none") == labels[i] for p, i in zip(pred, idx))
        n += len(idx)
    return {"lofo_accuracy": round(ok / n, 4) if n else None, "lofo_examples": n}


def _lofo_boundaries() -> dict:
    from pipeline.split import split_reports
    from pipeline.split.training import load_annotated, train_boundary

    # counts per corpus (seeds / synthetic / invented) and overall
    tally: dict[str, list[int]] = {}
    for a in load_annotated():
        clf, _ = train_boundary(exclude={a.group})
        pred = {r.start_line for r in split_reports(a.doc, clf)}
        gold = set(a.starts)
        corpus = a.source.split("/")[0] if "/" in a.source else "seeds"
        for key in ("all", corpus):
            t = tally.setdefault(key, [0, 0, 0])
            t[0] += len(pred & gold)
            t[1] += len(pred)
            t[2] += len(gold)
    out = {}
    for key, (tp, npred, ngold) in tally.items():
        p = tp / npred if npred else 0.0
        r = tp / ngold if ngold else 0.0
        pre = "lofo_split" if key == "all" else f"lofo_split_{key}"
        out.update({f"{pre}_p": round(p, 4), f"{pre}_r": round(r, 4),
                    f"{pre}_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0})
    return out


def train_all(out_dir: Path | None = None, cross_validate: bool = True) -> dict:
    from pipeline.split.training import train_boundary
    from pipeline.structure.classifier import SectionClassifier, load_examples

    out = Path(out_dir) if out_dir else MODELS
    out.mkdir(parents=True, exist_ok=True)
    metrics: dict = {}
    boundary, m = train_boundary()
    save_model(boundary, out / "boundary.joblib")
    metrics["boundary"] = dict(m, weights={k: round(v, 3) for k, v in boundary.weights().items()})
    texts, labels, _ = load_examples()
    sections = SectionClassifier().fit(texts, labels)
    save_model(sections, out / "sections.joblib")
    metrics["sections"] = {"examples": len(texts), "labels": len(set(labels))}
    if cross_validate:
        metrics["boundary"].update(_lofo_boundaries())
        metrics["sections"].update(_lofo_sections())
    from pipeline.extract.metric_model import train_metric_model

    metrics["count_metric"] = train_metric_model(out / "count_metric.joblib", cross_validate)
    return metrics


if __name__ == "__main__":
    import json

    print(json.dumps(train_all(), ensure_ascii=False, indent=1))
