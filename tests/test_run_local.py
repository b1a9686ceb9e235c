"""Local engine: deterministic, streamed output whatever the number of workers."""
import json
import shutil
from pathlib import Path

import pytest

from pipeline.run import AtomicWriter, discover_sorted, run_corpus
from pipeline.runtime.files import remove_stale_tmp

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIRS = [ROOT / "corpora" / "seeds", ROOT / "corpora" / "synthetic"]


@pytest.fixture()
def corpus(tmp_path) -> Path:
    """The sample corpus in two nested folders (copies: tests may edit them)."""
    root = tmp_path / "in"
    for d in CORPUS_DIRS:
        shutil.copytree(d, root / d.name)
    return root


def read_lines(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "reports.jsonl").read_text("utf-8").splitlines()]


def test_sequential_and_pool_outputs_are_byte_identical(corpus, tmp_path):
    m0 = run_corpus([corpus], tmp_path / "w0", workers=0, use_cache=False)
    m2 = run_corpus([corpus], tmp_path / "w2", workers=2, use_cache=False, window=3)
    a = (tmp_path / "w0" / "reports.jsonl").read_bytes()
    assert a == (tmp_path / "w2" / "reports.jsonl").read_bytes()
    # the real pipeline processed the sample corpus and found reports and facts
    assert m0.counts["processed"] == m0.counts["files"] == len(discover_sorted([corpus])) >= 9
    assert m0.counts["reports"] >= m0.counts["files"] and m0.counts["facts"] > 0
    assert m0.counts == {**m2.counts}


def test_output_sorted_by_path_then_report_index(corpus, tmp_path):
    run_corpus([corpus / "synthetic", corpus / "seeds"], tmp_path / "o", workers=2, use_cache=False)
    keys = [(r["path"], r["report_index"]) for r in read_lines(tmp_path / "o")]
    assert keys == sorted(keys)
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text("utf-8"))
    paths = [f["path"] for f in manifest["files"]]
    assert paths == sorted(paths) and len(paths) == len(set(paths))


def test_missing_input_is_a_failed_record_not_a_crash(corpus, tmp_path):
    m = run_corpus([corpus / "seeds", tmp_path / "nope.txt"], tmp_path / "o", workers=1)
    rec = [r for r in m.files if r.path.endswith("nope.txt")]
    assert len(rec) == 1 and rec[0].status == "failed" and rec[0].reason
    assert m.counts["processed"] == 5


def test_after_write_hook_sees_complete_outputs(corpus, tmp_path):
    seen = {}

    def hook(run_dir, manifest):
        seen["lines"] = len((run_dir / "reports.jsonl").read_text("utf-8").splitlines())
        seen["manifest"] = (run_dir / "manifest.json").exists()
        seen["reports"] = manifest.counts["reports"]

    run_corpus([corpus / "seeds"], tmp_path / "o", workers=1, after_write=hook)
    assert seen["manifest"] and seen["lines"] == seen["reports"] > 0


def test_atomic_writer_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "reports.jsonl"
    target.write_text("previous run\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with AtomicWriter(target) as fh:
            fh.write("half a line")
            raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports.jsonl"]


def test_stale_tmp_of_a_dead_run_is_removed(tmp_path):
    dead = tmp_path / ".reports.jsonl.tmp-999999999"  # no such pid
    dead.write_text("torn", encoding="utf-8")
    keep = tmp_path / "reports.jsonl"
    keep.write_text("ok", encoding="utf-8")
    assert remove_stale_tmp(tmp_path) == [dead]
    assert keep.exists() and not dead.exists()


def test_second_run_on_same_folder_is_refused_while_one_holds_it(corpus, tmp_path):
    out = tmp_path / "o"
    err = {}

    def tick(record):
        if "e" not in err:
            try:
                run_corpus([corpus / "seeds"], out, workers=0)
            except RuntimeError as e:
                err["e"] = str(e)

    run_corpus([corpus / "seeds"], out, workers=0, on_file=tick)
    assert "another ghminer run" in err["e"]


def test_manifest_on_disk_lists_every_file_and_validates(corpus, tmp_path):
    from schemas.report import RunManifest

    (corpus / "seeds" / "empty.txt").write_bytes(b"")
    m = run_corpus([corpus], tmp_path / "o", workers=1, keep_files=False)
    disk = RunManifest.model_validate_json((tmp_path / "o" / "manifest.json").read_text("utf-8"))
    assert [r.path for r in disk.files] == sorted(str(p) for p in discover_sorted([corpus]))
    assert disk.counts == m.counts and m.counts["files"] == len(disk.files)
    assert [r.path for r in m.files] == [r.path for r in disk.files if r.status == "failed"]


def test_empty_input_folder_gives_empty_valid_outputs(tmp_path):
    from schemas.report import RunManifest

    (tmp_path / "in").mkdir()
    m = run_corpus([tmp_path / "in"], tmp_path / "o", workers=2)
    assert (tmp_path / "o" / "reports.jsonl").read_bytes() == b""
    disk = RunManifest.model_validate_json((tmp_path / "o" / "manifest.json").read_text("utf-8"))
    assert disk.files == [] and m.counts["files"] == 0


def probe_process(path, config):
    """process_file that logs, per call: worker pid, whether jieba was already loaded, file."""
    import os
    import sys

    from pipeline.process import process_file

    jieba_ready = "jieba" not in sys.modules or _jieba_loaded()
    with open(os.environ["GHMINER_TEST_PROBE"], "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()} {int(jieba_ready)} {Path(path).name}\n")
    return process_file(path, config)


def _jieba_loaded() -> bool:
    from pipeline.nlp import jieba_tokenizer

    return jieba_tokenizer.cache_info().currsize == 1


def test_each_worker_warms_up_once_before_its_first_file(corpus, tmp_path, monkeypatch):
    log = tmp_path / "probe.log"
    monkeypatch.setenv("GHMINER_TEST_PROBE", str(log))
    m = run_corpus([corpus], tmp_path / "o", workers=2, process=probe_process, use_cache=False)
    calls = [line.split(" ", 2) for line in log.read_text("utf-8").splitlines()]
    pids = {pid for pid, _, _ in calls}
    assert 1 <= len(pids) <= 2
    for pid in pids:
        mine = [(ready, name) for p, ready, name in calls if p == pid]
        assert mine[0][1] == "warm.txt"  # the warm-up ran first, once
        assert [n for _, n in mine].count("warm.txt") == 1
        assert all(ready == "1" for ready, name in mine[1:])  # jieba loaded before real files
    assert sum(name != "warm.txt" for _, _, name in calls) == m.counts["files"]


def test_report_sink_sees_every_line_only_when_something_was_processed(corpus, tmp_path):
    out = tmp_path / "o"
    fed: list[str] = []
    run_corpus([corpus], out, workers=1, report_sink=fed.append)
    written = (out / "reports.jsonl").read_text("utf-8").splitlines()
    assert fed == written and len(written) > 20  # a fresh run: every line, in order

    fed.clear()  # unchanged re-run: all from the cache, nothing to aggregate anew
    m = run_corpus([corpus], out, workers=1, report_sink=fed.append)
    assert m.counts["cached"] == m.counts["files"] and fed == []

    # one changed file late in the order: the lines before it are replayed, then the rest
    last = discover_sorted([corpus])[-1]
    last.write_text(last.read_text("utf-8") + "\n全年新发展会员12人。\n", encoding="utf-8")
    m = run_corpus([corpus], out, workers=1, report_sink=fed.append)
    assert m.counts["cached"] == m.counts["files"] - 1
    assert fed == (out / "reports.jsonl").read_text("utf-8").splitlines()


def test_on_wait_runs_once_in_the_driver_before_the_first_result(corpus, tmp_path):
    import os

    calls = []
    seen_before = []

    def on_file(rec):
        seen_before.append(len(calls))

    m = run_corpus([corpus], tmp_path / "o", workers=1, on_file=on_file,
                   on_wait=lambda: calls.append(os.getpid()))
    assert calls == [os.getpid()]  # once, in this (the driver's) process
    assert seen_before[0] == 1 and len(seen_before) == m.counts["files"]
    # nothing to wait for: in this process, or every file from the cache
    run_corpus([corpus], tmp_path / "o0", workers=0, use_cache=False,
               on_wait=lambda: calls.append("w0"))
    for f in corpus.rglob("*.txt"):  # not an unchanged re-run: each file is looked up
        f.touch()
    again = run_corpus([corpus], tmp_path / "o", workers=1,
                       on_wait=lambda: calls.append("cached"))
    assert again.counts["cached"] == again.counts["files"]
    assert calls == [os.getpid()]
