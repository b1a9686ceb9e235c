"""Near-duplicate signatures are computed by the per-file workers, where the text is at
hand, and handed by the run to the aggregate: the first build after a run hashes no
report for near-duplicates and finds exactly the twins it finds hashing them itself."""
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.aggregate import STAMP_NAME, build_outputs
from pipeline.aggregate.flags import load_policy
from pipeline.aggregate.minhash import MinHasher, hasher_params, report_signatures
from pipeline.aggregate.sigcache import CACHE_NAME, RunSignatures, SignatureCache
from pipeline.run import run_corpus

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def corpus(tmp_path):
    """Three seed collections and a copy of the first with every digit changed (a
    template re-used with new numbers: near-duplicates of its reports)."""
    seeds = sorted((ROOT / "corpora" / "seeds").glob("*.txt"))[:3]
    root = tmp_path / "in"
    root.mkdir()
    for p in seeds:
        shutil.copy(p, root / p.name)
    text = seeds[0].read_text("utf-8")
    (root / "zz_copy.txt").write_text(re.sub(r"\d", lambda m: str((int(m[0]) + 3) % 10), text),
                                      "utf-8")
    return root


def stored(run_dir: Path) -> dict[bytes, np.ndarray | None]:
    with np.load(run_dir / ".cache" / CACHE_NAME) as z:
        return {k.tobytes(): (s if o else None) for k, s, o in zip(z["keys"], z["sigs"], z["ok"])}


def twins(run_dir: Path) -> pd.DataFrame:
    flags = pd.read_parquet(run_dir / "tables" / "flags.parquet")
    return flags[flags["code"] == "near_duplicate"].reset_index(drop=True)


def counting_hasher(monkeypatch) -> list[str]:
    hashed: list[str] = []
    real = MinHasher.signatures
    monkeypatch.setattr(MinHasher, "signatures",
                        lambda self, texts: hashed.extend(texts) or real(self, texts))
    return hashed


def test_the_first_build_after_a_run_hashes_nothing_and_finds_the_same_twins(
        corpus, tmp_path, monkeypatch):
    out = tmp_path / "out"
    manifest = run_corpus([corpus], out, workers=1)
    from_run = stored(out)
    assert len(from_run) == manifest.counts["reports"]

    hashed = counting_hasher(monkeypatch)
    build_outputs(out, [corpus])
    assert hashed == []
    with_run = twins(out)
    assert with_run["report_id"].str.startswith("zz_copy").any()  # the copy was found

    # the aggregate on its own: it hashes every report, to the same signatures and twins
    (out / ".cache" / CACHE_NAME).unlink()
    (out / STAMP_NAME).unlink()
    build_outputs(out, [corpus])
    assert len(hashed) == manifest.counts["reports"]
    pd.testing.assert_frame_equal(with_run, twins(out))
    by_aggregate = stored(out)
    assert by_aggregate.keys() == from_run.keys()
    for key, sig in by_aggregate.items():
        assert (sig is None and from_run[key] is None) or np.array_equal(sig, from_run[key])


def test_results_served_from_the_cache_carry_their_signatures(corpus, tmp_path):
    shared = tmp_path / "shared-cache"
    run_corpus([corpus], tmp_path / "a", workers=1, cache_dir=shared)
    m = run_corpus([corpus], tmp_path / "b", workers=1, cache_dir=shared)
    assert m.counts["cached"] == m.counts["files"]
    a, b = stored(tmp_path / "a"), stored(tmp_path / "b")
    assert a.keys() == b.keys()
    assert all(np.array_equal(a[k], b[k]) for k in a if a[k] is not None)


def test_a_run_keeps_the_signatures_it_did_not_provide(corpus, tmp_path):
    # e.g. hashed by the aggregate under another policy: the next build may still use them
    out = tmp_path / "out"
    run_corpus([corpus], out, workers=1)
    before = stored(out)
    policy = load_policy(None)
    extra = RunSignatures(out)
    params, packed = report_signatures("职工" * 200, [(0, 400)])
    extra.add(str(corpus / "elsewhere.txt"), "0" * 64, params, [(0, 400)], packed)
    extra.save()
    assert len(stored(out)) == len(before) + 1
    run_corpus([corpus], out, workers=1, force=True)
    after = stored(out)
    assert after.keys() > before.keys() and len(after) == len(before) + 1
    assert hasher_params(policy) == extra.params


def test_signatures_of_another_hasher_are_refused(corpus, tmp_path):
    sink = RunSignatures(tmp_path)
    text = "".join(chr(0x4E00 + (i * 7919) % 5000) for i in range(400))  # 396 distinct shingles
    params, packed = report_signatures(text, [(0, 400), (0, 10)])
    assert packed[1] is None  # too short to compare
    assert not sink.add("x.txt", "0" * 64, params + b"-other", [(0, 400), (0, 10)], packed)
    assert not sink.add("x.txt", "0" * 64, params, [(0, 400)], [packed[0][:-4]])
    assert len(sink) == 0
    assert sink.add("x.txt", "0" * 64, params, [(0, 400), (0, 10)], packed) and len(sink) == 2
    sink.close()
    assert not list(tmp_path.rglob("*.tmp-*"))


def test_a_signature_cache_of_the_old_format_is_ignored(tmp_path):
    # keys stored as "S16" lost their trailing NUL bytes: such a file is rebuilt
    path = tmp_path / CACHE_NAME
    policy = load_policy(None)
    np.savez(path, keys=np.array([b"k" * 16], dtype="S16"),
             sigs=np.zeros((1, policy.permutations), dtype=np.uint64), ok=np.ones(1, bool))
    assert SignatureCache(path, policy, policy.permutations).old == {}
    key = b"\x01" * 15 + b"\x00"  # ends in NUL: kept whole in the new format
    cache = SignatureCache(path, policy, policy.permutations)
    cache.put(key, np.arange(policy.permutations, dtype=np.uint64))
    cache.save()
    again = SignatureCache(path, policy, policy.permutations)
    assert again.get(key)[0] and np.array_equal(again.old[key], np.arange(policy.permutations))


def test_a_cached_result_under_another_path_serves_the_aggregate_too(corpus, tmp_path,
                                                                    monkeypatch):
    # the same bytes found elsewhere (a re-organised inbox): the cache entry is rebased,
    # its signatures keyed by the new path, and the aggregate hashes nothing
    shared = tmp_path / "shared-cache"
    run_corpus([corpus], tmp_path / "a", workers=1, cache_dir=shared)
    moved = tmp_path / "moved"
    shutil.copytree(corpus, moved)
    m = run_corpus([moved], tmp_path / "b", workers=1, cache_dir=shared)
    assert m.counts["cached"] == m.counts["files"]
    hashed = counting_hasher(monkeypatch)
    build_outputs(tmp_path / "b", [moved])
    assert hashed == []
    assert twins(tmp_path / "b")["report_id"].str.startswith("zz_copy").any()


def test_a_source_edited_after_the_run_is_hashed_again_by_the_aggregate(corpus, tmp_path,
                                                                       monkeypatch):
    out = tmp_path / "out"
    manifest = run_corpus([corpus], out, workers=1)
    copy = corpus / "zz_copy.txt"
    n_copy = sum(1 for line in (out / "reports.jsonl").open(encoding="utf-8")
                 if '"source":"zz_copy.txt"' in line)
    assert 0 < n_copy < manifest.counts["reports"]
    copy.write_text(copy.read_text("utf-8") + "\n附：本文件已修改。\n", "utf-8")
    hashed = counting_hasher(monkeypatch)
    build_outputs(out, [corpus])
    # the run's signatures of the edited file no longer hold for its bytes on disk
    # (the aggregate reads the file to hash it), the others do
    assert len(hashed) == n_copy


def test_a_run_without_the_result_cache_still_hands_its_signatures_over(corpus, tmp_path,
                                                                       monkeypatch):
    out = tmp_path / "out"
    manifest = run_corpus([corpus], out, workers=1, use_cache=False)
    assert len(stored(out)) == manifest.counts["reports"]
    assert not [p for p in (out / ".cache").iterdir() if p.name != CACHE_NAME]  # no entries
    hashed = counting_hasher(monkeypatch)
    build_outputs(out, [corpus])
    assert hashed == []


def test_a_hasher_failure_in_a_worker_does_not_fail_the_file(corpus, tmp_path, monkeypatch):
    from pipeline.aggregate import minhash

    def broken(self, texts):
        raise MemoryError("no room for the shingle matrix")

    monkeypatch.setattr(minhash.MinHasher, "signatures", broken)
    out = tmp_path / "out"
    manifest = run_corpus([corpus], out, workers=0)
    assert manifest.counts["processed"] == manifest.counts["files"] == 4
    assert not (out / ".cache" / CACHE_NAME).exists()
    monkeypatch.undo()
    hashed = counting_hasher(monkeypatch)
    build_outputs(out, [corpus])  # the aggregate computes them itself
    assert len(hashed) == manifest.counts["reports"]


def test_an_unwritable_signature_cache_does_not_fail_the_run(corpus, tmp_path, monkeypatch):
    from pipeline.aggregate import sigcache

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sigcache, "_save", full_disk)
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match="No space left"):
        manifest = run_corpus([corpus], out, workers=1)
    assert manifest.counts["processed"] == 4 and (out / "manifest.json").exists()
    assert not list((out / ".cache").glob(".*.tmp-*"))  # the spool is removed


def test_a_signature_cache_of_another_width_is_left_to_its_aggregate(corpus, tmp_path):
    # the aggregate runs with a policy of other `permutations`: the run's signatures
    # would not serve it, and overwriting would throw away the aggregate's
    out = tmp_path / "out"
    path = out / ".cache" / CACHE_NAME
    path.parent.mkdir(parents=True)
    keys = np.arange(32, dtype=np.uint8).reshape(2, 16)
    np.savez(path, keys=keys, sigs=np.ones((2, 64), np.uint64), ok=np.ones(2, bool))
    run_corpus([corpus], out, workers=1)
    with np.load(path) as z:
        assert z["sigs"].shape == (2, 64) and np.array_equal(z["keys"], keys)


def test_the_spool_of_a_killed_run_is_swept(corpus, tmp_path):
    out = tmp_path / "out"
    run_corpus([corpus], out, workers=1)
    stale = out / ".cache" / ".aggregate-minhash.spool.tmp-999999999"  # no such process
    stale.write_bytes(b"\0" * 100)
    run_corpus([corpus], out, workers=1, force=True)
    assert not stale.exists()


def test_a_full_disk_under_the_spool_does_not_fail_the_run(corpus, tmp_path, monkeypatch):
    from pipeline.aggregate import sigcache

    class FullDisk:  # every write, flush and close fails as on a full disk
        def __init__(self, path, mode):
            self.name = str(path)
            Path(path).touch()

        def write(self, data):
            raise OSError(28, "No space left on device")

        flush = close = lambda self: self.write(b"")

    monkeypatch.setattr(sigcache, "open", FullDisk, raising=False)
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match="not kept for the aggregate"):
        manifest = run_corpus([corpus], out, workers=1)
    assert manifest.counts["processed"] == 4
    assert len((out / "reports.jsonl").read_text("utf-8").splitlines()) == \
        manifest.counts["reports"]
    assert not list((out / ".cache").glob(".*.tmp-*"))  # the spool is removed


def test_a_failing_on_wait_hook_only_warns(corpus, tmp_path):
    def broken_preload():
        raise ImportError("a broken pyarrow wheel")

    with pytest.warns(UserWarning, match="broken pyarrow"):
        manifest = run_corpus([corpus], tmp_path / "out", workers=1, on_wait=broken_preload)
    assert manifest.counts["processed"] == 4
