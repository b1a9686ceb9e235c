"""Keeps a hung test run from eating CI's time: started by conftest.py beside pytest.

    python tests/watchdog.py PID SESSION_LIMIT EXIT_GRACE

If pytest (PID) is still running SESSION_LIMIT seconds after it started, or EXIT_GRACE
seconds after its session ended (conftest writes a byte to this process's stdin
then), it prints what PID is still running (its descendant processes; its
threads' stacks, which faulthandler writes on SIGUSR1), then kills PID and those
descendants: a hang becomes a failed run with a diagnosis in minutes instead of a
silent time-out. Leaves as soon as PID is gone (its stdin then ends).
"""
import os
import select
import signal
import sys
import time


def process_table() -> dict[int, tuple[str, int, str]]:
    """pid -> (state, parent pid, command line) of every process (Linux /proc)."""
    table = {}
    if not os.path.isdir("/proc"):  # not Linux: nothing to tell
        return table
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                table[int(d)] = (fields[0], int(fields[1]), cmd[:160])
            except (OSError, ValueError, IndexError):
                pass
    return table


def children(pid: int) -> dict[int, str]:
    """Live (not zombie) child processes of `pid`: pid -> command line."""
    return {p: cmd for p, (state, parent, cmd) in process_table().items()
            if parent == pid and state != "Z"}


def alive(pid: int) -> bool:
    state = process_table().get(pid)
    return state is not None and state[0] != "Z"


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`: pid -> "child of P: command line"."""
    table = process_table()
    found, todo = {}, [pid]
    while todo:
        p = todo.pop()
        for child, (_, parent, cmd) in table.items():
            if parent == p and child != os.getpid():
                found[child] = f"child of {p}: {cmd}"
                todo.append(child)
    return found


def main() -> None:
    pid, session_limit, exit_grace = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    deadline = time.monotonic() + session_limit
    why = f"the test session ran over {session_limit:.0f} s"
    while alive(pid):
        ready, _, _ = select.select([sys.stdin], [], [], 0.5)
        if ready:
            if not os.read(sys.stdin.fileno(), 1):  # pytest is gone (stdin closed)
                return
            deadline = time.monotonic() + exit_grace
            why = f"pytest did not exit within {exit_grace:.0f} s of its session's end"
        if time.monotonic() > deadline:
            below = descendants(pid)
            print(f"\nwatchdog: {why}; still running under pid {pid}:",
                  *([f"  pid {p} ({what})" for p, what in below.items()]
                    or ["  (no child processes)"]),
                  "its threads' stacks follow; then it and those processes are killed.",
                  sep="\n", file=sys.stderr, flush=True)
            os.kill(pid, signal.SIGUSR1)  # faulthandler in pytest dumps every thread
            time.sleep(3)
            for p in [pid, *below]:  # a survivor could hold CI's output pipe open
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            return


if __name__ == "__main__":
    main()
