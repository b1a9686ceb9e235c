"""Shared fixtures (paths to the bundled sample corpus) and the hung-run safety net."""
import faulthandler
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.watchdog import children

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "corpora" / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


# --- hung-run safety net (see tests/watchdog.py) ----------------------------------
SESSION_LIMIT_S = float(os.environ.get("GHMINER_TEST_SESSION_LIMIT", 2400))
EXIT_GRACE_S = float(os.environ.get("GHMINER_TEST_EXIT_GRACE", 120))
_watchdog: subprocess.Popen | None = None
_stderr_copy = None  # the real stderr: pytest captures fd 2 during each test


def pytest_configure(config):
    global _watchdog, _stderr_copy
    _stderr_copy = os.fdopen(os.dup(2), "w")
    faulthandler.register(signal.SIGUSR1, file=_stderr_copy, all_threads=True)
    _watchdog = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "watchdog.py"), str(os.getpid()),
         str(SESSION_LIMIT_S), str(EXIT_GRACE_S)], stdin=subprocess.PIPE)


def _live_children() -> dict[int, str]:
    """This process's child processes but the watchdog and multiprocessing's helpers
    (resource tracker, forkserver), which leave when this process does."""
    return {pid: cmd for pid, cmd in children(os.getpid()).items()
            if pid != _watchdog.pid and "resource_tracker" not in cmd
            and "forkserver" not in cmd}


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """A child process still alive when the tests are done is a leak (a pool not shut
    down, a renderer not reaped): it can block the interpreter's exit. Fail, naming it,
    and kill it."""
    deadline = time.monotonic() + 10  # pools shut down with wait=False are still leaving
    while (leaks := _live_children()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in leaks:  # so that the exit is not held up by them as well
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if leaks:
        session.config.get_terminal_writer().line(
            "\ntests left child processes running:\n" + "\n".join(
                f"  pid {pid}: {cmd}" for pid, cmd in leaks.items()), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config):
    if _watchdog is not None and _watchdog.poll() is None:
        try:
            _watchdog.stdin.write(b"x")  # the exit grace starts now
            _watchdog.stdin.flush()
        except OSError:
            pass
