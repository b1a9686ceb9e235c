"""One build of a run's outputs, and the interface every output writer has.

`build_outputs` reads the reports once (pass 2), handing each to the writers that
want it as it goes (`OutputWriter.add`), completes a `Build` (the per-report tables,
district statistics, summary, file issues, year tables) and then runs the writers
over it in order (`OutputWriter.write`), each returning what it wrote. A new output
is one `OutputWriter` subclass added to `writers.WRITERS` (as spaCy's `to_disk`
runs over a dict of serialisers).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

TABLES_DIR = "tables"


@dataclass(slots=True)
class ReportItem:
    """A report as pass 2 read it (corrections applied)."""
    report_id: str
    report: object        # schemas.report.Report
    branch: object        # branches.Branch
    flags: list           # its own flags and its year flags
    page_flags: list      # those and its near-duplicate flags: what a page of it shows
    page_name: str | None  # its review page's file name (None: no review pages)


@dataclass
class Build:
    """What the writers write from. The fields after `sources` are filled once every
    report is read; `table_paths` by the Parquet writer, which runs first (the later
    writers read the tables it put in place)."""
    run_dir: Path
    review_pages: bool          # the option: static review pages wanted
    policy: object              # flags.Policy
    run_manifest: dict
    manifest_path: Path | None
    roster_path: Path | None
    roster_entries: list
    issues: object              # DataFrame of the run's file issues
    sources: object             # source.SourceCache: the reports' source texts
    near_duplicate_pairs: int = 0
    tables: object = None       # tables.TableWriter: per-report tables, complete, unpublished
    table_sizes: dict = field(default_factory=dict)  # rows of each per-report table
    stats: object = None        # DataFrame: district statistics
    missing: object = None      # DataFrame: rostered branches without a report
    summary: object = None      # DataFrame: one row per district
    season_year: int | None = None  # the season the statistics describe (several years)
    years: object = None        # years.YearTables
    table_paths: dict[str, Path] = field(default_factory=dict)

    @property
    def tables_dir(self) -> Path:
        return self.run_dir / TABLES_DIR


class OutputWriter:
    """An output of a build. `write` is required; the other steps are optional."""

    name: str = "output"

    def open(self, build: Build) -> None:
        """Before the reports are read."""

    def add(self, item: ReportItem) -> None:
        """Each report, as it is read (in reports.jsonl order)."""

    def write(self, build: Build) -> dict:
        """Write the output; what was written (output name -> path, or more), merged
        into `build_outputs`' result."""
        raise NotImplementedError

    def abandon(self) -> None:
        """The build failed: leave no half-written file behind."""
