"""Faults mid-run: kill -9, a full disk, writes failing at every size. No output file
is ever left truncated under its final name; the next run resumes from the cache
and ends with the same outputs as an uninterrupted run; errors are one clear line.

(A worker dying on one file is covered by tests/test_run_faults.py.)"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.seed_copies import make_corpus

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
OUTPUTS = ("reports.jsonl", "manifest.json")


def ghminer(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)


def cached(out: Path) -> int:
    """Cache entries written so far (files, whatever their layout; not temporaries)."""
    return sum(1 for p in (out / ".cache").rglob("*") if p.is_file() and ".tmp" not in p.name)


def kill_when(proc: subprocess.Popen, ready, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL


def comparable_manifest(out: Path) -> dict:
    """manifest.json without what legitimately differs between runs (time, cache hits)."""
    m = json.loads((out / "manifest.json").read_text("utf-8"))
    for key in ("started", "finished", "inputs"):
        m.pop(key)
    m["counts"].pop("cached")
    for f in m["files"]:
        f.pop("cached", None)
    return m


@pytest.mark.slow
def test_kill_9_twice_then_resume_ends_with_the_uninterrupted_outputs(tmp_path):
    corpus = make_corpus(tmp_path / "in", 24)
    ref = tmp_path / "ref"
    assert ghminer("run", str(corpus), "--out", str(ref), "-j", "2", "--no-cache").wait() == 0

    out = tmp_path / "out"
    for progress in (4, 12):  # killed early, then killed again after resuming
        kill_when(ghminer("run", str(corpus), "--out", str(out), "-j", "2"),
                  lambda: cached(out) >= progress)
        assert not any((out / name).exists() for name in OUTPUTS)  # nothing posing as complete
    proc = ghminer("run", str(corpus), "--out", str(out), "-j", "2")
    assert proc.wait(timeout=600) == 0, proc.stderr.read()
    assert (out / "reports.jsonl").read_bytes() == (ref / "reports.jsonl").read_bytes()
    assert comparable_manifest(out) == comparable_manifest(ref)
    assert json.loads((out / "manifest.json").read_text("utf-8"))["counts"]["cached"] >= 12
    assert not [p for p in out.iterdir() if ".tmp" in p.name]

    # Kill -9 a re-run over a changed corpus: the previous outputs stay whole.
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    for p in sorted(corpus.iterdir()):
        p.write_text(p.read_text("utf-8") + "\n补充\n", "utf-8")
    n0 = cached(out)
    kill_when(ghminer("run", str(corpus), "--out", str(out), "-j", "2"),
              lambda: cached(out) >= n0 + 4)
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    for p in out.rglob("*"):  # and whatever else the run wrote is whole
        if p.is_file() and not p.name.startswith(".") and ".cache" not in p.parts:
            assert complete(p), p


def limited(max_file_bytes: int):
    """preexec_fn: every file this process writes is cut at `max_file_bytes` (EFBIG)."""
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
    return apply


def assert_clear_error(stderr: str, *expected: str) -> None:
    assert "Traceback" not in stderr and "─" not in stderr, stderr[-3000:]  # no (rich) traceback
    flat = " ".join(stderr.split())  # rich wraps long lines
    assert "error: cannot write" in flat and any(e in flat for e in expected), stderr[-3000:]


def test_write_failure_during_run_is_one_clear_error_and_nothing_torn(tmp_path):
    """Writes fail once a file passes 64 KB (RLIMIT_FSIZE: EFBIG, no root needed)."""
    corpus = make_corpus(tmp_path / "in", 6)
    out = tmp_path / "out"
    proc = ghminer("run", str(corpus), "--out", str(out), "-j", "0", "--no-cache",
                   preexec_fn=limited(64 * 1024))
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode not in (0, -signal.SIGKILL)
    assert_clear_error(stderr, "File too large", "No space left")
    assert not any((out / name).exists() for name in OUTPUTS)
    assert not [p for p in out.iterdir() if ".tmp" in p.name]  # and no debris either


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0,
                    reason="a small tmpfs needs root and unshare (the EFBIG test runs anywhere)")
def test_disk_full_on_the_output_folder_is_a_clear_error(tmp_path):
    """A real full disk: the run folder is on a 256 KB tmpfs (private mount namespace)."""
    corpus = make_corpus(tmp_path / "in", 6)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = (f"mount -t tmpfs -o size=256k tmpfs {mnt} && "
              f"{sys.executable} -m pipeline.cli run {corpus} --out {mnt}/out -j 0; rc=$?; "
              f"ls -a {mnt}/out; exit $rc")
    res = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=ROOT, env=ENV,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode not in (0, -signal.SIGKILL)
    assert_clear_error(res.stderr, "No space left on device")
    listing = res.stdout.split()
    assert not set(OUTPUTS) & set(listing) and not [n for n in listing if ".tmp" in n], listing


def complete(path: Path) -> bool:
    """An output file that can be read back whole."""
    name = path.name
    if name.endswith(".html"):
        return path.read_text("utf-8").rstrip().endswith("</html>")
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook
        load_workbook(path, read_only=True).close()
        return True
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq
        pq.read_table(path)
        return True
    if name.endswith(".duckdb"):
        import duckdb
        duckdb.connect(str(path), read_only=True).execute("SELECT count(*) FROM reports").fetchall()
        return True
    return True


@pytest.mark.slow
def test_report_outputs_are_whole_or_absent_whatever_write_fails(tmp_path):
    """`ghminer report` with writes failing at sizes from 4 KB to 1 MB: every output
    under its final name is complete (temporary file + rename), the error is clear."""
    corpus = make_corpus(tmp_path / "in", 4)
    run = tmp_path / "run"
    assert ghminer("run", str(corpus), "--out", str(run), "-j", "0").wait() == 0
    failed = 0
    for limit in (4 * 1024, 24 * 1024, 96 * 1024, 400 * 1024, 1024 * 1024):
        out = tmp_path / f"out{limit}"
        shutil.copytree(run, out, ignore=shutil.ignore_patterns(".cache"))
        proc = ghminer("report", str(out), "--input", str(corpus), preexec_fn=limited(limit))
        _, stderr = proc.communicate(timeout=300)
        for p in out.rglob("*"):
            if p.is_file() and not p.name.startswith("."):
                assert complete(p), (limit, p)
        failed += proc.returncode != 0
        if proc.returncode != 0:
            assert_clear_error(stderr, "File too large", "No space left")
    assert failed >= 3  # the sweep did cut writes
