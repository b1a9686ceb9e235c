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
    build_outputs(out, [corpus], workers=1)
    assert hashed == []
    with_run = twins(out)
    assert with_run["report_id"].str.startswith("zz_copy").any()  # the copy was found

    # the aggregate on its own: it hashes every report, to the same signatures and twins
    (out / ".cache" / CACHE_NAME).unlink()
    (out / STAMP_NAME).unlink()
    build_outputs(out, [corpus], workers=1)
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
    params, packed = report_signatures("职工之家" * 100, [(0, 400), (0, 10)])
    assert packed[1] is None  # too short to compare
    assert not sink.add("x.txt", "0" * 64, params + b"-other", [(0, 400), (0, 10)], packed)
    assert not sink.add("x.txt", "0" * 64, params, [(0, 400)], [packed[0][:-4]])
    assert len(sink) == 0
    assert sink.add("x.txt", "0" * 64, params, [(0, 400), (0, 10)], packed) and len(sink) == 2


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
