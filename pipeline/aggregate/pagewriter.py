"""Review pages written by another process while the next page is rendered.

A build writes one small file per report. Creating a file costs this kind of disk
0.1-0.5 ms of waiting on the file system (33,000 pages: 3-17 s, varying with the
disk's state). A writer *thread* overlapped little of it: its four system calls a
page each need the GIL back, and a thread that renders holds the GIL for its
switch interval (5 ms) each time (measured: 8,000 pages took a writer thread
138 s beside a busy thread, 0.7-4.8 s alone; at 100 MB the renderer waited 7-10 s
for it). So pages are handed through a pipe to a small child process
(`page_files.py`, standard library only: ~10 MB) that creates them; the renderer
pays one pipe write a page and waits only if the disk is slower than rendering.
Where that process cannot be started, a writer thread does the job.

Either way pages are written in the order given, whole (a temporary file renamed
over the page, see `atomic.write_text_replace`), and the first error is raised to
the caller (the process's at the next `put` or at `close`).

Never keep a writer open across a fork: `close` it first (a forked child would
inherit a pipe or a queue whose thread does not exist in the child).
"""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

from pipeline.aggregate.atomic import page_bytes, write_text_replace
from pipeline.aggregate.page_files import HEADER

MAX_QUEUED = 64  # pages rendered ahead of a writer thread (~1 MB of HTML)
_CHILD = Path(__file__).with_name("page_files.py")


class PageWriteError(OSError):
    """The page-writing process failed or vanished."""


class PageWriter:
    def __init__(self, max_queued: int = MAX_QUEUED, process: bool = True):
        self._child = _start_child() if process else None
        self._thread = None if self._child is not None else _ThreadWriter(max_queued)

    @property
    def uses_process(self) -> bool:
        return self._child is not None

    def put(self, path: Path, text: str) -> None:
        """Hand one page over (blocks while the writer is behind); raises an earlier
        write's error."""
        if self._child is None:
            self._thread.put(path, text)
            return
        name, data = os.fsencode(path), page_bytes(text)
        try:
            self._child.stdin.write(HEADER.pack(len(name), len(data)) + name)
            self._child.stdin.write(data)
        except (BrokenPipeError, ValueError):  # (ValueError: the pipe was closed)
            raise self._failure() from None

    def close(self) -> None:
        """Write what is handed over, stop the writer; raise the first write error."""
        if self._child is None:
            self._thread.close()
            return
        child, self._child = self._child, None
        status = _end(child)
        if child.returncode != 0 or not status.startswith("ok"):
            raise _error(status, child.returncode)

    def abandon(self) -> None:
        """Stop without writing what is still handed over (the build failed); no error.
        A page being written is finished or its temporary file is left to the
        caller's clean-up (named after this process, see `page_files`)."""
        if self._child is None:
            if self._thread is not None:
                self._thread.abandon()
            return
        child, self._child = self._child, None
        try:
            child.kill()
            child.wait()
            for stream in (child.stdin, child.stdout):
                try:
                    stream.close()
                except OSError:  # (the pipe's unwritten rest: it goes)
                    pass
        except OSError:
            pass

    def _failure(self) -> OSError:
        child, self._child = self._child, None
        return _error(_end(child), child.returncode)


def _end(child) -> str:
    """Close the child's input, wait for it; its status line."""
    try:
        child.stdin.close()
    except OSError:  # a broken pipe: the child is gone or going
        pass
    status = child.stdout.read().decode("utf-8", "replace").strip()
    child.wait()
    child.stdout.close()
    return status


def _start_child():
    try:
        return subprocess.Popen([sys.executable, "-I", "-S", str(_CHILD), str(os.getpid())],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, bufsize=1 << 16)
    except (OSError, ValueError):  # no interpreter to start (embedded, frozen): a thread
        return None


def _error(status: str, returncode: int | None) -> OSError:
    """The child's report as an OSError (FileNotFoundError etc. where it gave errno)."""
    if status.startswith("error "):
        words = status[len("error "):].split(" ", 1)
        if words[0].isdigit() and len(words) == 2:
            return OSError(int(words[0]), words[1])
        return PageWriteError(status[len("error "):])
    return PageWriteError(f"the page-writing process ended unexpectedly (exit status "
                          f"{returncode}); pages may be missing")


class _ThreadWriter:
    """A writer thread: the fallback where no child process can be started."""

    def __init__(self, max_queued: int = MAX_QUEUED):
        self._queue: queue.Queue = queue.Queue(max_queued)
        self._error: BaseException | None = None
        self._drop = False  # abandoned: pages still queued are not written
        self._thread = threading.Thread(target=self._run, name="ghminer-page-writer",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None and not self._drop:
                try:
                    write_text_replace(*item)
                except BaseException as e:  # raised in the caller's thread by put/close
                    self._error = e

    def put(self, path: Path, text: str) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((path, text))

    def close(self) -> None:
        self._stop()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        self._drop = True
        self._stop()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


def write_pages(pages, max_queued: int = MAX_QUEUED, process: bool = True) -> int:
    """Write an iterable of (path, text) through a `PageWriter`; the number written.
    (Rendering happens as the iterable is consumed, overlapping the writes.)"""
    writer = PageWriter(max_queued, process)
    n = 0
    try:
        for path, text in pages:
            writer.put(path, text)
            n += 1
    except BaseException:
        writer.abandon()
        raise
    writer.close()
    return n
