"""Aggregate stage: from a run folder's reports to what a federation analyst uses.

`build_outputs(run_dir, input_roots, ...)` reads `reports.jsonl` (streamed,
one report at a time) and `manifest.json`, assigns each report to a branch
and district (`branches`), raises flags (`flags`), computes district
statistics (`stats`) and writes, into the run folder:

- `tables/{reports,sections,facts,flags,district_stats,missing_branches}.parquet`
- `ghminer.duckdb` (the same tables plus views, see `duck.VIEWS`)
- `ghminer.xlsx` (Chinese headers, formula-injection safe)
- `dashboard.html` and `review/*.html` (self-contained, offline)
"""
from __future__ import annotations

import json
from pathlib import Path

from pipeline.aggregate.branches import (MANIFEST_NAME, ROSTER_NAME, BranchFileError,
                                         BranchResolver, find_default, load_manifest, load_roster)
from pipeline.aggregate.flags import (MinHasher, PolicyError, duplicate_flags, load_policy,
                                      near_duplicates, report_flags)
from pipeline.aggregate.source import SourceCache
from pipeline.aggregate.tables import TableBuilder, report_key

__all__ = ["build_outputs", "validate_inputs", "AggregateError", "BranchFileError", "PolicyError"]

DB_NAME = "ghminer.duckdb"
XLSX_NAME = "ghminer.xlsx"
DASHBOARD_NAME = "dashboard.html"
REVIEW_DIR = "review"
TABLES_DIR = "tables"


class AggregateError(ValueError):
    """The run folder cannot be aggregated (missing or malformed reports.jsonl)."""


def _iter_reports(path: Path):
    from pydantic import ValidationError

    from schemas.report import Report

    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield Report.model_validate_json(line)
            except ValidationError as e:
                raise AggregateError(f"{path}, line {n}: not a valid report record: "
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
                    roster: Path | None = None, policy: Path | None = None) -> None:
    """Check manifest, roster and policy before a long run; raises what build_outputs would."""
    roots = [Path(r) for r in input_roots]
    manifest_path = Path(branch_manifest) if branch_manifest else find_default(roots, MANIFEST_NAME)
    roster_path = Path(roster) if roster else find_default(roots, ROSTER_NAME)
    for p in (manifest_path, roster_path):
        if p is not None and not p.is_file():
            raise BranchFileError(f"{p}: file not found")
    if manifest_path:
        load_manifest(manifest_path, roots)
    if roster_path:
        load_roster(roster_path)
    load_policy(policy)


def build_outputs(run_dir: Path, input_roots: list[Path], branch_manifest: Path | None = None,
                  roster: Path | None = None, policy: Path | None = None,
                  expected_year: int | None = None) -> dict:
    """Write every analyst output into `run_dir`; return written paths and counts."""
    from pipeline.aggregate.duck import write_duckdb, write_parquet
    from pipeline.aggregate.excel import write_workbook
    from pipeline.aggregate.html import render_dashboard, render_review, review_filename
    from pipeline.aggregate.stats import district_stats, district_summary

    run_dir = Path(run_dir)
    reports_path = run_dir / "reports.jsonl"
    if not reports_path.is_file():
        raise AggregateError(f"{reports_path} not found: is {run_dir} a ghminer run folder?")
    run_manifest = _run_manifest(run_dir)
    roots = [Path(r) for r in (input_roots or run_manifest.get("inputs", []))]
    sha_by_path = {f["path"]: f.get("sha256") for f in run_manifest.get("files", [])}

    manifest_path = Path(branch_manifest) if branch_manifest else find_default(roots, MANIFEST_NAME)
    roster_path = Path(roster) if roster else find_default(roots, ROSTER_NAME)
    for p in (manifest_path, roster_path):
        if p is not None and not p.is_file():
            raise BranchFileError(f"{p}: file not found")
    run_files = {Path(f["path"]).resolve() for f in run_manifest.get("files", [])}
    branches = load_manifest(manifest_path, roots, run_files) if manifest_path else {}
    roster_entries = load_roster(roster_path) if roster_path else []
    pol = load_policy(policy)
    resolver = BranchResolver(roots, branches, roster_entries)
    roster_org_type = {e.branch_id: e.org_type for e in roster_entries}

    hasher = MinHasher(pol)
    sources = SourceCache(sha_by_path)
    builder = TableBuilder()
    used_keys: dict[str, str] = {}
    signatures, names = {}, {}
    for rep in _iter_reports(reports_path):
        rid = report_key(rep, used_keys)
        branch = resolver.resolve(rep.path, rep.org)
        flags = report_flags(rep, rid, branch, pol, expected_year,
                             roster_org_type.get(branch.branch_id))
        builder.add(rid, rep, branch, flags)
        builder.reports[-1]["review_page"] = f"{REVIEW_DIR}/{review_filename(rep)}"
        src = sources.get(rep.path)
        if src.text is not None:
            sig = hasher.signature(src.text[rep.start:rep.end])
            if sig is not None:
                signatures[rid] = sig
        names[rid] = f"{branch.branch_name or rep.source} · {rep.title or rid}"
    pairs = near_duplicates(signatures, pol)
    builder.flags.extend(duplicate_flags(pairs, names))
    builder.finish(pol.blocking_flags)
    frames = builder.frames()
    stats, missing = district_stats(frames["reports"], frames["facts"], frames["flags"],
                                    roster_entries, pol.capped_rates)
    summary = district_summary(stats)
    frames["district_stats"] = stats
    frames["missing_branches"] = missing

    written = {"tables": {k: str(v) for k, v in
                          write_parquet(frames, run_dir / TABLES_DIR).items()}}
    written["duckdb"] = str(write_duckdb(frames, run_dir / DB_NAME))
    written["excel"] = str(write_workbook(run_dir / XLSX_NAME, summary, frames["reports"],
                                          frames["flags"], frames["facts"], missing, stats))
    counts = run_manifest.get("counts", {})
    dash = render_dashboard(summary, stats, frames["reports"], frames["flags"], missing,
                            {"reports": len(frames["reports"]), "files": counts.get("files", "?"),
                             "version": run_manifest.get("ghminer_version", "")})
    (run_dir / DASHBOARD_NAME).write_text(dash, encoding="utf-8", errors="replace")
    written["dashboard"] = str(run_dir / DASHBOARD_NAME)
    written["review_dir"] = str(_write_reviews(run_dir, reports_path, resolver, builder, sha_by_path,
                                               render_review, review_filename))
    written["counts"] = {
        "reports": len(frames["reports"]), "facts": len(frames["facts"]),
        "flags": len(frames["flags"]), "near_duplicate_pairs": len(pairs),
        "districts": int((summary["district"] != "（全部）").sum()),
        "missing_branches": len(missing),
        "manifest": str(manifest_path) if manifest_path else None,
        "roster": str(roster_path) if roster_path else None,
    }
    return written


def _write_reviews(run_dir, reports_path, resolver, builder, sha_by_path, render_review,
                   review_filename) -> Path:
    """Second streaming pass: one page per report, its source read once per file."""
    folder = run_dir / REVIEW_DIR
    folder.mkdir(exist_ok=True)
    flags_by: dict[str, list] = {}
    for f in builder.flags:
        flags_by.setdefault(f.report_id, []).append(f)
    sources = SourceCache(sha_by_path)
    written = set()
    used_keys: dict[str, str] = {}
    for rep in _iter_reports(reports_path):
        rid = report_key(rep, used_keys)
        name = review_filename(rep)
        page = render_review(rep, rid, resolver.resolve(rep.path, rep.org), flags_by.get(rid, []),
                             sources.get(rep.path))
        (folder / name).write_text(page, encoding="utf-8", errors="replace")
        written.add(name)
    for old in folder.glob("*.html"):  # pages of reports no longer in the run
        if old.name not in written:
            old.unlink()
    return folder
