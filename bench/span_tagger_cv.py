"""Does a CRF span tagger help the award and activity rules? By-file CV on the real set.

    python bench/span_tagger_cv.py --rules /tmp/cv/reports.jsonl [--folds 10]

`--rules` is the pipeline's output on the real reports (best: the by-file
cross-validated run of `python -m pipeline.training.crossval`, so the learned
parts the rules read are not trained on the files scored). For each of the
crossval's folds (GroupKFold by file over the real reports), a character BIO
CRF (bench/span_tagger.py; sklearn-crfsuite) is trained on the gold
award/activity spans of seeds + synthetic + the other real files, and tags the
fold's files. Three options are scored with the referee's own matching
(../shared/eval/score.py, imported):

- rules: the `--rules` run as it is;
- tagger: the tagger's facts in place of the rules' award and activity facts;
- rules+tagger: the rules' facts plus the tagger's spans that overlap no rule
  fact of their type and whose confidence reaches a threshold chosen per fact
  type inside the training folds (3 inner folds over the training real files:
  the threshold that maximises rules+tagger F1 there; none added when no
  threshold gains).

A tagged span becomes a fact only through the rules' resolvers (award name and
level, activity date and type). Needs ../shared (the real texts and gold).
"""
from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import span_tagger as st  # noqa: E402
from pipeline.training.crossval import folds_of  # noqa: E402
from pipeline.training.sources import gold_files, real_gold  # noqa: E402

TYPES = {"award": "AWD", "activity": "ACT"}
THRESHOLDS = [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01]


def referee(shared: Path):
    spec = importlib.util.spec_from_file_location("referee_score", shared / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class FileData:
    """One annotated file: its candidate units' features and labels."""

    def __init__(self, gf):
        self.group = gf.group
        self.doc = doc = gf.doc
        v2s = doc.view_to_source
        self.to_view = (lambda o: o) if v2s is None else (lambda o: bisect.bisect_left(v2s, o))
        self.to_src = (lambda o: o) if v2s is None else (lambda o: v2s[o])
        spans = []
        for rep in gf.reports:
            for f in rep.get("facts") or []:
                if f.get("type") in TYPES and f.get("start") is not None:
                    spans.append((self.to_view(f["start"]), self.to_view(f["end"]), TYPES[f["type"]]))
        self.gold_spans = sorted(spans)
        norm = doc.norm
        marks = st.doc_marks(norm, 0, len(norm))
        self.units = st.candidate_units(norm, 0, len(norm), marks)
        self.X = [st.unit_features(norm, s, e, marks) for s, e in self.units]
        self.y = [st.unit_labels(s, e, self.gold_spans) for s, e in self.units]

    def covered(self) -> tuple[int, int]:
        """(gold spans inside a candidate unit, gold spans)."""
        inside = sum(any(s <= gs and ge <= e for s, e in self.units) for gs, ge, _ in self.gold_spans)
        return inside, len(self.gold_spans)


C1, C2 = 0.1, 0.05   # L1 / L2 of the CRF (--c1, --c2)
RULE_FILTERS = True  # a tagged activity passes the rules' exclusion tests (--no-rule-filters: not)


def train(files: list[FileData]):
    import sklearn_crfsuite

    X = [x for f in files for x in f.X]
    y = [y for f in files for y in f.y]
    crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=C1, c2=C2, max_iterations=150,
                               all_possible_transitions=True)
    crf.fit(X, y)
    return crf


def tag(crf, f: FileData) -> list[dict]:
    """Tagger facts of one file (dicts in source offsets) with their confidence."""
    out = []
    if not f.X:
        return out
    labels = crf.predict(f.X)
    margs = crf.predict_marginals(f.X)
    for (s, _), lab, mg in zip(f.units, labels, margs):
        for a, b, kind, conf in st.decode_spans(s, lab, mg):
            fact = st.award_from_span(f.doc, a, b) if kind == "AWD" \
                else st.activity_from_span(f.doc, a, b, rule_filters=RULE_FILTERS)
            if fact is None:
                continue
            d = fact.model_dump()
            sa, sb = f.to_src(a), f.to_src(b - 1) + 1
            d.update(start=sa, end=sb, text=f.doc.source_text[sa:sb], conf=round(conf, 4))
            out.append(d)
    return out


def load_rules(path: Path) -> dict[str, list[dict]]:
    by_src = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            by_src[Path(r["source"]).name].append(r)
    return by_src


def combine(rules: dict, tagged: dict, thresholds: dict, mode: str) -> dict:
    """Reports per source: the rules' facts, the tagger's in their place
    (mode "tagger") or added where no rule fact of the type overlaps ("union")."""
    out = {}
    for src, reps in rules.items():
        reps = [dict(r, facts=list(r.get("facts") or [])) for r in reps]
        extra = tagged.get(src, [])
        if mode == "tagger":
            for r in reps:
                r["facts"] = [x for x in r["facts"] if x["type"] not in TYPES]
        ruled = [x for r in reps for x in r["facts"] if x["type"] in TYPES]
        for t in extra:
            if t["conf"] < thresholds.get(t["type"], 0.0):
                continue
            if mode == "union" and any(x["type"] == t["type"] and x["start"] < t["end"] and t["start"] < x["end"]
                                       for x in ruled):
                continue
            home = max((r for r in reps if (r.get("start_line") or 0) <= t["line"]),
                       key=lambda r: r.get("start_line") or 0, default=reps[0])
            home["facts"].append(t)
        out[src] = reps
    return out


def figures(ref, pred: dict, gold: dict, sources) -> dict:
    res = ref.score(pred, gold, sorted(sources))
    return {k: res[k] for k in ("award", "activity", "facts_all")}


def best_thresholds(ref, rules, tagged, gold, sources) -> dict:
    """Per fact type, the threshold maximising rules+tagger F1 on these files
    (ties: the higher threshold; 1.01 adds nothing)."""
    chosen = {}
    for kind in TYPES:
        best = None
        for th in THRESHOLDS:
            ths = {k: (th if k == kind else 1.01) for k in TYPES}
            f1 = figures(ref, combine(rules, tagged, ths, "union"), gold, sources)[kind]["f1"]
            if best is None or f1 >= best[0]:
                best = (f1, th)
        chosen[kind] = best[1]
    return chosen


def main(argv=None) -> None:
    global C1, C2, RULE_FILTERS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rules", type=Path, required=True, help="reports.jsonl of the pipeline on the real set")
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--inner", type=int, default=3)
    ap.add_argument("--blind-from", metavar="STEM",
                    help="one split instead of the folds: real files from STEM on (e.g. r111) are "
                         "tagged by a model trained without them, and scored alone")
    ap.add_argument("--c1", type=float, default=C1)
    ap.add_argument("--c2", type=float, default=C2)
    ap.add_argument("--no-rule-filters", action="store_true",
                    help="keep tagged activities the rules' exclusion tests reject (deadlines, plans, datelines …)")
    args = ap.parse_args(argv)
    C1, C2, RULE_FILTERS = args.c1, args.c2, not args.no_rule_filters
    real = real_gold()
    if real is None:
        raise SystemExit("no shared real gold (../shared or GHMINER_SHARED)")
    ref = referee(real[1].parents[1])
    gold = ref.load_gold(real[1])
    rules = load_rules(args.rules)
    t0 = time.perf_counter()
    data = [FileData(gf) for gf in gold_files()]
    t_feat = time.perf_counter() - t0
    n_chars = sum(len(f.doc.norm) for f in data)
    inside = [f.covered() for f in data]
    print(f"{len(data)} files, {n_chars} chars, features in {t_feat:.1f} s "
          f"({1000 * t_feat / len(data):.1f} ms/file); units {sum(len(f.units) for f in data)}, "
          f"gold spans inside a unit {sum(a for a, _ in inside)}/{sum(b for _, b in inside)}")
    by_group = {f.group: f for f in data}
    repo = [f for f in data if not f.group.startswith("real/")]
    real_files = sorted((real[2] / f"{Path(g).stem}.txt" for g in by_group if g.startswith("real/")))
    tagged: dict[str, list[dict]] = {}
    chosen_per_fold = []
    t_train = t_tag = 0.0
    splits = folds_of(real_files, args.folds) if not args.blind_from else \
        [[p for p in real_files if p.stem >= args.blind_from]]
    for k, fold in enumerate(splits):
        held = {f"real/{p.stem}" for p in fold}
        train_real = [f for g, f in by_group.items() if g.startswith("real/") and g not in held]
        # thresholds from inner folds over the training real files
        inner_tagged = {}
        train_paths = sorted(real[2] / f"{Path(f.group).stem}.txt" for f in train_real)
        for inner in folds_of(train_paths, args.inner):
            ih = {f"real/{p.stem}" for p in inner}
            crf = train(repo + [f for f in train_real if f.group not in ih])
            for g in ih:
                inner_tagged[Path(g).stem + ".txt"] = tag(crf, by_group[g])
        train_srcs = [Path(f.group).stem + ".txt" for f in train_real]
        chosen = best_thresholds(ref, {s: rules[s] for s in train_srcs}, inner_tagged, gold, train_srcs)
        chosen_per_fold.append(chosen)
        a = time.perf_counter()
        crf = train(repo + train_real)
        b = time.perf_counter()
        size = Path(crf.modelfile.name).stat().st_size
        for g in held:
            tagged[Path(g).stem + ".txt"] = [dict(t, threshold=chosen[t["type"]]) for t in tag(crf, by_group[g])]
        t_train += b - a
        t_tag += time.perf_counter() - b
        print(f"fold {k}: {len(fold)} files, thresholds {chosen}, model {size / 1e6:.2f} MB "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
    srcs = sorted(gold) if not args.blind_from else sorted(tagged)
    per_file_th = {}
    for src, ts in tagged.items():
        for t in ts:
            per_file_th[(src, t["start"], t["type"])] = t.pop("threshold")
    # the fold's own thresholds: filter here, then combine with none
    kept = {src: [t for t in ts if t["conf"] >= per_file_th[(src, t["start"], t["type"])]]
            for src, ts in tagged.items()}
    options = {
        "rules": {s: rules[s] for s in srcs},
        "tagger": combine(rules, tagged, {}, "tagger"),
        "rules+tagger": combine(rules, kept, {}, "union"),
        "rules+tagger (any conf)": combine(rules, tagged, {}, "union"),
    }
    print(f"\ntrain {t_train / len(splits):.1f} s per fold model; tagging {1000 * t_tag / len(srcs):.1f} ms/file "
          f"(+ features {1000 * t_feat / len(data):.1f} ms/file); scored on {len(srcs)} files")
    print(f"{'option':<26}{'award P/R/F1':>24}{'activity P/R/F1':>24}{'facts_all F1':>14}")
    for name, pred in options.items():
        fig = figures(ref, pred, gold, srcs)
        cell = lambda x: f"{x['p']:.3f}/{x['r']:.3f}/{x['f1']:.3f}"  # noqa: E731
        print(f"{name:<26}{cell(fig['award']):>24}{cell(fig['activity']):>24}{fig['facts_all']['f1']:>14.4f}")
    union = options["rules+tagger"]
    added = [(src, x) for src in sorted(kept) for r in union.get(src, []) for x in r["facts"] if "conf" in x]
    print(f"\nfacts added by rules+tagger: {len(added)} (+ = a gold fact of its file has its date / name; it may be one a rule fact already matches)")
    for src, t in added:
        hit = any(ref.same(t["type"], g, t) for rep in gold.get(src, []) for g in rep.get("facts") or []
                  if g.get("type") == t["type"])
        print(f"  {'+' if hit else '-'} {src} {t['type']} conf {t['conf']:.2f} {t['text'][:40]!r} -> "
              f"{t.get('name') or t.get('date')}")


if __name__ == "__main__":
    main()
