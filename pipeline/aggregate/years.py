"""Across years: which year each report belongs to, each branch's figures year over
year, and the flags that only a comparison with last year can raise.

- The year of a report: the branch manifest's `year`, else a year folder in its path
  (`2023/`, `2023年/` at any depth under the input root), else the year its text
  states; else unknown (never guessed). `year_source` says which rule decided.
- A report's figures (`report_figures`): per metric of `data/year_metrics.toml`, the
  largest matching fact; a branch's value in a year (`branch_year_rows`) sums its
  reports' values (rates: their mean), keeping the facts behind it.
- `year_over_year`: each branch against its previous reporting year, each district
  against the previous year of the run; branches new in a year and branches that
  stopped get a row of their own.
- Flags (`YearFlags`): copied_from_previous_year, figures_unchanged,
  implausible_change, stopped_reporting (rostered branches), year_unknown. A report
  is only ever compared with its own branch's previous-year reports (a template's
  preamble shared by all branches never counts), so the cost is linear in reports.
"""
from __future__ import annotations

import os
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.aggregate.flags import Flag, _fmt
from pipeline.aggregate.labels import zh
from pipeline.aggregate.years_folder import folder_year, is_year_folder  # noqa: F401

METRICS_FILE = Path(__file__).parent / "data" / "year_metrics.toml"
RATE_TYPES = ("rate",)


class YearResolver:
    """Year and year_source of a report: manifest, folder, text, unknown."""

    def __init__(self, roots, folders: dict | None = None):
        from pipeline.aggregate.branches import safe_resolve

        given = [Path(r) for r in roots if Path(r).is_dir()]
        # roots as written (a lexical match is enough for most paths) and resolved
        # (deepest first: a root inside another one decides)
        self.lexical = sorted({os.path.abspath(r) for r in given}, key=lambda p: -len(p))
        self.roots = sorted({safe_resolve(r) for r in given}, key=lambda p: -len(p.parts))
        self._folders = folders if folders is not None else {}  # resolve_file's cache
        self._by_folder: dict[str, int | None] = {}

    def _path_year(self, path: str) -> int | None:
        """The year of the deepest year folder of `path` under its input root (one
        look-up per folder: a folder holds many files)."""
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in self._by_folder:
            self._by_folder[folder] = self._folder_year(path, folder)
        return self._by_folder[folder]

    def _folder_year(self, path: str, folder: str) -> int | None:
        from pipeline.aggregate.branches import resolve_file

        for root in self.lexical:
            if folder == root or folder.startswith(root + os.sep):
                return folder_year(folder[len(root):].split(os.sep))
        p = resolve_file(path, self._folders)
        for root in self.roots:
            try:
                rel = p.relative_to(root)
            except ValueError:
                continue
            return folder_year(rel.parts[:-1])
        return None

    def resolve(self, branch, path: str, text_year: int | None) -> tuple[int | None, str]:
        if branch.branch_source == "manifest" and branch.expected_year:
            return branch.expected_year, "manifest"
        year = self._path_year(path)
        if year is not None:
            return year, "folder"
        if text_year is not None:
            return text_year, "text"
        return None, "unknown"


def multi_season(lines) -> bool:
    """Whether a run holds several reporting seasons (and so is compared year over
    year, and its district statistics describe the latest season): years given by
    the manifest or year folders, or a branch that sent files of two different years.
    A file is one submission: the years its reports state in their text (a
    collection, each report about its own year) make the file's year their latest,
    and reports of one season that each state their own year are one season.
    `lines`: objects with .branch.branch_id, .path, .year, .year_source."""
    years = {ln.year for ln in lines if ln.year is not None}
    if len(years) < 2:
        return False
    if any(ln.year_source in ("manifest", "folder") for ln in lines if ln.year is not None):
        return True
    file_year: dict[tuple[str, str], int] = {}
    for ln in lines:
        if ln.year is not None and ln.branch.branch_id is not None:
            key = (ln.branch.branch_id, ln.path)
            file_year[key] = max(file_year.get(key, ln.year), ln.year)
    by_branch: dict[str, set[int]] = defaultdict(set)
    for (bid, _), year in file_year.items():
        by_branch[bid].add(year)
    return any(len(ys) > 1 for ys in by_branch.values())


# --- a report's figures ------------------------------------------------------------

@cache
def metric_specs() -> tuple[dict, tuple[str, ...]]:
    """(metric -> its definition, aid words) from data/year_metrics.toml."""
    from schemas.report import YEAR_METRICS

    with open(METRICS_FILE, "rb") as fh:
        data = tomllib.load(fh)
    specs = data["metric"]
    if set(specs) != set(YEAR_METRICS):
        raise ValueError(f"{METRICS_FILE}: metrics {sorted(specs)} differ from {YEAR_METRICS}")
    return {m: specs[m] for m in YEAR_METRICS}, tuple(data.get("aid_words", ()))


def _aid_spans(section_tree, aid_words) -> list[tuple[int, int]]:
    """Character spans of the report's aid part: sections labelled aid, or whose heading
    holds an aid word (with everything under them)."""
    spans = []
    stack = list(section_tree)
    while stack:
        s = stack.pop()
        if s.label == "aid" or any(w in s.heading for w in aid_words):
            spans.append((s.start, s.end))
        else:
            stack.extend(s.children)
    return spans


@dataclass(slots=True)
class Figure:
    """A report's value of one metric: the fact behind it (1-based fact number)."""
    value: float
    fact_no: int
    text: str


@cache
def _specs_by_key() -> dict:
    """(fact type, fact metric) -> [(metric, spec)]: a fact looks up the few metrics it
    can be, not every one (a build asks this of every fact of the run)."""
    specs, _ = metric_specs()
    index: dict = defaultdict(list)
    for metric, spec in specs.items():
        for m in spec.get("metrics", [None]):
            index[(spec["type"], m)].append((metric, spec))
    return dict(index)


def report_figures(facts, section_tree) -> dict[str, Figure]:
    """metric -> the report's value (its largest matching fact; first on ties). Works on
    the full fact models and on the light ones of the first pass alike."""
    index = _specs_by_key()
    aid = None
    out: dict[str, Figure] = {}
    for no, f in enumerate(facts, 1):
        kind = f.type
        if kind == "count" or kind == "rate":
            cands = index.get((kind, f.metric))
        elif kind == "amount":
            cands = index.get((kind, None))
        else:
            continue
        if not cands or f.value is None:
            continue
        for metric, spec in cands:
            if spec.get("units") and f.unit not in spec["units"]:
                continue
            if kind == "amount" and f.currency != "CNY":
                continue
            if "cap" in spec and f.value > spec["cap"]:
                continue
            if spec.get("aid_only"):
                if aid is None:
                    aid = _aid_spans(section_tree, metric_specs()[1])
                if not any(a <= f.start < b for a, b in aid):
                    continue
            best = out.get(metric)
            if best is None or f.value > best.value:
                out[metric] = Figure(float(f.value), no, f.text)
    return out


def figure_values(facts) -> list[tuple[str, str, float]]:
    """(type, unit or currency, value) of every count, amount and rate of a report:
    what `figures_unchanged` compares with last year's."""
    return [(f.type, getattr(f, "unit", None) or getattr(f, "currency", None) or "", f.value)
            for f in facts if f.type in ("count", "amount", "rate") and f.value is not None]


# --- light reading of the reports the flags compare ----------------------------------

class _LiteFact(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    value: float | None = None
    metric: str | None = None
    unit: str | None = None
    currency: str | None = None
    text: str = ""
    start: int = 0


class _LiteSection(BaseModel):
    model_config = ConfigDict(extra="ignore")
    heading: str = ""
    label: str | None = None
    start: int = 0
    end: int = 0
    children: list["_LiteSection"] = []


class _LiteReport(BaseModel):
    model_config = ConfigDict(extra="ignore")
    facts: list[_LiteFact] = []
    section_tree: list[_LiteSection] = []


# --- branch-year values and year-over-year rows ------------------------------------

@dataclass(slots=True)
class ReportYear:
    """What the year tables need of one report."""
    report_id: str
    branch_id: str | None
    branch_name: str | None
    district: str | None
    year: int | None
    figures: dict[str, Figure] = field(default_factory=dict)


HOW_SUM, HOW_MEAN = "max_in_report+sum_over_reports", "max_in_report+mean_over_reports"


def branch_year_rows(reports: list[ReportYear]) -> list[dict]:
    """Rows of `branch_years` (schemas.report.BranchYear): per branch, year and metric
    stated by at least one of the branch's reports that year."""
    specs, _ = metric_specs()
    rank = {m: i for i, m in enumerate(specs)}
    groups: dict[tuple, list[ReportYear]] = defaultdict(list)
    for r in reports:
        if r.branch_id is not None and r.year is not None:
            groups[(r.branch_id, r.year)].append(r)
    rows = []
    for (bid, year), reps in sorted(groups.items(), key=lambda kv: kv[0]):
        first = reps[0]
        stating: dict[str, list] = {}
        for r in reps:
            for metric, fig in r.figures.items():
                stating.setdefault(metric, []).append((r.report_id, fig))
        for metric in sorted(stating, key=rank.__getitem__):
            found = stating[metric]
            total = sum(f.value for _, f in found)
            mean = specs[metric]["type"] in RATE_TYPES
            rows.append({
                "branch_id": bid, "branch_name": first.branch_name, "district": first.district,
                "year": year, "metric": metric,
                "value": round(total / len(found), 4) if mean else total,
                "how": HOW_MEAN if mean else HOW_SUM, "n_reports": len(found),
                "report_ids": [rid for rid, _ in found],
                "fact_ids": [f"{rid}:{f.fact_no}" for rid, f in found],
                "fact_texts": [f.text for _, f in found]})
    return rows


def _change(prev, cur) -> tuple[float | None, float | None]:
    if prev is None or cur is None:
        return None, None
    change = cur - prev
    return round(change, 4), (round(100 * change / prev, 2) if prev else None)


def year_over_year_rows(by_rows: list[dict], reports: list[ReportYear]) -> list[dict]:
    """Rows of `year_over_year` (schemas.report.YearOverYear)."""
    specs, _ = metric_specs()
    years = sorted({r.year for r in reports if r.year is not None and r.branch_id is not None})
    value = {(r["branch_id"], r["year"], r["metric"]): r["value"] for r in by_rows}
    info: dict[str, ReportYear] = {}
    branch_years: dict[str, set[int]] = defaultdict(set)
    for r in reports:
        if r.branch_id is not None and r.year is not None:
            info.setdefault(r.branch_id, r)
            branch_years[r.branch_id].add(r.year)
    rows = []

    def row(level, district, bid, metric, status, prev_y, cur_y, prev_v=None, cur_v=None,
            prev_n=None, cur_n=None):
        change, pct = _change(prev_v, cur_v)
        b = info.get(bid) if bid else None
        rows.append({"level": level, "district": district, "branch_id": bid,
                     "branch_name": b.branch_name if b else None, "metric": metric,
                     "status": status, "previous_year": prev_y, "current_year": cur_y,
                     "previous_value": prev_v, "current_value": cur_v, "change": change,
                     "change_pct": pct, "previous_branches": prev_n, "current_branches": cur_n})

    for bid in sorted(branch_years):
        mine = sorted(branch_years[bid])
        district = info[bid].district
        for prev_y, cur_y in zip(mine, mine[1:]):
            for metric in specs:
                pv, cv = value.get((bid, prev_y, metric)), value.get((bid, cur_y, metric))
                if pv is None and cv is None:
                    continue
                status = "compared" if pv is not None and cv is not None else \
                    ("only_previous" if cv is None else "only_current")
                row("branch", district, bid, metric, status, prev_y, cur_y, pv, cv)
        if years and mine[0] > years[0]:
            row("branch", district, bid, None, "new", None, mine[0])
        for prev_y, cur_y in zip(years, years[1:]):  # reported in one year, not the next
            if prev_y in branch_years[bid] and cur_y not in branch_years[bid]:
                row("branch", district, bid, None, "stopped", prev_y, cur_y)
    # districts: sums (rates: means) over the branches stating the metric that year
    per_district: dict[tuple, list[float]] = defaultdict(list)
    for r in by_rows:
        per_district[(info[r["branch_id"]].district, r["year"], r["metric"])].append(r["value"])
    districts = sorted({info[b].district for b in info}, key=lambda d: (d is None, d or ""))
    for district in districts:
        for prev_y, cur_y in zip(years, years[1:]):
            for metric, spec in specs.items():
                pv, cv = per_district.get((district, prev_y, metric)), \
                    per_district.get((district, cur_y, metric))
                if not pv and not cv:
                    continue
                agg = (lambda v: round(sum(v) / len(v), 4)) if spec["type"] in RATE_TYPES else sum
                p, c = (agg(pv) if pv else None), (agg(cv) if cv else None)
                status = "compared" if pv and cv else ("only_previous" if not cv else "only_current")
                row("district", district, None, metric, status, prev_y, cur_y, p, c,
                    len(pv or ()), len(cv or ()))
    return rows


# --- flags -------------------------------------------------------------------------

@cache
def _unmask_table() -> dict[int, str]:
    """Digits (Arabic, full-width, Chinese numerals: what the hasher masks) mapped to
    distinct letters, which it keeps: hashing the mapped text gives the signature of
    the text with its digits kept, in the same batched way."""
    from pipeline.aggregate.minhash import _char_tables

    digit, _ = _char_tables()
    digits = [chr(c) for c in digit.nonzero()[0]]
    letters = [chr(0x0100 + i) for i in range(len(digits))]  # Latin Extended-A: word chars
    return str.maketrans(dict(zip(digits, letters)))


def exact_shares(hasher, a: str, b: str) -> tuple[float, float]:
    """(share of the character shingles two texts share with digits kept, with digits
    masked): the exact Jaccard similarities the signatures estimate."""
    import numpy as np

    from pipeline.aggregate.minhash import _DROP

    def jaccard(x, y):
        inter = len(np.intersect1d(x, y, assume_unique=True))
        return inter / max(1, len(x) + len(y) - inter)

    def plain(text):
        return np.unique(hasher._window_hashes(hasher._code_points(_DROP.sub("", text))))

    return jaccard(plain(a), plain(b)), jaccard(hasher.shingles(a), hasher.shingles(b))


AMBIGUOUS = 0.08  # an estimate this close to a threshold is made exact


def plain_signatures(hasher, texts: list[str]):
    """MinHash signatures of `texts` with their digits kept (not masked)."""
    table = _unmask_table()
    return hasher.signatures([t.translate(table) for t in texts])


class YearFlags:
    """The year-comparison flags of a run, by report (`of`), and the years it holds."""

    def __init__(self):
        self.flags: dict[str, list[Flag]] = defaultdict(list)
        self.years: list[int] = []
        self.figures: dict[str, dict] = {}  # report id -> report_figures, where computed

    def add(self, report_id: str, code: str, severity: str, message: str, detail=None,
            twin=None, similarity=None) -> None:
        self.flags[report_id].append(Flag(report_id=report_id, code=code, severity=severity,
                                          message=message, detail=detail,
                                          twin_report_id=twin, similarity=similarity))

    def of(self, report_id: str) -> list[Flag]:
        return self.flags.get(report_id, [])


def _fmt_metric(metric: str, v: float) -> str:
    return f"{_fmt(v)}%" if metric.endswith("_rate") else _fmt(v)


def year_flags(lines, signatures: dict, reports_path: Path, pol, roster_ids: set[str],
               names: dict[str, str], text_of, corrected: dict | None = None) -> YearFlags:
    """The flags of `lines` (the first pass's `_Line`s: report_id, branch, year, offset,
    span, path). `signatures`: report id -> MinHash signature (digits masked);
    `text_of(line)`: the report's text or None (read only for pairs whose signatures
    say they may be copies); `corrected`: report id -> (facts, section tree) of the
    reports an analyst corrected (their figures are the corrected ones)."""
    yp = pol.years
    out = YearFlags()
    # the years of reports whose branch is known: those alone can be compared (a stray
    # report of another year and no known unit must not make every branch "stop")
    out.years = sorted({ln.year for ln in lines
                        if ln.year is not None and ln.branch.branch_id is not None})
    if len(out.years) < 2:
        return out
    for ln in lines:
        if ln.year is None and ln.branch.branch_id is not None:
            out.add(ln.report_id, "year_unknown", "info",
                    "无法判断报告年度：清单、目录和正文都没有给出年份，未计入年度对比；"
                    "请在 manifest.csv 中登记其年度")
    by_branch: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for ln in lines:
        if ln.branch.branch_id is not None and ln.year is not None:
            by_branch[ln.branch.branch_id][ln.year].append(ln)
    latest = out.years[-1]
    for bid in sorted(roster_ids & set(by_branch)):
        years = by_branch[bid]
        if latest not in years:
            last_y = max(years)
            last = years[last_y][-1]
            out.add(last.report_id, "stopped_reporting", "warning",
                    f"本单位 {last_y} 年报送过工作总结，{latest} 年（本次最新年度）没有报送，"
                    "请催报或核实是否已撤并", f"{last_y}->{latest}")
    multi = {bid: ys for bid, ys in by_branch.items() if len(ys) > 1}
    if not multi:
        return out
    # the figures of every report of a branch seen in two years or more: re-read
    # their lines (light model: facts and section tree only)
    wanted = sorted((ln for ys in multi.values() for lns in ys.values() for ln in lns),
                    key=lambda ln: ln.offset)
    figs: dict[str, tuple[dict, list]] = {}
    corrected = corrected or {}
    with open(reports_path, "rb") as fh:
        for ln in wanted:
            if ln.report_id in corrected:
                facts, tree = corrected[ln.report_id]
            else:
                fh.seek(ln.offset)
                lite = _LiteReport.model_validate_json(fh.readline())
                facts, tree = lite.facts, lite.section_tree
            figs[ln.report_id] = (report_figures(facts, tree), figure_values(facts))
            out.figures[ln.report_id] = figs[ln.report_id][0]  # (the tables reuse them)
    # copies: each report against its branch's previous-year reports whose signatures
    # (digits masked) agree enough to be candidates; those pairs are compared again with
    # digits kept (signatures of their texts computed now, in one batch)
    low = min(yp.copy_threshold, yp.wording_threshold) - 0.1  # (margin: estimates)
    pairs = []
    for bid, ys in multi.items():
        order = sorted(ys)
        for prev_y, cur_y in zip(order, order[1:]):
            prev, cur = ys[prev_y], ys[cur_y]
            for ln in cur:
                sig = signatures.get(ln.report_id)
                for p in prev if sig is not None else ():
                    psig = signatures.get(p.report_id)
                    if psig is not None:
                        masked = float((sig == psig).mean())
                        if masked >= low:
                            pairs.append((ln, p, prev_y, masked))
                _figures_flag(out, ln, prev, prev_y, figs, yp)
            _change_flags(out, prev, cur, prev_y, cur_y, figs, yp)
    _copy_flags(out, pairs, yp, names, text_of, pol)
    return out


def _copy_flags(out, pairs, yp, names, text_of, pol):
    """copied_from_previous_year for the candidate `pairs` (report, previous-year
    report, its year, similarity with digits masked): the most similar per report."""
    from pipeline.aggregate.minhash import MinHasher

    if not pairs:
        return
    texts: dict[str, str | None] = {}
    for ln, p, _, _ in pairs:
        for x in (ln, p):
            if x.report_id not in texts:
                texts[x.report_id] = text_of(x)
    known = [rid for rid, t in texts.items() if t is not None]
    hasher = MinHasher(pol)
    plain_sig = dict(zip(known, plain_signatures(hasher, [texts[r] for r in known])))
    best: dict[str, tuple] = {}
    for ln, p, prev_y, masked in pairs:
        a, b = plain_sig.get(ln.report_id), plain_sig.get(p.report_id)
        if a is None or b is None:
            continue
        plain = float((a == b).mean())
        if abs(plain - yp.copy_threshold) < AMBIGUOUS \
                or abs(masked - yp.wording_threshold) < AMBIGUOUS:
            # near a threshold the estimate's error (about 0.03) could decide: count
            plain, masked = exact_shares(hasher, texts[ln.report_id], texts[p.report_id])
        cand = (plain, masked, p, prev_y)
        if ln.report_id not in best or cand[:2] > best[ln.report_id][:2]:
            best[ln.report_id] = cand
    for rid, (plain, masked, p, prev_y) in best.items():
        name = names.get(p.report_id, p.report_id)
        if plain >= yp.copy_threshold:
            out.add(rid, "copied_from_previous_year", "warning",
                    f"与本单位 {prev_y} 年的报告“{name}”几乎相同：原文约 {plain:.0%} 相同"
                    f"（去掉数字后约 {masked:.0%}），疑似只改了年份或个别数字，请核实是否照抄上年总结",
                    f"plain={plain:.3f};masked={masked:.3f}", p.report_id, round(plain, 3))
        elif masked >= yp.wording_threshold:
            out.add(rid, "copied_from_previous_year", "info",
                    f"沿用本单位 {prev_y} 年报告“{name}”的文字：去掉数字后约 {masked:.0%} 相同"
                    f"（原文约 {plain:.0%}），只更新了数字",
                    f"plain={plain:.3f};masked={masked:.3f}", p.report_id, round(masked, 3))


def _figures_flag(out, ln, prev, prev_y, figs, yp):
    mine = figs[ln.report_id][1]
    if len(mine) < yp.figures_min:
        return
    before = {v for p in prev for v in figs[p.report_id][1]}
    same = sum(v in before for v in mine)
    share = same / len(mine)
    if share >= yp.figures_share:
        out.add(ln.report_id, "figures_unchanged", "warning",
                f"与 {prev_y} 年报告相比，{len(mine)} 个数字中有 {same} 个（{share:.0%}）"
                "与上年完全相同，疑似沿用上年数据，请核实", f"{same}/{len(mine)}",
                prev[0].report_id, round(share, 3))


def _change_flags(out, prev, cur, prev_y, cur_y, figs, yp):
    """implausible_change on the first current-year report stating the metric."""
    specs, _ = metric_specs()
    for metric in yp.change_metrics:
        mean = specs[metric]["type"] in RATE_TYPES

        def total(lines):
            vals = [(ln, figs[ln.report_id][0][metric]) for ln in lines
                    if metric in figs[ln.report_id][0]]
            if not vals:
                return None, None
            v = sum(f.value for _, f in vals)
            return (v / len(vals) if mean else v), vals
        pv, _ = total(prev)
        cv, cur_vals = total(cur)
        if pv is None or cv is None or pv < yp.change_min_base:
            continue
        pct = 100 * (cv - pv) / pv
        if abs(pct) > yp.change_pct:
            ln, fig = cur_vals[0]
            out.add(ln.report_id, "implausible_change", "warning",
                    f"{zh('metric', metric)}由 {prev_y} 年的 {_fmt_metric(metric, pv)} 变为 "
                    f"{cur_y} 年的 {_fmt_metric(metric, cv)}（{pct:+.0f}%），变化超过 "
                    f"{_fmt(yp.change_pct)}%，请核实（“{fig.text}”）",
                    f"{metric}:{pv:g}->{cv:g}")


# --- the tables --------------------------------------------------------------------

@dataclass
class YearTables:
    years: list[int]          # the years of the reports of known branches: compared
    branch_years: object      # DataFrame of schemas.report.BranchYear
    year_over_year: object    # DataFrame of schemas.report.YearOverYear
    unknown: int = 0          # reports of known branches whose year cannot be told
    all_years: list[int] = field(default_factory=list)  # of every report with a year


def year_tables(reports: list[ReportYear], compare: bool = True) -> YearTables:
    """The two tables of a run (empty, with their columns, for a single-year run's
    `year_over_year`, and both empty for a run of one season: `compare` False, see
    `multi_season`). Reports whose branch is unknown have no place in them."""
    from pipeline.aggregate.tables import frame_of, year_table_schemas

    schemas = year_table_schemas()
    compared = reports if compare else []
    by_rows = branch_year_rows(compared)
    yoy = year_over_year_rows(by_rows, compared)
    return YearTables(
        sorted({r.year for r in compared if r.year is not None and r.branch_id is not None}),
        frame_of(by_rows, schemas["branch_years"]), frame_of(yoy, schemas["year_over_year"]),
        sum(r.year is None and r.branch_id is not None for r in reports),
        sorted({r.year for r in reports if r.year is not None}))


def no_comparison_note(yt) -> str | None:
    """Why a run has no year comparison (None: it has one), for the sheet and dashboard."""
    if yt is not None and len(yt.years) > 1:
        return None
    every = list(yt.all_years) if yt is not None else []
    if len(every) > 1:
        why = (f"报告涉及多个年度（{'、'.join(map(str, every))}），但这是一个报送季的材料："
               "没有哪个能确定的基层单位（清单、目录或名册）在两个年度分别提交过报告，"
               "无法逐年对比。")
    elif every:
        why = f"本次运行只有 {every[0]} 年一个年度的报告，无法做年度对比。"
    else:
        why = "本次运行的报告都无法判断年度，无法做年度对比。"
    return why + ("同时提交同一批单位多个年度的报告（manifest.csv 的 year 列，"
                  "或按年度分目录，如 2023/、2024/）即可得到逐年变化。")
