"""Forked helper processes for the aggregate: `ForkedTasks(task, n)` runs `task(i)` for
i in range(n), each in a child forked from this process, while this one goes on.

Plain `os.fork` with one pipe per child, not `multiprocessing.Pool`: a Pool starts
three threads, shares a queue lock with its workers and registers an exit-time
finalizer that acquires that lock, so a worker that dies holding it (or a fork
while another thread holds a lock) can hang the parent at interpreter exit. A
forked child here shares nothing but the pipe it writes its result to, leaves
by `os._exit` (no inherited exit handlers run) and is SIGKILLed if the parent
dies. Children inherit the task's data as it is at fork time: nothing is pickled
but each result.
"""
from __future__ import annotations

import os
import pickle
import signal
import sys
import traceback
from typing import Any, Callable

from pipeline.run.work import die_with_parent, exit_text


class ForkedTaskError(RuntimeError):
    """A forked task raised, or its process died before sending its result."""


class ForkedTasks:
    def __init__(self, task: Callable[[int], Any], n: int):
        self.children: list[tuple[int, int]] = []  # (pid, read end of its pipe), unreaped
        try:
            for i in range(n):
                self._fork(task, i)
        except BaseException:  # fork or pipe failed (EAGAIN, EMFILE): none left behind
            self.stop()
            raise

    def _fork(self, task: Callable[[int], Any], i: int) -> None:
        read_fd, write_fd = os.pipe()
        try:
            sys.stdout.flush()
            sys.stderr.flush()  # else buffered output would be written twice
            pid = os.fork()
        except BaseException:
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            _child(task, i, write_fd)
        os.close(write_fd)
        self.children.append((pid, read_fd))

    def results(self) -> list:
        """Each task's return value, in task order, once all have finished. A child
        leaves `children` only once reaped: on an interruption `stop()` gets the rest."""
        out, errors = [], []
        i = 0
        while self.children:
            pid, read_fd = self.children[0]
            with os.fdopen(read_fd, "rb", closefd=False) as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            self.children.pop(0)
            os.close(read_fd)
            if not data:
                errors.append(f"task {i} died "
                              f"({exit_text(os.waitstatus_to_exitcode(status))}) before its result")
            else:
                try:
                    ok, value = pickle.loads(data)
                except Exception as e:  # noqa: BLE001 - e.g. an exception that does not unpickle
                    ok, value = False, f"its result could not be read: {type(e).__name__}: {e}"
                if ok:
                    out.append(value)
                else:
                    errors.append(f"task {i} failed:\n{value}")
            i += 1
        if errors:
            raise ForkedTaskError("; ".join(errors))
        return out

    def stop(self) -> None:
        """Kill the tasks still running and reap them (on an error in the parent)."""
        while self.children:
            pid, read_fd = self.children.pop(0)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.close(read_fd)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:  # reaped already by an interrupted `results()`
                pass


def _child(task: Callable[[int], Any], i: int, write_fd: int) -> None:
    code = 0
    try:
        die_with_parent()
        try:
            payload = (True, task(i))
        except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
            payload, code = (False, traceback.format_exc()), 1
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # noqa: BLE001 - the pipe is gone: the parent reports the death
        code = 2
    finally:
        os._exit(code)

