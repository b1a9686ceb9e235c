"""Output files appear whole or not at all: written under a hidden temporary name
(`.<name>.tmp-<pid>`), flushed to disk (fsync) where a crash must not lose them, and
renamed over the final name. A run killed or a disk filling up mid-write never leaves
a truncated file that looks complete: the temporary file is removed when the write
fails, and those a killed process left are removed by the next run
(`remove_stale_tmp`).

- `atomic_path`, `write_text_atomic`: a path to write through, or a text (fsync'd);
- `AtomicWriter`, `write_atomic`: a text file written through a file object
  (reports.jsonl, manifest.json; cache entries without fsync);
- `write_text_replace`, `fsync_dir`: many small regenerable files (review pages),
  one fsync of their folder at the end.
"""
from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

_TMP_RE = re.compile(r"^\..+\.tmp-(\d+)$")


def tmp_path_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary path to write `path` through; on success fsync and rename."""
    path = Path(path)
    tmp = tmp_path_for(path)
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, path)
        fsync_dir(path.parent)  # the rename itself durable (power loss)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", errors="replace")


def page_bytes(text: str) -> bytes:
    """The bytes a text-mode file would write: UTF-8, errors replaced, newlines as the
    platform's."""
    if os.linesep != "\n":
        text = text.replace("\n", os.linesep)
    return text.encode("utf-8", "replace")


def write_text_replace(path: Path, text: str) -> None:
    """Whole-or-nothing for the many small pages that can be regenerated: a temporary
    file renamed over `path`, without a per-file fsync (that cost ~3 ms a page);
    callers fsync the folder once with `fsync_dir` when done. The text is written
    as a text-mode file would write it (UTF-8, errors replaced, newlines as the
    platform's), through a bare file descriptor: cheaper for thousands of pages."""
    path = Path(path)
    tmp = tmp_path_for(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                     0o666)
        try:
            view = memoryview(page_bytes(text))
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def fsync_dir(folder: Path) -> None:
    """Make the renames inside `folder` durable (POSIX; a no-op where unsupported)."""
    with contextlib.suppress(OSError):
        fsync_file(folder)


class AtomicWriter:
    """Write a text file under a temporary name; flush, fsync and rename on success."""

    def __init__(self, path: Path, fsync: bool = True):
        self.path = Path(path)
        self.tmp = tmp_path_for(self.path)
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
