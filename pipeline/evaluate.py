"""Score predicted reports against gold files with the contract's rules.

The rules are those of ANNOTATION.md ("Scoring"): splitting by exact
start_line; each gold report paired with the predicted report covering most
of its lines (at least half) for sections/org/org_type; facts matched one to
one per source file (count by value+unit, rate by value, amount by
value+currency, award by name containment, activity by date, placeholder by
masked text); attributes as accuracy over matched pairs; leaks = predicted
numeric facts with a value whose text contains a mask character.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

from schemas.report import FACT_TYPES

MASK = re.compile(r"[xX×＊*_＿]")
QUOTES = re.compile(r"[“”\"'‘’《》「」『』\s]")
AWARD_SUFFIX = re.compile(r"(荣誉称号|称号|荣誉)$")
ATTRS = {"count": ["metric", "approx"], "rate": ["metric"], "amount": ["approx"],
         "award": ["level", "recipient"], "activity": ["activity_type"], "placeholder": []}


def load_pred(path: Path) -> dict[str, list[dict]]:
    path = Path(path)
    files = [path] if path.is_file() else sorted(path.rglob("*.jsonl"))
    by_source: dict[str, list[dict]] = defaultdict(list)
    for f in files:
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rep = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{f}:{n}: not JSON: {e}") from e
                by_source[Path(str(rep.get("source", ""))).name].append(rep)
    return by_source


def load_gold(path: Path) -> dict[str, list[dict]]:
    gold = {}
    for f in sorted(Path(path).glob("*.json")):
        doc = json.loads(f.read_text(encoding="utf-8"))
        gold[Path(doc["source"]).name] = doc["reports"]
    return gold


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _unit(u) -> str:
    u = (u or "").strip()
    return "人" if u == "名" else u


def _award_name(n) -> str:
    return AWARD_SUFFIX.sub("", QUOTES.sub("", str(n or ""))).lower()


def _date(d) -> str:
    parts = [p for p in re.split(r"[-/.]", str(d or "").strip()) if p]
    if not parts:
        return ""
    if len(parts[0]) == 4:
        return "-".join([parts[0]] + [p.zfill(2) for p in parts[1:]])
    return "-".join(p.zfill(2) for p in parts)


def same_fact(kind: str, g: dict, p: dict) -> bool:
    """Whether a predicted fact matches a gold fact of the same type."""
    if kind in ("count", "rate", "amount"):
        gv, pv = _num(g.get("value")), _num(p.get("value"))
        if gv is None or pv is None:
            return False
        if kind == "count":
            return math.isclose(gv, pv, abs_tol=1e-6) and _unit(g.get("unit")) == _unit(p.get("unit"))
        if kind == "rate":
            return abs(gv - pv) < 0.005
        return abs(gv - pv) <= 0.5 and (g.get("currency") or "CNY") == (p.get("currency") or "CNY")
    if kind == "award":
        a, b = _award_name(g.get("name")), _award_name(p.get("name"))
        return bool(a and b) and (a == b or a in b or b in a)
    if kind == "activity":
        return _date(g.get("date")) != "" and _date(g.get("date")) == _date(p.get("date"))
    if kind == "placeholder":
        return str(g.get("text", "")).strip() == str(p.get("text", "")).strip()
    return False


def _attr_eq(attr: str, g: dict, p: dict) -> bool:
    gv, pv = g.get(attr), p.get(attr)
    if attr == "approx":
        return bool(gv) == bool(pv)
    if attr == "recipient":
        a, b = QUOTES.sub("", str(gv or "")), QUOTES.sub("", str(pv or ""))
        return (not a and not b) or (bool(a and b) and (a in b or b in a))
    return gv == pv


def _line_ranges(reps: list[dict]) -> list[tuple[int, int]]:
    starts = [int(r.get("start_line") or 0) for r in reps]
    ends = starts[1:] + [10 ** 6]
    return [(s, max(s + 1, e)) for s, e in zip(starts, ends)]


def pair_reports(g_reps: list[dict], p_reps: list[dict]) -> list[tuple[dict | None, dict | None]]:
    g_rng, p_rng = _line_ranges(g_reps), _line_ranges(p_reps)
    used: set[int] = set()
    pairs: list[tuple[dict | None, dict | None]] = []
    for g, (gs, ge) in zip(g_reps, g_rng):
        best, best_ov = None, 0
        for i, (ps, pe) in enumerate(p_rng):
            ov = min(ge, pe) - max(gs, ps)
            if i not in used and ov > best_ov:
                best, best_ov = i, ov
        if best is not None and best_ov * 2 >= min(ge - gs, 10 ** 4):
            used.add(best)
            pairs.append((g, p_reps[best]))
        else:
            pairs.append((g, None))
    pairs += [(None, p) for i, p in enumerate(p_reps) if i not in used]
    return pairs


def _prf(tp: int, npred: int, ngold: int) -> dict:
    p = tp / npred if npred else (1.0 if not ngold else 0.0)
    r = tp / ngold if ngold else (1.0 if not npred else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "pred": npred, "gold": ngold, "p": round(p, 4), "r": round(r, 4),
            "f1": round(f, 4)}


def score(pred: dict[str, list[dict]], gold: dict[str, list[dict]]) -> dict:
    tp: dict[str, int] = defaultdict(int)
    npred: dict[str, int] = defaultdict(int)
    ngold: dict[str, int] = defaultdict(int)
    attr_ok: dict[str, int] = defaultdict(int)
    attr_n: dict[str, int] = defaultdict(int)
    errors: dict[str, list[str]] = defaultdict(list)
    causes: dict[str, Counter] = defaultdict(Counter)
    sec = {"tp": 0, "pred": 0, "gold": 0}
    org = {"ok": 0, "n": 0}
    org_type = {"ok": 0, "n": 0}
    for src in sorted(gold):
        g_reps, p_reps = gold[src], pred.get(src, [])
        g_lines = {r.get("start_line") for r in g_reps}
        p_lines = {r.get("start_line") for r in p_reps}
        tp["split"] += len(g_lines & p_lines)
        npred["split"] += len(p_lines)
        ngold["split"] += len(g_lines)
        if g_lines != p_lines:
            errors["split"].append(f"{src}: gold {sorted(g_lines)} pred {sorted(p_lines)}")
            for cause in split_causes(g_lines, p_lines):
                causes["split"][cause] += 1
        for g, p in pair_reports(g_reps, p_reps):
            gs = set(g.get("sections") or []) if g else set()
            ps = set(p.get("sections") or []) if p else set()
            sec["tp"] += len(gs & ps)
            sec["pred"] += len(ps)
            sec["gold"] += len(gs)
            why = "unpaired report: " if g is None or p is None else ""
            for label in sorted(ps - gs):
                causes["sections"][f"{why}{label} predicted, not in gold"] += 1
            for label in sorted(gs - ps):
                causes["sections"][f"{why}{label} in gold, missed"] += 1
            if g is None:
                continue
            p = p or {}
            if g.get("org"):
                org["n"] += 1
                a, b = QUOTES.sub("", g["org"]), QUOTES.sub("", str(p.get("org") or ""))
                ok = bool(b) and (a == b or a in b or b in a)
                org["ok"] += ok
                if not ok:
                    causes["org"][org_cause(g, p)] += 1
            if g.get("org_type"):
                org_type["n"] += 1
                org_type["ok"] += g["org_type"] == p.get("org_type")
                if g["org_type"] != p.get("org_type"):
                    causes["org_type"][f"{g['org_type']} -> {p.get('org_type')}"] += 1
        g_facts = [f for r in g_reps for f in r.get("facts") or []]
        p_facts = [f for r in p_reps for f in r.get("facts") or []]
        for f in p_facts:
            if f.get("type") in ("count", "rate", "amount") and f.get("value") is not None \
                    and MASK.search(str(f.get("text", ""))):
                errors["leaks"].append(f"{src}: {f.get('type')} {f.get('text')!r} -> {f.get('value')}")
        for kind in FACT_TYPES:
            gk = [f for f in g_facts if f.get("type") == kind]
            pk = [f for f in p_facts if f.get("type") == kind]
            used: set[int] = set()
            pairs = []
            for g in gk:
                for i, p in enumerate(pk):
                    if i not in used and same_fact(kind, g, p):
                        used.add(i)
                        pairs.append((g, p))
                        break
            tp[kind] += len(pairs)
            npred[kind] += len(pk)
            ngold[kind] += len(gk)
            hit_g = {id(g) for g, _ in pairs}
            errors[kind] += [f"{src}: missed {g.get('text')!r}" for g in gk if id(g) not in hit_g]
            errors[kind] += [f"{src}: spurious {p.get('text')!r}" for i, p in enumerate(pk)
                             if i not in used]
            for g in gk:
                if id(g) not in hit_g:
                    causes[kind]["missed: " + fact_cause(kind, g, p_facts, p_reps)] += 1
            for i, f in enumerate(pk):
                if i not in used:
                    causes[kind]["spurious: " + fact_cause(kind, f, g_facts, None)] += 1
            for attr in ATTRS[kind]:
                for g, p in pairs:
                    if attr in g:
                        attr_n[f"{kind}.{attr}"] += 1
                        ok = _attr_eq(attr, g, p)
                        attr_ok[f"{kind}.{attr}"] += ok
                        if not ok:
                            causes[f"{kind}.{attr}"][f"{g.get(attr)} -> {p.get(attr)}"] += 1
                            errors[f"{kind}.{attr}"].append(
                                f"{src}: {g.get('text')!r} gold {g.get(attr)!r} pred {p.get(attr)!r}")
    out: dict = {"files": len(gold)}
    for kind in ["split", *FACT_TYPES]:
        out[kind] = _prf(tp[kind], npred[kind], ngold[kind])
    out["facts_all"] = _prf(sum(tp[k] for k in FACT_TYPES), sum(npred[k] for k in FACT_TYPES),
                            sum(ngold[k] for k in FACT_TYPES))
    out["sections"] = _prf(sec["tp"], sec["pred"], sec["gold"])
    out["org_acc"] = round(org["ok"] / org["n"], 4) if org["n"] else None
    out["org_type_acc"] = round(org_type["ok"] / org_type["n"], 4) if org_type["n"] else None
    out["attr_acc"] = {k: round(attr_ok[k] / attr_n[k], 4) for k in sorted(attr_n)}
    out["leaks"] = len(errors.get("leaks", []))
    out["errors"] = {k: v for k, v in errors.items() if v}
    out["causes"] = {k: dict(v.most_common()) for k, v in causes.items() if v}
    return out


# --- why an error happened -------------------------------------------------------
# The next person fixing the pipeline needs to know which of the misses are a
# stage's fault: a report start on boilerplate is the split stage's, a count with
# the right span but the wrong value is the extractor's, a fact in text no report
# covers was dropped as boilerplate. These are heuristics over offsets and lines.

NEAR_LINES = 3  # a predicted start this close to a gold one is the same start, misplaced


def split_causes(gold: set, pred: set) -> list[str]:
    """One cause per wrong start line (predicted but not gold, or gold but missed)."""
    gold = {int(x) for x in gold if x is not None}
    pred = {int(x) for x in pred if x is not None}
    out = []
    first = min(gold, default=0)
    for s in sorted(pred - gold):
        if any(abs(s - g) <= NEAR_LINES for g in gold - pred):
            out.append("start misplaced by a few lines (repeated title, byline, marker line)")
        elif s < first:
            out.append("extra start on boilerplate before the first report")
        else:
            out.append("one report cut in two (extra start inside a report)")
    for g in sorted(gold - pred):
        if any(abs(s - g) <= NEAR_LINES for s in pred - gold):
            continue  # counted once, as misplaced
        out.append("no predictions for the file" if not pred
                   else "two reports merged (gold start missed)")
    return out


def org_cause(gold: dict, pred: dict) -> str:
    if not pred:
        return "report not paired (split error)"
    if not pred.get("org"):
        return "org not found (pred null)"
    return "another unit taken as org"


def _span(f: dict) -> tuple[int, int] | None:
    try:
        return int(f["start"]), int(f["end"])
    except (KeyError, TypeError, ValueError):
        return None


def _overlaps(a: dict, b: dict) -> bool:
    sa, sb = _span(a), _span(b)
    if sa and sb:
        return sa[0] < sb[1] and sb[0] < sa[1]
    ta, tb = str(a.get("text") or ""), str(b.get("text") or "")
    return bool(ta and tb) and (ta in tb or tb in ta)


def fact_cause(kind: str, fact: dict, others: list[dict], pred_reports: list[dict] | None
               ) -> str:
    """Why `fact` (a gold fact missed, or a predicted fact not in gold) has no match:
    the other side has a fact of the same type on the same text (wrong value, name or
    date), of another type, or nothing there."""
    near = [o for o in others if _overlaps(fact, o)]
    if any(o.get("type") == kind for o in near):
        what = {"count": "value/unit", "rate": "value", "amount": "value/currency",
                "award": "name", "activity": "date", "placeholder": "masked run"}[kind]
        return f"same text, different {what}"
    if near:
        return f"same text taken as {near[0].get('type')}"
    if pred_reports is not None:  # a missed gold fact: was its text inside some report?
        span = _span(fact)
        if span and pred_reports and not any(
                int(r.get("start") or 0) <= span[0] < int(r.get("end") or 0) for r in pred_reports
                if r.get("end") is not None):
            return "text outside every predicted report (dropped as boilerplate?)"
        return "not extracted"
    return "not a fact in gold"


def format_scores(res: dict, n_errors: int = 0, causes: bool = False) -> str:
    """The scorer's table; errors by cause with `causes` or `n_errors`; then up to
    `n_errors` error lines per kind."""
    lines = [f"{'kind':<12}{'P':>8}{'R':>8}{'F1':>8}{'gold':>7}{'pred':>7}"]
    for kind in ["split", "sections", *FACT_TYPES, "facts_all"]:
        m = res[kind]
        lines.append(f"{kind:<12}{m['p']:>8.3f}{m['r']:>8.3f}{m['f1']:>8.3f}{m['gold']:>7}{m['pred']:>7}")
    lines.append(f"org_acc {res['org_acc']}  org_type_acc {res['org_type_acc']}  leaks {res['leaks']}")
    lines += [f"  {k:<24}{v:.3f}" for k, v in res["attr_acc"].items()]
    if causes or n_errors:
        lines.append(format_causes(res))
    if n_errors:
        for kind, errs in res["errors"].items():
            lines += [f"[{kind}] {e}" for e in errs[:n_errors]]
    return "\n".join(lines)


def format_causes(res: dict, top: int = 8) -> str:
    """Errors by cause, most frequent first: where to look next."""
    lines = ["errors by cause (most frequent first):"]
    for kind, counts in res.get("causes", {}).items():
        total = sum(counts.values())
        shown = list(counts.items())[:top]
        rest = total - sum(n for _, n in shown)
        lines.append(f"  {kind} ({total}): " + "; ".join(f"{c} x{n}" for c, n in shown)
                     + (f"; other x{rest}" if rest else ""))
    return "\n".join(lines)
