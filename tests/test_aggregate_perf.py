"""Scale behaviour of the aggregate outputs: capped fact sheet, incremental review pages,
whole-build reuse when nothing changed (fixture corpus, tests/fixtures/districts)."""
import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.aggregate import STAMP_NAME, build_outputs
from pipeline.aggregate.excel import excel_config, safe_cell, write_workbook
from schemas.report import Report
from tests.fixtures.districts import corpus as districts_corpus


def pages(run):
    """name -> (inode, mtime_ns) of every review page."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (run / "review").glob("*.html")}


def page_of(run, report_id):
    r = pd.read_parquet(run / "tables" / "reports.parquet").set_index("report_id")
    return r.loc[report_id, "review_page"].split("/", 1)[1]


def rewrite_reports(run, edit):
    """Apply `edit(list[Report]) -> list[Report]` to reports.jsonl."""
    path = run / "reports.jsonl"
    reps = [Report.model_validate_json(x) for x in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("".join(r.model_dump_json() + "\n" for r in edit(reps)), encoding="utf-8")


@pytest.fixture
def run(tmp_path):
    root, run_dir = districts_corpus.build_run(tmp_path)
    res = build_outputs(run_dir, [root], expected_year=2024, review_pages=True)
    assert res["review_pages_rendered"] == 7
    return root, run_dir


def test_fact_sheet_is_capped_with_a_note(run):
    _, run_dir = run
    t = {n: pd.read_parquet(run_dir / "tables" / f"{n}.parquet")
         for n in ("reports", "flags", "facts", "district_stats", "missing_branches")}
    from pipeline.aggregate.stats import district_summary
    out = run_dir / "capped.xlsx"
    write_workbook(out, district_summary(t["district_stats"]), t["reports"], t["flags"],
                   t["facts"], t["missing_branches"], t["district_stats"], max_fact_rows=5)
    ws = load_workbook(out)["事实明细"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    assert "原文" in head
    note = rows[-1][0]
    assert "5 条事实" in note and "另有 28 条未列出" in note and "共 33 条" in note
    assert "facts.parquet" in note and "ghminer.duckdb" in note
    assert any(isinstance(c, str) and "另有 28 条未列出" in c for c in head)  # seen on opening
    data = [r for r in rows[1:] if r[head.index("报告编号")]]
    assert len(data) == 5
    # facts of reports with an error flag come first (e2#0: placeholders, rate > 100%)
    errors = set(t["flags"][t["flags"]["severity"] == "error"]["report_id"])
    assert data[0][head.index("报告编号")] in errors
    assert ws.auto_filter.ref.startswith("A1:") and ws.auto_filter.ref.endswith("6")


def test_sheets_longer_than_excel_allows_are_cut_with_a_note(run, monkeypatch):
    """A sheet holds 1,048,576 rows; a longer table (the reports or flags of a province)
    is cut there, and the sheet says so and where the whole table is (lowered here)."""
    from pipeline.aggregate import excel
    from pipeline.aggregate.stats import district_summary

    _, run_dir = run
    tables = run_dir / "tables"
    stats = pd.read_parquet(tables / "district_stats.parquet")
    reports, flags = (pd.read_parquet(tables / f"{n}.parquet") for n in ("reports", "flags"))
    assert len(reports) > 5 and len(flags) > 5
    monkeypatch.setattr(excel, "SHEET_ROWS", 8)  # header, 5 rows, an empty row, the note
    out = run_dir / "cut.xlsx"
    write_workbook(out, district_summary(stats), tables / "reports.parquet",
                   tables / "flags.parquet", tables / "facts.parquet",
                   pd.read_parquet(tables / "missing_branches.parquet"), stats.head(3))
    wb = load_workbook(out)
    for title, table, where in (("报告清单", reports, "tables/reports.parquet"),
                                ("缺项与问题", flags, "tables/flags.parquet")):
        rows = list(wb[title].iter_rows(values_only=True))
        assert len(rows) == 8, title
        note = rows[-1][0]
        assert f"只列出前 5 行，另有 {len(table) - 5} 行未列出（共 {len(table)} 行）" in note
        assert where in note and note in rows[0]  # also beside the header, seen on opening
        assert wb[title].auto_filter.ref.endswith("6")
    ids = [r[0] for r in wb["报告清单"].iter_rows(min_row=2, max_row=6, values_only=True)]
    assert ids == list(reports["report_id"][:5])
    # a table that fits is whole, without a note
    assert [r[0] for r in wb["指标明细"].iter_rows(min_row=2, values_only=True)] == \
        list(stats["district"][:3])


def _rewrite_in_row_groups(path, rows: int) -> None:
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(path), path, row_group_size=rows)
    assert pq.ParquetFile(path).num_row_groups > 1


@pytest.mark.parametrize("order", ["flagged", "report"])
def test_workbook_from_table_files_is_the_workbook_from_frames(run, tmp_path, monkeypatch, order):
    """The build hands the workbook the tables' Parquet files, read a few rows at a time
    (here 3, over row groups of 4): every sheet holds what the in-memory tables give."""
    import pipeline.aggregate.tables as tables
    from pipeline.aggregate.stats import district_summary

    _, run_dir = run
    files = {n: tmp_path / f"{n}.parquet" for n in ("reports", "flags", "facts")}
    for n, path in files.items():
        shutil.copy(run_dir / "tables" / f"{n}.parquet", path)
        _rewrite_in_row_groups(path, 4)
    t = {n: pd.read_parquet(path) for n, path in files.items()}
    stats = pd.read_parquet(run_dir / "tables" / "district_stats.parquet")
    missing = pd.read_parquet(run_dir / "tables" / "missing_branches.parquet")
    monkeypatch.setattr(tables, "BATCH_ROWS", 3)
    for capped in (5, 1000):
        args = (district_summary(stats),)
        from_frames, from_files = tmp_path / "frames.xlsx", tmp_path / "files.xlsx"
        write_workbook(from_frames, *args, t["reports"], t["flags"], t["facts"], missing, stats,
                       max_fact_rows=capped, fact_order=order)
        write_workbook(from_files, *args, files["reports"], files["flags"], files["facts"],
                       missing, stats, max_fact_rows=capped, fact_order=order)
        a, b = load_workbook(from_frames), load_workbook(from_files)
        assert a.sheetnames == b.sheetnames
        for name in a.sheetnames:
            assert list(a[name].iter_rows(values_only=True)) == \
                list(b[name].iter_rows(values_only=True)), (name, capped)
            assert a[name].auto_filter.ref == b[name].auto_filter.ref
        assert len(list(b["缺项与问题"].iter_rows())) == len(t["flags"]) + 1


def test_uncapped_sheet_has_no_note_and_config_is_read():
    cfg = excel_config()
    assert cfg["max_fact_rows"] > 0 and cfg["fact_order"] in ("flagged", "report")


def test_safe_cell_fast_path_keeps_every_guard():
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("\r=1") == "'\r=1"
    assert safe_cell("\x00=1+1") == "'=1+1"  # stripped first, then neutralised
    assert safe_cell("a\ud800b") == "a?b"
    assert safe_cell("x\ufffey") == "xy"
    assert safe_cell("普通文本") == "普通文本"
    assert safe_cell(np.float64("nan")) is None and safe_cell(float("nan")) is None
    assert safe_cell(np.int64(3)) == 3 and type(safe_cell(np.int64(3))) is int
    assert safe_cell(np.bool_(True)) == "是" and safe_cell(False) == "否"
    assert safe_cell(np.array(["a", "b"])) == "a、b"
    assert safe_cell(-2.5) == -2.5


def test_unchanged_rebuild_keeps_every_page(run):
    root, run_dir = run
    before = pages(run_dir)
    xlsx_mtime = (run_dir / "ghminer.xlsx").stat().st_mtime_ns
    res = build_outputs(run_dir, [root], expected_year=2024, review_pages=True)
    assert res.get("unchanged") is True and res["review_pages_rendered"] == 0
    assert res["counts"]["reports"] == 7
    assert pages(run_dir) == before
    assert (run_dir / "ghminer.xlsx").stat().st_mtime_ns == xlsx_mtime
    # without the whole-build stamp everything is rebuilt, but no page is re-rendered
    (run_dir / STAMP_NAME).unlink()
    res = build_outputs(run_dir, [root], expected_year=2024, review_pages=True)
    assert not res.get("unchanged") and res["review_pages_rendered"] == 0
    assert pages(run_dir) == before


def test_other_options_rebuild(run):
    root, run_dir = run
    res = build_outputs(run_dir, [root], expected_year=2023)
    assert not res.get("unchanged")
    flags = pd.read_parquet(run_dir / "tables" / "flags.parquet")
    assert "wrong_year" in set(flags["code"])


def test_changed_report_rerenders_only_its_page(run):
    root, run_dir = run
    before = pages(run_dir)
    old_page = page_of(run_dir, "e1#0")

    def retitle(reps):
        for r in reps:
            if r.source == "e1.txt":
                r.title = "东城一街道工会2024年工作总结（修订）"
        return reps

    rewrite_reports(run_dir, retitle)
    res = build_outputs(run_dir, [root], expected_year=2024, review_pages=True)
    assert res["review_pages_rendered"] == 1
    after = pages(run_dir)
    new_page = page_of(run_dir, "e1#0")
    assert new_page != old_page and old_page not in after and new_page in after
    assert "（修订）" in (run_dir / "review" / new_page).read_text(encoding="utf-8")
    for name, state in before.items():
        if name != old_page:
            assert after[name] == state, name  # same file, not rewritten


def test_removed_report_page_is_deleted(run):
    root, run_dir = run
    before = pages(run_dir)
    gone = page_of(run_dir, "b1#0")
    rewrite_reports(run_dir, lambda reps: [r for r in reps if r.source != "b1.txt"])
    res = build_outputs(run_dir, [root], expected_year=2024, review_pages=True)
    assert res["review_pages_rendered"] == 0 and res["counts"]["reports"] == 6
    after = pages(run_dir)
    assert gone not in after
    assert after == {k: v for k, v in before.items() if k != gone}


def test_edited_source_file_is_noticed_after_a_build(run):
    root, run_dir = run
    old_page = page_of(run_dir, "w2#0")
    p = root / "西城区" / "w2.txt"
    text = p.read_text(encoding="utf-8")
    p.write_text("前言插入一行。\n" + text, encoding="utf-8")
    os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 10**9))
    res = build_outputs(run_dir, [root], expected_year=2024, review_pages=True)
    assert not res.get("unchanged") and res["review_pages_rendered"] >= 1
    page = (run_dir / "review" / page_of(run_dir, "w2#0")).read_text(encoding="utf-8")
    assert page_of(run_dir, "w2#0") != old_page and "已被修改" in page


def test_rebuild_reuses_minhash_signatures(run, monkeypatch):
    from pipeline.aggregate.minhash import MinHasher

    root, run_dir = run
    before = pd.read_parquet(run_dir / "tables" / "flags.parquet")
    (run_dir / STAMP_NAME).unlink()

    def no_hashing(self, text):
        raise AssertionError("signature recomputed for an unchanged report")

    monkeypatch.setattr(MinHasher, "signature", no_hashing)
    monkeypatch.setattr(MinHasher, "signatures", no_hashing)
    build_outputs(run_dir, [root], expected_year=2024, review_pages=True)
    after = pd.read_parquet(run_dir / "tables" / "flags.parquet")
    dup = after[after["code"] == "near_duplicate"]
    assert set(dup["report_id"]) == {"w1#0", "w2#0"}
    pd.testing.assert_frame_equal(before, after)


def test_signatures_are_recomputed_when_the_minhash_code_changes(run, monkeypatch):
    import pipeline.aggregate.minhash as minhash
    from pipeline.aggregate.minhash import MinHasher

    root, run_dir = run
    (run_dir / STAMP_NAME).unlink()
    source = Path(minhash.__file__).read_bytes()
    monkeypatch.setattr(minhash, "_code_version",  # what an edit of minhash.py does
                        lambda: hashlib.blake2b(source + b"# edited", digest_size=8).digest())
    hashed = []
    real = MinHasher.signatures
    monkeypatch.setattr(MinHasher, "signatures",
                        lambda self, texts: hashed.extend(texts) or real(self, texts))
    build_outputs(run_dir, [root], expected_year=2024, review_pages=True)
    assert len(hashed) >= 7  # every report again


def test_an_up_to_date_build_does_not_load_pandas(tmp_path):
    # an unchanged re-run's cost: importing pandas and the renderers alone took
    # 0.35 s, a third of a 10 MB re-run
    import subprocess
    import sys

    root, run = districts_corpus.build_run(tmp_path)
    first = build_outputs(run, [root], review_pages=True)
    code = ("import sys, json; from pathlib import Path; "
            "from pipeline.aggregate import build_outputs; "
            f"r = build_outputs(Path({str(run)!r}), [Path({str(root)!r})], review_pages=True); "
            "print(json.dumps([r['review_pages_rendered'], 'pandas' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    rendered, pandas_loaded = __import__("json").loads(out.stdout)
    assert first["review_pages_rendered"] > 0 and rendered == 0  # up to date: kept
    assert pandas_loaded is False
