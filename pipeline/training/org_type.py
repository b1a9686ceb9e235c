"""Training data of the org_type model: for each gold report with a gold type
(`org_rank.load_reports`), one example per type of the spec's vocabulary
(`org_model.type_features`, computed with the rules' org as the pipeline computes
them with the chosen one), labelled 1 for the gold type; the pipeline takes the
type scored highest. Reports whose org names itself in the title or opening take
its suffix's type at run time (the spec's rule) but are examples here too: they
teach how the other evidence points to a type."""
from __future__ import annotations

from pipeline.structure.org_model import identity, type_features
from pipeline.training.estimator import LinearClassifier
from pipeline.training.org_rank import _fold_models, accuracy_by_corpus, load_reports
from pipeline.training.sources import weights


def estimator() -> LinearClassifier:
    return LinearClassifier(features=identity, C=1.0, max_iter=3000)


def training_data(reports, exclude=frozenset()):
    from pipeline.structure.cues import org_cues

    types = org_cues()["types"]
    X, y, groups = [], [], []
    for r in reports:
        if r.group in exclude or not r.gold_type:
            continue
        for t, f in zip(types, type_features(r.inputs, r.rule_org, r.rule_src)):
            X.append(f)
            y.append(int(t == r.gold_type))
            groups.append(r.group)
    return X, y, groups


def fit(exclude=frozenset(), with_real: bool = True,
        corrections: tuple = ()) -> tuple[LinearClassifier, dict]:
    X, y, groups = training_data(load_reports(with_real, corrections), exclude)
    model = estimator().fit(X, y, sample_weight=weights(groups))
    return model, {"examples": sum(y), "pairs": len(X), "files": len(set(groups))}


def cross_validate(n_folds: int = 10, with_real: bool = True, corrections: tuple = ()) -> dict:
    """By-file org_type accuracy over gold reports with a type, per corpus: the rules'
    vote vs `org_model.decide` with the fold's type model (the rules' org)."""
    from pipeline.structure.org_model import SELF_SOURCES, decide, type_from_text

    reports = load_reports(with_real, corrections)
    outcomes = []
    for held, model in _fold_models(reports, n_folds,
                                    lambda held: fit(held, with_real, corrections)[0]):
        scorer = model.scorer()
        for r in held:
            if not r.gold_type:
                continue
            x = r.inputs
            rule = type_from_text(x.body, x.opening, r.rule_org, x.title or "",
                                  org_is_subject=r.rule_src in SELF_SOURCES)
            pred = decide(x, None, scorer).org_type
            outcomes.append((r.group, rule == r.gold_type, pred == r.gold_type))
    return accuracy_by_corpus(outcomes, n_folds, "types", "model")
