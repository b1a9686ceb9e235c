"""Dask engine: the same `run_one` task on a dask.distributed cluster.

`scheduler=None` starts a LocalCluster (processes, one thread each). Results
come back in input order through a bounded window, exactly as with the local
engine, so the output is byte-identical. Workers must be able to import
ghminer (same version) and, unless `ship_data` is set, read the input paths;
with `ship_data` the driver sends each file's bytes instead (no shared file
system needed). A task whose worker dies repeatedly (dask retries it on other
workers, `distributed.scheduler.allowed-failures`) is marked failed.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .cache import FileOutcome
from .engine_local import crashed_outcome
from .window import Job, OrderedWindow, Slot
from .work import run_one, run_one_data, warm_worker


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def iter_dask(jobs: Iterable[Job], config, process: Callable, scheduler: str | None = None,
              workers: int = 2, window: int | None = None, ship_data: bool = False,
              on_wait: Callable[[], None] | None = None
              ) -> Iterator[tuple[Job, FileOutcome, bool]]:
    """Yield (job, outcome, fresh) in job order, computing misses on the cluster."""
    from dask.distributed import KilledWorker

    with dask_client(scheduler, workers) as client:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        client.run(warm_worker, config, process)  # once per worker, before the first file

        def submit(job: Job):
            if ship_data and job.sha:  # unreadable: let the worker say why
                data = Path(job.path).read_bytes()
                return client.submit(run_one_data, str(job.path), data, config, process,
                                     pure=False)
            return client.submit(run_one, str(job.path), config, process, pure=False)

        def settle(head: Slot, pending) -> None:
            try:
                head.outcome = head.future.result()
            except KilledWorker as e:
                head.outcome = crashed_outcome(head.job.path, f"dask: {e}")
            except Exception as e:
                head.outcome = crashed_outcome(head.job.path, f"dask: {type(e).__name__}: {e}")
            finally:
                head.future.release()

        win = OrderedWindow(window or 8 * n_workers, submit, settle, on_wait)
        try:
            yield from win.run(jobs)
        finally:
            for slot in win.pending:
                if slot.future is not None:
                    slot.future.cancel()
