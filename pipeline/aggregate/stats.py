"""District statistics (pandas): submission, coverage, metrics, rates, awards, flags.

`district_stats` is a long table (one row per district x kind x key, columns
from `DistrictStat`), every share being `n / of`. An extra district
`ALL_DISTRICTS` holds the whole batch; reports whose district is unknown are
grouped under `UNKNOWN_DISTRICT`, never spread over the known ones.

Per-report metric value: a report often restates or breaks down a figure
(会员5380人 ... 其中女会员2100人), so each report contributes the largest value
it states for a (metric, unit); totals and medians are over reports, exact
and approximate values (余/多/约 ...) kept apart. Rates are summarised over
the stated values; shares above 100% (建会率120%) are flagged and left out.
"""
from __future__ import annotations

import pandas as pd
from pydantic import BaseModel

from pipeline.aggregate.branches import RosterEntry
from schemas.report import SECTION_LABELS

ALL_DISTRICTS = "（全部）"
UNKNOWN_DISTRICT = "（未知）"
KEY_RATES = ("union_rate", "membership_rate")
UNIT_ALIASES = {"名": "人", "位": "人", "间": "家"}


class DistrictStat(BaseModel):
    """One statistic of one district; a row of the `district_stats` table."""
    district: str
    kind: str                      # submission | complete | section | metric | rate | award_level | flag
    key: str
    n: int                         # numerator: branches, reports or facts counted
    of: int                        # denominator of `share`
    share: float | None = None
    total: float | None = None
    total_exact: float | None = None
    total_approx: float | None = None
    median_exact: float | None = None
    median_approx: float | None = None
    mean: float | None = None
    min: float | None = None
    max: float | None = None


STAT_COLUMNS = list(DistrictStat.model_fields)
MISSING_COLUMNS = ["district", "branch_id", "branch_name", "org_type"]


def _share(n: int, of: int) -> float | None:
    return round(n / of, 4) if of else None


def _num(x) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _with_all(df: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([df, df.assign(district=ALL_DISTRICTS)], ignore_index=True)


CAPPED_RATES = ("union_rate", "membership_rate", "coverage_rate", "pass_rate")


STAT_FACT_COLUMNS = ["report_id", "type", "value", "unit", "approx", "metric", "level"]
STAT_FACT_TYPES = ("count", "rate", "award")


def read_stat_facts(path) -> pd.DataFrame:
    """The facts `district_stats` uses, read from the facts table: only the columns and
    fact types it counts, not the whole table."""
    from pipeline.aggregate.tables import read_table

    return read_table(path, STAT_FACT_COLUMNS, filters=[("type", "in", STAT_FACT_TYPES)])


def latest_season(multi_season: bool, reports: pd.DataFrame
                  ) -> tuple[pd.DataFrame, int | None]:
    """The reports the district statistics describe, and their year. A run of several
    seasons (`years.multi_season`) is described by its latest season: adding up two
    seasons' members would double them; earlier years are compared in the 年度对比
    tables, and a report whose year cannot be told is listed by its year_unknown
    flag, not guessed into a season. A run of one season is described whole (year
    None), also when its reports each state a different year in their text."""
    years = reports["report_year"].dropna().unique()
    if not multi_season or len(years) < 2:
        return reports, None
    latest = int(max(years))
    keep = (reports["report_year"] == latest).fillna(False)
    return reports[keep.to_numpy(dtype=bool)].reset_index(drop=True), latest


def district_stats(reports: pd.DataFrame, facts: pd.DataFrame, flags: pd.DataFrame,
                   roster: list[RosterEntry], capped_rates: tuple[str, ...] = CAPPED_RATES
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(district_stats, missing_branches). Rates of `capped_rates` above 100% are left out."""
    reps = reports[["report_id", "branch_id", "district", "sections", "complete"]].copy()
    reps["district"] = reps["district"].fillna(UNKNOWN_DISTRICT)
    roster_df = pd.DataFrame([e.__dict__ for e in roster],
                             columns=["branch_id", "branch_name", "district", "org_type"])
    submitted = set(reps["branch_id"].dropna())
    missing = roster_df[~roster_df["branch_id"].isin(submitted)][MISSING_COLUMNS]
    missing = missing.sort_values(["district", "branch_id"]).reset_index(drop=True)

    reps_all = _with_all(reps)
    n_reports = reps_all.groupby("district")["report_id"].nunique().to_dict()
    districts = sorted(set(reps["district"]) | set(roster_df["district"]))
    districts = [d for d in districts if d != UNKNOWN_DISTRICT] + \
        ([UNKNOWN_DISTRICT] if UNKNOWN_DISTRICT in set(reps["district"]) else []) + [ALL_DISTRICTS]
    rows: list[DistrictStat] = []

    roster_all = _with_all(roster_df)
    # per-district counts by groupby: a boolean selection per district was
    # O(districts x reports)
    by_d = reps_all["district"]
    exp_n = roster_all.groupby("district")["branch_id"].size().to_dict()
    exp_got = roster_all["branch_id"].isin(submitted).groupby(roster_all["district"]).sum().to_dict()
    unexpected_n = (~reps_all["branch_id"].isin(set(roster_df["branch_id"]))).groupby(by_d).sum() \
        .to_dict() if len(roster_df) else {}
    done_n = reps_all["complete"].fillna(False).astype(bool).groupby(by_d).sum().to_dict()
    # reports covering each section label, by district: one (report, label) row a label
    # a report has (a set or a column a label over every report cost 1-2 KB a report)
    covered = reps[["district", "sections"]].reset_index(drop=True).explode("sections")
    covered = covered.dropna(subset=["sections"]).reset_index() \
        .drop_duplicates(["index", "sections"])  # (a label listed twice counts once)
    per_label = covered.groupby(["sections", "district"]).size()
    section_n = {label: {} for label in SECTION_LABELS}
    for (label, d), n in per_label.items():
        if label in section_n:
            section_n[label][d] = int(n)
            section_n[label][ALL_DISTRICTS] = section_n[label].get(ALL_DISTRICTS, 0) + int(n)
    for d in districts:
        of = int(n_reports.get(d, 0))
        expected = int(exp_n.get(d, 0))
        if expected:
            got = int(exp_got.get(d, 0))
            rows.append(DistrictStat(district=d, kind="submission", key="branches", n=got,
                                     of=expected, share=_share(got, expected)))
        unexpected = int(unexpected_n.get(d, 0))
        rows.append(DistrictStat(district=d, kind="submission", key="unexpected_reports",
                                 n=unexpected, of=of, share=_share(unexpected, of)))
        done = int(done_n.get(d, 0))
        rows.append(DistrictStat(district=d, kind="complete", key="reports", n=done, of=of,
                                 share=_share(done, of)))
        for label in SECTION_LABELS:
            n = int(section_n[label].get(d, 0)) if of else 0
            rows.append(DistrictStat(district=d, kind="section", key=label, n=n, of=of,
                                     share=_share(n, of)))

    district_of = reps.set_index("report_id")["district"]
    if len(facts):
        f = facts[STAT_FACT_COLUMNS].copy()  # (only the columns used below)
        f["district"] = f["report_id"].map(district_of)
        rows += _by_district_then_all(f, lambda f: _metric_rows(f, n_reports)
                                      + _rate_rows(f, n_reports, capped_rates)
                                      + _award_rows(f, n_reports))
    if len(flags):
        fl = flags[["report_id", "code"]].copy()
        fl["district"] = fl["report_id"].map(district_of)
        rows += _by_district_then_all(fl, lambda fl: _flag_rows(fl, n_reports))
    order = {d: i for i, d in enumerate(districts)}
    df = pd.DataFrame([r.model_dump() for r in rows], columns=STAT_COLUMNS)
    df["_o"] = df["district"].map(order).fillna(len(order))
    df = df.sort_values(["_o", "kind", "key"], kind="stable").drop(columns="_o")
    return df.reset_index(drop=True), missing


def _by_district_then_all(df: pd.DataFrame, rows_of) -> list[DistrictStat]:
    """`rows_of(df)` by district, then over every row as district ALL_DISTRICTS: the
    frame's district column is overwritten for it (`_with_all` would copy every row,
    and a run has hundreds of thousands of facts and flags)."""
    rows = rows_of(df)
    df["district"] = ALL_DISTRICTS
    return rows + rows_of(df)


def _award_rows(f: pd.DataFrame, n_reports: dict) -> list[DistrictStat]:
    aw = f.loc[f["type"] == "award", ["district", "level"]]
    return [DistrictStat(district=d, kind="award_level", key=level, n=int(n),
                         of=int(n_reports.get(d, 0)), total=float(n))
            for (d, level), n in aw.groupby(["district", "level"]).size().items()]


def _flag_rows(fl: pd.DataFrame, n_reports: dict) -> list[DistrictStat]:
    agg = fl.groupby(["district", "code"])["report_id"].agg(["nunique", "size"])
    rows = []
    for (d, code), nrep, total in zip(agg.index, agg["nunique"].tolist(), agg["size"].tolist()):
        of = int(n_reports.get(d, 0))
        rows.append(DistrictStat(district=d, kind="flag", key=code, n=nrep, of=of,
                                 share=_share(nrep, of), total=float(total)))
    return rows


def _metric_rows(f: pd.DataFrame, n_reports: dict) -> list[DistrictStat]:
    cols = ["district", "report_id", "metric", "unit", "value", "approx"]
    c = f.loc[(f["type"] == "count") & f["value"].notna(), cols].copy()
    if not len(c):
        return []
    c["unit"] = c["unit"].replace(UNIT_ALIASES)
    c["approx"] = c["approx"].fillna(False).astype(bool)
    # the largest stated value per report and (metric, unit); its approx flag comes along
    c = c.sort_values("value", ascending=False, kind="stable")
    per = c.drop_duplicates(["district", "report_id", "metric", "unit"])
    per = per.assign(exact=per["value"].where(~per["approx"]),
                     approx_v=per["value"].where(per["approx"]))
    # one groupby for every figure (a boolean selection per group was the slow part)
    agg = per.groupby(["district", "metric", "unit"]).agg(
        n=("report_id", "nunique"), total=("value", "sum"), mean=("value", "mean"),
        min=("value", "min"), max=("value", "max"),
        n_exact=("exact", "count"), total_exact=("exact", "sum"), median_exact=("exact", "median"),
        n_approx=("approx_v", "count"), total_approx=("approx_v", "sum"),
        median_approx=("approx_v", "median"))
    rows = []
    for (d, metric, unit), r in zip(agg.index, agg.itertuples(index=False)):
        of = int(n_reports.get(d, 0))
        has_ex, has_ap = r.n_exact > 0, r.n_approx > 0
        rows.append(DistrictStat(
            district=d, kind="metric", key=f"{metric}:{unit}", n=int(r.n),
            of=of, share=_share(int(r.n), of),
            total=float(r.total),
            total_exact=float(r.total_exact) if has_ex else None,
            total_approx=float(r.total_approx) if has_ap else None,
            median_exact=_num(r.median_exact) if has_ex else None,
            median_approx=_num(r.median_approx) if has_ap else None,
            mean=_num(r.mean), min=_num(r.min), max=_num(r.max)))
    return rows


def _rate_rows(f: pd.DataFrame, n_reports: dict, capped: tuple[str, ...]) -> list[DistrictStat]:
    r = f[(f["type"] == "rate") & f["value"].notna()]
    r = r[(r["value"] <= 100) | ~r["metric"].isin(capped)]
    rows = []
    for (d, metric), g in r.groupby(["district", "metric"]):
        of = int(n_reports.get(d, 0))
        n = g["report_id"].nunique()
        rows.append(DistrictStat(
            district=d, kind="rate", key=metric, n=n, of=of, share=_share(n, of),
            mean=round(float(g["value"].mean()), 4), min=float(g["value"].min()),
            max=float(g["value"].max()),
            median_exact=_num(g["value"].median())))
    return rows


def district_summary(stats: pd.DataFrame) -> pd.DataFrame:
    """One row per district with the figures an analyst reads first."""
    out = []
    for d, g in stats.groupby("district", sort=False):
        def pick(kind, key, col):
            hit = g[(g["kind"] == kind) & (g["key"] == key)]
            return None if hit.empty or pd.isna(hit.iloc[0][col]) else hit.iloc[0][col]

        row = {"district": d,
               "branches_expected": pick("submission", "branches", "of"),
               "branches_reported": pick("submission", "branches", "n"),
               "submission_rate": pick("submission", "branches", "share"),
               "unexpected_reports": pick("submission", "unexpected_reports", "n"),
               "reports": pick("complete", "reports", "of"),
               "complete_reports": pick("complete", "reports", "n"),
               "complete_share": pick("complete", "reports", "share")}
        for rate in KEY_RATES:
            for stat in ("mean", "min", "max"):
                row[f"{rate}_{stat}"] = pick("rate", rate, stat)
        row["members_total"] = pick("metric", "members:人", "total")
        row["awards"] = float(g[g["kind"] == "award_level"]["n"].sum())
        row["flags"] = float(g[g["kind"] == "flag"]["total"].sum())
        out.append(row)
    return pd.DataFrame(out)
