"""Training data of the count-metric model (extract stage).

The gold counts of every annotated file (`sources.gold_sets()`: the synthetic
and seed corpora, and the shared real reports when present) are matched to the
count extractor's candidates in the same text (overlapping span, same value and
unit); each matched candidate is one example: its `MetricContext` (as
`count.extract` builds it, the previous count's metric from the cue rules) and
the gold metric. Unmatched candidates (not counts in the gold) are not examples.
The corrections folders given (`corrections`) add their files, each replacing a
file of the same text (`sources.with_corrections`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

from pipeline.extract.metric_model import MetricContext, metric_context, metric_features
from pipeline.training.estimator import LinearClassifier
from pipeline.training.sources import gold_files, weights, with_corrections


def estimator() -> LinearClassifier:
    # C by file-grouped CV on the real reports (0.5/1/2/4/8 with override 0.8:
    # 0.863/0.863/0.869/0.869/0.858); 4 also fits the seed (dev) reports it trains on
    return LinearClassifier(features=metric_features, C=4.0, max_iter=3000)


@dataclass
class FileExamples:
    """A training file: its doc, the extractor's count candidates, the gold metric of
    each candidate that matches a gold count (None otherwise) and their contexts."""
    group: str
    doc: object
    candidates: list
    gold: list[str | None]
    contexts: list[MetricContext]
    bounds: list[tuple[int, int, str | None]]  # per candidate: its report's start, end; its section


def _unit(u: str) -> str:
    return "人" if u in ("名", "位") else u


def gold_counts(reports: list[dict], text: str) -> list[tuple[int, int, float, str, str]]:
    """(start, end, value, unit, metric) of the gold counts; gold without offsets is
    located by its text, in order."""
    out = []
    pos = 0
    for r in reports:
        for f in r.get("facts", []):
            if f.get("type") != "count" or f.get("value") is None or not f.get("metric"):
                continue
            s, e = f.get("start"), f.get("end")
            if s is None or e is None:
                k = text.find(f["text"], pos)
                if k < 0:
                    k = text.find(f["text"])
                if k < 0:
                    continue
                s, e = k, k + len(f["text"])
            pos = max(pos, s)
            out.append((s, e, float(f["value"]), _unit(f["unit"]), f["metric"]))
    return out


def match(cands: list, gold: list[tuple[int, int, float, str, str]]) -> list[str | None]:
    """Gold metric of each candidate matched one-to-one to a gold count (overlap,
    same value and unit), else None."""
    used: set[int] = set()
    labels: list[str | None] = []
    for c in cands:
        hit = None
        for k, (s, e, v, u, _) in enumerate(gold):
            if k not in used and s < c.end and c.start < e and u == _unit(c.unit) \
                    and abs(v - c.value) < 1e-6:
                hit = k
                break
        if hit is not None:
            used.add(hit)
        labels.append(None if hit is None else gold[hit][4])
    return labels


def run_file(fx: FileExamples, model) -> list[str]:
    """Metrics `count.extract` assigns to a file's candidates with `model` (None: cues
    only), report by report (the previous count's metric carries over)."""
    from pipeline.extract.count import assign_metric

    metrics, prev, report = [], None, None
    for c, (start, end, section) in zip(fx.candidates, fx.bounds):
        if (start, end) != report:
            prev, report = None, (start, end)
        m = assign_metric(fx.doc, c, start, end, prev, model, section)
        metrics.append(m)
        prev = (c.end, m, _unit(c.unit))
    return metrics


class _NoClassifier:
    """Section labels from the cue vocabulary only: training features must not depend
    on a saved section model."""

    def predict_with_proba(self, texts):
        return [(None, 0.0)] * len(texts)


def file_examples(gf) -> FileExamples:
    """The candidates of each gold report, as `count.extract` sees them at run time
    (report bounds, section labels of the structure stage, cue-only metric chain)."""
    from pipeline.extract.context import ExtractContext
    from pipeline.extract.count import assign_metric, candidates
    from pipeline.structure import structure_report
    from pipeline.training.sections import gold_slices

    doc = gf.doc
    cands, contexts, bounds = [], [], []
    for rs, _ in gold_slices(doc, gf.reports):
        st = structure_report(doc, rs, classifier=_NoClassifier())
        ctx = ExtractContext(doc=doc, report=rs, year=st.year, section_spans=st.section_spans)
        prev = None
        for c in candidates(doc, rs.start, rs.end):
            section = ctx.section_at(c.lead)
            cands.append(c)
            contexts.append(metric_context(doc.norm, c, rs.start, rs.end, prev, section))
            bounds.append((rs.start, rs.end, section))
            prev = (c.end, assign_metric(doc, c, rs.start, rs.end, prev, None, section), _unit(c.unit))
    return FileExamples(gf.group, doc, cands, match(cands, gold_counts(gf.reports, doc.text)),
                        contexts, bounds)


@functools.cache
def load_files(with_real: bool = True, corrections: tuple = ()) -> tuple[FileExamples, ...]:
    files = gold_files()
    if not with_real:
        files = [f for f in files if not f.group.startswith("real/")]
    return tuple(file_examples(gf) for gf in with_corrections(files, corrections))


def training_data(files: Sequence[FileExamples], exclude=frozenset()):
    X, y, groups = [], [], []
    for fx in files:
        if fx.group in exclude:
            continue
        for mc, g in zip(fx.contexts, fx.gold):
            if g is not None:
                X.append(mc)
                y.append(g)
                groups.append(fx.group)
    return X, y, groups


def fit(exclude=frozenset(), with_real: bool = True,
        corrections: tuple = ()) -> tuple[LinearClassifier, dict]:
    files = load_files(with_real, corrections)
    X, y, groups = training_data(files, exclude)
    return estimator().fit(X, y, sample_weight=weights(groups)), {"examples": len(X), "files": len(set(groups)),
                                   "classes": len(set(y))}


def cross_validate(n_folds: int = 10, with_real: bool = True, corrections: tuple = ()) -> dict:
    """By-file (GroupKFold) accuracy of the metric over gold-matched candidates, per
    corpus: the model alone (`cross_val_predict`), the cue rules alone, and cues +
    model as `count.assign_metric` combines them (fold models)."""
    from sklearn.model_selection import GroupKFold, cross_val_predict

    files = load_files(with_real, corrections)
    X, y, groups = training_data(files)
    k = min(n_folds, len(set(groups)))
    cv = GroupKFold(n_splits=k)
    model_only = cross_val_predict(estimator(), X, y, groups=groups, cv=cv,
                                   params={"sample_weight": weights(groups)})
    # cues + model: each file run with the model of the fold that holds it out
    fold_of = {}
    for f, (_, test) in enumerate(cv.split(X, y, groups)):
        for i in test:
            fold_of[groups[i]] = f
    by_fold: dict[int, list[FileExamples]] = {}
    for fx in files:
        if fx.group in fold_of:
            by_fold.setdefault(fold_of[fx.group], []).append(fx)
    tally: dict[str, list[int]] = {}
    for f in sorted(by_fold):
        held = {fx.group for fx in by_fold[f]}
        Xf, yf, gf = training_data(files, held)
        scorer = estimator().fit(Xf, yf, sample_weight=weights(gf)).scorer()
        for fx in by_fold[f]:
            cues, both = run_file(fx, None), run_file(fx, scorer)
            for g, a, b in zip(fx.gold, cues, both):
                if g is None:
                    continue
                for key in ("all", fx.group.split("/")[0]):
                    t = tally.setdefault(key, [0, 0, 0])
                    t[0] += 1
                    t[1] += a == g
                    t[2] += b == g
    # model-only accuracy per corpus
    mo: dict[str, list[int]] = {}
    for p, g, grp in zip(model_only, y, groups):
        for key in ("all", grp.split("/")[0]):
            t = mo.setdefault(key, [0, 0])
            t[0] += 1
            t[1] += p == g
    out: dict = {"cv_folds": k}
    for key, (n, ok_cues, ok_both) in sorted(tally.items()):
        out[f"cv_counts_{key}"] = n
        out[f"cv_acc_cues_{key}"] = round(ok_cues / n, 4)
        out[f"cv_acc_cues_model_{key}"] = round(ok_both / n, 4)
        out[f"cv_acc_model_only_{key}"] = round(mo[key][1] / mo[key][0], 4)
    return out
