"""Dask engine: a 2-worker LocalCluster gives the local engine's output, byte for byte."""
import json
from pathlib import Path

import pytest

pytest.importorskip("dask.distributed")

from pipeline.run import run_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = [ROOT / "corpora" / "seeds", ROOT / "corpora" / "synthetic"]


@pytest.mark.slow
def test_local_cluster_output_identical_to_local_engine(tmp_path):
    local = run_corpus(CORPUS, tmp_path / "local", workers=2, use_cache=False)
    dask = run_corpus(CORPUS, tmp_path / "dask", engine="dask", workers=2, use_cache=False)
    a = (tmp_path / "local" / "reports.jsonl").read_bytes()
    assert a and a == (tmp_path / "dask" / "reports.jsonl").read_bytes()
    assert local.counts == dask.counts and local.counts["processed"] == local.counts["files"]
    assert [r.model_dump() for r in local.files] == [r.model_dump() for r in dask.files]


@pytest.mark.slow
def test_shipped_bytes_give_the_same_output_and_fill_the_cache(tmp_path):
    run_corpus(CORPUS, tmp_path / "local", workers=1, use_cache=False)
    m = run_corpus(CORPUS, tmp_path / "dask", engine="dask", workers=2, ship_data=True)
    assert (tmp_path / "local" / "reports.jsonl").read_bytes() == \
        (tmp_path / "dask" / "reports.jsonl").read_bytes()
    paths = {json.loads(line)["path"] for line in
             (tmp_path / "dask" / "reports.jsonl").read_text("utf-8").splitlines()}
    assert all(Path(p).exists() for p in paths)  # original paths, not the worker's temp copies
    again = run_corpus(CORPUS, tmp_path / "dask", engine="dask", workers=2)
    assert again.counts["cached"] == m.counts["files"]
