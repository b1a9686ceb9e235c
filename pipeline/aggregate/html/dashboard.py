"""The district dashboard: KPIs, submission rates, coverage heatmap, flags, tables."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from pipeline.aggregate.html.render import esc, fill, fmt_num, table
from pipeline.aggregate.html.years import years_section
from pipeline.aggregate.labels import header, zh
from pipeline.aggregate.limits import outputs_config
from pipeline.aggregate.stats import ALL_DISTRICTS, UNKNOWN_DISTRICT
from pipeline.aggregate.tables import iter_table, read_table
from schemas.report import SECTION_LABELS

SEV_ORDER = {"error": 0, "warning": 1, "info": 2}


def _heat_colour(share: float | None) -> str:
    if share is None:
        return "#eeeeee"
    # white -> blue ramp
    r = int(255 - share * (255 - 47))
    g = int(255 - share * (255 - 111))
    b = int(255 - share * (255 - 176))
    return f"#{r:02x}{g:02x}{b:02x}"


def coverage_svg(stats: pd.DataFrame) -> str:
    sec = stats[stats["kind"] == "section"]
    districts = list(dict.fromkeys(sec["district"]))
    if not districts:
        return '<p class="note">（无报告）</p>'
    cell_w, cell_h, left, top = 74, 30, 150, 40
    w = left + cell_w * len(SECTION_LABELS) + 10
    h = top + cell_h * len(districts) + 10
    parts = [f'<svg id="chart-coverage" class="chart" role="img" aria-label="板块覆盖热力图" '
             f'width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">']
    for j, label in enumerate(SECTION_LABELS):
        x = left + j * cell_w + cell_w / 2
        parts.append(f'<text x="{x}" y="{top - 12}" text-anchor="middle" font-size="12">'
                     f'{esc(zh("section", label))}</text>')
    look = {(r.district, r.key): r for r in sec.itertuples()}
    for i, d in enumerate(districts):
        y = top + i * cell_h
        weight = ' font-weight="600"' if d == ALL_DISTRICTS else ""
        parts.append(f'<text x="{left - 8}" y="{y + cell_h / 2 + 4}" text-anchor="end" '
                     f'font-size="12"{weight}>{esc(d)}</text>')
        for j, label in enumerate(SECTION_LABELS):
            r = look.get((d, label))
            share = None if r is None or pd.isna(r.share) else float(r.share)
            x = left + j * cell_w
            tip = f"{d} · {zh('section', label)}: " + (
                f"{r.n}/{r.of} 份报告" if r is not None else "无报告")
            parts.append(f'<g class="cell"><title>{esc(tip)}</title>'
                         f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                         f'fill="{_heat_colour(share)}" data-share="{esc(share)}"/>'
                         f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 4}" text-anchor="middle" '
                         f'font-size="12" fill="{"#fff" if (share or 0) > 0.6 else "#1f2933"}">'
                         f'{esc(fmt_num(share, pct=True) if share is not None else "—")}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(svg_id: str, label: str, items: list[tuple[str, float, str]], max_value: float,
             colour: str = "#2f6fb0") -> str:
    """Horizontal bars: (name, value, caption) with value in [0, max_value]."""
    if not items:
        return '<p class="note">（无数据）</p>'
    left, bar_w, row_h = 170, 420, 26
    w, h = left + bar_w + 170, row_h * len(items) + 10
    parts = [f'<svg id="{esc(svg_id)}" class="chart" role="img" aria-label="{esc(label)}" '
             f'width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">']
    for i, (name, value, caption) in enumerate(items):
        y = 5 + i * row_h
        width = 0 if not max_value else max(1.0, bar_w * min(value, max_value) / max_value)
        parts.append(f'<g class="bar"><title>{esc(name)}: {esc(caption)}</title>'
                     f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" font-size="12">'
                     f'{esc(name)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}" fill="#eef2f7"/>'
                     f'<rect x="{left}" y="{y + 3}" width="{width:.1f}" height="{row_h - 8}" '
                     f'fill="{colour}" data-value="{esc(value)}"/>'
                     f'<text x="{left + bar_w + 8}" y="{y + 17}" font-size="12">{esc(caption)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def dashboard_max_rows() -> int:
    return int(outputs_config().get("dashboard", {}).get("max_rows", 3000))


def _left_out_note(shown: int, total: int, where: str) -> str:
    if shown >= total:
        return ""
    return (f'<p class="note">仅列出 {fmt_num(shown)} 行，共 {fmt_num(total)} 行；'
            f'完整清单见 {esc(where)}。</p>')


DASHBOARD_REPORT_COLUMNS = ["report_id", "district", "branch_name", "review_page", "title",
                            "org", "year", "n_facts", "n_flags", "complete"]


def render_dashboard(summary: pd.DataFrame, stats: pd.DataFrame, reports, flags,
                     missing: pd.DataFrame, run_info: dict, max_rows: int | None = None,
                     file_issues: pd.DataFrame | None = None, years=None) -> str:
    """The dashboard page; its report list and list of reports to chase hold at most
    `max_rows` rows each (default from data/outputs.toml). `reports`, `flags`: the
    tables as DataFrames or their Parquet files (the flags are read a batch at a time)."""
    max_rows = dashboard_max_rows() if max_rows is None else int(max_rows)
    reports = read_table(reports, DASHBOARD_REPORT_COLUMNS)
    chase, n_chase, n_flags = _to_chase(flags, max_rows)
    all_row = summary[summary["district"] == ALL_DISTRICTS]
    tot = all_row.iloc[0].to_dict() if len(all_row) else {}
    kpis = [("报告数", fmt_num(len(reports))),
            ("已报/应报单位", f"{fmt_num(tot.get('branches_reported'))} / "
                          f"{fmt_num(tot.get('branches_expected'))}"),
            ("报送率", fmt_num(tot.get("submission_rate"), pct=True)),
            ("完整报告比例", fmt_num(tot.get("complete_share"), pct=True)),
            ("问题数", fmt_num(n_flags)),
            ("会员合计（人）", fmt_num(tot.get("members_total"))),
            ("平均建会率", fmt_num(tot.get("union_rate_mean")) + "%"
             if tot.get("union_rate_mean") is not None and pd.notna(tot.get("union_rate_mean"))
             else "—")]
    kpi_html = "".join(f'<div class="kpi"><div class="v">{esc(v)}</div>'
                       f'<div class="k">{esc(k)}</div></div>' for k, v in kpis)

    sub = stats[(stats["kind"] == "submission") & (stats["key"] == "branches")]
    sub_items = [(r.district, float(r.share or 0), f"{r.n}/{r.of}（{fmt_num(r.share, pct=True)}）")
                 for r in sub.itertuples()]
    submission = bars_svg("chart-submission", "各区县报送率", sub_items, 1.0) if sub_items else \
        '<p class="note">未提供名册（roster.csv），无法计算报送率。</p>'

    fl = stats[(stats["kind"] == "flag") & (stats["district"] == ALL_DISTRICTS)]
    fl = fl.sort_values("total", ascending=False)
    flag_items = [(zh("flag", r.key), float(r.total), f"{fmt_num(r.total)} 处 / {r.n} 份报告")
                  for r in fl.itertuples()]
    flags_chart = bars_svg("chart-flags", "问题统计", flag_items,
                           max((v for _, v, _ in flag_items), default=0), colour="#c2410c")

    sum_cols = [c for c in summary.columns]
    pct_cols = {"submission_rate", "complete_share"}
    sum_rows = [[esc(r["district"])] + [esc(fmt_num(r[c], pct=c in pct_cols)) for c in sum_cols[1:]]
                for r in summary.to_dict("records")]
    summary_table = table([esc(header(c)) for c in sum_cols], sum_rows,
                          num_cols=set(range(1, len(sum_cols))), table_id="table-summary")

    # "other" counts are too mixed to total; they stay in the tables and the workbook
    met = stats[(stats["kind"] == "metric") & ~stats["key"].str.startswith("other:")].copy()
    met_rows = []
    for r in met.itertuples():
        metric, _, unit = r.key.partition(":")
        met_rows.append([esc(r.district), esc(zh("metric", metric)), esc(unit),
                         esc(f"{r.n}/{r.of}"), esc(fmt_num(r.share, pct=True)),
                         esc(fmt_num(r.total_exact)), esc(fmt_num(r.total_approx)),
                         esc(fmt_num(r.median_exact)), esc(fmt_num(r.median_approx))])
    metrics_table = table([esc(x) for x in ("区县", "指标", "单位", "报告数", "占比", "合计（精确值）",
                                             "合计（约数）", "中位数（精确值）", "中位数（约数）")],
                          met_rows, num_cols={3, 4, 5, 6, 7, 8}, table_id="table-metrics")

    miss_rows = [[esc(r.district), esc(r.branch_id), esc(r.branch_name), esc(zh("org_type", r.org_type))]
                 for r in missing.itertuples()]
    missing_table = table([esc(header(c)) for c in ("district", "branch_id", "branch_name", "org_type")],
                          miss_rows, table_id="table-missing")

    issues = file_issues if file_issues is not None else pd.DataFrame(
        columns=["district", "source", "path", "severity", "code", "message"])
    issue_rows = [[esc(district if pd.notna(district) else UNKNOWN_DISTRICT), esc(source),
                   f'<span class="sev-{esc(severity)}">{esc(zh("severity", severity))}</span>',
                   esc(zh("flag", code)), esc(message)]
                  for district, source, severity, code, message in _rows(
                      issues.head(max_rows), "district", "source", "severity", "code", "message")]
    files_table = (table([esc(x) for x in ("区县", "文件", "严重程度", "问题", "说明")], issue_rows,
                         table_id="table-files")
                   + _left_out_note(len(issue_rows), len(issues),
                                    "ghminer.xlsx「缺项与问题」或 ghminer.duckdb 的 file_issues 表")
                   if len(issues) else '<p class="note">所有文件均已处理，且每个文件都识别出了报告。</p>')

    reports = reports.assign(district=reports["district"].fillna(UNKNOWN_DISTRICT),
                             branch_name=reports["branch_name"].fillna("（未知）"))
    by_id = reports.set_index("report_id")
    chase = chase.join(by_id[["district", "branch_name", "review_page"]], on="report_id")
    chase = chase.sort_values(["district", "_o", "report_id"], na_position="last", kind="stable")
    severity_cells = {}  # a few distinct severities and codes: each rendered once
    code_cells = {}
    chase_rows = []
    for district, branch_name, review_page, report_id, severity, code, message in _rows(
            chase, "district", "branch_name", "review_page", "report_id", "severity", "code",
            "message"):
        if severity not in severity_cells:
            severity_cells[severity] = (f'<span class="sev-{esc(severity)}">'
                                        f'{esc(zh("severity", severity))}</span>')
        if code not in code_cells:
            code_cells[code] = esc(zh("flag", code))
        chase_rows.append([esc(district), esc(branch_name), _link(review_page, report_id),
                           severity_cells[severity], code_cells[code], esc(message)])
    chase_table = table([esc(x) for x in ("区县", "基层单位", "报告", "严重程度", "问题", "说明")],
                        chase_rows, table_id="table-chase") + _left_out_note(
        len(chase_rows), n_chase, "ghminer.xlsx「缺项与问题」或 ghminer.duckdb 的 flags 表")
    n_reports = len(reports)
    reports = reports.head(max_rows)

    rep_rows = [[esc(district), esc(branch_name), _link(review_page, report_id), esc(title),
                 esc(org), esc(year), esc(n_facts), esc(n_flags), "是" if complete else "否"]
                for district, branch_name, review_page, report_id, title, org, year, n_facts,
                n_flags, complete in _rows(reports, "district", "branch_name", "review_page",
                                           "report_id", "title", "org", "year", "n_facts",
                                           "n_flags", "complete")]
    reports_table = table([esc(header(c)) for c in ("district", "branch_name", "report_id", "title",
                                                    "org", "year", "n_facts", "n_flags",
                                                    "complete")],
                          rep_rows, num_cols={6, 7}, table_id="table-reports") + _left_out_note(
        len(rep_rows), n_reports, "ghminer.xlsx「报告清单」或 ghminer.duckdb 的 reports 表")

    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return fill("dashboard.html",
                title=esc("工会工作总结 · 区县汇总"),
                subtitle=esc(f"{run_info.get('reports', n_reports)} 份报告，"
                             f"{run_info.get('files', '?')} 个文件 · ghminer "
                             f"{run_info.get('version', '')} · 生成于 {generated}"
                             + (f" · 区县统计为 {run_info['stats_year']} 年度（多年度：历年对比见下文）"
                                if run_info.get("stats_year") else "")),
                kpis=kpi_html, submission_chart=submission, coverage_chart=coverage_svg(stats),
                flags_chart=flags_chart, summary_table=summary_table,
                metrics_table=metrics_table, missing_table=missing_table,
                chase_table=chase_table, reports_table=reports_table, files_table=files_table,
                years_section=years_section(years, max_rows),
                footer=esc(("数值均来自原文，点报告编号打开核对页逐条对照；"
                            if run_info.get("review_pages") else
                            "数值均来自原文。逐条核对某份报告（原文与高亮的事实）：运行 "
                            "ghminer serve 运行文件夹 打开分析工作台，或生成时加 --review-pages "
                            "选项（ghminer report 运行文件夹 --review-pages）生成静态核对页；")
                           + "区县归属依据见报告清单“归属依据”列（清单/目录/文中单位名/未知）。"))


def _to_chase(flags, max_rows: int) -> tuple[pd.DataFrame, int, int]:
    """(the error and warning flags the dashboard lists: the most severe first, each
    severity in table order, at most `max_rows`, with their order as `_o`; how many
    error and warning flags there are; how many flags)."""
    kept: dict[str, list[pd.DataFrame]] = {"error": [], "warning": []}
    room = {sev: max_rows for sev in kept}
    n_chase = n_flags = 0
    for batch in iter_table(flags, ["report_id", "severity", "code", "message"]):
        n_flags += len(batch)
        for sev in kept:
            rows = batch[batch["severity"] == sev]
            n_chase += len(rows)
            if room[sev] > 0 and len(rows):
                kept[sev].append(rows.head(room[sev]))
                room[sev] -= len(kept[sev][-1])
    chase = pd.concat([*kept["error"], *kept["warning"]], ignore_index=True) \
        if kept["error"] or kept["warning"] else \
        pd.DataFrame(columns=["report_id", "severity", "code", "message"])
    chase = chase.head(max_rows)
    return chase.assign(_o=chase["severity"].map(SEV_ORDER)), n_chase, n_flags


def _rows(df: pd.DataFrame, *columns: str):
    """The values of `columns` row by row, as `itertuples` gives them; column lists
    are much faster to walk than itertuples over Arrow-backed columns."""
    return zip(*[df[c].tolist() for c in columns])


def _link(href, text) -> str:
    if not isinstance(href, str) or not href:
        return esc(text)
    return f'<a href="{esc(href)}">{esc(text)}</a>'
