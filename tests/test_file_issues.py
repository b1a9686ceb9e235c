"""Nothing an analyst sends in disappears silently: a file that fails, or that is read
but yields no report, is counted in manifest.json and listed in the workbook's
缺项与问题 and on the dashboard; `--engine dask` without dask says what to install."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app

REPORT = ("东风街道总工会2024年工作总结\n一、组织建设\n今年新发展会员120人，"
          "辖区建会率达到92%。\n二、困难帮扶\n春节前走访慰问困难职工35户，发放慰问金4.2万元。\n")
# only page furniture: a URL and a page number, no report text
FURNITURE = "http://www.example.com/fanwen/20241.html\n第 1 页 共 3 页\n"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("issues")
    root = tmp / "in"
    root.mkdir()
    (root / "a_report.txt").write_text(REPORT, encoding="utf-8")
    (root / "b_furniture.txt").write_text(FURNITURE, encoding="utf-8")
    (root / "c_blank.txt").write_text("\n\n", encoding="utf-8")
    out = tmp / "out"
    res = CliRunner().invoke(app, ["run", str(root), "--out", str(out), "--workers", "0"])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_no_report_file_is_flagged_with_its_reason_and_counted(run_folder):
    out, output = run_folder
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    by_source = {f["source"]: f for f in manifest["files"]}
    furniture = by_source["b_furniture.txt"]
    assert furniture["status"] == "processed" and furniture["reports"] == 0
    assert [f["code"] for f in furniture["flags"]] == ["no_report"]
    assert "网站模板或页面杂项" in furniture["flags"][0]["message"]
    assert by_source["a_report.txt"]["flags"] == []
    assert manifest["counts"]["no_report"] == 1 and manifest["counts"]["failed"] == 1
    assert "no_report" in output and "b_furniture.txt" in output


def test_workbook_and_dashboard_list_failed_and_empty_files(run_folder):
    out, _ = run_folder
    sheet = pd.read_excel(out / "ghminer.xlsx", sheet_name="缺项与问题")
    rows = [" ".join(map(str, r)) for r in sheet.itertuples(index=False)]
    assert any("b_furniture.txt" in r and "未识别出报告" in r for r in rows), rows
    assert any("c_blank.txt" in r and "文件无法处理" in r for r in rows), rows
    dashboard = (out / "dashboard.html").read_text(encoding="utf-8")
    files = dashboard[dashboard.index('id="table-files"'):]
    files = files[:files.index("</table>")]
    assert "b_furniture.txt" in files and "c_blank.txt" in files
    issues = pd.read_parquet(out / "tables" / "file_issues.parquet")
    assert sorted(issues["code"]) == ["file_failed", "no_report"]


def test_a_run_whose_files_give_no_report_still_builds_its_outputs(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "only_furniture.txt").write_text(FURNITURE, encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(root), "--out", str(out), "--workers", "0"])
    assert res.exit_code == 0, res.output
    assert (out / "ghminer.xlsx").is_file() and (out / "dashboard.html").is_file()
    assert "only_furniture.txt" in (out / "dashboard.html").read_text(encoding="utf-8")


def test_dask_engine_without_dask_says_what_to_install(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("dask", "distributed") else real(name, *a))
    (tmp_path / "a.txt").write_text(REPORT, encoding="utf-8")
    res = CliRunner().invoke(app, ["run", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"),
                                   "--engine", "dask"])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "pip install 'ghminer[dask]'" in lines[0], res.output
    assert "Traceback" not in res.output
