"""The `ghminer` command line: run, report, eval, schema, train."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from pipeline import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="ghminer: trade-union work reports -> grounded facts and statistics.")
err = Console(stderr=True)


@app.command()
def run(
    inputs: List[Path] = typer.Argument(..., help="report files or folders (searched recursively)"),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="run folder to write"),
    max_mb: float = typer.Option(20.0, "--max-mb", help="files larger than this fail with a reason"),
) -> None:
    """Process report files into OUT/reports.jsonl and OUT/manifest.json."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from pipeline.ingest import discover
    from pipeline.process import ProcessConfig
    from pipeline.run import run_corpus

    if not any(p.exists() for p in inputs):
        err.print(f"[red]error:[/] none of the inputs exist: {', '.join(map(str, inputs))}")
        raise typer.Exit(2)
    config = ProcessConfig(max_bytes=int(max_mb * 1024 * 1024))
    total = len(discover([p for p in inputs if p.exists()]))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[chars]:,} chars"), console=err,
                  disable=not err.is_terminal) as progress:
        task = progress.add_task("files", total=total, chars=0)

        def tick(result):
            progress.update(task, advance=1,
                            chars=progress.tasks[0].fields["chars"] + (result.record.chars or 0))

        manifest = run_corpus(inputs, out, config, on_file=tick)
    c = manifest.counts
    err.print(f"{c['files']} files: {c['processed']} processed, {c['failed']} failed; "
              f"{c['reports']} reports, {c['facts']} facts -> {out}/reports.jsonl")
    for rec in manifest.files:
        if rec.status == "failed":
            err.print(f"  [yellow]failed[/] {rec.path}: {rec.reason}")


@app.command("eval")
def eval_cmd(
    pred: Path = typer.Option(..., "--pred", help="reports.jsonl or a folder of .jsonl"),
    gold: Path = typer.Option(..., "--gold", help="folder of gold .json files"),
    errors: int = typer.Option(0, "--errors", help="print up to N errors per kind"),
    as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
) -> None:
    """Score predictions against gold files with the contract's rules."""
    from pipeline.evaluate import format_scores, load_gold, load_pred, score

    res = score(load_pred(pred), load_gold(gold))
    if as_json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        print(format_scores(res, errors))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the output records and the manifest."""
    from schemas.report import json_schema

    print(json.dumps(json_schema(), ensure_ascii=False, indent=1))


@app.command()
def train(out_dir: Optional[Path] = typer.Option(None, "--out-dir",
                                                 help="where to save models (default: package)")
          ) -> None:
    """Train the project's learned models from the annotated data in corpora/."""
    from pipeline.train import train_all

    metrics = train_all(out_dir)
    print(json.dumps(metrics, ensure_ascii=False, indent=1))


@app.command()
def version() -> None:
    """Print the ghminer version."""
    print(__version__)


def main() -> None:  # console-script entry point
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
