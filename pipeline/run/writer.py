"""Atomic output files: written under a hidden temporary name, renamed when complete.

An interrupted run (Ctrl-C, kill, crash) therefore never leaves a truncated
file under a final name; the stale temporary files it may leave are removed
by the next run (`remove_stale_tmp`).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

_TMP_RE = re.compile(r"^\..+\.tmp-(\d+)$")


def tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


class AtomicWriter:
    """Write a text file under a temporary name; flush, fsync and rename on success."""

    def __init__(self, path: Path, fsync: bool = True):
        self.path = Path(path)
        self.tmp = tmp_name(self.path)
        self.fsync = fsync

    def __enter__(self):
        self.fh = open(self.tmp, "w", encoding="utf-8", newline="\n")
        return self.fh

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.fh.flush()
                if self.fsync:
                    os.fsync(self.fh.fileno())
                self.fh.close()
                os.replace(self.tmp, self.path)
            except BaseException:
                self._discard()
                raise
        else:
            self._discard()
        return False

    def _discard(self) -> None:
        """Drop the temporary file; closing may fail again (disk full) and must not
        keep it on disk."""
        try:
            self.fh.close()
        except OSError:
            pass
        self.tmp.unlink(missing_ok=True)


def write_atomic(path: Path, text: str, fsync: bool = False) -> None:
    """Write a small file atomically (cache entries: no fsync, a torn entry is detected on read)."""
    with AtomicWriter(path, fsync=fsync) as fh:
        fh.write(text)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_tmp(folder: Path) -> list[Path]:
    """Delete temporary files left in `folder` by runs that are no longer alive."""
    removed = []
    if not Path(folder).is_dir():
        return removed
    for p in Path(folder).iterdir():
        m = _TMP_RE.match(p.name)
        if m and p.is_file() and (int(m.group(1)) == os.getpid() or not _pid_alive(int(m.group(1)))):
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed
