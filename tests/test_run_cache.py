"""Incremental runs: the per-file cache keyed by file bytes and pipeline fingerprint, and
the unchanged re-run that leaves reports.jsonl as it is."""
import json
import os
import shutil
from pathlib import Path

import pytest

from pipeline.process import ProcessConfig, process_file
from pipeline.run import run_corpus
from pipeline.run.cache import PIPELINE_DIR, _per_file_sources, pipeline_fingerprint

ROOT = Path(__file__).resolve().parents[1]


class CountingProcess:
    """process_file that remembers which files it was asked to process (workers=0)."""

    def __init__(self):
        self.calls: list[str] = []

    def __call__(self, path, config):
        self.calls.append(Path(path).name)
        return process_file(path, config)


@pytest.fixture()
def corpus(tmp_path) -> Path:
    root = tmp_path / "in"
    shutil.copytree(ROOT / "corpora" / "seeds", root)
    return root


def run(corpus, out, **kw):
    proc = CountingProcess()
    manifest = run_corpus([corpus], out, workers=0, process=proc, **kw)
    return proc.calls, manifest


def test_unchanged_rerun_processes_nothing_and_writes_same_bytes(corpus, tmp_path):
    out = tmp_path / "o"
    calls, m1 = run(corpus, out)
    first = (out / "reports.jsonl").read_bytes()
    assert len(calls) == 5 and m1.counts["cached"] == 0
    calls, m2 = run(corpus, out)
    assert calls == [] and m2.counts["cached"] == 5
    assert (out / "reports.jsonl").read_bytes() == first
    assert {k: v for k, v in m1.counts.items() if k != "cached"} == \
           {k: v for k, v in m2.counts.items() if k != "cached"}


def test_changed_new_and_removed_files(corpus, tmp_path):
    out = tmp_path / "o"
    run(corpus, out)
    files = sorted(corpus.glob("*.txt"))
    changed, removed = files[1], files[3]
    changed.write_text(changed.read_text("utf-8") + "\n全年新发展会员1200名。\n", "utf-8")
    removed.unlink()
    (corpus / "005_new.txt").write_text("某某社区工会2024年工作总结\n\n" + files[0].read_text("utf-8"), "utf-8")
    calls, m = run(corpus, out)
    assert sorted(calls) == sorted([changed.name, "005_new.txt"])
    sources = {json.loads(line)["source"] for line in (out / "reports.jsonl").read_text("utf-8").splitlines()}
    assert removed.name not in sources and "005_new.txt" in sources
    assert removed.name not in {Path(r.path).name for r in m.files}


def test_copy_of_a_file_is_served_from_cache_under_its_own_name(corpus, tmp_path):
    out = tmp_path / "o"
    run(corpus, out)
    src = sorted(corpus.glob("*.txt"))[0]
    shutil.copy(src, corpus / "zz_copy.txt")
    calls, _ = run(corpus, out)
    assert calls == []
    recs = [json.loads(line) for line in (out / "reports.jsonl").read_text("utf-8").splitlines()]
    copy = [r for r in recs if r["source"] == "zz_copy.txt"]
    orig = [r for r in recs if r["source"] == src.name]
    assert copy and len(copy) == len(orig)
    assert all(r["path"].endswith("zz_copy.txt") for r in copy)
    assert [r["facts"] for r in copy] == [r["facts"] for r in orig]


def test_force_reprocesses_everything(corpus, tmp_path):
    out = tmp_path / "o"
    run(corpus, out)
    calls, m = run(corpus, out, force=True)
    assert len(calls) == 5 and m.counts["cached"] == 0


def test_config_change_invalidates(corpus, tmp_path):
    out = tmp_path / "o"
    run(corpus, out)
    calls, _ = run(corpus, out, config=ProcessConfig(max_bytes=10 * 1024 * 1024))
    assert len(calls) == 5


def test_torn_cache_entry_is_a_miss(corpus, tmp_path):
    out = tmp_path / "o"
    run(corpus, out)
    entries = sorted((out / ".cache").rglob("*.entry"))
    assert len(entries) == 5
    victim = max(entries, key=lambda p: p.stat().st_size)
    victim.write_text(victim.read_text("utf-8").split("\n", 1)[0] + "\n", "utf-8")  # header only
    for f in corpus.glob("*.txt"):  # files copied in again: looked up by content, not replayed
        os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1_000_000_000))
    calls, _ = run(corpus, out)
    assert len(calls) == 1


def test_cache_dir_option_and_no_cache(corpus, tmp_path):
    cache = tmp_path / "shared-cache"
    run(corpus, tmp_path / "a", cache_dir=cache)
    calls, _ = run(corpus, tmp_path / "b", cache_dir=cache)  # another run folder, same cache
    assert calls == []
    calls, _ = run(corpus, tmp_path / "c", use_cache=False)
    assert len(calls) == 5
    # no result entry; only the aggregate's near-duplicate signatures (not the result cache)
    assert [p.name for p in (tmp_path / "c" / ".cache").rglob("*") if p.is_file()] == [
        "aggregate-minhash.npz"]


def test_fingerprint_covers_vocabularies_and_models_not_the_driver():
    sources = {str(p.relative_to(PIPELINE_DIR.parent)) for p in _per_file_sources()}
    data_files = {str(p.relative_to(PIPELINE_DIR.parent))
                  for stage in ("ingest", "normalise", "clean", "split", "structure", "extract", "nlp")
                  for p in (PIPELINE_DIR / stage).rglob("*")
                  if p.is_file() and "data" in p.relative_to(PIPELINE_DIR).parts}
    assert data_files and data_files <= sources
    assert "pipeline/process.py" in sources and "schemas/report.py" in sources
    assert not any(s.startswith(("pipeline/run/", "pipeline/aggregate/")) for s in sources)
    assert pipeline_fingerprint(ProcessConfig()) != pipeline_fingerprint(ProcessConfig(max_bytes=1))


def test_interrupted_run_leaves_no_output_and_resumes_from_cache(corpus, tmp_path):
    out = tmp_path / "o"
    done = []

    def interrupt(record):
        done.append(record.path)
        if len(done) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_corpus([corpus], out, workers=2, on_file=interrupt)
    assert not (out / "reports.jsonl").exists() and not (out / "manifest.json").exists()
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]
    calls, m = run(corpus, out)
    assert len(calls) <= 3 and m.counts["cached"] >= 2 and m.counts["processed"] == 5


def test_rebase_gives_the_bytes_a_fresh_run_writes(corpus, tmp_path):
    from pipeline.run.cache import rebase
    from pipeline.run.work import run_one

    src = sorted(corpus.glob("*.txt"))[0]
    odd = corpus / "子目录 \"引号\"" / "报告\t1.txt"  # non-ASCII, quote and tab in the path
    odd.parent.mkdir()
    shutil.copy(src, odd)
    fresh = run_one(odd, ProcessConfig(), process_file)
    moved = rebase(run_one(src, ProcessConfig(), process_file), odd)
    assert fresh.lines and moved.lines == fresh.lines
    assert moved.record.path == str(odd) and moved.record.source == odd.name


def _age(path: Path, seconds: int = 3600) -> None:
    """A file written a while ago (a fresh mtime is too close to the run to vouch for)."""
    t = path.stat().st_mtime_ns - seconds * 10**9
    os.utime(path, ns=(t, t))


def _manifest_body(out: Path) -> dict:
    m = json.loads((out / "manifest.json").read_text("utf-8"))
    return {k: v for k, v in m.items() if k not in ("started", "finished")}


def test_unchanged_rerun_leaves_reports_untouched_and_writes_the_manifest_a_full_rerun_would(
        corpus, tmp_path):
    out = tmp_path / "o"
    (corpus / "empty.txt").write_bytes(b"")  # a rejected input: its record is replayed too
    _age(corpus / "empty.txt")
    run(corpus, out)
    before = (out / "reports.jsonl").stat()
    calls, fast = run(corpus, out, keep_files=False)
    after = (out / "reports.jsonl").stat()
    assert calls == [] and (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [r.path for r in fast.files] == [r.path for r in fast.files if r.status == "failed"]
    assert len(fast.files) == 1
    replayed = _manifest_body(out)

    (out / ".replay-index.json").unlink()  # the same re-run the long way: cache look-ups
    calls, slow = run(corpus, out, keep_files=False)
    assert calls == [] and (out / "reports.jsonl").stat().st_ino != before.st_ino
    assert _manifest_body(out) == replayed and fast.counts == slow.counts
    assert slow.counts["cached"] == slow.counts["files"] == 6


def test_any_change_leaves_the_unchanged_path(corpus, tmp_path):
    out = tmp_path / "o"
    run(corpus, out)
    first = (out / "reports.jsonl").read_bytes()
    victim = sorted(corpus.glob("*.txt"))[2]

    os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 10**9))
    calls, m = run(corpus, out)  # touched, same bytes: served by content hash
    assert calls == [] and m.counts["cached"] == 5
    assert (out / "reports.jsonl").read_bytes() == first

    victim.write_text(victim.read_text("utf-8") + "\n全年新发展会员1200名。\n", "utf-8")
    calls, m = run(corpus, out)
    assert calls == [victim.name]

    (out / "reports.jsonl").write_text("", "utf-8")  # outputs edited by hand: rewritten
    calls, m = run(corpus, out)
    assert calls == [] and len((out / "reports.jsonl").read_text("utf-8").splitlines()) == \
        m.counts["reports"] > 0

    manifest = json.loads((out / "manifest.json").read_text("utf-8"))  # edited by hand
    manifest["counts"]["facts"] = 1
    (out / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    calls, m = run(corpus, out)
    assert calls == [] and m.counts["facts"] > 1

    shutil.rmtree(out / ".cache")  # the cache is gone: files are processed and cached again
    calls, m = run(corpus, out)
    assert len(calls) == 5 and m.counts["cached"] == 0 and (out / ".cache").is_dir()

    calls, _ = run(corpus, out, force=True)
    assert len(calls) == 5
    calls, _ = run(corpus, out, use_cache=False)
    assert len(calls) == 5 and not (out / ".replay-index.json").exists()


def test_a_file_edited_while_the_run_reads_it_is_processed_again(corpus, tmp_path):
    out = tmp_path / "o"
    victim = sorted(corpus.glob("*.txt"))[1]

    def edit_after_processing(path, config):
        result = process_file(path, config)
        if Path(path) == victim:
            victim.write_text(victim.read_text("utf-8") + "\n全年新建工会组织3个。\n", "utf-8")
            _age(victim)  # old mtime: only the stat taken before reading tells
        return result

    run_corpus([corpus], out, workers=0, process=edit_after_processing)
    assert not (out / ".replay-index.json").exists()
    calls, m = run(corpus, out)
    assert calls == [victim.name]


def test_files_written_just_before_the_run_get_no_index_until_they_are_older(corpus, tmp_path):
    out = tmp_path / "o"
    (corpus / "new.txt").write_text("某社区工会2024年工作总结\n全年发展会员12人。\n", "utf-8")
    run(corpus, out)
    assert not (out / ".replay-index.json").exists()  # new.txt may still be being edited
    calls, _ = run(corpus, out)
    assert calls == [] and not (out / ".replay-index.json").exists()
    _age(corpus / "new.txt")
    run(corpus, out)
    assert (out / ".replay-index.json").exists()


def test_an_interrupted_run_does_not_leave_an_index_vouching_for_old_outputs(corpus, tmp_path):
    out = tmp_path / "o"
    run(corpus, out)
    assert (out / ".replay-index.json").exists()

    def interrupt(record):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_corpus([corpus], out, workers=0, force=True, on_file=interrupt)
    assert not (out / ".replay-index.json").exists()
