"""The run folder's analyst outputs: Parquet, DuckDB, Excel, review pages, `ghminer report`."""
import re

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipeline.aggregate import build_outputs
from pipeline.aggregate.excel import safe_cell
from pipeline.aggregate.flags import Flag
from pipeline.aggregate.html.review import review_filename
from pipeline.aggregate.labels import headers
from pipeline.aggregate.stats import DistrictStat
from pipeline.aggregate.tables import FACT_COLUMNS, REPORT_COLUMNS, SECTION_COLUMNS
from pipeline.cli import app
from schemas.report import Report, Section
from tests.fixtures.districts import corpus as districts_corpus


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root, run_dir = districts_corpus.build_run(tmp_path_factory.mktemp("outputs"))
    res = build_outputs(run_dir, [root], expected_year=2024, review_pages=True)
    return root, run_dir, res


def test_columns_derive_from_the_schema(built):
    _, run, _ = built
    reports = pd.read_parquet(run / "tables" / "reports.parquet")
    for field in Report.model_fields:
        if field not in ("section_tree", "facts"):
            assert field in reports.columns
    assert list(reports.columns) == REPORT_COLUMNS
    assert set(Section.model_fields) - {"children"} <= set(SECTION_COLUMNS)
    facts = pd.read_parquet(run / "tables" / "facts.parquet")
    assert list(facts.columns) == FACT_COLUMNS
    for col in ("value", "unit", "metric", "currency", "name", "level", "recipient", "date",
                "activity_type", "approx"):
        assert col in facts.columns
    assert list(pd.read_parquet(run / "tables" / "flags.parquet").columns) == list(Flag.model_fields)
    assert list(pd.read_parquet(run / "tables" / "district_stats.parquet").columns) == \
        list(DistrictStat.model_fields)
    sections = pd.read_parquet(run / "tables" / "sections.parquet")
    assert len(sections) == 4 + 2 + 0 + 4 + 4 + 3 + 3  # heading lines of the fixture reports


def test_every_column_has_a_chinese_header():
    cols = set(REPORT_COLUMNS) | set(SECTION_COLUMNS) | set(FACT_COLUMNS) | \
        set(Flag.model_fields) | set(DistrictStat.model_fields)
    assert cols - set(headers()) == set()


def test_duckdb_has_tables_and_views(built):
    _, run, _ = built
    con = duckdb.connect(str(run / "ghminer.duckdb"), read_only=True)
    try:
        names = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"reports", "sections", "facts", "flags", "district_stats", "missing_branches",
                "v_district_overview", "v_section_coverage", "v_metric_totals",
                "v_reports_to_chase", "v_fact_sources"} <= names
        rate = con.execute("SELECT submission_rate FROM v_district_overview "
                           "WHERE district='东城区'").fetchone()[0]
        assert rate == pytest.approx(0.6667)
        n = con.execute("SELECT count(*) FROM v_reports_to_chase WHERE report_id='e2#0'").fetchone()[0]
        assert n == 3
        total = con.execute("SELECT total_exact FROM v_metric_totals WHERE district='（全部）' "
                            "AND metric='members'").fetchone()[0]
        assert total == 2900
        # every fact can be traced back to its sentence and review page
        row = con.execute("SELECT text, review_page FROM v_fact_sources WHERE report_id='e1#0' "
                          "AND metric='members'").fetchone()
        assert row[0] == "会员总数达到1200人" and row[1].startswith("review/")
    finally:
        con.close()


def test_excel_workbook_reads_back(built):
    _, run, _ = built
    wb = load_workbook(run / "ghminer.xlsx")
    assert wb.sheetnames[:5] == ["区县汇总", "报告清单", "缺项与问题", "事实明细", "未提交单位"]
    summary = wb["区县汇总"]
    head = [c.value for c in summary[1]]
    assert head[:4] == ["区县", "应报单位数", "已报单位数", "报送率"]
    rows = {r[0]: r for r in summary.iter_rows(min_row=2, values_only=True)}
    assert rows["东城区"][1:4] == (3, 2, pytest.approx(0.6667))
    missing = list(wb["未提交单位"].iter_rows(values_only=True))
    assert missing[1][:2] == ("东城区", "E3")
    facts = wb["事实明细"]
    fh = [c.value for c in facts[1]]
    texts = [r[fh.index("原文")] for r in facts.iter_rows(min_row=2, values_only=True)]
    assert "会员总数达到1200人" in texts and len(texts) == 33
    issues = [r for r in wb["缺项与问题"].iter_rows(min_row=2, values_only=True)]
    assert len(issues) == 12
    assert any("模板未填写" in str(c) for r in issues for c in r)


def test_excel_neutralises_formulas(built):
    _, run, _ = built
    wb = load_workbook(run / "ghminer.xlsx")
    ws = wb["报告清单"]
    head = [c.value for c in ws[1]]
    titles = [r[head.index("标题")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert "'=1+1 红星镇总工会工作总结" in titles
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    assert safe_cell("+86 123") == "'+86 123"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("\tx") == "'\tx"
    assert safe_cell("-1") == "'-1"
    assert safe_cell(-1) == -1
    assert safe_cell("a\x07b") == "ab"


def test_review_page_shows_script_as_text_and_highlights_facts(built):
    _, run, _ = built
    page = next((run / "review").glob("b1_0_*.html")).read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    e1 = next((run / "review").glob("e1_0_*.html")).read_text(encoding="utf-8")
    marks = re.findall(r'<mark class="f-(\w+)"[^>]*>([^<]*)</mark>', e1)
    assert ("count", "会员总数达到1200人") in marks
    assert ("rate", "建会率92.5%") in marks
    assert ("amount", "53万元") in marks
    assert 'id="fact-9"' in e1  # the award, anchored for the fact table
    e2 = next((run / "review").glob("e2_0_*.html")).read_text(encoding="utf-8")
    assert "模板未填写" in e2 and "建会率120%" in e2


def test_review_file_names_are_sanitised():
    rep = Report(source='../../<b onload=x>报告 "1".txt', path="/x/../../<b>.txt", report_index=3,
                 start_line=1, end_line=1, start=0, end=1, chars=1)
    name = review_filename(rep)
    assert re.fullmatch(r"[A-Za-z0-9_-]+_3_[0-9a-f]{8}\.html", name)


def test_review_page_without_source_file(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    (root / "东城区" / "e1.txt").unlink()
    build_outputs(run, [root], expected_year=2024, review_pages=True)
    page = next((run / "review").glob("e1_0_*.html")).read_text(encoding="utf-8")
    assert "原文件已不存在" in page
    assert '<pre class="source">' not in page and "data-facts=" not in page
    assert "会员总数达到1200人" in page  # facts still listed


def test_changed_source_is_not_mis_highlighted(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    p = root / "西城区" / "w2.txt"
    p.write_text("前言插入一行。\n" + p.read_text(encoding="utf-8"), encoding="utf-8")
    build_outputs(run, [root], review_pages=True)
    page = next((run / "review").glob("w2_0_*.html")).read_text(encoding="utf-8")
    assert "已被修改" in page and "未予高亮" in page


def test_cli_report_rerenders_and_reports_bad_manifest(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["report", str(run), "--expected-year", "2024", "--review-pages"])
    assert res.exit_code == 0, res.output
    assert (run / "dashboard.html").is_file() and (run / "ghminer.xlsx").is_file()
    assert len(list((run / "review").glob("*.html"))) == 7
    # the default: no review pages, those of the build before removed
    res = runner.invoke(app, ["report", str(run), "--expected-year", "2025"])
    assert res.exit_code == 0, res.output
    assert not (run / "review").exists()
    assert runner.invoke(app, ["report", str(run), "--workers", "2"]).exit_code == 2  # retired
    bad = tmp_path / "bad.csv"
    bad.write_text("file,branch_id,branch_name,district,year\n/etc/passwd,X,x,d,2024\n",
                   encoding="utf-8")
    res = runner.invoke(app, ["report", str(run), "--manifest", str(bad)])
    assert res.exit_code == 0, res.output  # that row is refused, the outputs are built
    bad.write_text("file,branch_id,branch_name,district,year\nnope.txt,X,x,d,2024\n",
                   encoding="utf-8")
    res = runner.invoke(app, ["report", str(run), "--manifest", str(bad)])
    assert res.exit_code == 2 and "unknown file" in res.output


def test_without_manifest_and_roster_nothing_is_guessed(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    (root / "manifest.csv").unlink()
    (root / "roster.csv").unlink()
    res = build_outputs(run, [root])
    assert res["counts"]["missing_branches"] == 0
    r = pd.read_parquet(run / "tables" / "reports.parquet").set_index("report_id")
    # e1 sits in 东城区/ with no branch folder: folder rule needs DISTRICT/BRANCH/file
    assert r.loc["e1#0", "branch_source"] == "org" and pd.isna(r.loc["e1#0", "district"])
    assert r.loc["b1#0", "district"] == "北城区"
    s = pd.read_parquet(run / "tables" / "district_stats.parquet")
    assert not (s["kind"].eq("submission") & s["key"].eq("branches")).any()


def test_bad_reports_line_is_a_clear_error(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    with open(run / "reports.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"source": "x"}\n')
    from pipeline.aggregate import AggregateError
    with pytest.raises(AggregateError, match="line 8"):
        build_outputs(run, [root])


def test_hostile_text_is_inert_everywhere(tmp_path):
    """Markup, quotes, control and bidi characters in report fields stay text."""
    root, run = districts_corpus.build_run(tmp_path)
    lines = (run / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    rep = Report.model_validate_json(lines[0])
    evil = '"><img src=x onerror=alert(1)>\u202e\x07\x00</pre>@cmd|\'/c calc\'!A0'
    rep = rep.model_copy(update={"title": evil, "org": "-2+3"})
    lines[0] = rep.model_dump_json()
    (run / "reports.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    build_outputs(run, [root], review_pages=True)
    dash = (run / "dashboard.html").read_text(encoding="utf-8")
    assert "<img" not in dash and "&lt;img src=x onerror=alert(1)&gt;" in dash
    page = (run / rep_page(run, rep.report_index, rep.source)).read_text(encoding="utf-8")
    assert "<img" not in page and "</pre>@cmd" not in page
    wb = load_workbook(run / "ghminer.xlsx")
    ws = wb["报告清单"]
    head = [c.value for c in ws[1]]
    row = [r for r in ws.iter_rows(min_row=2, values_only=True)
           if r[head.index("报告编号")] == "loose#0"][0]
    assert row[head.index("单位（文中）")] == "'-2+3"
    assert "\x07" not in row[head.index("标题")]


def rep_page(run, index, source):
    r = pd.read_parquet(run / "tables" / "reports.parquet")
    return r[(r.source == source) & (r.report_index == index)].iloc[0]["review_page"]


def test_dashboard_lists_are_capped_with_a_note_and_keep_the_most_severe(tmp_path):
    from pipeline.aggregate.html.dashboard import render_dashboard
    from pipeline.aggregate.stats import district_stats, district_summary

    root, run = districts_corpus.build_run(tmp_path)
    build_outputs(run, [root])
    t = {k: pd.read_parquet(run / "tables" / f"{k}.parquet") for k in ("reports", "flags")}
    stats = pd.read_parquet(run / "tables" / "district_stats.parquet")
    missing = pd.read_parquet(run / "tables" / "missing_branches.parquet")
    summary = district_summary(stats)
    chase = t["flags"][t["flags"]["severity"].isin(["error", "warning"])]
    assert len(t["reports"]) > 2 and len(chase) > 2 and (chase["severity"] == "error").any()

    def table_rows(page, table_id):
        body = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
        return [r for r in re.findall(r"<tr>(.*?)</tr>", body) if r.startswith("<td")]

    full = render_dashboard(summary, stats, t["reports"], t["flags"], missing, {})
    assert "仅列出" not in full
    assert len(table_rows(full, "table-reports")) == len(t["reports"])
    capped = render_dashboard(summary, stats, t["reports"], t["flags"], missing, {}, max_rows=2)
    assert len(table_rows(capped, "table-reports")) == 2
    rows = table_rows(capped, "table-chase")
    assert len(rows) == 2 and all("sev-error" in r for r in rows[:min(2, (chase["severity"] == "error").sum())])
    assert f"仅列出 2 行，共 {len(chase)} 行" in capped and f"共 {len(t['reports'])} 行" in capped


def test_dashboard_from_table_files_is_the_dashboard_from_frames(tmp_path, monkeypatch):
    """The build hands the dashboard the tables' Parquet files (flags read a few rows at
    a time): same page as from the in-memory tables, capped or not."""
    import pipeline.aggregate.tables as tables
    from pipeline.aggregate.html.dashboard import render_dashboard
    from pipeline.aggregate.stats import district_summary

    root, run = districts_corpus.build_run(tmp_path)
    build_outputs(run, [root], expected_year=2024)
    files = {k: run / "tables" / f"{k}.parquet" for k in ("reports", "flags")}
    t = {k: pd.read_parquet(p) for k, p in files.items()}
    stats = pd.read_parquet(run / "tables" / "district_stats.parquet")
    missing = pd.read_parquet(run / "tables" / "missing_branches.parquet")
    summary = district_summary(stats)
    monkeypatch.setattr(tables, "BATCH_ROWS", 2)
    assert (t["flags"]["severity"] == "error").sum() >= 2 and len(t["flags"]) > 6

    def page(*args, **kw):
        return re.sub(r"生成于 [^<]*", "", render_dashboard(*args, **kw))

    for cap in (1, 3, None):
        assert page(summary, stats, files["reports"], files["flags"], missing, {},
                    max_rows=cap) == \
            page(summary, stats, t["reports"], t["flags"], missing, {}, max_rows=cap), cap


def test_chase_list_read_in_batches_keeps_the_most_severe_in_table_order(monkeypatch):
    """The flags the dashboard lists, selected 2 rows at a time: what sorting every error
    and warning by severity (stably) and keeping the first `max_rows` gives."""
    import pipeline.aggregate.tables as tables
    from pipeline.aggregate.html.dashboard import SEV_ORDER, _to_chase

    sev = ["warning", "info", "error", "warning", "error", "warning", "info", "error",
           "warning", "warning", "error"]
    flags = pd.DataFrame({"report_id": [f"r{i}" for i in range(len(sev))], "severity": sev,
                          "code": "c", "message": [f"m{i}" for i in range(len(sev))]})
    monkeypatch.setattr(tables, "BATCH_ROWS", 2)
    wanted = flags[flags["severity"].isin(["error", "warning"])]
    for cap in (0, 1, 3, 4, 6, 100):
        chase, n_chase, n_flags = _to_chase(flags, cap)
        expect = wanted.assign(_o=wanted["severity"].map(SEV_ORDER)) \
            .sort_values("_o", kind="stable").head(cap)
        assert chase["message"].tolist() == expect["message"].tolist(), cap
        assert (n_chase, n_flags) == (len(wanted), len(flags))
