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
