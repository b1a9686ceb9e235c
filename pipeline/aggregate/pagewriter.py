"""Review pages written by a background thread while the next page is rendered.

A build writes one small file per report. Creating a file costs this kind of disk
0.2-0.8 ms of waiting on the file system (measured: ~2.5 s of a 6 s build of
3,300 pages in one process), and the system calls release the GIL: a writer
thread overlaps that wait with rendering. The queue is bounded (memory), pages are
written in the order given, and the first error is raised to the caller.

Never keep a writer open across a fork: `close` it first (a forked child would
inherit a queue whose thread does not exist in the child).
"""
from __future__ import annotations

import queue
import threading
from pathlib import Path

from pipeline.aggregate.atomic import write_text_replace

MAX_QUEUED = 64  # pages rendered ahead of the writer (~1 MB of HTML)


class PageWriter:
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
        """Queue one page (blocks while the queue is full); raises an earlier write's
        error."""
        if self._error is not None:
            raise self._error
        self._queue.put((path, text))

    def close(self) -> None:
        """Write what is queued, stop the thread; raise the first write error."""
        self._stop()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """Stop without writing what is still queued (the build failed); no error."""
        self._drop = True
        self._stop()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


def write_pages(pages, max_queued: int = MAX_QUEUED) -> int:
    """Write an iterable of (path, text) through a `PageWriter`; the number written.
    (Rendering happens as the iterable is consumed, overlapping the writes.)"""
    writer = PageWriter(max_queued)
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
