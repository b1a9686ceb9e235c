"""The analyst notebook runs top to bottom on a run folder made here (kernel python3)."""
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the project's test extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the project's test extra")

from pipeline.aggregate import build_outputs  # noqa: E402
from tests.fixtures.districts import corpus as districts_corpus

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "district_overview.ipynb"



def _execute(run_dir: Path, monkeypatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("GHMINER_RUN", str(run_dir))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=300,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    return nb


def _text(nb) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", ""))
            out.append(o.get("data", {}).get("text/plain", ""))
    return "\n".join(out)


@pytest.mark.slow
def test_notebook_runs_on_duckdb_and_shows_gaps(tmp_path, monkeypatch):
    root, run = districts_corpus.build_run(tmp_path)
    build_outputs(run, [root], expected_year=2024)
    nb = _execute(run, monkeypatch)
    text = _text(nb)
    assert "东城三街道工会" in text          # the branch that did not submit
    assert "v_reports_to_chase" in text     # read through DuckDB
    assert "会员总数达到1200人" in text      # a fact traced to its source sentence


@pytest.mark.slow
def test_notebook_falls_back_to_parquet(tmp_path, monkeypatch):
    root, run = districts_corpus.build_run(tmp_path)
    build_outputs(run, [root])
    os.remove(run / "ghminer.duckdb")
    text = _text(_execute(run, monkeypatch))
    assert "东城三街道工会" in text and "views:" not in text
