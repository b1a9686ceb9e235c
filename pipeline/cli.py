"""The `ghminer` command line: run, report, eval, schema, train."""
from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings
from pathlib import Path
from typing import List, Optional

if sys.platform.startswith("linux"):
    # before pyarrow is imported: its jemalloc pool gives freed memory back to the system
    # (see runtime.memory); the user's choice wins
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")

import typer
from rich.console import Console
from rich.markup import escape

from pipeline import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="ghminer: trade-union work reports -> grounded facts and statistics.")
err = Console(stderr=True)

# Options shared by `run` and `report` (the analyst's side of a run).
MANIFEST_OPT = typer.Option(
    None, "--manifest", help="branch manifest CSV (default: manifest.csv in the input folder)")
ROSTER_OPT = typer.Option(
    None, "--roster", help="roster CSV of expected branches (default: roster.csv in the input folder)")
POLICY_OPT = typer.Option(
    None, "--policy", help="review policy TOML (default: the shipped required_sections.toml)")
YEAR_OPT = typer.Option(None, "--expected-year", help="flag reports whose year differs")
REVIEW_PAGES_OPT = typer.Option(
    False, "--review-pages", help="also write a static review page per report (review/*.html, "
    "linked from the dashboard); without it, see a report with `ghminer serve RUN_DIR`")


@app.command()
def run(
    inputs: List[Path] = typer.Argument(..., help="report files or folders (searched recursively)"),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="run folder to write"),
    max_mb: float = typer.Option(20.0, "--max-mb", help="files larger than this fail with a reason"),
    workers: Optional[int] = typer.Option(
        None, "--workers", "-j", min=0,
        help="worker processes (default: all cores; 0 = in this process, no isolation)"),
    engine: str = typer.Option("local", "--engine", help="local (process pool) or dask"),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", help="dask scheduler address, e.g. tcp://HOST:8786 "
        "(--engine dask without it starts a LocalCluster)"),
    ship_data: bool = typer.Option(
        False, "--ship-data", help="dask: send file bytes to workers (no shared file system)"),
    cache_dir: Optional[Path] = typer.Option(
        None, "--cache-dir", help="per-file result cache (default: OUT/.cache)"),
    force: bool = typer.Option(False, "--force", help="ignore cached results, re-process every file"),
    no_cache: bool = typer.Option(False, "--no-cache", help="neither read nor write the cache"),
    manifest: Optional[Path] = MANIFEST_OPT,
    roster: Optional[Path] = ROSTER_OPT,
    policy: Optional[Path] = POLICY_OPT,
    expected_year: Optional[int] = YEAR_OPT,
    review_pages: bool = REVIEW_PAGES_OPT,
    no_report: bool = typer.Option(
        False, "--no-report", help="write reports.jsonl and manifest.json only (no tables, "
        "Excel, DuckDB, dashboard); `ghminer report` can render them later"),
) -> None:
    """Process report files into OUT/: reports.jsonl, manifest.json, tables, DuckDB, Excel,
    dashboard (and review pages with --review-pages; incremental: unchanged files come
    from the cache)."""
    import signal

    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn)

    from pipeline.process import ProcessConfig
    from pipeline.run import ENGINES, run_corpus

    if engine not in ENGINES:
        err.print(f"[red]error:[/] --engine must be one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    if scheduler and engine != "dask":
        err.print("[red]error:[/] --scheduler needs --engine dask")
        raise typer.Exit(2)
    if engine == "dask" and (missing := _missing_dask()):
        err.print(f"[red]error:[/] --engine dask needs {missing}, not installed: "
                  f"{escape(DASK_INSTALL)}", soft_wrap=True)
        raise typer.Exit(2)
    if not any(p.exists() for p in inputs):
        err.print(f"[red]error:[/] none of the inputs exist: {', '.join(map(str, inputs))}")
        raise typer.Exit(2)
    config = ProcessConfig(max_bytes=int(max_mb * 1024 * 1024))
    existing = [p for p in inputs if p.exists()]
    refused_rows = []
    if not no_report:  # a bad manifest/roster/policy fails now, not after a long extraction
        from pipeline.aggregate import preload, validate_inputs
        refused_rows = _aggregate_guard(lambda: validate_inputs(existing, manifest, roster,
                                                                policy))
        for row in refused_rows:  # one bad row is refused; the others are used
            err.print(f"[yellow]manifest row refused[/] {escape(row.manifest)}, line {row.line}: "
                      f"{escape(row.reason)}")

    signal.signal(signal.SIGTERM, interrupted)  # `kill`: clean up like Ctrl-C
    signal.signal(signal.SIGINT, interrupted)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[chars]:,} chars"),
                  TextColumn("{task.fields[rate]:,.0f} chars/s"), TimeElapsedColumn(),
                  console=err, disable=not err.is_terminal) as progress:
        task = progress.add_task("files", total=None, chars=0, rate=0.0)

        def start(n_files: int, n_bytes: int) -> None:
            progress.update(task, total=n_files)

        def tick(record) -> None:
            t = progress.tasks[0]
            chars = t.fields["chars"] + (record.chars or 0)
            progress.update(task, advance=1, chars=chars,
                            rate=chars / t.elapsed if t.elapsed else 0.0)

        try:
            run_manifest = run_corpus(inputs, out, config, on_file=tick, on_start=start,
                                  workers=workers, engine=engine, scheduler=scheduler,
                                  ship_data=ship_data, cache_dir=cache_dir,
                                  use_cache=not no_cache, force=force, keep_files=False,
                                  on_wait=None if no_report else preload,
                                  refused_rows=refused_rows)
        except RuntimeError as e:  # e.g. another run holds the run folder
            err.print(f"[red]error:[/] {e}")
            raise typer.Exit(1)
        except OSError as e:  # disk full, read-only or vanished run folder
            err.print(f"[red]error:[/] {os_error(e, out)}")
            raise typer.Exit(1)
    c = run_manifest.counts
    err.print(f"{c['files']} files: {c['processed']} processed ({c.get('cached', 0)} from cache), "
              f"{c['failed']} failed; {c['reports']} reports, {c['facts']} facts "
              f"-> {out}/reports.jsonl")
    if c.get("no_report"):
        err.print(f"{c['no_report']} processed files gave no report (listed in manifest.json "
                  "and the workbook's 缺项与问题)")
    for rec in run_manifest.files:
        if rec.status == "failed":
            # file names and reasons are data, not rich markup ("[bold]x.txt")
            err.print(f"  [yellow]failed[/] {escape(rec.path)}: {escape(rec.reason or '')}")
        for flag in rec.flags:
            err.print(f"  [yellow]{flag.code}[/] {escape(rec.path)}: {escape(flag.message)}")
    if not no_report:
        _render(out, existing, manifest, roster, policy, expected_year, review_pages)


DASK_INSTALL = "pip install 'ghminer[dask]'"


def _missing_dask() -> str | None:
    """The first package the dask engine needs that cannot be imported, else None."""
    import importlib.util

    for name in ("dask", "distributed"):
        if importlib.util.find_spec(name) is None:
            return name
    return None


def _aggregate_guard(action):
    """Run an aggregate step; a bad manifest/roster/policy is a clear error, exit 2."""
    from pipeline.aggregate import AggregateError, BranchFileError, PolicyError

    try:
        return action()
    except (AggregateError, BranchFileError, PolicyError) as e:
        err.print(f"[red]error:[/] {escape(str(e))}")
        raise typer.Exit(2)
    except OSError as e:  # disk full while writing the outputs
        err.print(f"[red]error:[/] {os_error(e, 'the run folder')}")
        raise typer.Exit(1)
    except Exception as e:  # DuckDB reports a full disk as its own error type
        import duckdb
        if not isinstance(e, duckdb.Error):
            raise
        err.print(f"[red]error:[/] {escape('cannot write the DuckDB database: ' + str(e))}")
        raise typer.Exit(1)


def os_error(e: OSError, where) -> str:
    """One line for a failed write or read: what failed and where, no traceback."""
    what = e.strerror or str(e)
    return escape(f"cannot write {e.filename or where}: {what}")


@contextlib.contextmanager
def corrections_notes():
    """The warnings of the corrections journal (corrupt lines, entries not applied) as
    plain `warning:` lines; other warnings as Python shows them."""
    from pipeline.corrections import CorruptJournalWarning, UnappliedCorrectionWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            yield
        finally:
            for w in caught:
                if issubclass(w.category, (CorruptJournalWarning, UnappliedCorrectionWarning)):
                    err.print(f"[yellow]warning:[/] {escape(str(w.message))}", soft_wrap=True)
                else:
                    warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def _render(run_dir, inputs, manifest, roster, policy, expected_year,
            review_pages: bool = False) -> None:
    from pipeline.aggregate import build_outputs

    with corrections_notes():
        res = _aggregate_guard(lambda: build_outputs(
            run_dir, list(inputs or []), branch_manifest=manifest, roster=roster,
            policy=policy, expected_year=expected_year, review_pages=review_pages))
    c = res["counts"]
    err.print(f"{c['reports']} reports, {c['facts']} facts, {c['flags']} flags, "
              f"{c['districts']} districts, {c['missing_branches']} branches missing -> "
              f"{res['dashboard']}, {res['excel']}, {res['duckdb']}"
              + (f", {res['review_dir']}/" if res.get("review_dir") else ""))


@app.command("report")
def report_cmd(
    run_dir: Path = typer.Argument(..., help="an existing run folder (has reports.jsonl)"),
    inputs: Optional[List[Path]] = typer.Option(
        None, "--input", "-i", help="input folder(s) of the run (default: those in manifest.json)"),
    manifest: Optional[Path] = MANIFEST_OPT,
    roster: Optional[Path] = ROSTER_OPT,
    policy: Optional[Path] = POLICY_OPT,
    expected_year: Optional[int] = YEAR_OPT,
    review_pages: bool = REVIEW_PAGES_OPT,
    workers: Optional[str] = typer.Option(None, "--workers", "-j", hidden=True),
) -> None:
    """Re-render tables, DuckDB, Excel and dashboard (and review pages with --review-pages)
    from a run, without re-extracting."""
    if workers is not None:  # (it set the forked page renderers, retired with them)
        err.print("[red]error:[/] `ghminer report --workers` is no longer an option: the "
                  "build runs in one process, and review pages are written only with "
                  "--review-pages (see them live with `ghminer serve RUN_DIR`)", soft_wrap=True)
        raise typer.Exit(2)
    _render(run_dir, inputs, manifest, roster, policy, expected_year, review_pages)


@app.command("serve")
def serve_cmd(
    run_dir: Path = typer.Argument(..., help="a run folder (has reports.jsonl and ghminer.duckdb)"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (other than loopback: "
                             "--token is required)"),
    port: int = typer.Option(8765, "--port"),
    token: Optional[str] = typer.Option(None, "--token", help="access token (default: generated "
                                        "and printed; required off loopback)"),
    build: bool = typer.Option(False, "--build", help="first rebuild the run's tables as "
                               "`ghminer report DIR` does (default options: a run made with "
                               "--policy/--expected-year/--manifest is better rebuilt with "
                               "`ghminer report` and those options)"),
) -> None:
    """Analyst workbench: browse, search and correct the facts of a run (web pages + JSON API)."""
    from pipeline.serve import CannotListen, InsecureBind, is_loopback

    if not is_loopback(host) and not token:
        err.print(f"[red]error:[/] binding {escape(host)} (not loopback) needs --token")
        raise typer.Exit(2)
    if not (run_dir / "reports.jsonl").is_file():
        err.print(f"[red]error:[/] {escape(str(run_dir))} is not a ghminer run folder")
        raise typer.Exit(2)
    if build:
        _render(run_dir, [], None, None, None, None)
    from pipeline.serve import serve

    try:
        serve(run_dir, host, port, token, echo=lambda m: err.print(escape(m)))
    except (InsecureBind, CannotListen, FileNotFoundError, ValueError) as e:
        err.print(f"[red]error:[/] {escape(str(e))}", soft_wrap=True)  # (paths unbroken)
        raise typer.Exit(2)


corrections_app = typer.Typer(no_args_is_help=True, help="the analyst's corrections of a run")
app.add_typer(corrections_app, name="corrections")


@corrections_app.command("export")
def corrections_export(
    out_dir: Path = typer.Argument(..., help="folder for the gold files"),
    run_dir: Path = typer.Option(Path("out"), "--run", help="the run folder (default: out)"),
) -> None:
    """Write the corrected reports as gold files of the annotation contract (one per source
    file with a correction) and the source texts they refer to (OUT_DIR/texts)."""
    from pipeline.corrections_export import export_gold

    with corrections_notes():
        res = _aggregate_guard(lambda: export_gold(run_dir, out_dir))
    err.print(f"{res['files']} gold files ({res['reports']} reports, {res['entries']} "
              f"corrections; {res['stale']} stale) -> {escape(str(out_dir))}; check with "
              f"validate_gold.py {escape(str(out_dir))} {escape(str(Path(out_dir) / 'texts'))}")


@app.command("eval")
def eval_cmd(
    pred: Path = typer.Option(..., "--pred", help="reports.jsonl or a folder of .jsonl"),
    gold: Path = typer.Option(..., "--gold", help="folder of gold .json files"),
    errors: int = typer.Option(0, "--errors", help="print errors by cause and up to N errors "
                               "per kind"),
    causes: bool = typer.Option(False, "--causes", help="print errors by cause (where to look)"),
    as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
) -> None:
    """Score predictions against gold files with the contract's rules."""
    from pipeline.evaluate import format_scores, load_gold, load_pred, score

    res = score(load_pred(pred), load_gold(gold))
    if as_json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        print(format_scores(res, errors, causes))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the output records and the manifest."""
    from schemas.report import json_schema

    print(json.dumps(json_schema(), ensure_ascii=False, indent=1))


@app.command()
def train(out_dir: Optional[Path] = typer.Option(None, "--out-dir",
                                                 help="where to save models (default: package)"),
          corrections: Optional[List[Path]] = typer.Option(
              None, "--corrections", help="a folder written by `ghminer corrections export`, "
              "trained on as real reports (repeatable: oldest season first)"),
          cross_validated: bool = typer.Option(True, "--cv/--no-cv", help="also print the "
                                               "cross-validated figures (by file)"),
          ) -> None:
    """Train the project's learned models from the annotated data in corpora/, the shared
    real gold when present and the analyst's corrections folders given. One line per data
    source goes to stderr, the models' figures (JSON) to stdout."""
    from pipeline.train import train_all
    from pipeline.training.corrections_data import CorrectionsDataError

    try:
        metrics = train_all(out_dir, cross_validated, corrections=tuple(corrections or ()),
                            echo=lambda line: err.print(escape(line), soft_wrap=True))
    except CorrectionsDataError as e:
        err.print(f"[red]错误：[/]{escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2)
    print(json.dumps(metrics, ensure_ascii=False, indent=1))


@app.command()
def version() -> None:
    """Print the ghminer version."""
    print(__version__)


# An interruption is cleaned up like Ctrl-C (no torn output, no orphaned workers); if
# that cleanup or the interpreter's exit hangs (rarely, a lock left held by the code
# the interruption broke into, which a worker-pool thread then waits for at exit),
# the process ends anyway this many seconds later, with the same exit status.
EXIT_GRACE_S = 20.0
_exit_timer: list = []


def exit_later(code: int) -> None:
    """End the process with `code` in EXIT_GRACE_S seconds unless it has ended by then;
    once per process."""
    import threading

    if _exit_timer:
        return
    timer = threading.Timer(EXIT_GRACE_S, os._exit, (code,))
    timer.daemon = True  # (never keeps the process alive)
    _exit_timer.append(timer)
    timer.start()


def interrupted(signum, frame) -> None:
    """SIGINT / SIGTERM during a run: KeyboardInterrupt, with a deadline to exit by."""
    exit_later(130)
    raise KeyboardInterrupt


def main() -> None:  # console-script entry point
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        exit_later(130)  # (a Ctrl-C outside a run, where no handler was installed)
        sys.exit(130)


if __name__ == "__main__":
    main()
