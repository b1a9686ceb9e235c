"""Training data of the org models (structure stage): `org_rank` here, `org_type` in
org_type.py.

Every gold report of the annotated files (`sources.gold_files()`) is read as the
structure stage reads it (`structure.org_inputs` over the gold report bounds); the
rules' candidates (`org_model.org_candidates`) are the examples of the ranker,
labelled 1 when the candidate is the gold org (as the referee compares: equal or
one containing the other, glosses and quotes ignored), else 0. Reports whose gold
org is null (not named, masked, generic) give negatives only: they teach the
ranker when a report does not name itself.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline.structure.org_model import identity
from pipeline.training.estimator import LinearClassifier
from pipeline.training.sources import gold_files, weights, with_corrections

_QUOTES = re.compile(r"[\"'“”‘’「」『』《》]")


def estimator() -> LinearClassifier:
    return LinearClassifier(features=identity, C=0.3, max_iter=3000)


@dataclass
class ReportExamples:
    group: str
    inputs: object            # org_model.OrgInputs
    names: list[str]          # candidate names
    features: list[dict]
    rule_org: str | None
    rule_src: str | None
    gold_org: str | None      # normalised like the text the candidates come from
    gold_type: str | None


def same_org(gold: str, name: str) -> bool:
    from pipeline.structure.cues import GLOSS

    a, b = (_QUOTES.sub("", GLOSS.sub("", s)) for s in (gold, name))
    return bool(a and b) and (a == b or a in b or b in a)


def report_examples(gf) -> list[ReportExamples]:
    from pipeline.normalise.normalise import normalise
    from pipeline.structure import _report_blocks, org_inputs
    from pipeline.structure.org_model import rank_examples
    from pipeline.training.sections import gold_slices

    doc = gf.doc
    out = []
    for rs, _ in gold_slices(doc, gf.reports):
        gold = next(r for r in gf.reports if r["start_line"] == rs.start_line)
        title_norm = doc.norm[slice(*doc.line_span(rs.title_line))] if rs.title_line else None
        x = org_inputs(doc, rs, _report_blocks(doc, rs), title_norm)
        cands, feats, rule_org, rule_src = rank_examples(x)
        g = gold.get("org")
        out.append(ReportExamples(gf.group, x, [c.name for c in cands], feats, rule_org, rule_src,
                                  normalise(g) if g else None, gold.get("org_type")))
    return out


@functools.cache
def load_reports(with_real: bool = True, corrections: tuple = ()) -> tuple[ReportExamples, ...]:
    """The examples of every annotated file, and of the corrections folders given
    (a corrected file replaces the gold of its text)."""
    files = [f for f in gold_files() if with_real or not f.group.startswith("real/")]
    files = with_corrections(files, corrections)
    return tuple(r for gf in files for r in report_examples(gf))


def training_data(reports, exclude=frozenset()):
    X, y, groups = [], [], []
    for r in reports:
        if r.group in exclude:
            continue
        for name, f in zip(r.names, r.features):
            X.append(f)
            y.append(int(bool(r.gold_org) and same_org(r.gold_org, name)))
            groups.append(r.group)
    return X, y, groups


def fit(exclude=frozenset(), with_real: bool = True,
        corrections: tuple = ()) -> tuple[LinearClassifier, dict]:
    X, y, groups = training_data(load_reports(with_real, corrections), exclude)
    model = estimator().fit(X, y, sample_weight=weights(groups))
    return model, {"examples": len(X), "positives": sum(y), "files": len(set(groups))}


def choose(r: ReportExamples, scorer) -> str | None:
    from pipeline.structure.org_model import ORG_MIN_PROBA

    if not r.names:
        return None
    probs = [scorer.binary_proba(f) for f in r.features]
    best = max(range(len(probs)), key=probs.__getitem__)
    return r.names[best] if probs[best] >= ORG_MIN_PROBA or r.rule_org is not None else None


def _fold_models(reports, n_folds: int, fit_one):
    """(fold's held-out reports, model fitted without them) per by-file fold."""
    from pipeline.training import _group_folds

    for held in _group_folds([r.group for r in reports], n_folds):
        yield [r for r in reports if r.group in held], fit_one(held)


def cross_validate(n_folds: int = 10, with_real: bool = True, corrections: tuple = ()) -> dict:
    """By-file accuracy of the org over gold reports that have one (the referee's
    measure, on the gold report bounds), per corpus: rules vs ranker (fold models)."""
    reports = load_reports(with_real, corrections)
    outcomes = []
    for held, model in _fold_models(reports, n_folds,
                                    lambda held: fit(held, with_real, corrections)[0]):
        scorer = model.scorer()
        for r in held:
            if r.gold_org:
                pred = choose(r, scorer)
                outcomes.append((r.group, bool(r.rule_org) and same_org(r.gold_org, r.rule_org),
                                 bool(pred) and same_org(r.gold_org, pred)))
    return accuracy_by_corpus(outcomes, n_folds, "orgs", "ranker")


def accuracy_by_corpus(outcomes, n_folds: int, items: str, model: str) -> dict:
    """`outcomes`: (file group, rules right, model right) per gold report -> the count
    and both accuracies over all reports and per corpus (the group's first part)."""
    tally: dict[str, list[int]] = {}
    for group, rules_ok, model_ok in outcomes:
        for key in ("all", group.split("/")[0]):
            t = tally.setdefault(key, [0, 0, 0])
            t[0] += 1
            t[1] += rules_ok
            t[2] += model_ok
    out: dict = {"cv_folds": n_folds}
    for key, (n, ok_rules, ok_model) in sorted(tally.items()):
        out[f"cv_{items}_{key}"] = n
        out[f"cv_acc_rules_{key}"] = round(ok_rules / n, 4)
        out[f"cv_acc_{model}_{key}"] = round(ok_model / n, 4)
    return out
