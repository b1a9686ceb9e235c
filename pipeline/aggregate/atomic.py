"""Output files appear whole or not at all: written under a hidden temporary name,
flushed to disk (fsync) and renamed over the final name. A run killed or a disk
filling up mid-write never leaves a truncated page, workbook or table that looks
complete; the temporary file is removed when the write fails."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path


def tmp_path_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (power loss); not possible on every platform."""
    try:
        fsync_file(folder)
    except OSError:
        pass


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary path to write `path` through; on success fsync and rename."""
    path = Path(path)
    tmp = tmp_path_for(path)
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
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
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
