"""Branch manifest rows that point outside the input folder are refused with a clear
error (no traceback, nothing read or written outside); `ghminer report` exits 2."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.aggregate import BranchFileError, validate_inputs
from pipeline.cli import app
from pipeline.run import run_corpus
from tests.hardening.make_bad_corpus import REPORT

HEADER = "file,branch_id,branch_name,district,year\n"
ESCAPES = {
    "parent traversal": "../../etc/passwd",
    "traversal inside a path": "reports/../../outside.txt",
    "absolute path": "/etc/passwd",
    "windows drive": "C:\\Windows\\win.ini",
    "windows traversal": "..\\..\\etc\\passwd",
    "UNC path": "\\\\server\\share\\x.txt",
    "symlink leading out": "link.txt",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("paths")
    (tmp / "outside.txt").write_text(REPORT, encoding="utf-8")
    root = tmp / "in"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "a.txt").write_text(REPORT, encoding="utf-8")
    os.symlink(tmp / "outside.txt", root / "link.txt")
    out = tmp / "out"
    m = run_corpus([root / "reports"], out, workers=0, use_cache=False)
    assert m.counts["processed"] == 1
    return root, out


@pytest.mark.parametrize("kind", ESCAPES)
def test_manifest_row_pointing_outside_is_refused(run, kind, tmp_path):
    root, out = run
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(HEADER + "reports/a.txt,B1,甲单位,甲区,2023\n"
                        + f'"{ESCAPES[kind]}",B2,乙单位,乙区,2023\n', encoding="utf-8")
    with pytest.raises(BranchFileError) as e:
        validate_inputs([root], branch_manifest=manifest)
    msg = str(e.value)
    assert "line 3" in msg and "refused" in msg and "outside the input folder" in msg, msg

    res = CliRunner().invoke(app, ["report", str(out), "--input", str(root),
                                   "--manifest", str(manifest)])
    assert res.exit_code == 2, res.output
    assert "error:" in res.output and "refused" in res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert not (out / "ghminer.xlsx").exists()  # nothing rendered from a refused manifest


def test_a_sound_manifest_is_accepted(run, tmp_path):
    """The guard is not a blanket refusal: a row inside the folder is used."""
    root, out = run
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(HEADER + "reports/a.txt,B1,甲单位,甲区,2023\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["report", str(out), "--input", str(root),
                                   "--manifest", str(manifest)])
    assert res.exit_code == 0, res.output
    import pandas as pd
    reports = pd.read_parquet(out / "tables" / "reports.parquet")
    assert set(reports["branch_source"]) == {"manifest"} and set(reports["district"]) == {"甲区"}


def test_review_page_names_ignore_path_text_in_the_report(tmp_path):
    """A report whose title and file name spell a path still lands in review/ under a
    sanitised name; nothing is written outside the run folder."""
    from pipeline.aggregate import build_outputs

    root = tmp_path / "in"
    root.mkdir()
    (root / "x..%2f..%2fetc%2fcron.d%2fx.txt").write_text(
        "../../../../tmp/PWNED_title 工会工作总结\n一、组织建设\n新发展会员12人。\n", encoding="utf-8")
    (root / "报告..txt").write_text(REPORT, encoding="utf-8")
    out = tmp_path / "out"
    run_corpus([root], out, workers=0, use_cache=False)
    before = set(tmp_path.parent.iterdir())
    build_outputs(out, [root])
    assert set(tmp_path.parent.iterdir()) == before
    written = [p.name for p in (out / "review").iterdir()]
    assert len(written) == 2
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+_\d+_[0-9a-f]{8}\.html", n) for n in written), written
    assert not list(Path("/tmp").glob("PWNED_title*"))


def test_ghminer_run_refuses_an_escaping_manifest_before_extracting(run, tmp_path):
    root, _ = run
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(HEADER + '"../../etc/passwd",B2,乙单位,乙区,2023\n', encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(root / "reports"), "--out", str(out),
                                   "--manifest", str(manifest), "--workers", "0"])
    assert res.exit_code == 2 and "refused" in res.output, res.output
    assert not (out / "reports.jsonl").exists()
