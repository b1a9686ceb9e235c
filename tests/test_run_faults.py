"""Faults: a file that raises, kills its worker or is too large fails alone; the run completes."""
import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from pipeline.process import ProcessConfig, process_file
from pipeline.run import run_corpus

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "corpora" / "seeds"


def faulty_process(path, config):
    """process_file, except for files whose name asks for a fault (module level: picklable)."""
    name = Path(path).name
    if "RAISE" in name:
        raise ValueError("injected failure")
    if "EXIT" in name:
        os._exit(3)
    if "KILL" in name:
        os.kill(os.getpid(), signal.SIGKILL)
    return process_file(path, config)


def make_corpus(root: Path, faults: list[str]) -> Path:
    shutil.copytree(SEEDS, root)
    seed = sorted(SEEDS.glob("*.txt"))[0].read_text("utf-8")
    for i, tag in enumerate(faults):  # distinct bytes: never a cache hit on a seed
        (root / f"00{i}b_{tag}.txt").write_text(seed + f"\n附{i}\n", "utf-8")
    return root


def lines_by_source(run_dir: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in (run_dir / "reports.jsonl").read_text("utf-8").splitlines():
        out.setdefault(json.loads(line)["source"], []).append(line)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_crashing_workers_fail_their_file_and_the_run_completes(tmp_path, workers):
    corpus = make_corpus(tmp_path / "in", ["EXIT", "KILL", "RAISE"])
    m = run_corpus([corpus], tmp_path / "o", workers=workers, process=faulty_process,
                   use_cache=False)
    by_name = {Path(r.path).name: r for r in m.files}
    assert by_name["000b_EXIT.txt"].status == "failed"
    assert "worker process died" in by_name["000b_EXIT.txt"].reason
    assert "exit code 3" in by_name["000b_EXIT.txt"].reason
    assert "SIGKILL" in by_name["001b_KILL.txt"].reason
    assert by_name["002b_RAISE.txt"].reason.startswith("internal error: ValueError: injected failure")
    assert m.counts["failed"] == 3 and m.counts["processed"] == 5

    clean = run_corpus([corpus / p.name for p in SEEDS.glob("*.txt")], tmp_path / "clean",
                       workers=0, use_cache=False)
    assert clean.counts["processed"] == 5
    assert lines_by_source(tmp_path / "o") == lines_by_source(tmp_path / "clean")


@pytest.mark.slow
def test_crash_is_not_cached_and_is_retried_next_run(tmp_path):
    corpus = make_corpus(tmp_path / "in", ["KILL"])
    out = tmp_path / "o"
    m1 = run_corpus([corpus], out, workers=2, process=faulty_process)
    assert m1.counts["failed"] == 1
    (corpus / "000b_KILL.txt").rename(corpus / "000b_fixed.txt")  # same bytes, no fault now
    m2 = run_corpus([corpus], out, workers=2, process=faulty_process)
    assert m2.counts["failed"] == 0 and m2.counts["cached"] == 5
    assert next(r for r in m2.files if r.source == "000b_fixed.txt").cached is False


def test_file_over_size_limit_fails_with_reason(tmp_path):
    corpus = make_corpus(tmp_path / "in", [])
    limit = 20_000
    m = run_corpus([corpus], tmp_path / "o", ProcessConfig(max_bytes=limit), workers=1)
    for rec in m.files:
        big = (corpus / rec.source).stat().st_size > limit
        assert (rec.status == "failed") == big
        if big:
            assert "too large" in rec.reason
    assert 0 < m.counts["failed"] < m.counts["files"]
