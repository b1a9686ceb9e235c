"""Every query of the workbench, over the run's DuckDB database and the corrections.

One module that the JSON API and the HTML pages both read. The run's database is
attached read-only (`run.*`); what corrections change lives beside it, in memory:

- `listing`: one row a report (the columns a list shows, its rank), copied at start
  and updated when a report is corrected;
- `p_facts`, `p_flags`: the rows of corrected reports, which replace theirs in the
  views `facts_v` and `flags_v`;
- `stats`: the district statistics, a district's rows recomputed (with
  `aggregate.stats.district_stats`) when one of its reports is corrected.

A report is corrected from its line of reports.jsonl (as extracted) with the whole
journal applied (`pipeline.corrections`, which is idempotent: the database may have
been built with some of the journal applied already). Report ids are looked up in
`listing` and in an index of reports.jsonl; nothing from a request becomes a path.
"""
from __future__ import annotations

import builtins
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.aggregate.branches import (ROSTER_NAME, Branch, find_default, load_roster)
from pipeline.aggregate.flags import Flag, load_policy, report_flags
from pipeline.aggregate.stats import (ALL_DISTRICTS, STAT_FACT_COLUMNS, STAT_FACT_TYPES,
                                      UNKNOWN_DISTRICT, district_stats)
from pipeline.corrections import (Corrections, CorrectionError, add_fact_after, append_entry,
                                  apply_corrections, new_entry, read_journal, stale_entries)

PAGE_SIZE = 50
# The report list's order (required sections missing, then flag severity, then id) as
# one integer, sorted descending: sorting 400,000 rows by three keys, one a string, for
# a deep page took over 300 ms. Severity is capped at 2^24 - 1, ids ranked up to 2^25.
RANK_KEY = ("(n_missing::BIGINT << 50) + (least(severity, 16777215)::BIGINT << 25) "
            "+ (33554431 - least(id_pos, 33554431))")
SORTED_FACTS_MAX = 300_000  # a fact search sorted by value when it matches at most this many
SEVERITY_WEIGHT = {"error": 100, "warning": 10, "info": 1}
# the flags a correction can change (recomputed); the others (near-duplicates, year)
# come from the build
RECOMPUTED_FLAGS = ("missing_sections", "placeholders", "no_facts", "inconsistent_value",
                    "branch_unknown")
LISTING_COLUMNS = ["report_id", "source", "path", "report_index", "title", "org", "org_type",
                   "year", "sections", "branch_id", "branch_name", "district", "branch_source",
                   "n_facts", "n_quant_facts", "n_flags", "complete", "flag_summary", "start"]


class NotFound(LookupError):
    pass


@dataclass
class Page:
    rows: list[dict]
    total: int
    page: int
    page_size: int

    def as_dict(self) -> dict:
        return {"rows": self.rows, "total": self.total, "page": self.page,
                "page_size": self.page_size,
                "pages": max(1, -(-self.total // self.page_size))}


class _Where:
    """A query's conditions, joined by AND, and their parameters in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list = []

    def add(self, cond: str, *params) -> None:
        self.parts.append(cond)
        self.params += params

    def equal(self, col: str, value) -> None:
        if value:
            self.add(f"{col} = ?", value)

    def district(self, district: str | None, held_by: str = "{}") -> None:
        """The district `district` (the unknown district is a null one); `held_by`:
        the condition with `{}` where the district's test goes."""
        if district == UNKNOWN_DISTRICT:
            self.add(held_by.format("district IS NULL"))
        elif district:
            self.add(held_by.format("district = ?"), district)

    def __str__(self) -> str:
        return " WHERE " + " AND ".join(self.parts) if self.parts else ""


def _records(df: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: NaN/NA as None, numpy scalars and arrays as Python values."""
    out = []
    for rec in df.astype(object).where(df.notna(), None).to_dict("records"):
        for k, v in rec.items():
            if hasattr(v, "tolist"):
                rec[k] = v.tolist()
        out.append(rec)
    return out


class RunData:
    """The queries of one run folder. Thread-safe (one lock around the connection)."""

    def __init__(self, run_dir):
        from pipeline.aggregate import DB_NAME, _run_manifest

        self.run_dir = Path(run_dir)
        db = self.run_dir / DB_NAME
        if not db.is_file():
            raise FileNotFoundError(f"{db} not found (a run made with --no-report?): run "
                                    f"`ghminer report {run_dir}` first, or `ghminer serve "
                                    f"{run_dir} --build`")
        self.manifest = _run_manifest(self.run_dir)
        files = self.manifest.get("files", [])
        self.sha_by_path = {f["path"]: f.get("sha256") for f in files}
        self.encoding_by_path = {f["path"]: f.get("encoding") for f in files}
        self.known_sha = {s for s in self.sha_by_path.values() if s}
        self.policy = load_policy()
        roots = [Path(r) for r in self.manifest.get("inputs", [])]
        roster_path = find_default(roots, ROSTER_NAME) if roots else None
        self.roster = load_roster(roster_path) if roster_path else []
        self.roster_org_type = {e.branch_id: e.org_type for e in self.roster}
        self.lock = threading.RLock()
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"ATTACH '{_sql_str(db)}' AS run (READ_ONLY)")
        self._setup()
        self._version = 0  # statistics version: a background recompute of an older one is dropped
        self._all_thread: threading.Thread | None = None
        self._flag_codes: list[str] | None = None
        corrected = self._corrected_ids()
        for rid in corrected:
            self._refresh(rid, stats=False)
        if corrected:  # (the database may predate some of the journal)
            self._refresh_stats(None)

    # --- setup ------------------------------------------------------------------

    def _setup(self) -> None:
        con = self.con
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'run' "
            "AND table_name = 'facts'").fetchall()}
        if "provenance" not in have:
            raise ValueError(f"{self.run_dir} was built by an older ghminer: run "
                             f"`ghminer report {self.run_dir}` first")
        cols = ", ".join(f"r.{c}" for c in LISTING_COLUMNS)
        weights = " ".join(f"WHEN '{k}' THEN {v}" for k, v in SEVERITY_WEIGHT.items())
        # a report's rank: required sections missing, then its flags' severity
        con.execute(f"""
            CREATE TABLE listing AS
            SELECT *, {RANK_KEY} AS rank_key FROM (
            SELECT {cols},
                   coalesce(f.n_missing, 0)::INTEGER AS n_missing,
                   coalesce(f.severity, 0)::INTEGER AS severity,
                   (row_number() OVER (ORDER BY r.report_id))::BIGINT AS id_pos
            FROM run.reports r LEFT JOIN (
                SELECT report_id,
                       max(CASE WHEN code='missing_sections'
                                THEN len(string_split(detail, ',')) END) AS n_missing,
                       sum(CASE severity {weights} ELSE 0 END) AS severity
                FROM run.flags GROUP BY report_id) f USING (report_id))""")
        con.execute("CREATE UNIQUE INDEX listing_id ON listing(report_id)")
        con.execute("CREATE INDEX listing_district ON listing(district)")
        con.execute("CREATE TABLE p_facts AS SELECT * FROM run.facts LIMIT 0")
        con.execute("CREATE TABLE p_flags AS SELECT * FROM run.flags LIMIT 0")
        con.execute("CREATE TABLE p_ids (report_id VARCHAR PRIMARY KEY)")
        con.execute("""CREATE VIEW facts_v AS
            SELECT * FROM run.facts WHERE report_id NOT IN (SELECT report_id FROM p_ids)
            UNION ALL SELECT * FROM p_facts""")
        con.execute("""CREATE VIEW flags_v AS
            SELECT * FROM run.flags WHERE report_id NOT IN (SELECT report_id FROM p_ids)
            UNION ALL SELECT * FROM p_flags""")
        con.execute("CREATE TABLE stats AS SELECT * FROM run.district_stats")

    def _q(self, sql: str, params=()) -> pd.DataFrame:
        with self.lock:
            return self.con.execute(sql, list(params)).df()

    # --- districts and statistics ----------------------------------------------------

    def districts(self) -> list[dict]:
        from pipeline.aggregate.duck import DISTRICT_OVERVIEW

        df = self._q(f"""
            SELECT {DISTRICT_OVERVIEW},
              max(CASE WHEN kind='metric' AND key='members:人' THEN total END) AS members_total
            FROM stats GROUP BY district
            ORDER BY district = ?, district = ?, district""", [ALL_DISTRICTS, UNKNOWN_DISTRICT])
        return _records(df)

    def district_stats(self, district: str | None = None, kind: str | None = None) -> list[dict]:
        where = _Where()
        where.equal("district", district)
        where.equal("kind", kind)
        return _records(self._q(f"SELECT * FROM stats{where} ORDER BY district, kind, key",
                                where.params))

    def district_branches(self, district: str) -> list[dict]:
        """The district's branches: those with reports (as assigned now, corrections
        included), then the rostered ones without a report (`reports` 0)."""
        cond, params = ("district IS NULL", []) if district == UNKNOWN_DISTRICT else \
            ("district = ?", [district])
        rows = _records(self._q(
            "SELECT branch_id, any_value(branch_name) AS branch_name, count(*) AS reports "
            f"FROM listing WHERE {cond} GROUP BY branch_id ORDER BY branch_id NULLS LAST",
            params))
        seen = {r["branch_id"] for r in rows}
        return rows + [{"branch_id": e.branch_id, "branch_name": e.branch_name, "reports": 0}
                       for e in self.roster
                       if e.district == district and e.branch_id not in seen]

    def district_names(self) -> list[str]:
        return [r["district"] for r in self.districts()]

    # --- reports ------------------------------------------------------------------

    def flag_codes(self) -> list[str]:
        """The flag codes a report of this run can carry (those of the build, and those a
        correction can raise), in the labels' order: the report list's choice."""
        from pipeline.aggregate.labels import labels

        if self._flag_codes is None:
            with self.lock:
                present = {r[0] for r in self.con.execute(
                    "SELECT DISTINCT code FROM run.flags").fetchall()}
            self._flag_codes = [c for c in labels().get("flag", {})
                                if c in present or c in RECOMPUTED_FLAGS]
        return self._flag_codes

    def reports(self, district: str | None = None, org_type: str | None = None,
                flag: str | None = None, q: str | None = None, page: int = 1,
                page_size: int = PAGE_SIZE, branch_id: str | None = None,
                missing: str | None = None) -> Page:
        """Reports, most in need of review first: required sections missing, then the
        severity of their flags. `missing`: a section label the report's policy requires
        and the report lacks (its missing_sections flag names it)."""
        where = _Where()
        where.district(district)
        where.equal("org_type", org_type)
        where.equal("branch_id", branch_id)
        if flag:
            where.add("report_id IN (SELECT report_id FROM flags_v WHERE code = ?)", flag)
        if missing:
            where.add("report_id IN (SELECT report_id FROM flags_v WHERE code = "
                      "'missing_sections' AND list_contains(string_split(detail, ','), ?))",
                      missing)
        if q:
            where.add("(contains(coalesce(title, ''), ?) OR contains(coalesce(org, ''), ?)"
                      " OR contains(coalesce(branch_name, ''), ?) OR contains(source, ?))",
                      *[q] * 4)
        cond, params = str(where), where.params
        page = max(1, int(page))
        with self.lock:
            total = self.con.execute(f"SELECT count(*) FROM listing{cond}", params).fetchone()[0]
            # the page's keys first, then its rows: a sort that carries every column
            # (titles, flag texts) down to a deep offset was three times slower
            df = self.con.execute(
                f"SELECT report_id, title, source, org, org_type, district, branch_id, branch_name, "
                f"n_facts, n_flags, complete, n_missing, severity, flag_summary FROM listing "
                f"WHERE rank_key IN (SELECT rank_key FROM listing{cond} ORDER BY rank_key DESC "
                f"LIMIT ? OFFSET ?) ORDER BY rank_key DESC",
                params + [page_size, (page - 1) * page_size]).df()
        return Page(_records(df), int(total), page, page_size)

    def report_row(self, rid: str) -> dict:
        df = self._q("SELECT * FROM listing WHERE report_id = ?", [rid])
        if df.empty:
            raise NotFound(rid)
        return _records(df)[0]

    # --- facts ----------------------------------------------------------------------

    def facts(self, type: str | None = None, metric: str | None = None,
              level: str | None = None, district: str | None = None,
              min: float | None = None, max: float | None = None,
              report_id: str | None = None, page: int = 1,
              page_size: int = PAGE_SIZE) -> Page:
        where = _Where()
        for col, val in (("f.type", type), ("f.metric", metric), ("f.level", level),
                         ("f.report_id", report_id)):
            where.equal(col, val)
        # (a semi-join keeps the facts' table order; a join would not)
        where.district(district, "f.report_id IN (SELECT report_id FROM listing WHERE {})")
        if min is not None:
            where.add("f.value >= ?", float(min))
        if max is not None:
            where.add("f.value <= ?", float(max))
        cond, params = str(where), where.params
        page = builtins.max(1, int(page))  # (`max` is a parameter here)
        with self.lock:
            total = self.con.execute(f"SELECT count(*) FROM facts_v f{cond}", params).fetchone()[0]
            # In table order (report by report, each report's facts in text order), which
            # DuckDB keeps without a sort: sorting 3 million matches for a deep page took
            # seconds. A value range is sorted by value, largest first, unless it matches
            # too many facts for that to stay fast.
            order = " ORDER BY f.value DESC NULLS LAST, f.report_id, f.fact_no" \
                if (min is not None or max is not None) and total <= SORTED_FACTS_MAX else ""
            df = self.con.execute(
                f"SELECT f.report_id, f.fact_no, f.type, f.text, f.value, f.unit, f.metric, "
                f"f.level, f.name, f.date, f.line, f.start, f.\"end\", f.provenance "
                f"FROM facts_v f{cond}{order} "
                f"LIMIT ? OFFSET ?", params + [page_size, (page - 1) * page_size]).df()
            ids = list(dict.fromkeys(df["report_id"]))
            meta = self.con.execute(
                "SELECT report_id, district, branch_name, title FROM listing "
                "WHERE report_id IN (SELECT unnest(?))", [ids]).df() if ids else None
        rows = _records(df)
        if meta is not None:
            by_id = {m["report_id"]: m for m in _records(meta)}
            for r in rows:
                m = by_id.get(r["report_id"], {})
                r.update(district=m.get("district"), branch_name=m.get("branch_name"),
                         title=m.get("title"))
        return Page(rows, int(total), page, page_size)

    # --- one report, as extracted and corrected ----------------------------------------

    def original(self, rid: str) -> dict:
        """The report as the run's tables hold it (the last build's, with the journal as
        it was then), as a dict of reports.jsonl: its row, its sections (the tree
        rebuilt from `parent`) and its facts. Applying the journal to it again gives
        the corrected report (applying is idempotent). Three point lookups: no scan of
        reports.jsonl (gigabytes at 400,000 reports)."""
        from schemas.report import Report, Section

        rows = _records(self._q("SELECT * FROM run.reports WHERE report_id = ?", [rid]))
        if not rows:
            raise NotFound(rid)
        rep = {k: v for k, v in rows[0].items() if k in Report.model_fields}
        by_no: dict[int, dict] = {}
        rep["section_tree"] = []
        for s in _records(self._q("SELECT * FROM run.sections WHERE report_id = ? "
                                  "ORDER BY section_no", [rid])):
            node = {k: v for k, v in s.items() if k in Section.model_fields}
            node["children"] = []
            by_no[s["section_no"]] = node
            parent = by_no.get(s["parent"]) if s["parent"] is not None else None
            (parent["children"] if parent else rep["section_tree"]).append(node)
        models = _fact_fields()
        rep["facts"] = [{k: v for k, v in f.items() if k in models[f["type"]]}
                        for f in _records(self._q("SELECT * FROM run.facts WHERE report_id = ? "
                                                  "ORDER BY fact_no", [rid]))]
        return rep

    def source_text(self, path: str):
        from pipeline.aggregate.source import read_source

        return read_source(path, self.sha_by_path.get(path), self.encoding_by_path.get(path))

    def corrected(self, rid: str):
        """(Report, Branch, flags, sha256) of a report with the journal applied."""
        from schemas.report import Report

        base = self.original(rid)
        row = self._base_row(rid)
        rep0 = Report.model_validate(base)
        branch0 = Branch(row["branch_id"], row["branch_name"], row["district"],
                         row["branch_source"] or "unknown")
        corr = Corrections(read_journal(self.run_dir, warn=False), self.sha_by_path)
        rep, branch, _ = corr.correct(rep0, branch0)
        built = [Flag(**f) for f in _records(self._q(
            "SELECT * FROM run.flags WHERE report_id = ?", [rid]))]
        fresh = report_flags(rep, rid, branch, self.policy, None,
                             self.roster_org_type.get(branch.branch_id))
        flags = [f for f in fresh if f.code in RECOMPUTED_FLAGS] + \
            [f for f in built if f.code not in RECOMPUTED_FLAGS]
        return rep, branch, flags, self.sha_by_path.get(rep0.path)

    def _base_row(self, rid: str) -> dict:
        df = self._q("SELECT branch_id, branch_name, district, branch_source FROM run.reports "
                     "WHERE report_id = ?", [rid])
        if df.empty:
            raise NotFound(rid)
        return _records(df)[0]

    # --- corrections ---------------------------------------------------------------

    def corrections(self) -> dict:
        journal = read_journal(self.run_dir, warn=False)
        return {"entries": journal.entries, "bad_lines": journal.bad_lines,
                "stale": stale_entries(journal.entries, self.known_sha)}

    def correct(self, rid: str, action: str, fact: dict | None = None, after=None,
                who: str = "analyst") -> dict:
        """Check a correction against the report as it stands, append it to the journal
        and refresh what it changes (the report's rows, its districts' statistics)."""
        rep, branch, _, sha = self.corrected(rid)
        if sha is None:
            raise CorrectionError("该报告的原文件没有 sha256，无法记录更正")
        d = rep.model_dump()
        target = {"sha256": sha, "report_start": rep.start}
        before = None
        if action in ("reject_fact", "edit_fact"):
            if not isinstance(fact, dict):
                raise CorrectionError("需要指明事实（type, start, end）")
            key = (fact.get("type"), fact.get("start"), fact.get("end"))
            hit = next((f for f in d["facts"]
                        if (f["type"], f["start"], f["end"]) == key), None)
            if hit is None:
                raise CorrectionError("报告中没有这条事实")
            target.update(type=key[0], start=key[1], end=key[2])
            before = hit if action == "reject_fact" else {k: hit.get(k) for k in (after or {})}
        elif action == "add_fact":
            src = self.source_text(rep.path)
            if src.text is None:
                raise CorrectionError(src.problem or "原文不可读")
            after = add_fact_after(src.text, after or {})
        elif action == "set_section":
            before = {"label": (after or {}).get("label"),
                      "present": (after or {}).get("label") in d["sections"]}
        elif action == "set_report_field":
            name = (after or {}).get("field")
            before = {"field": name, "value": {"org": rep.org, "branch": branch.branch_name,
                                               "district": branch.district}.get(name)}
        entry = new_entry(action, target, after=after, before=before, who=who, file=rep.path)
        problems: list = []
        apply_corrections(d, sha, [entry], problems)
        if problems:
            raise CorrectionError(problems[0][1])
        append_entry(self.run_dir, entry)
        t0 = time.perf_counter()
        old_district = self.report_row(rid)["district"]
        self._refresh(rid, stats=False)
        new_district = self.report_row(rid)["district"]
        self._refresh_stats({old_district, new_district})
        return {"entry": entry, "seconds": round(time.perf_counter() - t0, 3)}

    def _corrected_ids(self) -> list[str]:
        """Ids of the reports some journal entry aims at (a scan of the index)."""
        journal = read_journal(self.run_dir, warn=False)
        wanted = {(e["target"]["sha256"], e["target"]["report_start"]) for e in journal.entries}
        if not wanted:
            return []
        rows = self._q("SELECT report_id, path, start FROM listing")
        return [r.report_id for r in rows.itertuples()
                if (self.sha_by_path.get(r.path), r.start) in wanted]

    def _refresh(self, rid: str, stats: bool = True) -> None:
        """Replace the report's rows (listing, facts, flags) by its corrected ones."""
        from pipeline.aggregate.tables import FACT_COLUMNS, _fact_dumper

        rep, branch, flags, _ = self.corrected(rid)
        fact_rows = []
        for i, f in enumerate(rep.facts, 1):
            dump, absent = _fact_dumper(type(f))
            fact_rows.append({"report_id": rid, "fact_no": i, **dump(f), **absent})
        facts_df = pd.DataFrame(fact_rows, columns=FACT_COLUMNS)
        flags_df = pd.DataFrame([f.model_dump() for f in flags],
                                columns=list(Flag.model_fields))
        missing = next((len(f.detail.split(",")) for f in flags
                        if f.code == "missing_sections" and f.detail), 0)
        severity = sum(SEVERITY_WEIGHT.get(f.severity, 0) for f in flags)
        blocking = set(self.policy.blocking_flags)
        with self.lock:
            con = self.con
            con.execute("BEGIN")
            try:
                con.execute("INSERT OR IGNORE INTO p_ids VALUES (?)", [rid])
                con.execute("DELETE FROM p_facts WHERE report_id = ?", [rid])
                con.execute("DELETE FROM p_flags WHERE report_id = ?", [rid])
                if len(facts_df):
                    con.register("facts_df", facts_df)
                    con.execute("INSERT INTO p_facts BY NAME SELECT * FROM facts_df")
                    con.unregister("facts_df")
                if len(flags_df):
                    con.register("flags_df", flags_df)
                    con.execute("INSERT INTO p_flags BY NAME SELECT * FROM flags_df")
                    con.unregister("flags_df")
                con.execute(
                    "UPDATE listing SET org = ?, sections = ?, branch_id = ?, branch_name = ?, "
                    "district = ?, branch_source = ?, n_facts = ?, n_quant_facts = ?, "
                    "n_flags = ?, complete = ?, flag_summary = ?, n_missing = ?, severity = ? "
                    "WHERE report_id = ?",
                    [rep.org, list(rep.sections), branch.branch_id, branch.branch_name,
                     branch.district, branch.branch_source, len(rep.facts),
                     sum(f.type in ("count", "rate", "amount") and f.value is not None
                         for f in rep.facts),
                     len(flags), not any(f.code in blocking for f in flags),
                     "；".join(f.message for f in flags), missing, severity, rid])
                con.execute(f"UPDATE listing SET rank_key = {RANK_KEY} WHERE report_id = ?", [rid])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        if stats:
            self._refresh_stats(None)

    def _refresh_stats(self, districts: set | None) -> None:
        """Recompute the statistics of `districts` (None: every one, the whole run too).

        A district's rows depend only on its reports: recomputed exactly, at once. The
        whole run's rows (ALL_DISTRICTS) get the district's change at once where it adds
        up (counts, totals, shares); their medians, means and extremes are recomputed
        over every report by a background thread (seconds at 400,000 reports), which
        replaces them unless another correction came meanwhile (it then starts again)."""
        wanted = None if districts is None else \
            {UNKNOWN_DISTRICT if d is None else d for d in districts}
        with self.lock:
            stats = self._compute_stats(self.con, districts)
            if wanted is not None:
                stats = stats[stats["district"].isin(wanted)]
            con = self.con
            con.register("new_stats", stats)
            con.execute("BEGIN")
            try:
                if wanted is None:
                    con.execute("DELETE FROM stats")
                else:
                    con.execute("CREATE OR REPLACE TEMP TABLE old_stats AS SELECT * FROM stats "
                                "WHERE district IN (SELECT unnest(?))", [sorted(wanted)])
                    con.execute("DELETE FROM stats WHERE district IN (SELECT unnest(?))",
                                [sorted(wanted)])
                con.execute("INSERT INTO stats BY NAME SELECT * FROM new_stats")
                if wanted is not None:
                    self._add_to_all_rows()
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            finally:
                con.unregister("new_stats")
            self._version += 1
        if wanted is not None:
            self._schedule_all_rows()

    def _compute_stats(self, con, districts: set | None) -> pd.DataFrame:
        """`district_stats` over the reports of `districts` (None: all), from the current
        tables (the corrected rows included)."""
        if districts is None:
            cond, params = "", []
        else:
            names = [d for d in districts if d is not None]
            parts = ["district IN (SELECT unnest(?))"] if names else []
            if None in districts:
                parts.append("district IS NULL")
            cond, params = " WHERE (" + " OR ".join(parts) + ")", ([names] if names else [])
        reps = con.execute("SELECT report_id, branch_id, district, sections, complete "
                           "FROM listing" + cond, params).df()
        mine = f" AND report_id IN (SELECT report_id FROM listing{cond})" if cond else ""
        types = ", ".join(f"'{t}'" for t in STAT_FACT_TYPES)
        facts = con.execute(f"SELECT {', '.join(STAT_FACT_COLUMNS)} FROM facts_v "
                            f"WHERE type IN ({types}){mine}", params).df()
        flags = con.execute(f"SELECT report_id, code FROM flags_v WHERE true{mine}",
                            params).df()
        wanted = None if districts is None else \
            {UNKNOWN_DISTRICT if d is None else d for d in districts}
        roster = [e for e in self.roster if wanted is None or e.district in wanted]
        stats, _ = district_stats(reps, facts, flags, roster, self.policy.capped_rates)
        return stats

    def _add_to_all_rows(self) -> None:
        """The whole run's rows plus (new - old) of the districts just recomputed, for the
        columns that add up; rows of keys the run did not have yet are added."""
        add = ("n", "of", "total", "total_exact", "total_approx")
        sums = ", ".join(f"sum({c}) AS {c}" for c in add)
        negs = ", ".join(f"-sum({c}) AS {c}" for c in add)
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE stats_delta AS
            SELECT kind, key, {sums} FROM (
                SELECT kind, key, {sums} FROM new_stats GROUP BY kind, key
                UNION ALL SELECT kind, key, {negs} FROM old_stats GROUP BY kind, key)
            GROUP BY kind, key""")
        sets = ", ".join(
            f"{c} = CASE WHEN s.{c} IS NULL AND d.{c} IS NULL THEN NULL "
            f"ELSE coalesce(s.{c}, 0) + coalesce(d.{c}, 0) END" for c in add)
        self.con.execute(f"""
            UPDATE stats s SET {sets},
                share = CASE WHEN s.share IS NULL THEN NULL
                             WHEN s.of + d.of > 0 THEN round((s.n + d.n) / (s.of + d.of), 4) END
            FROM stats_delta d
            WHERE s.district = ? AND s.kind = d.kind AND s.key = d.key""", [ALL_DISTRICTS])
        self.con.execute(f"""
            INSERT INTO stats BY NAME
            SELECT ? AS district, d.kind, d.key, d.n::BIGINT AS n, d.of::BIGINT AS of,
                   {", ".join(f"d.{c}" for c in add[2:])}
            FROM stats_delta d ANTI JOIN (SELECT kind, key FROM stats WHERE district = ?) s
                 USING (kind, key)
            WHERE d.n > 0""", [ALL_DISTRICTS, ALL_DISTRICTS])

    def _schedule_all_rows(self) -> None:
        """Start the background recompute of the whole run's rows, unless one runs (it
        notices the new version and runs again)."""
        with self.lock:
            if self._all_thread is not None and self._all_thread.is_alive():
                return
            self._all_thread = threading.Thread(target=self._all_rows_job, daemon=True,
                                                name="ghminer-all-stats")
            self._all_thread.start()

    def _all_rows_job(self) -> None:
        while True:
            with self.lock:
                version = self._version
                cur = self.con.cursor()  # reads a snapshot without holding the lock
            try:
                stats = self._compute_stats(cur, None)
            finally:
                cur.close()
            stats = stats[stats["district"] == ALL_DISTRICTS]
            with self.lock:
                if version != self._version:
                    continue  # corrected meanwhile: compute again
                self.con.register("all_stats", stats)
                try:
                    self.con.execute("DELETE FROM stats WHERE district = ?", [ALL_DISTRICTS])
                    self.con.execute("INSERT INTO stats BY NAME SELECT * FROM all_stats")
                finally:
                    self.con.unregister("all_stats")
                return

    def wait_for_stats(self, timeout: float = 60) -> None:
        """Wait for the background recompute of the whole run's rows (tests, bench)."""
        thread = self._all_thread
        if thread is not None:
            thread.join(timeout)

    def close(self) -> None:
        with self.lock:
            self.con.close()


def _fact_fields() -> dict[str, set[str]]:
    """Fact type -> the fields of its model (a fact row has every type's columns)."""
    from pipeline.aggregate.tables import _fact_models

    return {m.model_fields["type"].default: set(m.model_fields) for m in _fact_models()}


def _sql_str(path) -> str:
    return str(path).replace("'", "''")
