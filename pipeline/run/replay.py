"""Unchanged re-run: when no input file has changed since the last run into the same
folder, `reports.jsonl` is already what the run would write, so it is left as it
is; only `manifest.json` is written again (its times, every record served from
the cache). No file is hashed, no cache entry read, no report line rewritten.

"Unchanged" is decided as git and make decide it, by each file's stat: the same
paths in the same order, each with the same size, inode, mtime and ctime (ns),
the same pipeline fingerprint and cache folder (still there), and a
`reports.jsonl` and `manifest.json` with the stat they had when that run wrote
them. The inputs' stat is taken before the run reads them; a file that changed
during the run, or whose mtime is too close to the run's start to tell a later
edit apart (git's "racily clean" files), gets no index, nor does a file the
normal path would not take from the cache (a crash to retry, a file too large or
unreadable to hash). Anything else (a new, removed, touched or edited file, an
edited output, `--force`, `--no-cache`) takes the normal path, which looks files
up by content hash.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from schemas.report import FileRecord

from .cache import FileOutcome
from pipeline.runtime.files import write_atomic

INDEX_NAME = ".replay-index.json"  # in the run folder: it vouches for that folder's outputs
RACY_NS = 2_000_000_000  # an mtime this close to the run's start may hide a later edit


def _stat_key(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]


def inputs_key(paths: list[Path]) -> list | None:
    """[path, size, inode, mtime, ctime] of each input; taken before the run reads them."""
    keys = []
    for p in paths:
        k = _stat_key(p)
        if k is None:
            return None
        keys.append([str(p), *k])
    return keys


def forget_index(out_dir: Path) -> None:
    """Before a run rewrites the outputs: an interrupted run must not leave an index
    that vouches for them."""
    (out_dir / INDEX_NAME).unlink(missing_ok=True)


def save_index(out_dir: Path, fingerprint: str, cache_dir: Path, before: list | None,
               from_cache: list[bool], started_ns: int) -> None:
    """Once a run has written its outputs: what they were made from. `before`: the
    inputs' stat before they were read; `from_cache`: per input, whether the normal
    path would serve it from the cache next time."""
    forget_index(out_dir)
    if before is None or not all(from_cache) or len(from_cache) != len(before):
        return
    if inputs_key([Path(k[0]) for k in before]) != before:  # changed during the run
        return
    if any(k[3] >= started_ns - RACY_NS for k in before):
        return
    reports, manifest = _stat_key(out_dir / "reports.jsonl"), _stat_key(out_dir / "manifest.json")
    if reports is None or manifest is None:
        return
    write_atomic(out_dir / INDEX_NAME, json.dumps({
        "fingerprint": fingerprint, "cache": str(Path(cache_dir).absolute()),
        "reports": reports, "manifest": manifest, "inputs": before}))


def unchanged_records(out_dir: Path, fingerprint: str, cache_dir: Path, now: list | None
                      ) -> tuple[list[FileRecord], int] | None:
    """The previous run's file records (each now a cache hit) and its facts total, if
    nothing changed; else None. `now`: `inputs_key` of this run's inputs. The report
    lines need not be read: `reports.jsonl` already holds them."""
    if now is None:
        return None
    try:
        index = json.loads((out_dir / INDEX_NAME).read_text(encoding="utf-8"))
        if (index["fingerprint"] != fingerprint
                or index["cache"] != str(Path(cache_dir).absolute()) or not Path(cache_dir).is_dir()
                or index["reports"] != _stat_key(out_dir / "reports.jsonl")
                or index["manifest"] != _stat_key(out_dir / "manifest.json")
                or index["inputs"] != now):
            return None
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("config_hash") != fingerprint:
            return None
        records = [FileRecord.model_validate(r) for r in manifest["files"]]
        n_facts = manifest["counts"]["facts"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if len(records) != len(now) or not all(FileOutcome(r).cacheable for r in records):
        return None
    for rec in records:
        rec.cached = True
    return records, n_facts
