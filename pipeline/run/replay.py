"""Unchanged re-run: when no input file has changed since the last run into the same
folder, `reports.jsonl` is already what the run would write, so it is left as it
is; only `manifest.json` is written again (its times, every record served from
the cache). No file is hashed, no cache entry read, no report line rewritten.

"Unchanged" is decided as git and make decide it, by each file's stat: the same
paths in the same order, each with the same size, inode, mtime and ctime (ns),
the same pipeline fingerprint, and a `reports.jsonl` with the stat it had when
that run wrote it. Anything else (a new, removed, touched or edited file, a
failure that is retried, `--force`) takes the normal path, which looks files up
by content hash.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from schemas.report import FileRecord

from .cache import FileOutcome
from .writer import write_atomic

INDEX_NAME = ".replay-index.json"  # in the run folder: it vouches for that folder's outputs


def _stat_key(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]


def _inputs_key(paths: list[Path]) -> list | None:
    keys = []
    for p in paths:
        k = _stat_key(p)
        if k is None:
            return None
        keys.append([str(p), *k])
    return keys


def save_index(out_dir: Path, fingerprint: str, paths: list[Path]) -> None:
    """Called once a run has written its outputs: what they were made from."""
    inputs, reports = _inputs_key(paths), _stat_key(out_dir / "reports.jsonl")
    target = out_dir / INDEX_NAME
    if inputs is None or reports is None:  # a file vanished meanwhile: no fast path
        target.unlink(missing_ok=True)
        return
    write_atomic(target, json.dumps({"fingerprint": fingerprint, "reports": reports,
                                     "inputs": inputs}))


def forget_index(out_dir: Path) -> None:
    """Before a run rewrites the outputs: an interrupted run must not leave an index
    that vouches for them."""
    (out_dir / INDEX_NAME).unlink(missing_ok=True)


def unchanged_outcomes(out_dir: Path, fingerprint: str, paths: list[Path],
                       max_bytes: int | None = None) -> list[FileOutcome] | None:
    """The previous run's file records (as cache hits), if nothing changed; else None.
    The outcomes carry no lines: `reports.jsonl` already holds them."""
    try:
        index = json.loads((out_dir / INDEX_NAME).read_text(encoding="utf-8"))
        if (index["fingerprint"] != fingerprint
                or index["reports"] != _stat_key(out_dir / "reports.jsonl")
                or index["inputs"] != _inputs_key(paths)):
            return None
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("config_hash") != fingerprint:
            return None
        records = [FileRecord.model_validate(r) for r in manifest["files"]]
        n_facts = manifest["counts"]["facts"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    sizes = [entry[1] for entry in index["inputs"]]
    if len(records) != len(paths) or not all(
            _replayable(r, size, max_bytes) for r, size in zip(records, sizes)):
        return None
    outcomes = []
    for rec in records:
        rec.cached = True
        outcomes.append(FileOutcome(rec, [], 0))
    if outcomes:  # the counts need the facts total only
        outcomes[0].n_facts = n_facts
    return outcomes


def _replayable(rec: FileRecord, size: int, max_bytes: int | None) -> bool:
    """A record the normal path would take from the cache: processed, or rejected for a
    reason that does not change (a crash or an internal error is retried), and from a
    file within the size limit (a larger one is not hashed: it fails afresh each run)."""
    return FileOutcome(rec).cacheable and (max_bytes is None or size <= max_bytes)
