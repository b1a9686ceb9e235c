"""Training data of the section classifier (structure stage).

- corpora/annotations/section_examples.jsonl: invented headings and the headings
  of the seed and synthetic reports (made by make_section_examples.py);
- when present, the headings of the shared real reports, made the same way at
  training time (never written to the repo): the report boundaries of the gold,
  the heading tree the structure stage builds, each heading the cue vocabulary
  labels kept with that label when the report's gold `sections` contain it, else
  labelled "none";
- the headings of the corrections folders given (`corrections`), made the same way;
  the examples of a file one of them holds are dropped (the correction is newer).
Groups: `invented`, `seeds/<stem>`, `synthetic/<stem>`, `real/<stem>`,
`corrections/<folder>/<stem>`.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

from pipeline.structure.classifier import NONE
from pipeline.training.estimator import LinearClassifier
from pipeline.training.sources import ANNOTATIONS, gold_files, load_corrections, real_gold

EXAMPLES = ANNOTATIONS / "section_examples.jsonl"


def estimator() -> LinearClassifier:
    return LinearClassifier(features="char", ngram_range=(1, 3), C=4.0, tol=1e-3, max_iter=500,
                            class_weight="balanced")


def _group(source: str | None) -> str:
    if not source or source == "invented":
        return "invented"
    stem = Path(source).stem
    return f"synthetic/{stem}" if source.startswith("synthetic/") else f"seeds/{stem}"


def repo_examples() -> list[tuple[str, str, str]]:
    out = []
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append((r["text"], r["label"] or NONE, _group(r.get("source"))))
    return out


def gold_slices(doc, reports: list[dict]):
    """(ReportSlice, gold sections) of each gold report, bounded by the next one's start."""
    from pipeline.document import ReportSlice

    starts = sorted({r["start_line"] for r in reports})
    by_start = {r["start_line"]: r for r in reports}
    n = doc.n_lines
    for k, s in enumerate(starts):
        e = starts[k + 1] - 1 if k + 1 < len(starts) else n
        r = by_start[s]
        title_line = s if r.get("title") else None
        yield (ReportSlice(start_line=s, end_line=e, start=doc.line_span(s)[0],
                           end=doc.line_span(e)[1], title=r.get("title"), title_line=title_line),
               set(r.get("sections") or []))


def heading_examples(doc, reports: list[dict], group: str) -> list[tuple[str, str, str]]:
    """Cue-labelled headings of the gold reports, checked against their gold sections."""
    from pipeline.structure import _report_blocks
    from pipeline.structure.cues import best_label
    from pipeline.structure.headings import build_tree

    out = []
    for rs, sections in gold_slices(doc, reports):
        def walk(nodes):
            for node in nodes:
                lab, _ = best_label(node.heading)
                if lab is not None:
                    out.append((node.heading, lab if lab in sections else NONE, group))
                walk(node.children)
        walk(build_tree(_report_blocks(doc, rs)))
    return out


@functools.cache
def real_examples() -> tuple:
    real = real_gold()
    if real is None:
        return ()
    return tuple(x for gf in gold_files((real,)) for x in heading_examples(gf.doc, gf.reports, gf.group))


@functools.cache
def correction_examples(corrections: tuple) -> tuple:
    data = load_corrections(corrections)
    return tuple(x for gf in data.files for x in heading_examples(gf.doc, gf.reports, gf.group))


def training_data(exclude=frozenset(), with_real: bool = True, corrections: tuple = ()):
    rows = repo_examples() + (list(real_examples()) if with_real else [])
    if corrections:
        replaced = load_corrections(corrections).replaced_groups
        rows = [r for r in rows if r[2] not in replaced] + list(correction_examples(corrections))
    rows = [r for r in rows if r[2] not in exclude]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def fit(exclude=frozenset(), with_real: bool = True,
        corrections: tuple = ()) -> tuple[LinearClassifier, dict]:
    texts, labels, groups = training_data(exclude, with_real, corrections)
    return estimator().fit(texts, labels), {"examples": len(texts), "labels": len(set(labels)),
                                            "files": len(set(groups))}


def cross_validate(n_folds: int = 10, with_real: bool = True, corrections: tuple = ()) -> dict:
    """Accuracy of labels predicted by a model that never saw the example's file
    (`cross_val_predict`, GroupKFold over files; the invented headings are one
    group, not scored)."""
    import numpy as np
    from sklearn.model_selection import GroupKFold, cross_val_predict

    texts, labels, groups = training_data(frozenset(), with_real, corrections)
    scored = np.array([g != "invented" for g in groups])
    k = min(n_folds, len({g for g in groups if g != "invented"}))
    pred = cross_val_predict(estimator(), texts, labels, groups=groups,
                             cv=GroupKFold(n_splits=k))
    out = {"cv_folds": k}
    for key, sel in [("all", scored)] + [
            (c, np.array([g.startswith(c + "/") for g in groups]))
            for c in ("seeds", "synthetic", "real", "corrections")]:
        n = int(sel.sum())
        if n:
            ok = sum(p == y for p, y, s in zip(pred, labels, sel) if s)
            out[f"cv_accuracy_{key}"] = round(ok / n, 4)
            out[f"cv_examples_{key}"] = n
    return out
