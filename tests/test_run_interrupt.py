"""An interrupted `ghminer run` (Ctrl-C, kill, kill -9) leaves no half-written output,
no orphan workers, and the next run resumes from the cache."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from pipeline.run import run_corpus
from tests.fixtures.seed_copies import make_corpus

ROOT = Path(__file__).resolve().parents[1]


def workers_of(out: Path) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if p.pid != os.getpid() and str(out) in " ".join(p.info["cmdline"] or []):
                found.append(p)
        except psutil.Error:
            pass
    return found


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_run_leaves_no_torn_output_and_resumes(tmp_path, sig):
    corpus = make_corpus(tmp_path / "in", 40)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", str(corpus),
                             "--out", str(out), "--workers", "2"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while len(list((out / ".cache").rglob("*.entry"))) < 3:  # some files are done
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.1)
    proc.send_signal(sig)
    rc = proc.wait(timeout=60)
    assert rc == (-signal.SIGKILL if sig == signal.SIGKILL else 130)
    assert not (out / "reports.jsonl").exists() and not (out / "manifest.json").exists()
    if sig != signal.SIGKILL:  # kill -9 cannot clean up: the next run does
        assert not [p for p in out.iterdir() if ".tmp-" in p.name]
    time.sleep(0.5)
    assert workers_of(out) == []  # workers died with the driver

    m = run_corpus([corpus], out, workers=2)
    assert m.counts["processed"] == 40 and m.counts["cached"] >= 3
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]
    assert len((out / "reports.jsonl").read_text("utf-8").splitlines()) == m.counts["reports"]


def test_an_interrupted_run_whose_exit_hangs_still_ends_with_130():
    """The run's SIGTERM/SIGINT handler gives the clean-up a deadline: here the exit would
    wait forever for a thread that never ends (as a worker-pool thread waiting for a
    lock the interruption left held would); the process ends anyway, status 130."""
    code = textwrap.dedent("""
        import signal, sys, threading, time
        import pipeline.cli as cli
        cli.EXIT_GRACE_S = 1.0
        signal.signal(signal.SIGTERM, cli.interrupted)
        threading.Thread(target=threading.Event().wait).start()  # never ends
        print("ready", flush=True)
        try:
            time.sleep(60)
        except KeyboardInterrupt:
            sys.exit(130)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read().decode()
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 130
        assert time.monotonic() - start < 10
    finally:
        proc.kill()
        proc.wait()
