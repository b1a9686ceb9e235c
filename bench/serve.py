"""Workbench query times on a large run: synthetic tables for N reports (default 400,000)
written straight into a run folder's DuckDB database, then the report list, the fact
search and a correction's statistics refresh timed through `pipeline.serve.queries`.

    python -m bench.serve                 # 400,000 reports, ~10 facts each
    python -m bench.serve --reports 50000 --keep /tmp/serve-bench

Target: report list and fact search under 300 ms.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

DISTRICTS = 16
ORG_TYPES = ("street", "town", "community", "enterprise", "school", "agency", "hospital")
METRICS = ("members", "new_members", "employees", "unions", "aided", "trainees", "participants",
           "events", "other")


def make_tables(run: Path, n_reports: int, facts_per_report: int) -> float:
    """The run's DuckDB database with synthetic reports, facts, flags and district stats."""
    import duckdb

    from pipeline.aggregate.stats import district_stats
    from pipeline.aggregate.tables import table_schemas

    t0 = time.perf_counter()
    run.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(run / "ghminer.duckdb"))
    for name, schema in table_schemas().items():
        empty = schema.empty_table()  # noqa: F841 (read by DuckDB by name)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM empty")
    orgs = "[" + ", ".join(f"'{o}'" for o in ORG_TYPES) + "]"
    metrics = "[" + ", ".join(f"'{m}'" for m in METRICS) + "]"
    labels = "['org_building', 'rights', 'aid', 'skills', 'culture_sports', 'plan']"
    con.execute(f"""
        INSERT INTO reports BY NAME
        SELECT 'r' || lpad(i::VARCHAR, 7, '0') || '#0' AS report_id,
               'r' || i || '.txt' AS source, '/in/d' || (i % {DISTRICTS}) || '/r' || i || '.txt' AS path,
               0 AS report_index, 1 AS start_line, 40 AS end_line, 0 AS start, 3000 AS "end",
               '第' || i || '号单位工会工作总结' AS title, '第' || i || '号单位工会' AS org,
               {orgs}[1 + i % {len(ORG_TYPES)}] AS org_type, 2024 AS year,
               list_slice({labels}, 1 + (i % 4), 6) AS sections,
               'B' || (i // 3) AS branch_id, '第' || (i // 3) || '号基层' AS branch_name,
               '区' || (i % {DISTRICTS}) AS district, 'manifest' AS branch_source,
               {facts_per_report} AS n_facts, {facts_per_report} AS n_quant_facts,
               (i % 4) AS n_flags, (i % 4) = 0 AS complete, '' AS flag_summary,
               'review/r' || i || '.html' AS review_page, 0 AS placeholder_count, 3000 AS chars
        FROM range({n_reports}) t(i)""")
    con.execute(f"""
        INSERT INTO facts BY NAME
        SELECT 'r' || lpad(i::VARCHAR, 7, '0') || '#0' AS report_id, j + 1 AS fact_no,
               CASE WHEN j % 5 = 4 THEN 'rate' ELSE 'count' END AS type,
               '会员' || ((i * 7 + j * 13) % 5000) || '人' AS text,
               100 + j * 30 AS start, 108 + j * 30 AS "end", 2 + j AS line,
               ((i * 7 + j * 13) % 5000)::DOUBLE AS value,
               CASE WHEN j % 5 = 4 THEN NULL ELSE '人' END AS unit, false AS approx,
               CASE WHEN j % 5 = 4 THEN 'union_rate' ELSE {metrics}[1 + (i + j) % {len(METRICS)}] END
                   AS metric,
               'extracted' AS provenance
        FROM range({n_reports}) t(i), range({facts_per_report}) u(j)""")
    con.execute("""
        INSERT INTO flags BY NAME
        SELECT report_id, code, severity, message, detail FROM (
          SELECT 'r' || lpad(i::VARCHAR, 7, '0') || '#0' AS report_id,
                 'missing_sections' AS code, 'warning' AS severity,
                 '缺少必备板块' AS message,
                 CASE i % 3 WHEN 0 THEN 'aid' WHEN 1 THEN 'aid,rights' ELSE 'aid,rights,org_building' END
                     AS detail
          FROM range(?) t(i) WHERE i % 4 <> 0
          UNION ALL
          SELECT 'r' || lpad(i::VARCHAR, 7, '0') || '#0', 'placeholders', 'error', '模板未填写', '2'
          FROM range(?) t(i) WHERE i % 9 = 0)""", [n_reports, n_reports])
    reps = con.execute("SELECT report_id, branch_id, district, sections, complete FROM reports").df()
    facts = con.execute("SELECT report_id, type, value, unit, approx, metric, level FROM facts "
                        "WHERE type IN ('count', 'rate', 'award')").df()
    flags = con.execute("SELECT report_id, code FROM flags").df()
    t_stats = time.perf_counter()
    stats, missing = district_stats(reps, facts, flags, [])
    t_stats = time.perf_counter() - t_stats
    con.register("stats_df", stats)
    con.execute("CREATE TABLE district_stats AS SELECT * FROM stats_df")
    con.execute("CHECKPOINT")
    con.close()
    print(f"tables: {n_reports:,} reports, {n_reports * facts_per_report:,} facts, "
          f"{len(flags):,} flags written in {time.perf_counter() - t0:.1f} s "
          f"(district_stats over all of them: {t_stats:.2f} s)")
    return t_stats


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=400_000)
    ap.add_argument("--facts", type=int, default=10, help="facts per report")
    ap.add_argument("--keep", type=Path, help="build the run folder here and keep it")
    args = ap.parse_args(argv)

    from pipeline.serve.queries import RunData

    run = args.keep or Path(tempfile.mkdtemp(prefix="ghminer-serve-bench-"))
    try:
        if not (run / "ghminer.duckdb").is_file():
            make_tables(run, args.reports, args.facts)
        t0 = time.perf_counter()
        data = RunData(run)
        print(f"server start (attach, listing with ranks): {time.perf_counter() - t0:.2f} s")
        cases = [
            ("report list, page 1", lambda: data.reports()),
            ("report list, page 2000", lambda: data.reports(page=2000)),
            ("report list, one district", lambda: data.reports(district="区3")),
            ("report list, district + org type", lambda: data.reports(district="区3",
                                                                     org_type="school")),
            ("report list, flag placeholders", lambda: data.reports(flag="placeholders")),
            ("report list, missing rights", lambda: data.reports(missing="rights")),
            ("report list, text search", lambda: data.reports(q="第12345号")),
            ("fact search, type + metric", lambda: data.facts(type="count", metric="members")),
            ("fact search, + district", lambda: data.facts(type="count", metric="members",
                                                          district="区5")),
            ("fact search, value range", lambda: data.facts(min=1000, max=1200)),
            ("fact search, page 500", lambda: data.facts(type="count", page=500)),
            ("fact search, one report",
             lambda: data.facts(report_id=f"r{args.reports // 2:07d}#0")),
        ]
        worst = 0.0
        print(f"{'query':36} {'median ms':>10} {'rows':>12}")
        for name, fn in cases:
            t, page = timed(fn)
            worst = max(worst, t)
            print(f"{name:36} {t * 1000:10.1f} {page.total:12,}")
        t, _ = timed(lambda: data._refresh_stats({"区3"}), repeat=3)
        print(f"{'correction: its district (served at once)':36} {t * 1000:10.1f}")
        t0 = time.perf_counter()
        data.wait_for_stats(600)
        print(f"{'  then the whole run (background)':36} "
              f"{(time.perf_counter() - t0) * 1000:10.1f}")
        print(f"worst list/search query: {worst * 1000:.0f} ms (target < 300 ms): "
              f"{'met' if worst < 0.3 else 'MISSED'}")
        data.close()
    finally:
        if args.keep is None:
            shutil.rmtree(run, ignore_errors=True)


if __name__ == "__main__":
    main()
