"""Forked aggregate helpers: results in order, a failing or dying task is a clear error,
and nothing is left behind (no child, no thread) that could hold up the exit."""
import os
import signal
import threading

import pytest

from pipeline.aggregate.forked import ForkedTasks, ForkedTaskError
from tests.watchdog import children

DATA = {"words": ["会员", "工会", "建会率"]}  # inherited by the children, never pickled


def _children() -> set[int]:
    return set(children(os.getpid()))


def _word(i: int) -> tuple[int, str]:
    return os.getpid(), DATA["words"][i] * 10_000  # larger than a pipe buffer


def test_results_come_back_in_task_order_from_other_processes():
    before = _children()
    threads = threading.active_count()
    out = ForkedTasks(_word, 3).results()
    assert [w for _, w in out] == [w * 10_000 for w in DATA["words"]]
    assert len({pid for pid, _ in out} | {os.getpid()}) == 4
    assert _children() == before and threading.active_count() == threads


def _fails_on_one(i: int) -> int:
    if i == 1:
        raise ValueError("模板页缺少字段")
    return i


def test_a_failing_task_raises_its_traceback_in_the_parent():
    with pytest.raises(ForkedTaskError, match=r"task 1 failed:[\s\S]*ValueError: 模板页缺少字段"):
        ForkedTasks(_fails_on_one, 3).results()


def _dies(i: int) -> int:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_task_is_reported_with_its_signal():
    with pytest.raises(ForkedTaskError, match="task 0 died \\(killed by SIGKILL\\)"):
        ForkedTasks(_dies, 1).results()


def _sleeps(i: int) -> int:
    import time
    time.sleep(60)
    return i


def test_stop_kills_and_reaps_running_tasks():
    before = _children()
    tasks = ForkedTasks(_sleeps, 2)
    assert len(_children()) == len(before) + 2
    tasks.stop()
    assert _children() == before


def _cannot_rebuild():
    raise ValueError("cannot rebuild")


class Unreadable:
    """Pickles, but does not unpickle."""

    def __reduce__(self):
        return _cannot_rebuild, ()


def _unreadable_first(i: int):
    return Unreadable() if i == 0 else i


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_a_result_that_cannot_be_read_is_an_error_and_every_child_is_reaped():
    before, fds = _children(), _open_fds()
    with pytest.raises(ForkedTaskError, match="task 0 failed:\nits result could not be read"):
        ForkedTasks(_unreadable_first, 3).results()
    assert _children() == before and _open_fds() == fds


def test_stop_after_an_interrupted_wait_reaps_every_child():
    before, fds = _children(), _open_fds()
    tasks = ForkedTasks(_sleeps, 3)

    def interrupt(signum, frame):  # Ctrl-C, or the CLI's SIGTERM handler
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            tasks.results()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert len(_children()) == len(before) + 3
    tasks.stop()
    assert _children() == before and _open_fds() == fds


def test_a_failed_fork_leaves_no_child_and_no_pipe(monkeypatch):
    before, fds = _children(), _open_fds()
    real_fork, calls = os.fork, []

    def fork_twice():
        calls.append(1)
        if len(calls) == 2:
            raise BlockingIOError("fork: Resource temporarily unavailable")
        return real_fork()

    monkeypatch.setattr(os, "fork", fork_twice)
    with pytest.raises(BlockingIOError):
        ForkedTasks(_sleeps, 3)
    monkeypatch.undo()
    assert _children() == before and _open_fds() == fds
