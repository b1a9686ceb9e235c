"""An interrupted `ghminer run` (Ctrl-C, kill, kill -9) leaves no half-written output,
no orphan workers, and the next run resumes from the cache."""
import os
import signal
import subprocess
import sys
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
