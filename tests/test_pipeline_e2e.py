"""End to end on the bundled sample corpus: every file accounted for, offsets exact."""
import json
from pathlib import Path

import pytest

from pipeline.ingest import read_file
from pipeline.run import run_corpus


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, seeds_dir):
    inputs = tmp_path_factory.mktemp("inputs")
    for p in sorted(seeds_dir.glob("*.txt")):
        (inputs / p.name).write_bytes(p.read_bytes())
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "broken.docx").write_bytes(b"this is not a zip archive")
    out = tmp_path_factory.mktemp("out")
    manifest = run_corpus([inputs], out)
    reports = [json.loads(line) for line in (out / "reports.jsonl").read_text("utf-8").splitlines()]
    return inputs, out, manifest, reports


def test_every_input_file_is_in_the_manifest(sample_run):
    inputs, out, manifest, _ = sample_run
    on_disk = sorted(p.name for p in inputs.iterdir())
    assert sorted(r.source for r in manifest.files) == on_disk
    status = {r.source: r for r in manifest.files}
    assert status["empty.txt"].status == "failed" and "empty" in status["empty.txt"].reason
    assert status["broken.docx"].status == "failed" and "zip" in status["broken.docx"].reason
    assert all(status[p.name].status == "processed" for p in inputs.glob("0*.txt"))
    written = json.loads((out / "manifest.json").read_text("utf-8"))
    assert written["counts"]["failed"] == 2 and written["counts"]["files"] == 7


def test_fact_offsets_slice_the_source_exactly(sample_run):
    inputs, _, _, reports = sample_run
    texts = {}
    n = 0
    for rep in reports:
        text = texts.setdefault(rep["source"], read_file(inputs / rep["source"]).text)
        assert rep["start"] <= rep["end"] <= len(text)
        for fact in rep["facts"]:
            assert text[fact["start"]:fact["end"]] == fact["text"], fact
            assert rep["start"] <= fact["start"] and fact["end"] <= rep["end"]
            n += 1
    assert n > 300  # the five seeds carry several hundred facts


def test_reports_are_ordered_and_split(sample_run):
    _, _, _, reports = sample_run
    keys = [(r["source"], r["report_index"]) for r in reports]
    assert keys == sorted(keys)
    per_file = {}
    for r in reports:
        per_file.setdefault(r["source"], []).append(r["start_line"])
    assert all(lines == sorted(set(lines)) for lines in per_file.values())
    assert all(len(v) >= 3 for v in per_file.values())  # every seed is a collection


def test_masked_numbers_never_carry_values(sample_run):
    _, _, _, reports = sample_run
    for rep in reports:
        for f in rep["facts"]:
            if f["type"] in ("count", "rate", "amount") and f.get("value") is not None:
                assert not any(c in f["text"] for c in "xX×*_＿＊"), f
