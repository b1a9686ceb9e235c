"""Branch manifest rows that point outside the input folder are refused with a clear
reason (no traceback, nothing read or written outside); the other rows are used."""
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
    """That row is refused with its reason (run summary, workbook); the other rows are
    used and the outputs are built: one bad row must not stop a season's run."""
    root, out = run
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(HEADER + "reports/a.txt,B1,甲单位,甲区,2023\n"
                        + f'"{ESCAPES[kind]}",B2,乙单位,乙区,2023\n', encoding="utf-8")
    refused = validate_inputs([root], branch_manifest=manifest)
    assert [r.line for r in refused] == [3]
    assert "outside the input folder" in refused[0].reason

    res = CliRunner().invoke(app, ["report", str(out), "--input", str(root),
                                   "--manifest", str(manifest)])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    import pandas as pd
    reports = pd.read_parquet(out / "tables" / "reports.parquet")
    assert set(reports["district"]) == {"甲区"}  # the sound row is used
    issues = pd.read_excel(out / "ghminer.xlsx", sheet_name="缺项与问题")
    rows = [" ".join(map(str, r)) for r in issues.itertuples(index=False)]
    refused_rows = [r for r in rows if "未采用" in r]
    assert len(refused_rows) == 1, rows
    assert "第 3 行" in refused_rows[0] and "outside the input folder" in refused_rows[0]


def test_run_lists_refused_rows_in_manifest_json(tmp_path):
    import json

    root = tmp_path / "in"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "a.txt").write_text(REPORT, encoding="utf-8")
    (root / "manifest.csv").write_text(HEADER + "reports/a.txt,B1,甲单位,甲区,2023\n"
                                       "../../etc/passwd,B2,乙单位,乙区,2023\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(root), "--out", str(out), "--workers", "0"])
    assert res.exit_code == 0, res.output
    assert "manifest row refused" in res.output and "line 3" in res.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(r["line"], r["file"]) for r in manifest["refused_manifest_rows"]] == \
        [(3, "../../etc/passwd")]
    assert manifest["counts"]["processed"] == 1 and manifest["counts"]["reports"] >= 1


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
    build_outputs(out, [root], review_pages=True)
    assert set(tmp_path.parent.iterdir()) == before
    written = [p.name for p in (out / "review").iterdir()]
    assert len(written) == 2
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+_\d+_[0-9a-f]{8}\.html", n) for n in written), written
    assert not list(Path("/tmp").glob("PWNED_title*"))
