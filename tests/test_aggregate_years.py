"""Across years: the year of each report, branch_years, year_over_year, the flags that
compare a report with its branch's previous year, the 年度对比 sheet and the dashboard's
trend charts. Expected values are worked out by hand from the texts of
tests/fixtures/years (see the docstring of its corpus.py)."""
import re

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.aggregate import build_outputs
from pipeline.aggregate.flags import PolicyError, load_policy
from pipeline.aggregate.years_folder import folder_year
from tests.fixtures.districts import corpus as districts_corpus
from tests.fixtures.years import corpus

YEAR_CODES = {"copied_from_previous_year", "figures_unchanged", "implausible_change",
              "stopped_reporting", "year_unknown"}

# the reports of the fixture, by what they are
A22, D22 = "2022/东区/红旗街道工会/工作总结.txt", "2022/西区/西湖镇工会/工作总结.txt"
A23, B23, D23, E23 = ("上报材料/hq-2023.txt", "上报材料/qs-2023.txt", "上报材料/xh-2023.txt",
                      "上报材料/xs-2023.txt")
A24, B24, C24, E24 = ("东区/红旗街道工会/年度总结.txt", "东区/青松社区工会/年度总结.txt",
                      "东区/开发区企业工会/年度总结.txt", "西区/西山学校工会/年度总结.txt")
B_NOYEAR = "东区/青松社区工会/补充说明.txt"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root, run = corpus.build_run(tmp_path_factory.mktemp("years"))
    res = build_outputs(run, [root])
    return root, run, res


def rid(rel):
    return corpus.report_id(rel)


def _t(run, name):
    return pd.read_parquet(run / "tables" / f"{name}.parquet")


def test_year_folders():
    assert folder_year(("2023", "东区")) == 2023
    assert folder_year(("材料", "2022年度", "x", "2024年")) == 2024  # the deepest
    assert folder_year(("东区", "二〇二三", "12")) is None


def test_year_and_how_it_was_told(built):
    _, run, res = built
    r = _t(run, "reports").set_index("report_id")
    want = {A22: (2022, "folder", "E01"), D22: (2022, "folder", "W01"),
            A23: (2023, "manifest", "E01"), B23: (2023, "manifest", "E02"),
            D23: (2023, "manifest", "W01"), E23: (2023, "manifest", "W02"),
            A24: (2024, "text", "E01"), B24: (2024, "text", "E02"),
            C24: (2024, "text", "E03"), E24: (2024, "text", "W02")}
    for rel, (year, source, branch) in want.items():
        row = r.loc[rid(rel)]
        assert (int(row.report_year), row.year_source, row.branch_id) == (year, source, branch), rel
    # the year folder does not pass for a district: 2022/东区/红旗街道工会/… is E01 of 东区
    assert r.loc[rid(A22), "district"] == "东区"
    row = r.loc[rid(B_NOYEAR)]
    assert pd.isna(row.report_year) and row.year_source == "unknown"
    assert res["counts"]["years"] == [2022, 2023, 2024]


# branch, year -> metric -> value, read off the fixture texts
BRANCH_YEARS = {
    ("E01", 2022): dict(members=1000, new_members=80, union_rate=90, aided_households=20,
                        aid_spending=50000),  # 28万元 is 经费 (finance), not aid
    ("E01", 2023): dict(members=1100, new_members=100, union_rate=92, aided_households=25,
                        aid_spending=60000),
    ("E01", 2024): dict(members=1100, new_members=100, union_rate=92, aided_households=25,
                        aid_spending=60000),
    ("E02", 2023): dict(members=620, new_members=45, union_rate=95, membership_rate=90,
                        aided_households=18, aid_spending=65000),
    # 8万元 under "三、关爱帮扶职工": no section label, but an aid word in the heading
    ("E02", 2024): dict(members=620, new_members=45, union_rate=95, membership_rate=90,
                        aided_households=18, aid_spending=80000),
    ("E03", 2024): dict(members=200, new_members=50),
    ("W01", 2022): dict(members=300, aided_households=12),
    ("W01", 2023): dict(members=310, aided_households=10),
    ("W02", 2023): dict(members=400, membership_rate=85),
    ("W02", 2024): dict(members=900, membership_rate=88),
}  # the supplement with no year (会员650人) is in none of them


def test_branch_years(built):
    _, run, _ = built
    by = _t(run, "branch_years")
    got = {}
    for r in by.itertuples():
        got.setdefault((r.branch_id, int(r.year)), {})[r.metric] = r.value
    assert got == BRANCH_YEARS
    row = by[(by.branch_id == "E01") & (by.year == 2023) & (by.metric == "members")].iloc[0]
    assert list(row.fact_texts) == ["会员总数达到1100人"]
    assert list(row.fact_ids) == [f"{rid(A23)}:2"] and list(row.report_ids) == [rid(A23)]
    assert row.how == "max_in_report+sum_over_reports" and row.n_reports == 1
    rate = by[(by.branch_id == "W02") & (by.year == 2024) & (by.metric == "membership_rate")]
    assert rate.iloc[0].how == "max_in_report+mean_over_reports"


def _row(yoy, **where):
    sel = yoy
    for k, v in where.items():
        sel = sel[sel[k].isna()] if v is None else sel[sel[k] == v]
    assert len(sel) == 1, where
    return sel.iloc[0]


def test_year_over_year_per_branch(built):
    _, run, _ = built
    yoy = _t(run, "year_over_year")
    b = yoy[yoy.level == "branch"]
    r = _row(b, branch_id="W02", metric="members")  # the jump: 400 -> 900
    assert (r.previous_year, r.current_year, r.previous_value, r.current_value, r.change,
            r.change_pct) == (2023, 2024, 400, 900, 500, 125.0)
    r = _row(b, branch_id="E01", metric="members", current_year=2023)
    assert (r.previous_value, r.current_value, r.change, r.change_pct) == (1000, 1100, 100, 10.0)
    r = _row(b, branch_id="E02", metric="aid_spending")
    assert (r.previous_value, r.current_value, r.change, r.change_pct) == (65000, 80000, 15000, 23.08)
    moves = {(r.branch_id, r.status, None if pd.isna(r.previous_year) else int(r.previous_year),
              int(r.current_year)) for r in b[b.status.isin(["new", "stopped"])].itertuples()}
    assert moves == {("E02", "new", None, 2023), ("W02", "new", None, 2023),
                     ("E03", "new", None, 2024), ("W01", "stopped", 2023, 2024)}
    # E01 compared twice per metric it states (2022->2023, 2023->2024)
    assert len(b[(b.branch_id == "E01") & (b.status == "compared")]) == 10


def test_year_over_year_per_district(built):
    _, run, _ = built
    yoy = _t(run, "year_over_year")
    d = yoy[yoy.level == "district"]
    # 东区 gains a branch: E01 (2022); E01 + E02 (2023); E01 + E02 + E03 (2024)
    r = _row(d, district="东区", metric="members", current_year=2023)
    assert (r.previous_value, r.current_value, r.change, r.change_pct,
            r.previous_branches, r.current_branches) == (1000, 1720, 720, 72.0, 1, 2)
    r = _row(d, district="东区", metric="members", current_year=2024)
    assert (r.previous_value, r.current_value, r.change, r.change_pct,
            r.previous_branches, r.current_branches) == (1720, 1920, 200, 11.63, 2, 3)
    r = _row(d, district="东区", metric="union_rate", current_year=2023)  # a mean: (92+95)/2
    assert (r.previous_value, r.current_value, r.change) == (90, 93.5, 3.5)
    # 西区: W01 stops after 2023, W02 jumps
    r = _row(d, district="西区", metric="members", current_year=2024)
    assert (r.previous_value, r.current_value, r.change, r.change_pct,
            r.previous_branches, r.current_branches) == (710, 900, 190, 26.76, 2, 1)
    r = _row(d, district="西区", metric="aided_households", current_year=2024)
    assert r.status == "only_previous" and r.previous_value == 10 and pd.isna(r.current_value)


def test_flags_compare_with_the_branch_own_previous_year(built):
    _, run, _ = built
    f = _t(run, "flags")
    f = f[f.code.isin(YEAR_CODES)]
    got = {(r.report_id, r.code, r.severity) for r in f.itertuples()}
    assert got == {
        (rid(A24), "copied_from_previous_year", "warning"),  # last year's text, year changed
        (rid(A24), "figures_unchanged", "warning"),          # ... so every figure too: 6/6
        (rid(B24), "figures_unchanged", "warning"),          # new wording, 5 of 6 figures
        (rid(E24), "implausible_change", "warning"),         # members 400 -> 900
        (rid(D23), "stopped_reporting", "warning"),          # W01: 2022, 2023, not 2024
        (rid(B_NOYEAR), "year_unknown", "info")}
    # A23 shares the long template preamble with A22 (and every other report), and the
    # other reports share it with each other: none is flagged as a copy
    by = {(r.report_id, r.code): r for r in f.itertuples()}
    copy = by[(rid(A24), "copied_from_previous_year")]
    assert copy.twin_report_id == rid(A23)
    plain, masked = (float(x) for x in re.findall(r"=([\d.]+)", copy.detail))
    assert masked == 1.0                 # the same text once digits are masked
    assert 0.9 <= plain < 1.0 and copy.similarity == pytest.approx(plain)  # the year differs
    assert "2023" in copy.message and "红旗街道工会2023年工作总结" in copy.message
    assert by[(rid(A24), "figures_unchanged")].detail == "6/6"
    assert by[(rid(B24), "figures_unchanged")].detail == "5/6"
    assert by[(rid(B24), "figures_unchanged")].twin_report_id == rid(B23)
    jump = by[(rid(E24), "implausible_change")]
    assert jump.detail == "members:400->900" and "+125%" in jump.message
    assert by[(rid(D23), "stopped_reporting")].detail == "2023->2024"
    # the copy and its original are not also near-duplicates of each other (one branch
    # across years is the year comparison's to judge)
    assert not _t(run, "flags").code.eq("near_duplicate").any()
    # the report rows count them
    r = _t(run, "reports").set_index("report_id")
    assert "照抄" not in (r.loc[rid(A23), "flag_summary"] or "")
    assert "几乎相同" in r.loc[rid(A24), "flag_summary"]


def test_policy_thresholds_decide(tmp_path):
    """With copy_threshold above the copy's share (digits kept), the copy is only
    reported as reused wording (information); with figures_min 7 no report has enough
    figures; change_pct 150 lets the jump (+125%) pass."""
    root, run = corpus.build_run(tmp_path)
    pol = tmp_path / "policy.toml"
    base = (load_policy.__globals__["DEFAULT_POLICY"]).read_text(encoding="utf-8")
    base = base.replace("copy_threshold = 0.9", "copy_threshold = 0.99") \
        .replace("figures_min = 5", "figures_min = 7").replace("change_pct = 50", "change_pct = 150")
    pol.write_text(base, encoding="utf-8")
    build_outputs(run, [root], policy=pol)
    f = _t(run, "flags")
    f = f[f.code.isin(YEAR_CODES)]
    assert {(r.report_id, r.code, r.severity) for r in f.itertuples()} == {
        (rid(A24), "copied_from_previous_year", "info"),
        (rid(D23), "stopped_reporting", "warning"), (rid(B_NOYEAR), "year_unknown", "info")}


@pytest.mark.parametrize("line, match", [
    ("copy_threshold = 1.5", "copy_threshold must be in"),
    ("figures_min = 0", "figures_min must be at least 1"),
    ('change_metrics = ["spending"]', "unknown metric"),
    ("copies = 3", "unknown key"),
])
def test_year_policy_is_checked(tmp_path, line, match):
    pol = tmp_path / "p.toml"
    pol.write_text(f'[required]\ndefault = []\n[years]\n{line}\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=match):
        load_policy(pol)


def test_duckdb_view(built):
    _, run, _ = built
    con = duckdb.connect(str(run / "ghminer.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT previous_value, current_value, current_branches "
                           "FROM v_year_over_year WHERE level='district' AND district='东区' "
                           "AND metric='members' ORDER BY current_year").fetchall()
        assert rows == [(1000, 1720, 2), (1720, 1920, 3)]
        assert con.execute("SELECT count(*) FROM branch_years").fetchone()[0] == \
            sum(len(v) for v in BRANCH_YEARS.values())
    finally:
        con.close()


def test_workbook_sheet(built):
    _, run, _ = built
    ws = load_workbook(run / "ghminer.xlsx", read_only=True)["年度对比"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = rows[0]
    assert head[:12] == ["层级", "区县", "基层单位编号", "基层单位", "指标", "对比情况", "上一年度",
                         "本年度", "上年数值", "本年数值", "变化", "变化率（%）"]
    # district rows first, 东区 first, metrics in label order, years ascending
    assert rows[1][:12] == ["区县", "东区", None, None, "会员数", "两年均有", 2022, 2023,
                            1000, 1720, 720, 72]
    assert rows[1][12:14] == [1, 2]
    moves = [r for r in rows if len(r) > 5 and r[5] in ("新报送单位", "停止报送")]
    assert sorted((r[3], r[5]) for r in moves) == sorted([
        ("青松社区工会", "新报送单位"), ("开发区企业工会", "新报送单位"),
        ("西山学校工会", "新报送单位"), ("西湖镇工会", "停止报送")])
    assert str(rows[-1][0]).startswith("说明：基层单位数值取报告中该指标最大的数字")
    assert not any(v == "<NA>" for r in rows for v in r)  # a null is an empty cell
    new_e03 = [r for r in moves if r[2] == "E03"][0]
    assert new_e03[6:8] == [None, 2024]
    reports = [list(r) for r in load_workbook(run / "ghminer.xlsx", read_only=True)["报告清单"]
               .iter_rows(values_only=True)]
    head, a24 = reports[0], [r for r in reports if r[0] == rid(A24)][0]
    assert (a24[head.index("所属年度")], a24[head.index("年度依据")]) == (2024, "正文")
    flags = [list(r) for r in load_workbook(run / "ghminer.xlsx", read_only=True)["缺项与问题"]
             .iter_rows(values_only=True)]
    assert any("停止报送" in map(str, r) for r in flags)


def test_dashboard_trend_charts(built):
    _, run, _ = built
    html = (run / "dashboard.html").read_text(encoding="utf-8")
    svg = html.split('id="chart-years"')[1].split("</svg>")[0]
    cells = dict(re.findall(r'<g class="trend" data-district="([^"]+)"><title>[^<]*</title>(.*?)</g>',
                            svg))
    assert set(cells) == {"东区", "西区"}
    first = svg.split('<g class="trend"')[1]  # 会员数 × 东区
    labels = re.findall(r'data-year="(\d+)">([^<]+)<', first)
    assert labels == [("2022", "1,000"), ("2023", "1,720"), ("2024", "1,920")]
    # the number of branches changed both times (1 -> 2 -> 3): dashed segments
    assert first.count('class="changed"') == 2 and 'class="same"' not in first
    assert "虚线" in svg and "实线" in svg  # the legend says what the dashes mean
    assert 'id="table-years"' in html and 'id="table-branch-moves"' in html


def test_a_single_year_run_says_so(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    build_outputs(run, [root], expected_year=2024)
    ws = load_workbook(run / "ghminer.xlsx", read_only=True)["年度对比"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ["说明"] and "只有 2024 年一个年度" in rows[1][0] and len(rows) == 2
    html = (run / "dashboard.html").read_text(encoding="utf-8")
    assert 'id="years-single"' in html and 'id="chart-years"' not in html
    assert len(_t(run, "year_over_year")) == 0
    assert list(_t(run, "year_over_year").columns)[:3] == ["level", "district", "branch_id"]
    assert not _t(run, "flags").code.isin(YEAR_CODES).any()


def test_reports_of_unknown_units_do_not_make_years():
    """A report whose unit cannot be told (no manifest row, folder or rostered name)
    stating 2025 neither adds a year to compare nor makes B1 "stop" in 2025."""
    from pipeline.aggregate.years import Figure, ReportYear, no_comparison_note, year_tables

    fig = {"members": Figure(50.0, 1, "会员50人")}
    yt = year_tables([ReportYear("a#0", "B1", "甲工会", "北区", 2023, fig),
                      ReportYear("b#0", "B1", "甲工会", "北区", 2024, fig),
                      ReportYear("c#0", None, "某工会", None, 2025, fig)])
    assert yt.years == [2023, 2024] and yt.all_years == [2023, 2024, 2025]
    assert set(yt.year_over_year["status"]) == {"compared"}
    assert no_comparison_note(yt) is None
    stray = year_tables([ReportYear("c#0", None, "某工会", None, 2025, fig),
                         ReportYear("d#0", None, "另一工会", None, 2019, fig)])
    assert "报告涉及多个年度（2019、2025）" in no_comparison_note(stray)
    assert len(stray.year_over_year) == 0 and len(stray.branch_years) == 0


def test_every_year_column_and_flag_has_chinese():
    from pipeline.aggregate.labels import headers, labels
    from schemas.report import BranchYear, YearOverYear

    assert set(BranchYear.model_fields) | set(YearOverYear.model_fields) | \
        {"report_year", "year_source"} <= set(headers())
    assert YEAR_CODES <= set(labels()["flag"])
    assert {"new", "stopped", "compared", "only_previous", "only_current"} <= \
        set(labels()["status"])


def test_district_statistics_describe_the_latest_season(built):
    """Adding up two seasons would double a district's members: in a run holding several
    years, the district statistics are the latest year's (earlier ones are in 年度对比)."""
    _, run, res = built
    assert res["counts"]["stats_year"] == 2024
    stats = pd.read_parquet(run / "tables" / "district_stats.parquet")
    members = stats[(stats["kind"] == "metric") & (stats["key"] == "members:人")
                    & (stats["district"] == "东区")]
    # 2024: 红旗 1,000 + 青松 420 + 开发区 500 (worked out in test_branch_years)
    assert members["total_exact"].sum() + members["total_approx"].fillna(0).sum() == 1920
    assert "区县统计为 2024 年度" in (run / "dashboard.html").read_text(encoding="utf-8")


def test_a_corrected_member_count_reaches_the_year_tables_and_flags(tmp_path):
    """An analyst corrects W02's 2024 membership (900, a misread) to 450: branch_years,
    year_over_year, the 年度对比 sheet and the implausible_change flag follow the
    corrected report, not the extracted one."""
    import json

    from pipeline.corrections import append_entry, new_entry

    root, run = corpus.build_run(tmp_path)
    build_outputs(run, [root])
    sha = {f["path"]: f["sha256"] for f in json.loads((run / "manifest.json").read_text())["files"]}
    rep = next(json.loads(x) for x in (run / "reports.jsonl").read_text().splitlines()
               if json.loads(x)["path"].endswith(E24))
    fact = next(f for f in rep["facts"] if f.get("metric") == "members")
    assert fact["value"] == 900
    append_entry(run, new_entry("edit_fact", {"sha256": sha[rep["path"]],
                                              "report_start": rep["start"], "type": "count",
                                              "start": fact["start"], "end": fact["end"]},
                                after={"value": 450}, before={"value": 900}))
    res = build_outputs(run, [root])
    assert not res.get("unchanged")
    by = _t(run, "branch_years")
    got = by[(by.branch_id == "W02") & (by.year == 2024) & (by.metric == "members")]
    assert got.iloc[0].value == 450
    yoy = _t(run, "year_over_year")
    r = _row(yoy[yoy.level == "branch"], branch_id="W02", metric="members")
    assert (r.previous_value, r.current_value, r.change, r.change_pct) == (400, 450, 50, 12.5)
    r = _row(yoy[yoy.level == "district"], district="西区", metric="members", current_year=2024)
    assert (r.previous_value, r.current_value) == (710, 450)
    flags = _t(run, "flags")
    assert not ((flags.report_id == rid(E24)) & (flags.code == "implausible_change")).any()
    values = [c for row in load_workbook(run / "ghminer.xlsx", read_only=True)["年度对比"]
              .iter_rows(values_only=True) for c in row]
    assert 450 in values and 900 not in values
