"""The in-order window every engine runs its files through.

At most `size` files are in flight (submitted, or finished but not yet
written), so memory stays flat however large the corpus, and results are
yielded in input order whatever order the workers finish in. Engines supply
how a file is submitted (`submit(job) -> future`) and how the head of the
window is settled when it is its turn (`settle(slot, pending)`: set
`slot.outcome`, recovering from a dead worker if need be).
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .cache import FileOutcome


@dataclass
class Job:
    """One input file. `ready` is set when the driver already has its outcome
    (a cache hit, or a file rejected before processing)."""
    path: Path
    sha: str | None = None
    ready: FileOutcome | None = None


@dataclass
class Slot:
    job: Job
    future: Future | None = None
    outcome: FileOutcome | None = None
    fresh: bool = True


class OrderedWindow:
    """Yields (job, outcome, fresh) in job order; `fresh` is False for ready jobs.
    `pending` holds the slots still in flight (for the engine's clean-up).
    `on_wait`: called once, the first time the driver would wait for a worker's
    result (work the driver can do while the workers start up)."""

    def __init__(self, size: int, submit: Callable[[Job], Future],
                 settle: Callable[[Slot, deque], None],
                 on_wait: Callable[[], None] | None = None):
        self.size, self.submit, self.settle = size, submit, settle
        self.on_wait = on_wait
        self.pending: deque[Slot] = deque()

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, FileOutcome, bool]]:
        jobs = iter(jobs)
        pending = self.pending
        exhausted = False
        while True:
            while not exhausted and len(pending) < self.size:
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                elif job.ready is not None:
                    pending.append(Slot(job, outcome=job.ready, fresh=False))
                else:
                    pending.append(Slot(job, future=self.submit(job)))
            if not pending:
                return
            head = pending[0]
            if head.outcome is None:
                if self.on_wait is not None and not head.future.done():
                    on_wait, self.on_wait = self.on_wait, None
                    on_wait()
                self.settle(head, pending)
            pending.popleft()
            yield head.job, head.outcome, head.fresh
