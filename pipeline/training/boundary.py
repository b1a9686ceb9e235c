"""Training data of the boundary classifier (split stage).

Annotated texts: corpora/annotations/boundaries*.jsonl (`split.training.load_annotated`)
and, when present, the shared real gold (report start lines; a report with a gold
title has its title on its start line). Each is featurised as the split stage
sees it, plus the synthetic run-together texts made from all of them
(`split.training.synthetic`: reports with their titles removed, concatenated
within a file and mixed across files). The corrections folders given
(`corrections`) add their files as real reports are added, and drop a text one of them
holds. A by-file fold drops every text whose group touches a held-out file, so no fold
sees a report of it.
"""
from __future__ import annotations

import functools

from pipeline.split.features import FEATURES
from pipeline.training.estimator import LinearClassifier
from pipeline.training.sources import gold_files, load_corrections, real_gold

SEED = 13
# each real report's rows count this many times: real reports are what the model meets,
# and the synthetic run-together texts outnumber them (by-file CV on the real tune files:
# 3 -> split F1 0.968, 1 -> 0.955)
REAL_WEIGHT = 3


def estimator() -> LinearClassifier:
    return LinearClassifier(features="dense", C=1.0, class_weight="balanced", max_iter=2000,
                            feature_names=tuple(FEATURES))


def real_annotated() -> list:
    """The shared real reports as `split.training.Annotated` texts (none when absent)."""
    real = real_gold()
    return [] if real is None else gold_annotated(gold_files((real,)))


def gold_annotated(files) -> list:
    """Gold files (`sources.GoldFile`) as `split.training.Annotated` texts."""
    from pipeline.split.training import Annotated

    out = []
    for gf in files:
        starts = sorted({r["start_line"] for r in gf.reports})
        titles = {r["start_line"] for r in gf.reports if r.get("title")}
        out.append(Annotated(gf.group, gf.doc, starts, titles, gf.group))
    return out


def with_corrections(repo: list, real: list, corrections: tuple) -> tuple[list, list]:
    """The repo and real texts less those a correction holds, the corrected files added
    to the real ones."""
    if not corrections:
        return repo, real
    data = load_corrections(corrections)
    repo = [a for a in repo if data.replacing(a.doc.text) is None]
    real = [a for a in real if a.group not in data.replaced_groups
            and data.replacing(a.doc.source_text) is None]
    return repo, real + gold_annotated(data.files)


@functools.cache
def example_table(with_real: bool = True, seed: int = SEED, corrections: tuple = ()) -> tuple:
    """(group, X, y) per text: annotated texts and the run-together texts made from them,
    featurised once."""
    from pipeline.split.training import N_MIXED, examples, load_annotated, synthetic

    repo, real = with_corrections(load_annotated(), real_annotated() if with_real else [],
                                  corrections)
    table = []
    # run-together texts are made from the repo's annotated reports only: real pages
    # carry site boilerplate inside their reports, which would make false joins
    for a in repo + synthetic(repo, n_mixed=N_MIXED, seed=seed):
        X, y, _ = examples([a])
        table.append((a.group, X, y))
    for a in real:
        X, y, _ = examples([a])
        table.append((a.group, X * REAL_WEIGHT, y * REAL_WEIGHT))
    return tuple(table)


def training_data(exclude=frozenset(), with_real: bool = True, corrections: tuple = ()):
    """(X, y, groups, texts) of every text whose group does not touch `exclude`."""
    excl = set(exclude)
    X, y, groups, texts = [], [], [], 0
    for group, xs, ys in example_table(with_real, SEED, corrections):
        if set(group.split("+")) & excl:
            continue
        X += xs
        y += ys
        groups += [group] * len(ys)
        texts += 1
    return X, y, groups, texts


def fit(exclude=frozenset(), with_real: bool = True,
        corrections: tuple = ()) -> tuple[LinearClassifier, dict]:
    X, y, _, texts = training_data(exclude, with_real, corrections)
    clf = estimator().fit(X, y)
    return clf, {"examples": len(y), "positives": int(sum(y)), "texts": texts}


def annotated_texts(with_real: bool = True, corrections: tuple = ()) -> list:
    from pipeline.split.training import load_annotated

    repo, real = with_corrections(load_annotated(), real_annotated() if with_real else [],
                                  corrections)
    return repo + real


def corpus_of(group: str) -> str:
    return group.split("/")[0] if "/" in group else "seeds"


def cross_validate(folds: list[set[str]], with_real: bool = True, corrections: tuple = ()) -> dict:
    """Split P/R/F1 of report start lines, each text split with a model trained without
    its fold (folds of file groups), overall and per corpus."""
    from pipeline.split import split_reports

    items = annotated_texts(with_real, corrections)
    tally: dict[str, list[int]] = {}
    for held in folds:
        fold_items = [a for a in items if a.group in held]
        if not fold_items:
            continue
        clf, _ = fit(held, with_real, corrections)
        scorer = clf.scorer()
        for a in fold_items:
            pred = {r.start_line for r in split_reports(a.doc, scorer)}
            gold = set(a.starts)
            for key in ("all", corpus_of(a.group)):
                t = tally.setdefault(key, [0, 0, 0])
                t[0] += len(pred & gold)
                t[1] += len(pred)
                t[2] += len(gold)
    out = {}
    for key, (tp, npred, ngold) in sorted(tally.items()):
        p = tp / npred if npred else 0.0
        r = tp / ngold if ngold else 0.0
        out[f"split_f1_{key}"] = round(2 * p * r / (p + r), 4) if p + r else 0.0
        out[f"split_p_{key}"], out[f"split_r_{key}"] = round(p, 4), round(r, 4)
    return out
