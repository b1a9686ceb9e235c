"""Corpus driver: discover inputs, run `process_file` on each, write the run folder.

Outputs: `reports.jsonl` (one Report per line, sorted by source path then
report index) and `manifest.json` (every input file, processed or failed with
the reason, and counts). Files are written to a temporary name and renamed, so
an interrupted run never leaves a truncated file that looks complete.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from pipeline import __version__
from pipeline.process import FileResult, ProcessConfig, process_file
from schemas.report import FileRecord, RunManifest


def config_hash(config: ProcessConfig) -> str:
    return hashlib.sha256(f"{__version__}|{config!r}".encode()).hexdigest()[:16]


class AtomicWriter:
    """Write a file under a temporary name; fsync and rename on success."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")

    def __enter__(self):
        self.fh = open(self.tmp, "w", encoding="utf-8", newline="\n")
        return self.fh

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
            os.replace(self.tmp, self.path)
        else:
            self.fh.close()
            self.tmp.unlink(missing_ok=True)
        return False


def run_corpus(inputs: Iterable[Path], out_dir: Path, config: ProcessConfig = ProcessConfig(),
               on_file: Callable[[FileResult], None] | None = None) -> RunManifest:
    """Process every discovered file in path order and write the run folder."""
    from pipeline.ingest import discover

    inputs = [Path(p) for p in inputs]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    records: list[FileRecord] = []
    n_reports = n_facts = 0
    with AtomicWriter(out_dir / "reports.jsonl") as out:
        for path in discover(inputs):
            result = process_file(path, config)
            records.append(result.record)
            for rep in result.reports:
                out.write(rep.model_dump_json() + "\n")
                n_reports += 1
                n_facts += len(rep.facts)
            if on_file:
                on_file(result)
    missing = [p for p in inputs if not p.exists()]
    for p in missing:
        records.append(FileRecord(path=str(p), source=p.name, status="failed",
                                  reason="input path does not exist"))
    manifest = RunManifest(
        ghminer_version=__version__, config_hash=config_hash(config),
        inputs=[str(p) for p in inputs], started=started,
        finished=datetime.now(timezone.utc).isoformat(timespec="seconds"), files=records,
        counts={"files": len(records),
                "processed": sum(r.status == "processed" for r in records),
                "failed": sum(r.status == "failed" for r in records),
                "reports": n_reports, "facts": n_facts},
    )
    with AtomicWriter(out_dir / "manifest.json") as fh:
        fh.write(json.dumps(manifest.model_dump(), ensure_ascii=False, indent=1) + "\n")
    return manifest
