"""The output writers of a build (`pipeline.aggregate.writers`) and the opt-in review
pages (`review_pages=True`, `--review-pages`), on the districts fixture run."""
import json
import os
import subprocess

import pandas as pd
import pytest

from pipeline.aggregate import STAMP_NAME, build_outputs, writers
from pipeline.aggregate.build import OutputWriter
from tests.fixtures.districts import corpus as districts_corpus


def page_files(run):
    return sorted(p.name for p in (run / "review").glob("*.html"))


def test_the_default_build_writes_no_review_pages_and_links_none(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    res = build_outputs(run, [root], expected_year=2024)
    assert not (run / "review").exists()
    assert res["review_dir"] is None and res["review_pages_rendered"] == 0
    reports = pd.read_parquet(run / "tables" / "reports.parquet")
    assert len(reports) == 7 and reports["review_page"].isna().all()
    dash = (run / "dashboard.html").read_text(encoding="utf-8")
    assert "href=\"review/" not in dash and "e1#0" in dash  # the id, as text
    assert "ghminer serve 运行文件夹" in dash and "--review-pages" in dash


def test_review_pages_on_then_off_then_on(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    res = build_outputs(run, [root], review_pages=True)
    assert res["review_pages_rendered"] == 7 and len(page_files(run)) == 7
    reports = pd.read_parquet(run / "tables" / "reports.parquet")
    assert sorted(p.split("/", 1)[1] for p in reports["review_page"]) == page_files(run)
    dash = (run / "dashboard.html").read_text(encoding="utf-8")
    assert dash.count('href="review/') >= 7 and "ghminer serve 运行文件夹" not in dash
    # the option is part of the up-to-date stamp
    assert build_outputs(run, [root], review_pages=True).get("unchanged")
    # without it: the earlier build's pages go (nothing would link to them)
    res = build_outputs(run, [root])
    assert not res.get("unchanged") and not (run / "review").exists()
    assert build_outputs(run, [root]).get("unchanged")
    # a page left by hand in a build without pages makes it rebuild (and go)
    (run / "review").mkdir()
    (run / "review" / "old_0_00000000.html").write_text("x", encoding="utf-8")
    (run / "review" / "notes.txt").write_text("分析员笔记", encoding="utf-8")
    assert not build_outputs(run, [root]).get("unchanged")
    assert [p.name for p in (run / "review").iterdir()] == ["notes.txt"]  # not a page: kept
    # on again: every page rendered again, by this process
    res = build_outputs(run, [root], review_pages=True)
    assert res["review_pages_rendered"] == 7 and len(page_files(run)) == 7
    assert (run / "review" / "notes.txt").exists()


def test_pages_are_rendered_in_the_build_process(tmp_path, monkeypatch):
    """No forked renderer nor page-writing child process any more."""
    def no_child(*a, **k):
        raise AssertionError("a child process was started")

    root, run = districts_corpus.build_run(tmp_path)
    monkeypatch.setattr(os, "fork", no_child)
    monkeypatch.setattr(subprocess, "Popen", no_child)
    res = build_outputs(run, [root], review_pages=True)
    assert res["review_pages_rendered"] == 7


class ToyWriter(OutputWriter):
    """Counts the reports it is handed and writes what the build says of the run."""
    name = "toy"

    def __init__(self):
        self.seen = []

    def add(self, item):
        self.seen.append(item.report_id)

    def write(self, build):
        path = build.run_dir / "toy.json"
        path.write_text(json.dumps({
            "seen": self.seen, "reports_table": str(build.table_paths["reports"]),
            "districts": sorted(build.summary["district"]),
            "stats_rows": len(build.stats), "review_pages": build.review_pages},
            ensure_ascii=False), encoding="utf-8")
        return {"toy": str(path)}


def test_a_writer_added_to_the_list_gets_the_build_and_is_reported(tmp_path, monkeypatch):
    root, run = districts_corpus.build_run(tmp_path)
    monkeypatch.setattr(writers, "WRITERS", [*writers.WRITERS, ToyWriter])
    res = build_outputs(run, [root], expected_year=2024)
    assert res["toy"] == str(run / "toy.json")
    toy = json.loads((run / "toy.json").read_text(encoding="utf-8"))
    assert toy["seen"] == list(pd.read_parquet(run / "tables" / "reports.parquet")["report_id"])
    assert toy["reports_table"] == str(run / "tables" / "reports.parquet")
    assert "东城区" in toy["districts"] and toy["stats_rows"] > 0
    assert toy["review_pages"] is False
    # its output is part of the up-to-date check: gone, the build is redone
    again = build_outputs(run, [root], expected_year=2024)
    assert again.get("unchanged") and again["toy"] == res["toy"]
    (run / "toy.json").unlink()
    assert not build_outputs(run, [root], expected_year=2024).get("unchanged")
    assert (run / "toy.json").exists()


class FailingWriter(OutputWriter):
    name = "fails"

    def write(self, build):
        raise RuntimeError("disk gone")


def test_a_failing_writer_abandons_the_build(tmp_path, monkeypatch):
    root, run = districts_corpus.build_run(tmp_path)
    build_outputs(run, [root], review_pages=True)
    monkeypatch.setattr(writers, "WRITERS", [writers.ParquetTables, FailingWriter,
                                             *writers.WRITERS[1:]])
    (run / STAMP_NAME).unlink()
    with pytest.raises(RuntimeError, match="disk gone"):
        build_outputs(run, [root], expected_year=2024, review_pages=True)
    assert not (run / STAMP_NAME).exists()
    assert not list(run.rglob(".*.tmp-*"))
    monkeypatch.undo()
    assert not build_outputs(run, [root], review_pages=True).get("unchanged")


def test_ghminer_run_takes_the_option(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_text("东湖街道工会2024年工作总结\n一、组织建设\n全年新发展会员35人，"
                                "会员总数达到820人。\n二、困难帮扶\n走访慰问困难职工12户。\n",
                                encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", str(root), "--out", str(out), "--workers", "0", "--no-cache"]
    res = CliRunner().invoke(app, [*args, "--review-pages"])
    assert res.exit_code == 0, res.output
    assert len(page_files(out)) == 1 and "review" in res.output
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert not (out / "review").exists() and (out / "dashboard.html").is_file()


def test_report_workers_option_says_it_is_gone_and_builds_nothing(tmp_path):
    """`ghminer report --workers N` (it once set the forked page renderers): a specific
    error naming what replaced it, and the run folder left as it was."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    root, run = districts_corpus.build_run(tmp_path)
    for flag in ("--workers", "-j"):
        res = CliRunner().invoke(app, ["report", str(run), flag, "2"])
        out = " ".join(res.output.split())
        assert res.exit_code == 2, res.output
        assert "--workers" in out and "no longer" in out and "--review-pages" in out
        assert not (run / "ghminer.duckdb").exists()
