"""Corpus driver: discover inputs, process each file once, stream the run folder.

Outputs: `reports.jsonl` (one Report per line, sorted by source path then
report index; byte-identical across runs, engines and worker counts) and
`manifest.json` (every input file, processed or failed with the reason, and
counts). Files stream through a bounded window: memory does not grow with the
corpus. Outputs are written under temporary names and renamed when complete,
so an interrupted run never leaves a half-written file; results already
computed sit in the cache and the next run resumes from them.

Engines: `local` (process pool, `engine_local`) and `dask` (`engine_dask`).
Incremental runs: `cache.ResultCache`, keyed by file bytes + pipeline fingerprint.
"""
from __future__ import annotations

import contextlib
import json
import stat
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline import __version__
from pipeline.process import ProcessConfig, process_file
from schemas.report import FileRecord, RefusedManifestRow, RunManifest

from .cache import FileOutcome, ResultCache, file_sha256, pipeline_fingerprint
from .engine_local import default_workers, iter_local
from .replay import forget_index, inputs_key, save_index, unchanged_records
from .window import Job
from pipeline.runtime.files import AtomicWriter, remove_stale_tmp, tmp_path_for

try:
    import fcntl
except ImportError:  # Windows: no run-folder lock
    fcntl = None

__all__ = ["run_corpus", "discover_sorted", "config_hash", "AtomicWriter", "ResultCache",
           "FileOutcome", "default_workers", "ENGINES"]

ENGINES = ("local", "dask")
LOCK_NAME = ".ghminer.lock"


def config_hash(config: ProcessConfig) -> str:
    """Fingerprint of the per-file pipeline (version, config, code and data files)."""
    return pipeline_fingerprint(config)


def discover_sorted(inputs: Iterable[Path], refused: dict[Path, str] | None = None) -> list[Path]:
    """Input files under `inputs`, each once, sorted by path (the output order);
    `refused` receives the paths discovery refuses to read (links leading out of
    an input folder) with the reason."""
    from pipeline.ingest import discover

    return sorted({Path(p) for p in discover([Path(p) for p in inputs], refused)}, key=str)


_HELD: set[str] = set()  # run folders locked by this process


@contextlib.contextmanager
def _run_lock(out_dir: Path):
    """One writer per run folder: a second concurrent run fails instead of interleaving.

    A POSIX record lock (lockf), not flock: forked pool workers do not inherit
    it, so it is released as soon as this run ends, whatever its workers do.
    """
    key = str(out_dir.resolve())
    fh = open(out_dir / LOCK_NAME, "w")
    try:
        try:
            if key in _HELD:
                raise BlockingIOError
            if fcntl is not None:
                fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RuntimeError(f"another ghminer run is writing {out_dir}") from None
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)
    finally:
        fh.close()


def _plan(paths: list[Path], config, cache: ResultCache | None,
          refused: dict[Path, str] | None = None) -> Iterator[Job]:
    """Jobs in output order; hashing and cache look-ups happen lazily, as the window moves.

    A path that is not a readable regular file within the size limit is not
    hashed: it goes to a worker, where ingest rejects it with the reason. A path
    discovery refused is never opened: it fails here with discovery's reason.
    """
    from pipeline.ingest import display_name, display_path

    max_bytes = getattr(config, "max_bytes", None)
    refused = refused or {}
    for path in paths:
        if path in refused:
            yield Job(path, ready=FileOutcome(FileRecord(
                path=display_path(Path(path).absolute()), source=display_name(path),
                status="failed", reason=refused[path])))
            continue
        try:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode) or (max_bytes is not None and st.st_size > max_bytes):
                yield Job(path)
                continue
            sha = file_sha256(path)
        except OSError:
            yield Job(path)
            continue
        yield Job(path, sha, cache.get(sha, path) if cache is not None else None)


def _write_manifest(fh, head: dict, spool, counts: dict) -> None:
    """manifest.json, streamed: header fields, one file record per line, counts."""
    fh.write("{\n")
    for key, value in head.items():
        fh.write(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    fh.write(' "files": [')
    sep = "\n  "
    for line in spool:
        fh.write(sep + line.rstrip("\n"))
        sep = ",\n  "
    fh.write("\n ],\n" if sep != "\n  " else "],\n")
    fh.write(f' "counts": {json.dumps(counts)}\n}}\n')


def run_corpus(inputs: Iterable[Path], out_dir: Path, config: ProcessConfig = ProcessConfig(),
               on_file: Callable[[FileRecord], None] | None = None, *,
               workers: int | None = None, engine: str = "local",
               scheduler: str | None = None, ship_data: bool = False,
               cache_dir: Path | None = None, use_cache: bool = True, force: bool = False,
               window: int | None = None,
               on_start: Callable[[int, int], None] | None = None,
               after_write: Callable[[Path, RunManifest], None] | None = None,
               process: Callable = process_file, keep_files: bool = True,
               report_sink: Callable[[str], None] | None = None,
               on_wait: Callable[[], None] | None = None,
               refused_rows: Iterable[RefusedManifestRow] = ()) -> RunManifest:
    """Process every input file (in path order) and write the run folder `out_dir`.

    workers: processes (local) or LocalCluster workers (dask); None = all cores;
      0 = in this process, without a pool (no crash isolation; debugging).
    engine: "local" or "dask"; scheduler: dask scheduler address ("tcp://host:8786"),
      None = start a LocalCluster. ship_data: send file bytes to dask workers.
    cache_dir: default `out_dir/.cache`; use_cache=False neither reads nor writes
      it; force=True recomputes every file (and refreshes its entry).
    on_start(n_files, n_bytes) once discovery is done; on_file(record) after
      each file is written; after_write(out_dir, manifest) once the outputs are
      complete (hook for the aggregate stage: it reads reports.jsonl).
    process: the per-file function (tests inject faults through it).
    keep_files: the returned manifest lists every file; False lists only the
      failed or flagged ones (memory; manifest.json on disk always lists every file).
    report_sink(line): receives every line of reports.jsonl, in order, as it is
      written, so the aggregate stage can work while files are processed. Only
      once the run processes a file afresh: the lines written before are replayed
      to it then; a run served wholly from the cache feeds it nothing (its
      outputs are up to date, and the re-run stays cheap).
    on_wait(): called once in this process, the first time it waits for a worker
      (not with workers=0): time the workers spend starting up, which the caller
      may use (the CLI loads the aggregate stage's libraries then).
    refused_rows: rows of the branch manifest refused before the run (listed in
      manifest.json; the aggregate stage lists them in its outputs too).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")
    inputs = [Path(p) for p in inputs]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = default_workers() if workers is None else workers
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    started_ns = time.time_ns()
    fingerprint = pipeline_fingerprint(config)
    cache = None
    if use_cache:
        cache = ResultCache(Path(cache_dir) if cache_dir else out_dir / ".cache", fingerprint)

    refused: dict[Path, str] = {}
    paths = discover_sorted(inputs, refused)
    # each input's stat, before anything reads it: what an unchanged re-run is judged by
    before = inputs_key(paths) if cache is not None and not refused else None
    if on_start:
        on_start(len(paths), sum(k[1] for k in before) if before is not None
                 else sum(p.stat().st_size for p in paths if p.is_file()))
    counts = dict.fromkeys(("files", "processed", "failed", "cached", "no_report", "reports",
                            "facts"), 0)
    refused_rows = [r.model_dump() for r in refused_rows]
    kept: list[FileRecord] = []  # all records (keep_files) or only the failed ones
    with _run_lock(out_dir):
        remove_stale_tmp(out_dir)
        remove_stale_tmp(out_dir / ".cache")  # the aggregate's caches (signature spool)
        replayed = None
        if before is not None and not force:
            replayed = unchanged_records(out_dir, fingerprint, cache.dir, before)
        if replayed is not None:  # nothing changed: reports.jsonl is left as it is
            records, n_facts = replayed
            head = _write_replayed(out_dir, records, n_facts, inputs, fingerprint, started, refused_rows,
                                   counts, kept, keep_files, on_file)
            save_index(out_dir, fingerprint, cache.dir, before, [True] * len(records),
                       started_ns)
            return _finish(out_dir, head, kept, counts, after_write)
        forget_index(out_dir)  # until the outputs below are complete
        from_cache: list[bool] = []  # per file: will the cache serve it next time?
        jobs = _plan(paths, config, None if force else cache, refused)
        if on_wait is not None:
            on_wait = _harmless(on_wait)
        if engine == "dask":
            from .engine_dask import iter_dask
            results = iter_dask(jobs, config, process, scheduler=scheduler,
                                workers=workers or 1, window=window, ship_data=ship_data,
                                on_wait=on_wait)
        else:
            results = iter_local(jobs, config, process, workers, window, on_wait)
        # File records are spooled to disk, not kept: the driver's memory stays flat
        # for hundreds of thousands of files; manifest.json is assembled from the spool.
        spool_path = tmp_path_for(out_dir / ".manifest-files.jsonl")
        writer = AtomicWriter(out_dir / "reports.jsonl")
        streaming = False
        signatures = _RunSignatures(out_dir)
        try:
            with writer as out, open(spool_path, "w", encoding="utf-8") as spool:
                for job, outcome, fresh in results:
                    if fresh and cache is not None and job.sha and outcome.cacheable:
                        cache.put(job.sha, outcome)
                    from_cache.append(bool(job.sha) and outcome.cacheable)
                    signatures.add(outcome)
                    if report_sink is not None and fresh and not streaming:
                        streaming = True
                        out.flush()  # replay what was written from the cache so far
                        with open(writer.tmp, encoding="utf-8") as written:
                            for line in written:
                                report_sink(line.rstrip("\n"))
                    for line in outcome.lines:
                        out.write(line)
                        out.write("\n")
                        if streaming:
                            report_sink(line)
                    rec = outcome.record
                    spool.write(rec.model_dump_json() + "\n")
                    _count(counts, rec, len(outcome.lines), outcome.n_facts)
                    if keep_files or rec.status == "failed" or rec.flags:
                        kept.append(rec)
                    if on_file:
                        on_file(rec)
            head = _manifest_head(inputs, fingerprint, started, refused_rows)
            with AtomicWriter(out_dir / "manifest.json") as fh, \
                    open(spool_path, encoding="utf-8") as spool:
                _write_manifest(fh, head, spool, counts)
            signatures.save()
        finally:
            signatures.close()
            spool_path.unlink(missing_ok=True)
        if cache is not None:
            save_index(out_dir, fingerprint, cache.dir, before, from_cache, started_ns)
    return _finish(out_dir, head, kept, counts, after_write)


def _harmless(hook: Callable[[], None]) -> Callable[[], None]:
    """`on_wait` is a use of idle time: its failure warns, it never fails the run."""
    def call() -> None:
        try:
            hook()
        except Exception as e:
            warnings.warn(f"on_wait hook failed ({type(e).__name__}: {e}); the run goes on")
    return call


class _RunSignatures:
    """Hands the reports' near-duplicate signatures, computed by the workers, to the
    aggregate stage (`aggregate.sigcache.RunSignatures`, in the run folder's .cache/,
    also under --no-cache: that concerns the per-file result cache). numpy is loaded
    only once a result carries some. Best effort: the signature cache only saves the
    aggregate work, so failing to write it never fails the run."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.sink = None
        self.failed = False

    def add(self, outcome: FileOutcome) -> None:
        sigs = outcome.signatures
        if sigs is None or self.failed or outcome.record.status != "processed":
            return
        try:
            if self.sink is None:
                from pipeline.aggregate.sigcache import RunSignatures
                self.sink = RunSignatures(self.out_dir)
            self.sink.add(outcome.record.path, outcome.record.sha256, sigs.params, sigs.spans,
                          sigs.packed)
        except OSError as e:
            self._give_up(e)

    def save(self) -> None:
        if self.sink is not None:
            try:
                self.sink.save()
            except (OSError, ValueError) as e:
                self._give_up(e)

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()

    def _give_up(self, error: Exception) -> None:
        warnings.warn(f"near-duplicate signatures not kept for the aggregate "
                      f"({type(error).__name__}: {error}); it will compute them itself")
        self.close()
        self.sink = None
        self.failed = True


def _finish(out_dir: Path, head: dict, kept: list[FileRecord], counts: dict,
            after_write: Callable[[Path, RunManifest], None] | None) -> RunManifest:
    manifest = RunManifest(**head, files=kept, counts=counts)
    if after_write:
        after_write(out_dir, manifest)
    return manifest


def _count(counts: dict, rec: FileRecord, n_reports: int, n_facts: int) -> None:
    counts["files"] += 1
    counts[rec.status] += 1
    counts["cached"] += rec.cached
    counts["no_report"] += any(f.code == "no_report" for f in rec.flags)
    counts["reports"] += n_reports
    counts["facts"] += n_facts


def _manifest_head(inputs: list[Path], fingerprint: str, started: str,
                   refused_rows: list[dict]) -> dict:
    return {"ghminer_version": __version__, "config_hash": fingerprint,
            "inputs": [str(p) for p in inputs], "started": started,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "refused_manifest_rows": refused_rows}


def _write_replayed(out_dir: Path, records: list[FileRecord], n_facts: int, inputs: list[Path],
                    fingerprint: str, started: str, refused_rows: list[dict], counts: dict, kept: list[FileRecord],
                    keep_files: bool, on_file) -> dict:
    """The manifest of an unchanged re-run (see `replay`): the previous records, each
    now a cache hit, new times; the manifest's head."""
    for rec in records:
        _count(counts, rec, rec.reports, 0)
        if keep_files or rec.status == "failed" or rec.flags:
            kept.append(rec)
        if on_file:
            on_file(rec)
    counts["facts"] = n_facts
    head = _manifest_head(inputs, fingerprint, started, refused_rows)
    with AtomicWriter(out_dir / "manifest.json") as fh:
        _write_manifest(fh, head, (rec.model_dump_json() for rec in records), counts)
    return head
