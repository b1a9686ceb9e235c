"""Aggregate stage: from a run folder's reports to what a federation analyst uses.

`build_outputs(run_dir, input_roots, ...)` reads `reports.jsonl` (streamed,
one report at a time) and `manifest.json`, assigns each report to a branch
and district (`branches`), applies the analyst's corrections
(`pipeline.corrections`), raises flags (`flags`, `years`), computes district
statistics (`stats`) and runs the output writers (`writers.WRITERS`) over the
build, writing into the run folder:

- `tables/*.parquet`: reports, sections, facts, flags, district_stats,
  missing_branches, file_issues, branch_years, year_over_year
- `ghminer.duckdb` (the same tables plus views, see `duck.VIEWS`)
- `ghminer.xlsx` (Chinese headers, formula-injection safe)
- `dashboard.html` (self-contained, offline)
- `review/*.html` with `review_pages=True` only (`review_pages`)

Incremental: `.aggregate-stamp.json` records what the outputs were built from
(nothing changed: nothing is rewritten, `stamp`); review pages are named by a
hash of what they show and only new ones are rendered; MinHash signatures are
kept in `.cache/aggregate-minhash.npz`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.aggregate import stamp as _stamp
from pipeline.aggregate.branches import (MANIFEST_NAME, ROSTER_NAME, Branch, BranchFileError,
                                         BranchResolver, find_default, load_manifest, load_roster,
                                         resolve_file)
from pipeline.aggregate.flags import DuplicateFlags, PolicyError, load_policy, report_flags
from pipeline.runtime.memory import release_freed_memory
from pipeline.aggregate.source import SourceCache, source_state
from pipeline.aggregate.stamp import STAMP_NAME
# the names of the outputs, defined where they are written (light modules: their
# heavy imports are inside the writers)
from pipeline.aggregate.build import TABLES_DIR
from pipeline.aggregate.review_pages import REVIEW_DIR
from pipeline.aggregate.writers import DASHBOARD_NAME, DB_NAME, XLSX_NAME  # noqa: F401
from schemas.report import RefusedManifestRow

__all__ = ["build_outputs", "validate_inputs", "AggregateError", "BranchFileError", "PolicyError",
           "STAMP_NAME"]



SIGNATURE_BATCH = 256  # reports whose MinHash signatures are computed together
# source text kept from the first pass for pass 2 (review pages; about 2-4 bytes a char)
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
    from pipeline.aggregate.writers import WRITERS  # noqa: F401

    table_schemas()


def build_outputs(run_dir: Path, input_roots: list[Path], branch_manifest: Path | None = None,
                  roster: Path | None = None, policy: Path | None = None,
                  expected_year: int | None = None, review_pages: bool = False) -> dict:
    """Write every analyst output into `run_dir` (`writers.WRITERS`); return written
    paths and counts. `review_pages`: also a static review page per report.

    Incremental: when nothing the outputs depend on has changed since the last
    build (reports.jsonl, the run's file list, manifest/roster/policy, source file
    states, options, corrections, the aggregate code), the outputs are kept and the
    previous result is returned; otherwise everything is rebuilt except the review
    pages whose content is unchanged (they are named by a hash of what they show).
    """

    run_dir = Path(run_dir)
    reports_path = run_dir / "reports.jsonl"
    if not reports_path.is_file():
        raise AggregateError(f"{reports_path} not found: is {run_dir} a ghminer run folder?")
    from pipeline.runtime.files import remove_stale_tmp
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

    stamp_key = _stamp.stamp_key(reports_path, run_manifest, roots, manifest_path, roster_path,
                                 policy, {"expected_year": expected_year,
                                          "review_pages": bool(review_pages)}, state_of)
    previous = _stamp.read_stamp(run_dir, stamp_key, run_dir / REVIEW_DIR)
    if previous is not None:
        return previous
    # heavy imports (pandas, the writers) only now that outputs are to be written
    from pipeline.aggregate.build import Build, ReportItem
    from pipeline.runtime.memory import use_returning_memory_pool
    from pipeline.aggregate.review_pages import ReviewPages, page_name
    from pipeline.aggregate.writers import WRITERS
    from pipeline.corrections import Corrections

    use_returning_memory_pool()
    (run_dir / STAMP_NAME).unlink(missing_ok=True)  # outputs are about to change
    release_freed_memory()  # what a run freed before its build (results, the window)

    resolver = BranchResolver(roots, branches, roster_entries)
    from pipeline.aggregate.file_issues import file_issues  # pandas: only when building

    issues = file_issues(run_manifest, refused_rows, resolver)
    roster_org_type = {e.branch_id: e.org_type for e in roster_entries}
    # the texts pass 1 reads are kept for pass 2 only if it renders pages from them
    sources = SourceCache(sha_by_path, keep_chars=KEEP_SOURCE_CHARS if review_pages else 0,
                          encoding_by_path={f["path"]: f.get("encoding")
                                            for f in run_manifest.get("files", [])})
    corrections = Corrections.load(run_dir, sha_by_path)

    # Pass 1, light (a few fields of each line): report ids, branches (as corrected)
    # and MinHash signatures. Near-duplicates need the whole batch, and every report's
    # flags depend on them.
    first = _near_duplicate_pass(reports_path, run_dir, pol, resolver, sources, state_of,
                                 roots, corrections)
    heads, dup_flags = first.heads, first.dup_flags
    # Across years: each report against its own branch's previous-year reports, with
    # the figures of the corrected reports
    from pipeline.aggregate.years import multi_season, year_flags

    seasons = multi_season(heads)  # one season: nothing to compare, statistics whole
    yr_flags = year_flags(heads if seasons else [], first.signatures, reports_path, pol,
                          {e.branch_id for e in roster_entries}, dup_flags.names,
                          lambda ln: _report_text(sources, ln), first.corrected)
    del first
    sources.last_use()  # pass 2 reads each file once more, in the same order
    release_freed_memory()  # what the near-duplicate search used

    # Pass 2, full: each report validated, corrected and flagged, handed to the table
    # rows and to the writers that take reports as they are read (review pages).
    from pipeline.aggregate.tables import TableWriter  # pyarrow: not needed when up to date

    build = Build(run_dir, bool(review_pages), pol, run_manifest, manifest_path, roster_path,
                  roster_entries, issues, sources, dup_flags.n_pairs)
    writers = [cls() for cls in WRITERS]
    tables = TableWriter(run_dir / TABLES_DIR, pol.blocking_flags)
    year_reports = []  # what the year tables need of each report
    try:
        for w in writers:
            w.open(build)
        lines = _iter_lines(reports_path)
        n_read = 0
        for head, (_, _, line) in zip(heads, lines):
            rep = _parse_report(line, reports_path, head.n)
            if (rep.source, rep.path, rep.report_index, rep.org) != head.ident:
                raise AggregateError(f"{reports_path} changed while it was read; run again")
            rep, head.branch, tag = corrections.correct(rep, head.branch) if corrections \
                else (rep, head.branch, "")
            rid, branch = head.report_id, head.branch
            flags = report_flags(rep, rid, branch, pol, expected_year,
                                 roster_org_type.get(branch.branch_id))
            flags += yr_flags.of(rid)
            page_flags = flags + dup_flags.of(rid)
            page = page_name(line, tag, rep, rid, branch, page_flags, state_of(rep.path)) \
                if review_pages else None
            tables.add(rid, rep, branch, flags, page_flags,
                       page and f"{REVIEW_DIR}/{page}", head.year, head.year_source)
            year_reports.append(_year_report(head, rep, yr_flags.figures))
            item = ReportItem(rid, rep, branch, flags, page_flags, page)
            for w in writers:
                w.add(item)
            n_read += 1
        if n_read != len(heads) or next(lines, None) is not None:
            raise AggregateError(f"{reports_path} changed while it was read; run again")
        tables.add_flags(dup_flags)  # after the reports' own, as a table of all flags
        if corrections:
            corrections.warn_unapplied()
        _complete(build, tables, year_reports, seasons)
        written: dict = {}
        for w in writers:
            out = w.write(build)
            if written.keys() & out.keys():
                raise ValueError(f"output writer {w.name!r} reports "
                                 f"{sorted(written.keys() & out.keys())} again")
            written.update(out)
    except BaseException:
        try:
            for w in writers:
                w.abandon()
        finally:
            tables.abandon()
        raise
    written["counts"] = _counts(build, manifest_path, roster_path)
    pages = next((w.pages for w in writers if isinstance(w, ReviewPages)), [])
    _stamp.write_stamp(run_dir, stamp_key, written, pages)
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


@dataclass
class _FirstPass:
    heads: list[_Line]              # each report's line
    dup_flags: DuplicateFlags
    signatures: dict                # report id -> its MinHash signature (None: no text)
    corrected: dict                 # report id -> (facts, section tree) of a corrected report


def _corrected_here(corrections, path: str, start: int) -> bool:
    """Whether a correction is aimed at the report of `path` starting at `start`."""
    entries = corrections.by_sha.get(corrections.sha_by_path.get(path)) or ()
    return any(e["target"]["report_start"] == start for e in entries)


def _near_duplicate_pass(reports_path: Path, run_dir: Path, pol, resolver: BranchResolver,
                         sources: SourceCache, state_of, roots=(), corrections=None
                         ) -> _FirstPass:
    """Each report's `_Line`, the near-duplicate flags, the signatures (from the run's
    signature cache or computed in batches). A report an analyst corrected is read in
    full: its branch as corrected, and its corrected facts for the year figures."""
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
    corrected: dict[str, tuple] = {}
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
        if corrections and _corrected_here(corrections, head.path, head.start):
            rep, branch, _ = corrections.correct(_parse_report(line, reports_path, n), branch)
            corrected[rid] = (rep.facts, rep.section_tree)
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
    return _FirstPass(heads, DuplicateFlags(_other_years_apart(pairs, heads), names,
                                            pol.max_twins), signatures, corrected)


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


def _complete(build, tables, year_reports, seasons: bool) -> None:
    """Fill `build` once every report is read: the per-report tables complete (under
    temporary names until the Parquet writer puts them in place), the district
    statistics (read back from them: the columns they need), the year tables."""
    from pipeline.aggregate.stats import (district_stats, district_summary, latest_season,
                                          read_stat_facts)
    from pipeline.aggregate.tables import read_table
    from pipeline.aggregate.years import year_tables

    paths = tables.close()
    release_freed_memory()  # what reading the reports freed
    build.tables, build.table_sizes = tables, tables.counts()
    season, build.season_year = latest_season(seasons, read_table(
        paths["reports"], ["report_id", "branch_id", "district", "sections", "complete",
                           "report_year", "year_source"]))
    stat_facts = read_stat_facts(paths["facts"])
    stat_flags = read_table(paths["flags"], ["report_id", "code"])
    if build.season_year is not None:  # several years: the statistics are the latest season's
        ids = set(season["report_id"])
        stat_facts = stat_facts[stat_facts["report_id"].isin(ids).to_numpy(dtype=bool)]
        stat_flags = stat_flags[stat_flags["report_id"].isin(ids).to_numpy(dtype=bool)]
    build.stats, build.missing = district_stats(season, stat_facts, stat_flags,
                                                build.roster_entries, build.policy.capped_rates)
    build.summary = district_summary(build.stats)
    release_freed_memory()  # the columns the statistics read
    build.years = year_tables(list(year_reports), compare=seasons)


def _counts(build, manifest_path, roster_path) -> dict:
    sizes = build.table_sizes
    return {
        "reports": sizes["reports"], "facts": sizes["facts"],
        "flags": sizes["flags"], "near_duplicate_pairs": build.near_duplicate_pairs,
        "districts": int((build.summary["district"] != "（全部）").sum()),
        "missing_branches": len(build.missing),
        "stats_year": build.season_year,
        "file_issues": len(build.issues),
        "years": build.years.years,
        "manifest": str(manifest_path) if manifest_path else None,
        "roster": str(roster_path) if roster_path else None,
    }
