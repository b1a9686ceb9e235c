"""The run's tables as Parquet files and an embedded DuckDB database (no server)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.runtime.files import atomic_path

# A district's overview from the district_stats rows (the view below and the
# workbench's live statistics select it).
DISTRICT_OVERVIEW = """district,
               max(CASE WHEN kind='submission' AND key='branches' THEN of END) AS branches_expected,
               max(CASE WHEN kind='submission' AND key='branches' THEN n END) AS branches_reported,
               max(CASE WHEN kind='submission' AND key='branches' THEN share END) AS submission_rate,
               max(CASE WHEN kind='complete' THEN of END) AS reports,
               max(CASE WHEN kind='complete' THEN share END) AS complete_share,
               sum(CASE WHEN kind='flag' THEN total ELSE 0 END) AS flags"""

# Views an analyst (or the notebook) starts from; they only read the tables.
VIEWS = {
    "v_district_overview": f"""
        SELECT {DISTRICT_OVERVIEW}
        FROM district_stats GROUP BY district""",
    "v_section_coverage": """
        SELECT district, key AS section, n AS reports_covering, of AS reports, share
        FROM district_stats WHERE kind='section'""",
    "v_metric_totals": """
        SELECT district, split_part(key, ':', 1) AS metric, split_part(key, ':', 2) AS unit,
               n AS reports_stating, of AS reports, share, total, total_exact, total_approx,
               median_exact, median_approx
        FROM district_stats WHERE kind='metric'""",
    "v_reports_to_chase": """
        SELECT r.district, r.branch_name, r.report_id, r.source, r.title, f.severity, f.code,
               f.message
        FROM flags f JOIN reports r USING (report_id)
        WHERE f.severity IN ('error', 'warning')
        ORDER BY r.district, CASE f.severity WHEN 'error' THEN 0 ELSE 1 END, r.report_id""",
    "v_year_over_year": """
        SELECT level, district, branch_id, branch_name, metric, status, previous_year,
               current_year, previous_value, current_value, change, change_pct,
               previous_branches, current_branches
        FROM year_over_year
        ORDER BY level DESC, district, branch_name, metric, current_year""",
    "v_fact_sources": """
        SELECT f.report_id, r.district, r.branch_name, r.source, f.line, f.type, f.metric,
               f.value, f.unit, f.approx, f.text, r.review_page
        FROM facts f JOIN reports r USING (report_id)""",
}


def write_parquet(frames: dict[str, pd.DataFrame], folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, df in frames.items():
        path = folder / f"{name}.parquet"
        with atomic_path(path) as tmp:
            df.to_parquet(tmp, index=False)
        out[name] = path
    return out


def write_year_parquet(yt, folder: Path) -> dict[str, Path]:
    """The across-years tables (`years.YearTables`) with their schema-derived types."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.aggregate.tables import year_table_schemas

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, schema in year_table_schemas().items():
        path = folder / f"{name}.parquet"
        table = pa.Table.from_pandas(getattr(yt, name), schema=schema, preserve_index=False)
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        out[name] = path
    return out


# DuckDB's memory while it loads the tables (it spills to a temporary folder beyond the
# limit; the loading streams). Measured on a 100 MB run: 2 threads and 512 MB added
# 150 MB to the build's peak, 1 thread and 32 MB add 70 MB (0.25 s slower); 32 MB
# also loads ten times those tables (3.1 million facts).
DUCKDB_CONFIG = {"memory_limit": "32MB", "threads": 1}


def write_duckdb(tables: dict[str, Path], path: Path) -> Path:
    """The database of the run's tables, loaded from their Parquet files (DuckDB reads
    them in row groups: the tables are never all in this process's memory)."""
    import shutil
    import tempfile

    import duckdb

    # where DuckDB spills beyond its memory limit: the system's temporary folder (not
    # the run folder, where a killed build would leave it), removed once loaded
    spill = tempfile.mkdtemp(prefix="ghminer-duckdb-")
    try:
        with atomic_path(path) as tmp:
            tmp.unlink(missing_ok=True)
            con = duckdb.connect(str(tmp), config={**DUCKDB_CONFIG, "temp_directory": spill})
            try:
                for name, table in tables.items():
                    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet(?)',
                                [str(table)])
                for name, sql in VIEWS.items():
                    con.execute(f"CREATE VIEW {name} AS {sql}")
                con.execute("CHECKPOINT")
            finally:
                con.close()
                tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    return path
