"""Local engine: `run_one` over a process pool, results yielded in input order.

At most `window` files (default 8 per worker) are in flight (submitted or finished but not yet
written), so memory stays flat however large the corpus, and the output order
is the input order whatever order workers finish in.

A worker that dies (os._exit, SIGKILL, the OOM killer) breaks the whole
`ProcessPoolExecutor`: every in-flight file then fails with BrokenProcessPool
and we cannot tell which one killed it. So the pool is restarted, files that
had already finished keep their results, and the others are re-run one at a
time; the one that kills its worker again is marked failed with the reason.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from schemas.report import FileRecord

from .cache import FileOutcome
from .window import Job, OrderedWindow, Slot
from .work import exit_text, init_pool_worker, run_one

__all__ = ["Job", "iter_local", "default_workers", "crashed_outcome"]


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _mp_context():
    method = os.environ.get("GHMINER_MP_START")
    if not method:
        # fork: workers start in milliseconds and warm up in parallel; the driver has
        # not imported the stages when the pool starts, so nothing heavy is copied (a
        # pool restarted after a crash is forked from a driver that may hold the
        # report build's libraries: copy-on-write pages, shared until written).
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def crashed_outcome(path: Path, detail: str) -> FileOutcome:
    path = Path(path)
    size = path.stat().st_size if path.exists() else None
    from pipeline.ingest import display_name, display_path
    return FileOutcome(FileRecord(
        path=display_path(path), source=display_name(path), status="failed", bytes=size,
        reason=f"worker process died while processing this file ({detail})"))


class _Pool:
    """A ProcessPoolExecutor plus what is needed to report how its workers died."""

    def __init__(self, workers: int, config, process: Callable):
        self.config, self.process = config, process
        self.executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=_mp_context(),
            initializer=init_pool_worker, initargs=(config, process))
        self.procs: dict[int, multiprocessing.Process] = {}

    def submit(self, path: Path) -> Future:
        try:
            fut = self.executor.submit(run_one, str(path), self.config, self.process)
        except BrokenProcessPool as e:  # a worker died since the last submit: settle later
            fut = Future()
            fut.set_exception(e)
            return fut
        self.procs.update(getattr(self.executor, "_processes", None) or {})
        return fut

    def death(self) -> str:
        """How the dead worker ended. The broken executor SIGTERMs the survivors, so a
        SIGTERM is only reported if nothing else is; exit codes may lag: wait a little."""
        deadline = time.monotonic() + 2.0
        codes: list[int] = []
        for p in self.procs.values():
            p.join(timeout=max(0.0, deadline - time.monotonic()))
        # The executor's thread reaps the same processes: when its waitpid wins, ours
        # fails and the exit code shows only once that thread has stored it.
        while (any(p.exitcode is None for p in self.procs.values())
               and time.monotonic() < deadline):
            time.sleep(0.01)
        for p in self.procs.values():
            if p.exitcode not in (None, 0):
                codes.append(p.exitcode)
        codes.sort(key=lambda c: c == -signal.SIGTERM)
        return exit_text(codes[0]) if codes else "unknown exit status"

    def close(self, kill: bool = False) -> None:
        if kill:
            for p in self.procs.values():
                if p.is_alive():
                    p.kill()
        self.executor.shutdown(wait=not kill, cancel_futures=True)


def _in_process(jobs: Iterable[Job], config, process: Callable) -> Iterator[tuple[Job, FileOutcome, bool]]:
    for job in jobs:
        if job.ready is not None:
            yield job, job.ready, False
        else:
            yield job, run_one(job.path, config, process), True


def iter_local(jobs: Iterable[Job], config, process: Callable, workers: int,
               window: int | None = None, on_wait: Callable[[], None] | None = None
               ) -> Iterator[tuple[Job, FileOutcome, bool]]:
    """Yield (job, outcome, fresh) in job order; `fresh` is False for ready jobs.

    workers == 0 runs in this process (no isolation: for debugging and profiling).
    on_wait: see `OrderedWindow` (never called with workers == 0).
    """
    if workers <= 0:
        yield from _in_process(jobs, config, process)
        return
    state: dict[str, _Pool | None] = {"pool": None}

    def submit(job: Job) -> Future:
        if state["pool"] is None:
            state["pool"] = _Pool(workers, config, process)
        return state["pool"].submit(job.path)

    def settle(head: Slot, pending: deque[Slot]) -> None:
        try:
            head.outcome = head.future.result()
        except BrokenProcessPool:
            state["pool"] = _recover(state["pool"], pending, workers, config, process)
        except Exception as e:  # e.g. a result that cannot be pickled
            head.outcome = crashed_outcome(head.job.path, f"{type(e).__name__}: {e}")

    # slack of 8 files a worker, so one slow file does not idle the others
    win = OrderedWindow(window or 8 * workers, submit, settle, on_wait)
    try:
        yield from win.run(jobs)
    finally:
        if state["pool"] is not None:
            # Normal end: workers are idle. Ctrl-C / error: do not wait for them.
            state["pool"].close(kill=bool(win.pending))


def _recover(pool: _Pool, pending: deque[Slot], workers: int, config, process) -> _Pool:
    """Rebuild a broken pool and settle every in-flight file (see module doc)."""
    death = pool.death()
    pool.close(kill=True)
    suspects = []
    for slot in pending:
        if slot.outcome is not None or slot.future is None:
            continue
        fut = slot.future
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            slot.outcome = fut.result()
        else:
            suspects.append(slot)
    if len(suspects) == 1:
        suspects[0].outcome = crashed_outcome(suspects[0].job.path, death)
        return _Pool(workers, config, process)
    solo = _Pool(1, config, process)
    for slot in suspects:
        try:
            slot.outcome = solo.submit(slot.job.path).result()
        except BrokenProcessPool:
            slot.outcome = crashed_outcome(slot.job.path, solo.death())
            solo.close(kill=True)
            solo = _Pool(1, config, process)
        except Exception as e:
            slot.outcome = crashed_outcome(slot.job.path, f"{type(e).__name__}: {e}")
    solo.close()
    return _Pool(workers, config, process)
