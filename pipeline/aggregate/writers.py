"""The outputs of a build, in the order they are written (`WRITERS`); each is an
`build.OutputWriter`. A new output: one class, added to the list.

- `ParquetTables`: `tables/*.parquet` (the per-report tables, put in place, and the
  statistics, file issues and year tables); first: the others read its tables;
- `DuckDBFile`: `ghminer.duckdb` (those tables plus views, `duck.VIEWS`);
- `Workbook`: `ghminer.xlsx` (Chinese headers, formula-injection safe);
- `Dashboard`: `dashboard.html` (self-contained, offline);
- `review_pages.ReviewPages`: `review/*.html`, when asked (`--review-pages`).
"""
from __future__ import annotations

from pipeline.runtime.files import write_text_atomic
from pipeline.aggregate.build import Build, OutputWriter
from pipeline.runtime.memory import release_freed_memory
from pipeline.aggregate.review_pages import ReviewPages

DB_NAME = "ghminer.duckdb"
XLSX_NAME = "ghminer.xlsx"
DASHBOARD_NAME = "dashboard.html"


class ParquetTables(OutputWriter):
    name = "tables"

    def write(self, build: Build) -> dict:
        from pipeline.aggregate.duck import write_parquet, write_year_parquet

        paths = write_parquet({"district_stats": build.stats, "missing_branches": build.missing,
                               "file_issues": build.issues}, build.tables_dir)
        paths.update(write_year_parquet(build.years, build.tables_dir))
        build.table_paths = {**build.tables.publish(), **paths}
        return {"tables": {k: str(v) for k, v in build.table_paths.items()}}


class DuckDBFile(OutputWriter):
    name = "duckdb"

    def write(self, build: Build) -> dict:
        from pipeline.aggregate.duck import write_duckdb

        path = write_duckdb(build.table_paths, build.run_dir / DB_NAME)
        release_freed_memory()  # DuckDB's buffers
        return {"duckdb": str(path)}


class Workbook(OutputWriter):
    name = "excel"

    def write(self, build: Build) -> dict:
        from pipeline.aggregate.excel import write_workbook

        t = build.table_paths
        return {"excel": str(write_workbook(
            build.run_dir / XLSX_NAME, build.summary, t["reports"], t["flags"], t["facts"],
            build.missing, build.stats, file_issues=build.issues, years=build.years))}


class Dashboard(OutputWriter):
    name = "dashboard"

    def write(self, build: Build) -> dict:
        from pipeline.aggregate.html import render_dashboard

        t, counts = build.table_paths, build.run_manifest.get("counts", {})
        html = render_dashboard(
            build.summary, build.stats, t["reports"], t["flags"], build.missing,
            {"reports": build.table_sizes["reports"], "files": counts.get("files", "?"),
             "version": build.run_manifest.get("ghminer_version", ""),
             "stats_year": build.season_year, "review_pages": build.review_pages},
            file_issues=build.issues, years=build.years)
        path = build.run_dir / DASHBOARD_NAME
        write_text_atomic(path, html)
        return {"dashboard": str(path)}


WRITERS: list[type[OutputWriter]] = [ParquetTables, DuckDBFile, Workbook, Dashboard, ReviewPages]
