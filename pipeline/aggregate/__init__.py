"""Aggregate stage: from a run folder's reports to what a federation analyst uses.

`build_outputs(run_dir, input_roots, ...)` reads `reports.jsonl` (streamed,
one report at a time) and `manifest.json`, assigns each report to a branch
and district (`branches`), raises flags (`flags`), computes district
statistics (`stats`) and writes, into the run folder:

- `tables/{reports,sections,facts,flags,district_stats,missing_branches}.parquet`
- `ghminer.duckdb` (the same tables plus views, see `duck.VIEWS`)
- `ghminer.xlsx` (Chinese headers, formula-injection safe)
- `dashboard.html` and `review/*.html` (self-contained, offline)

Incremental: `.aggregate-stamp.json` records what the outputs were built from
(nothing changed: nothing is rewritten); review pages are named by a hash of
what they show and only new ones are rendered; MinHash signatures are kept in
`.cache/aggregate-minhash.npz`.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.aggregate.atomic import fsync_dir, write_text_atomic
from pipeline.aggregate.branches import (MANIFEST_NAME, ROSTER_NAME, Branch, BranchFileError,
                                         BranchResolver, find_default, load_manifest, load_roster,
                                         resolve_file, safe_resolve)
from pipeline.aggregate.flags import (DEFAULT_POLICY, DuplicateFlags, PolicyError, load_policy,
                                      report_flags)
from pipeline.aggregate.memory import release_freed_memory
from pipeline.aggregate.pagewriter import write_pages
from pipeline.aggregate.source import SourceCache, source_state
from pipeline.corrections import journal_digest

__all__ = ["build_outputs", "validate_inputs", "AggregateError", "BranchFileError", "PolicyError"]

DB_NAME = "ghminer.duckdb"
XLSX_NAME = "ghminer.xlsx"
DASHBOARD_NAME = "dashboard.html"
REVIEW_DIR = "review"
TABLES_DIR = "tables"


SIGNATURE_BATCH = 256  # reports whose MinHash signatures are computed together
# source text kept from the first pass for the review pages (about 2-4 bytes a char)
KEEP_SOURCE_CHARS = 16_000_000


class AggregateError(ValueError):
    """The run folder cannot be aggregated (missing or malformed reports.jsonl)."""


def _iter_lines(path: Path):
    """(line number, byte offset, line) of each non-blank line of reports.jsonl."""
    with open(path, "rb") as fh:
        offset = 0
        for n, line in enumerate(fh, 1):
            start, offset = offset, offset + len(line)
            if line.strip():
                yield n, start, line


def _parse_report(line: bytes, path: Path, n: int | None):
    from pydantic import ValidationError

    from schemas.report import Report

    try:
        return Report.model_validate_json(line)
    except ValidationError as e:
        where = f"{path}, line {n}" if n is not None else f"{path}"
        raise AggregateError(f"{where}: not a valid report record: "
                             f"{e.errors()[0].get('msg')} at "
                             f"{'.'.join(map(str, e.errors()[0].get('loc', ())))}") from None


def _run_manifest(run_dir: Path) -> dict:
    path = run_dir / "manifest.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise AggregateError(f"{path}: cannot read run manifest: {e}") from None


def validate_inputs(input_roots: list[Path], branch_manifest: Path | None = None,
                    roster: Path | None = None, policy: Path | None = None
                    ) -> list[RefusedManifestRow]:
    """Check manifest, roster and policy before a long run; raises what build_outputs
    would. Returns the manifest's refused rows (the run lists them in manifest.json)."""
    roots = [Path(r) for r in input_roots]
    manifest_path = Path(branch_manifest) if branch_manifest else find_default(roots, MANIFEST_NAME)
    roster_path = Path(roster) if roster else find_default(roots, ROSTER_NAME)
    for p in (manifest_path, roster_path):
        if p is not None and not p.is_file():
            raise BranchFileError(f"{p}: file not found")
    refused = load_manifest(manifest_path, roots).refused if manifest_path else []
    if roster_path:
        load_roster(roster_path)
    load_policy(policy)
    return refused


def preload() -> None:
    """Import what a build writes with (pandas, numpy, the workbook, DuckDB and HTML
    renderers). `ghminer run` calls it while its workers start up, so that these
    imports (~0.6 s) do not add to the build that follows the last file."""
    from pipeline.aggregate.duck import write_duckdb, write_parquet  # noqa: F401
    from pipeline.aggregate.excel import write_workbook  # noqa: F401
    from pipeline.aggregate.html import render_dashboard, render_review  # noqa: F401
    from pipeline.aggregate.minhash import MinHasher  # noqa: F401
    from pipeline.aggregate.sigcache import SignatureCache  # noqa: F401
    from pipeline.aggregate.stats import district_stats  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    from pipeline.aggregate.tables import table_schemas

    table_schemas()


def build_outputs(run_dir: Path, input_roots: list[Path], branch_manifest: Path | None = None,
                  roster: Path | None = None, policy: Path | None = None,
                  expected_year: int | None = None, workers: int | None = None) -> dict:
    """Write every analyst output into `run_dir`; return written paths and counts.
    `workers`: processes to use (default: CPU count): with more than one, review pages
    are rendered by `workers - 1` forked processes while this one reads the reports
    and writes the tables; with 1 none is forked.

    Incremental: when nothing the outputs depend on has changed since the last
    build (reports.jsonl, the run's file list, manifest/roster/policy, source file
    states, options, the aggregate code), the outputs are kept and the previous
    result is returned; otherwise everything is rebuilt except the review pages
    whose content is unchanged (they are named by a hash of what they show).
    """

    run_dir = Path(run_dir)
    reports_path = run_dir / "reports.jsonl"
    if not reports_path.is_file():
        raise AggregateError(f"{reports_path} not found: is {run_dir} a ghminer run folder?")
    from pipeline.run.writer import remove_stale_tmp
    for folder in (run_dir, run_dir / TABLES_DIR, run_dir / REVIEW_DIR):
        remove_stale_tmp(folder)  # left by a `ghminer report` that was killed mid-write
    run_manifest = _run_manifest(run_dir)
    roots = [Path(r) for r in (input_roots or run_manifest.get("inputs", []))]
    sha_by_path = {f["path"]: f.get("sha256") for f in run_manifest.get("files", [])}

    manifest_path = Path(branch_manifest) if branch_manifest else find_default(roots, MANIFEST_NAME)
    roster_path = Path(roster) if roster else find_default(roots, ROSTER_NAME)
    for p in (manifest_path, roster_path):
        if p is not None and not p.is_file():
            raise BranchFileError(f"{p}: file not found")
    folders: dict[str, Path] = {}
    run_files = {resolve_file(f["path"], folders) for f in run_manifest.get("files", [])}
    branches, refused_rows = load_manifest(manifest_path, roots, run_files) \
        if manifest_path else ({}, [])
    roster_entries = load_roster(roster_path) if roster_path else []
    pol = load_policy(policy)

    source_states: dict[str, str] = {}

    def state_of(path: str) -> str:
        if path not in source_states:
            source_states[path] = source_state(path, sha_by_path.get(path))
        return source_states[path]

    stamp_key = _stamp_key(reports_path, run_manifest, roots, manifest_path, roster_path, policy,
                           expected_year, state_of)
    previous = _read_stamp(run_dir, stamp_key)
    if previous is not None:
        return previous
    # heavy imports (pandas, the renderers) only now that outputs are to be written,
    # and before any renderer is forked
    from pipeline.aggregate.html import render_review  # noqa: F401
    from pipeline.aggregate.memory import use_returning_memory_pool

    use_returning_memory_pool()
    (run_dir / STAMP_NAME).unlink(missing_ok=True)  # outputs are about to change
    release_freed_memory()  # what a run freed before its build (results, the window)

    resolver = BranchResolver(roots, branches, roster_entries)
    from pipeline.aggregate.file_issues import file_issues  # pandas: only when building

    issues = file_issues(run_manifest, refused_rows, resolver)
    roster_org_type = {e.branch_id: e.org_type for e in roster_entries}
    sources = SourceCache(sha_by_path, keep_chars=KEEP_SOURCE_CHARS, encoding_by_path={
        f["path"]: f.get("encoding") for f in run_manifest.get("files", [])})

    # Pass 1, light (a few fields of each line): report ids, branches and MinHash
    # signatures. Near-duplicates need the whole batch, and every report's flags,
    # review page name and page depend on them.
    heads, dup_flags, signatures = _near_duplicate_pass(reports_path, run_dir, pol, resolver,
                                                        sources, state_of, roots)
    # Across years: each report against its own branch's previous-year reports
    from pipeline.aggregate.years import multi_season, year_flags

    seasons = multi_season(heads)  # one season: nothing to compare, statistics whole
    yr_flags = year_flags(heads if seasons else [], signatures, reports_path, pol,
                          {e.branch_id for e in roster_entries}, dup_flags.names,
                          lambda ln: _report_text(sources, ln))
    del signatures
    sources.last_use()  # pass 2 reads each file once more, in the same order
    release_freed_memory()  # what the near-duplicate search used

    # Pass 2, full: validated reports -> table rows, flags and review page names. The
    # pages are rendered as each report is read when no renderer is forked; else by
    # forked renderers, started now on a cold build (they read and name the pages
    # themselves, alongside this pass) or after this pass.
    from pipeline.corrections import Corrections

    paging = _Paging(reports_path, pol, expected_year, roster_org_type, dup_flags, state_of,
                     yr_flags, Corrections.load(run_dir, sha_by_path))
    from pipeline.aggregate.tables import TableWriter  # pyarrow: not needed when up to date

    tables = TableWriter(run_dir / TABLES_DIR, pol.blocking_flags)
    pages: list[_Page] = []
    year_reports = []  # what the year tables need of each report
    reviews = None
    try:
        reviews = _ReviewWriter(run_dir / REVIEW_DIR, paging, heads, sources, workers)
        lines = _iter_lines(reports_path)
        for head, (_, _, line) in zip(heads, lines):
            rep, flags, page_flags, page = paging.read(line, head)
            tables.add(head.report_id, rep, head.branch, flags, page_flags,
                       f"{REVIEW_DIR}/{page.name}", head.year, head.year_source)
            year_reports.append(_year_report(head, rep, yr_flags.figures))
            pages.append(page)
            reviews.add(page, rep, page_flags)
        if len(pages) != len(heads) or next(lines, None) is not None:
            raise AggregateError(f"{reports_path} changed while it was read; run again")
        tables.add_flags(dup_flags)  # after the reports' own, as a table of all flags
        if paging.corrections:
            paging.corrections.warn_unapplied()
        reviews.start(pages, heads)
        written = _write_tables_and_dashboard(run_dir, tables, roster_entries, pol, run_manifest,
                                              manifest_path, roster_path, dup_flags.n_pairs,
                                              issues, year_reports, seasons)
        rendered = reviews.finish()
    except BaseException:
        try:
            if reviews is not None:
                reviews.abandon()
        finally:
            tables.abandon()
        raise
    _write_stamp(run_dir, stamp_key, written, [p.name for p in pages])
    written["review_pages_rendered"] = rendered
    return written


class _ReportHead(BaseModel):
    """The fields of a report line the first pass needs (the rest is skipped unparsed)."""
    model_config = ConfigDict(extra="ignore")
    source: str
    path: str
    report_index: int
    start: int
    end: int
    title: str | None = None
    org: str | None = None
    year: int | None = None


def _report_text(sources: SourceCache, ln) -> str | None:
    text = sources.get(ln.ident[1]).text
    return None if text is None else text[ln.start:ln.end]


def _year_report(head, rep, known: dict):
    """What the year tables need of a report; `known`: figures the year flags computed."""
    from pipeline.aggregate.years import ReportYear, report_figures

    b = head.branch
    figures = known.get(head.report_id)
    if figures is None:
        figures = report_figures(rep.facts, rep.section_tree)
    return ReportYear(head.report_id, b.branch_id, b.branch_name, b.district, head.year,
                      figures)


def _parse_head(line: bytes, path: Path, n: int) -> _ReportHead:
    try:
        return _ReportHead.model_validate_json(line)
    except ValidationError:
        _parse_report(line, path, n)  # raises the full record's error
        raise  # not reached: a valid report has every field of _ReportHead


@dataclass(slots=True)
class _Line:
    """A line of reports.jsonl as the first pass saw it."""
    n: int               # line number
    offset: int          # byte offset
    report_id: str
    branch: Branch
    ident: tuple         # (source, path, report_index, org): what id and branch come from
    start: int = 0       # the report's span in its source
    end: int = 0
    year: int | None = None       # the year it belongs to (`years.YearResolver`)
    year_source: str = "unknown"  # manifest | folder | text | unknown

    @property
    def path(self) -> str:
        """The source file's path (a file is one submission)."""
        return self.ident[1]


def _near_duplicate_pass(reports_path: Path, run_dir: Path, pol, resolver: BranchResolver,
                         sources: SourceCache, state_of, roots=()):
    """(the `_Line` of each report, its `DuplicateFlags`, report id -> its signature).
    Signatures come from the run's signature cache or are computed in batches."""
    from pipeline.aggregate.minhash import MinHasher, iter_near_duplicates
    from pipeline.aggregate.sigcache import CACHE_NAME as SIG_CACHE_NAME
    from pipeline.aggregate.sigcache import SignatureCache
    from pipeline.aggregate.tables import report_key
    from pipeline.aggregate.years import YearResolver

    years = YearResolver(roots, resolver._folders)  # (folders resolved once for both)
    hasher = MinHasher(pol)
    sig_cache = SignatureCache(run_dir / ".cache" / SIG_CACHE_NAME, pol, hasher.n)
    used_keys: dict[str, str] = {}
    branch_of: dict[tuple[str, str | None], object] = {}
    heads, names = [], {}
    signatures: dict[str, object] = {}
    unhashed: list[tuple[str, bytes, str]] = []  # (report id, cache key, text) hashed together

    def hash_unhashed():
        if not unhashed:
            return
        texts = [text for _, _, text in unhashed]
        for (rid_, key_, _), sig_ in zip(unhashed, hasher.signatures(texts)):
            sig_cache.put(key_, sig_)
            signatures[rid_] = sig_
        unhashed.clear()

    for n, offset, line in _iter_lines(reports_path):
        head = _parse_head(line, reports_path, n)
        rid = report_key(head, used_keys)
        key = (head.path, head.org)
        if key not in branch_of:  # resolving a path touches the file system
            branch_of[key] = resolver.resolve(head.path, head.org)
        branch = branch_of[key]
        year, year_source = years.resolve(branch, head.path, head.year)
        heads.append(_Line(n, offset, rid, branch,
                           (head.source, head.path, head.report_index, head.org),
                           head.start, head.end, year, year_source))
        names[rid] = f"{branch.branch_name or head.source} · {head.title or rid}"
        sig_key = sig_cache.key(state_of(head.path), head.start, head.end)
        found, sig = sig_cache.get(sig_key)
        if found:
            signatures[rid] = sig
            continue
        src = sources.get(head.path)
        if src.text is not None:  # (else not cached: the file may come back)
            signatures[rid] = None  # a place in input order, filled once hashed
            unhashed.append((rid, sig_key, src.text[head.start:head.end]))
            if len(unhashed) >= SIGNATURE_BATCH:
                hash_unhashed()
    hash_unhashed()
    sig_cache.save()
    pairs = iter_near_duplicates({rid: sig for rid, sig in signatures.items()
                                  if sig is not None}, pol)
    return heads, DuplicateFlags(_other_years_apart(pairs, heads), names, pol.max_twins), \
        signatures


def _other_years_apart(pairs, heads):
    """The near-duplicate pairs less those of one branch's reports of two years: a
    branch re-using its own wording from year to year is the year comparison's to
    judge (`years`: copied_from_previous_year), not a copy from another unit."""
    seen = {h.report_id: (h.branch.branch_id, h.year) for h in heads
            if h.branch.branch_id is not None and h.year is not None}
    for a, b, sim in pairs:
        x, y = seen.get(a), seen.get(b)
        if x is not None and y is not None and x[0] == y[0] and x[1] != y[1]:
            continue
        yield a, b, sim


@dataclass
class _Paging:
    """What reading a report's line into its flags and review page needs: the second
    pass and early-forked page renderers do the same."""
    reports_path: Path
    pol: object
    expected_year: int | None
    roster_org_type: dict
    dup_flags: DuplicateFlags   # the near-duplicate flags, by report
    source_state: object        # path -> state of the source file
    year_flags: object = None   # years.YearFlags: flags comparing with last year
    corrections: object = None  # the analyst's corrections journal (pipeline.corrections)

    def read(self, line: bytes, head: _Line):
        """(report, its flags, the flags its page shows, its page)."""
        from pipeline.aggregate.html.review import page_key, review_filename

        rep = _parse_report(line, self.reports_path, head.n)
        if (rep.source, rep.path, rep.report_index, rep.org) != head.ident:
            raise AggregateError(f"{self.reports_path} changed while it was read; run again")
        tag = ""
        if self.corrections:  # the analyst's corrections, and the branch they set
            rep, head.branch, tag = self.corrections.correct(rep, head.branch)
        rid, branch = head.report_id, head.branch
        flags = report_flags(rep, rid, branch, self.pol, self.expected_year,
                             self.roster_org_type.get(branch.branch_id))
        if self.year_flags is not None:
            flags += self.year_flags.of(rid)
        page_flags = flags + self.dup_flags.of(rid)
        page = _Page(rid, head.offset, hashlib.blake2b(line + tag.encode(),
                                                       digest_size=20).hexdigest(), branch,
                     _PageName(rep.source, rep.path, rep.report_index))
        page.name = review_filename(page.ident, page_key(
            page.digest, rid, branch, page_flags, self.source_state(rep.path)))
        return rep, flags, page_flags, page


def _write_tables_and_dashboard(run_dir: Path, tables, roster_entries, pol,
                                run_manifest: dict, manifest_path, roster_path, n_pairs: int,
                                issues, year_reports=(), seasons: bool = False) -> dict:
    """Tables, DuckDB, workbook and dashboard (the review pages are written aside). The
    per-report tables are already written (`tables`, a `TableWriter`): the statistics
    read back the columns they need, the workbook and dashboard read them in batches."""
    from pipeline.aggregate.duck import write_duckdb, write_parquet, write_year_parquet
    from pipeline.aggregate.excel import write_workbook
    from pipeline.aggregate.html import render_dashboard
    from pipeline.aggregate.stats import (district_stats, district_summary, latest_season,
                                          read_stat_facts)
    from pipeline.aggregate.tables import read_table

    paths = tables.close()  # (read under their temporary names until all are written)
    release_freed_memory()  # what reading the reports freed
    sizes = tables.counts()
    season, season_year = latest_season(seasons, read_table(
        paths["reports"], ["report_id", "branch_id", "district", "sections", "complete",
                           "report_year", "year_source"]))
    stat_facts = read_stat_facts(paths["facts"])
    stat_flags = read_table(paths["flags"], ["report_id", "code"])
    if season_year is not None:  # several years: the statistics are the latest season's
        ids = set(season["report_id"])
        stat_facts = stat_facts[stat_facts["report_id"].isin(ids).to_numpy(dtype=bool)]
        stat_flags = stat_flags[stat_flags["report_id"].isin(ids).to_numpy(dtype=bool)]
    stats, missing = district_stats(season, stat_facts, stat_flags, roster_entries,
                                    pol.capped_rates)
    summary = district_summary(stats)
    release_freed_memory()  # the columns the statistics read
    stat_paths = write_parquet({"district_stats": stats, "missing_branches": missing,
                                "file_issues": issues}, run_dir / TABLES_DIR)
    from pipeline.aggregate.years import year_tables

    yt = year_tables(list(year_reports), compare=seasons)
    stat_paths.update(write_year_parquet(yt, run_dir / TABLES_DIR))
    paths = {**tables.publish(), **stat_paths}
    written = {"tables": {k: str(v) for k, v in paths.items()}}
    written["duckdb"] = str(write_duckdb(paths, run_dir / DB_NAME))
    release_freed_memory()  # DuckDB's buffers
    written["excel"] = str(write_workbook(run_dir / XLSX_NAME, summary, paths["reports"],
                                          paths["flags"], paths["facts"], missing, stats,
                                          file_issues=issues, years=yt))
    counts = run_manifest.get("counts", {})
    dash = render_dashboard(summary, stats, paths["reports"], paths["flags"], missing,
                            {"reports": sizes["reports"], "files": counts.get("files", "?"),
                             "version": run_manifest.get("ghminer_version", ""),
                             "stats_year": season_year},
                            file_issues=issues, years=yt)
    write_text_atomic(run_dir / DASHBOARD_NAME, dash)
    written["dashboard"] = str(run_dir / DASHBOARD_NAME)
    written["review_dir"] = str(run_dir / REVIEW_DIR)
    written["counts"] = {
        "reports": sizes["reports"], "facts": sizes["facts"],
        "flags": sizes["flags"], "near_duplicate_pairs": n_pairs,
        "districts": int((summary["district"] != "（全部）").sum()),
        "missing_branches": len(missing),
        "stats_year": season_year,
        "file_issues": len(issues),
        "years": yt.years,
        "manifest": str(manifest_path) if manifest_path else None,
        "roster": str(roster_path) if roster_path else None,
    }
    return written


# --- review pages --------------------------------------------------------------

@dataclass(slots=True)
class _PageName:
    """What `review_filename` needs of a report (kept instead of the report)."""
    source: str
    path: str
    report_index: int


@dataclass(slots=True)
class _Page:
    report_id: str
    offset: int          # byte offset of the report's line in reports.jsonl
    digest: str          # hash of that line
    branch: object
    ident: _PageName
    name: str = ""


class _ReviewWriter:
    """Renders the pages not already on disk (a page's name is the hash of its content)
    and deletes the pages of reports no longer in the run. Three ways:

    - inline, when no renderer would be forked (`workers` 1, few reports, or no fork
      on this platform): each page as its report is read (`add`), so that a report
      is parsed once;
    - early, on a (mostly) cold build: `workers - 1` forked processes (`workers`
      defaults to the CPU count) start at once on contiguous slices of the reports,
      each reading, naming and rendering its pages while the parent reads the
      reports and writes the tables, workbook and dashboard; with one renderer the
      parent renders the last reports' pages itself as it reads them, so that it
      does not wait idle for the renderer (`_forked_share`);
    - late, when most pages exist: once every page name is known (`start`), the
      missing pages are rendered by forked processes while the parent writes the
      tables (in this process, afterwards, if they are few).

    `finish()` waits for the renderers."""

    def __init__(self, folder: Path, paging: _Paging, lines: list[_Line], sources: SourceCache,
                 workers: int | None = None):
        self.folder, self.paging, self.sources, self.workers = folder, paging, sources, workers
        folder.mkdir(exist_ok=True)
        self.existing = set()
        with os.scandir(folder) as it:
            for entry in it:
                # an empty page is what a crash can leave of an unsynced write: redo it
                if entry.name.endswith(".html") and entry.is_file() and entry.stat().st_size > 0:
                    self.existing.add(entry.name)
        self.rendered: set[str] = set()  # pages rendered (inline, early or late)
        self.todo: list[_Line] = []      # reports whose pages are left to late rendering
        self.pages: list[_Page] = []
        self.forked = None  # ForkedTasks rendering pages
        self.writer = None  # PageWriter of the pages this process renders as it reads
        n_proc = _review_processes(len(lines), workers)
        self.inline = n_proc == 1
        self.early = not self.inline and len(self.existing) * 2 < len(lines)
        self.n_added = 0
        self.parent_from = len(lines)  # early: the parent renders the pages from this line on
        if self.early:  # this process is busy meanwhile: it is one of the n_proc
            k = n_proc - 1
            self.parent_from = min(len(lines), round(k * _forked_share(k) * len(lines)))
            forked = lines[:self.parent_from]
            size = -(-len(forked) // k)
            self._fork(_render_lines, [forked[i:i + size] for i in range(0, len(forked), size)])

    def _fork(self, task, slices: list) -> None:
        from pipeline.aggregate.forked import ForkedTasks

        _REVIEW_JOB.update(folder=self.folder, paging=self.paging, sources=self.sources,
                           existing=self.existing, slices=slices)
        try:
            self.forked = ForkedTasks(task, len(slices))
        finally:
            _REVIEW_JOB.clear()  # the children have their copy

    def add(self, page: _Page, rep, flags: list) -> None:
        """A report just read: its page is rendered now when rendering inline, or when it
        is one of the parent's share of an early build."""
        index, self.n_added = self.n_added, self.n_added + 1
        mine = self.inline or (self.early and index >= self.parent_from)
        if mine and page.name not in self.existing and page.name not in self.rendered:
            from pipeline.aggregate.html import render_review

            if self.writer is None:  # (after any fork of this build: see `start`)
                from pipeline.aggregate.pagewriter import PageWriter
                self.writer = PageWriter()
            self.writer.put(self.folder / page.name, render_review(
                rep, page.report_id, page.branch, flags, self.sources.get(rep.path)))
            self.rendered.add(page.name)

    def start(self, pages: list[_Page], lines: list[_Line]) -> None:
        """Every page is known (`pages[i]` is the page of `lines[i]`): render late those
        not rendered yet (forked if many); their reports are read again for it."""
        self.pages = pages
        if self.early:
            return
        seen = self.existing | self.rendered
        for page, line in zip(pages, lines):
            if page.name not in seen:
                self.todo.append(line)
                seen.add(page.name)
        n_proc = _review_processes(len(self.todo), self.workers)
        if n_proc > 1:  # this process writes the tables meanwhile: it is one of the n_proc
            self._close_writer()  # no thread across the fork
            size = -(-len(self.todo) // (n_proc - 1))
            self._fork(_render_lines, [self.todo[i:i + size]
                                       for i in range(0, len(self.todo), size)])

    def finish(self) -> int:
        """Wait for (or do) the rendering, remove stale pages; the number rendered."""
        self._close_writer()
        if self.forked is not None:
            results, self.forked = self.forked.results(), None
            # each renderer's page names (two slices may share a page)
            self.rendered.update(name for names in results for name in names)
        elif self.todo:
            self.rendered.update(_render_heads(self.folder, self.paging, self.sources,
                                               self.existing, self.todo))
        wanted = {p.name for p in self.pages}
        for name in self.existing - wanted:  # pages of reports gone from the run, or outdated
            (self.folder / name).unlink(missing_ok=True)
        fsync_dir(self.folder)
        return len(self.rendered)

    def _close_writer(self) -> None:
        if self.writer is not None:
            self.writer.close()  # (kept until closed: an interrupted close is abandoned)
            self.writer = None

    def abandon(self) -> None:
        try:
            if self.writer is not None:
                self.writer.abandon()
                self.writer = None
        finally:
            from pipeline.run.writer import remove_stale_tmp

            if self.forked is not None:
                self.forked.stop()
                self.forked = None
            remove_stale_tmp(self.folder)  # what the stopped writers were writing


MIN_PAGES_PER_PROCESS = 250
# Relative costs per report, measured on a 100 MB build: a page rendered by a forked
# renderer (it parses the report's line too), a page rendered by the parent (which
# parses every line anyway), and the parent's own work (flags, tables, workbook).
FORKED_PAGE_COST, PARENT_PAGE_COST, PARENT_OWN_COST = 4.0, 3.0, 2.3


def _forked_share(k: int) -> float:
    """Fraction of the pages each of `k` early renderers takes so that they and the
    parent finish together; the parent renders the rest (none with many renderers)."""
    share = (PARENT_OWN_COST + PARENT_PAGE_COST) / (FORKED_PAGE_COST + k * PARENT_PAGE_COST)
    return min(share, 1 / k)


_REVIEW_JOB: dict = {}  # what forked page renderers inherit (nothing is pickled)


def _review_processes(n_pages: int, workers: int | None) -> int:
    """Processes (this one included) to render `n_pages` pages; 1: none forked."""
    if workers is None:
        workers = int(os.environ.get("GHMINER_REPORT_WORKERS", 0)) or (os.cpu_count() or 1)
    if not hasattr(os, "fork"):
        return 1
    return max(1, min(workers, n_pages // MIN_PAGES_PER_PROCESS))


def _render_lines(i: int) -> list[str]:
    """A forked renderer: the pages of slice `i` of the reports (`_render_heads`)."""
    job = _REVIEW_JOB
    return _render_heads(job["folder"], job["paging"], job["sources"], job["existing"],
                         job["slices"][i])


def _render_heads(folder: Path, paging: _Paging, sources: SourceCache, existing: set[str],
                  heads: list[_Line]) -> list[str]:
    """Reads, names and renders (unless on disk) the pages of the reports `heads`, in
    file order (sequential reads, each source read once); the names of the pages it
    rendered. `sources`: the first pass's source cache (texts it kept are not read
    again)."""
    from pipeline.aggregate.html import render_review

    rendered: dict[str, None] = {}

    def pages():
        with open(paging.reports_path, "rb") as fh:
            for head in heads:
                fh.seek(head.offset)
                rep, _, flags, page = paging.read(fh.readline(), head)
                if page.name in existing or page.name in rendered:
                    continue
                rendered[page.name] = None
                yield folder / page.name, render_review(rep, head.report_id, head.branch,
                                                        flags, sources.get(rep.path))

    write_pages(pages())
    return list(rendered)


# --- whole-build stamp ---------------------------------------------------------

STAMP_NAME = ".aggregate-stamp.json"
_AGGREGATE_CODE = Path(__file__).parent


def _code_version() -> str:
    """Hash of the aggregate stage's code, data and templates, and of the schema."""
    h = hashlib.blake2b(digest_size=16)
    files = sorted(p for p in _AGGREGATE_CODE.rglob("*")
                   if p.is_file() and p.suffix in (".py", ".toml", ".html", ".css", ".csv", ".yaml"))
    from schemas import report as schema
    for p in [*files, Path(schema.__file__)]:
        h.update(str(p.relative_to(p.parents[1])).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _file_digest(path: Path | None) -> str:
    if path is None:
        return "-"
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return f"{safe_resolve(path)}:{h.hexdigest()}"


def _stamp_key(reports_path, run_manifest, roots, manifest_path, roster_path, policy,
               expected_year, source_state) -> str:
    files = [(f.get("path"), f.get("sha256"), f.get("status")) for f in run_manifest.get("files", [])]
    parts = {
        "code": _code_version(),
        "reports": _file_digest(reports_path),
        "files": files,
        "sources": [source_state(f[0]) for f in files if isinstance(f[0], str)],
        "n_files": run_manifest.get("counts", {}).get("files"),
        "version": run_manifest.get("ghminer_version"),
        "roots": [str(safe_resolve(r)) for r in roots],
        "manifest": _file_digest(manifest_path), "roster": _file_digest(roster_path),
        "policy": _file_digest(Path(policy) if policy else DEFAULT_POLICY),
        "expected_year": expected_year,
        "corrections": journal_digest(reports_path.parent),
    }
    return hashlib.blake2b(json.dumps(parts, sort_keys=True, default=str).encode(),
                           digest_size=20).hexdigest()


def _outputs(run_dir: Path, tables: list[str], counts: dict) -> dict:
    return {"tables": {t: str(run_dir / TABLES_DIR / f"{t}.parquet") for t in tables},
            "duckdb": str(run_dir / DB_NAME), "excel": str(run_dir / XLSX_NAME),
            "dashboard": str(run_dir / DASHBOARD_NAME), "review_dir": str(run_dir / REVIEW_DIR),
            "counts": counts}


def _read_stamp(run_dir: Path, key: str) -> dict | None:
    """The previous result if it was built from the same inputs and is all still there."""
    try:
        stamp = json.loads((run_dir / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("key") != key:
        return None
    tables, counts, pages = stamp.get("tables"), stamp.get("counts"), stamp.get("pages")
    if not (isinstance(tables, list) and isinstance(counts, dict) and isinstance(pages, list)):
        return None
    written = _outputs(run_dir, tables, counts)
    outputs = [*written["tables"].values(), written["duckdb"], written["excel"],
               written["dashboard"]]
    if not all(Path(p).is_file() for p in outputs):
        return None
    try:
        with os.scandir(run_dir / REVIEW_DIR) as it:
            present = {e.name for e in it if e.name.endswith(".html")}
    except OSError:
        return None
    if present != set(pages):
        return None
    return {**written, "review_pages_rendered": 0, "unchanged": True}


def _write_stamp(run_dir: Path, key: str, written: dict, pages: list[str]) -> None:
    write_text_atomic(run_dir / STAMP_NAME, json.dumps(
        {"key": key, "tables": list(written["tables"]), "counts": written["counts"],
         "pages": pages}, ensure_ascii=False))
