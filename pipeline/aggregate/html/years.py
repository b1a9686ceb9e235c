"""The dashboard's 年度对比 section: per-district trend charts (small multiples, inline
SVG, readable without colour) and the district changes and new/stopped branches."""
from __future__ import annotations

import pandas as pd

from pipeline.aggregate.html.render import esc, fmt_num, table
from pipeline.aggregate.labels import zh
from pipeline.aggregate.stats import UNKNOWN_DISTRICT

# metrics drawn (when some district states them in two years or more), in this order
TREND_METRICS = ("members", "new_members", "union_rate", "membership_rate",
                 "aided_households", "aided_people", "aid_spending", "units_covered")
MAX_DISTRICTS = 24  # columns of the grid; the table below lists every district
CELL_W, CELL_H, PAD_L, PAD_T, PAD_B = 200, 128, 24, 38, 22


def district_series(branch_years: pd.DataFrame) -> pd.DataFrame:
    """district, metric, year, value (sum over branches; rates: mean), branches."""
    if not len(branch_years):
        return pd.DataFrame(columns=["district", "metric", "year", "value", "branches"])
    by = branch_years.assign(district=branch_years["district"].fillna(UNKNOWN_DISTRICT),
                             _rate=branch_years["metric"].str.endswith("_rate"))
    g = by.groupby(["district", "metric", "year", "_rate"], sort=True)["value"]
    out = pd.concat([g.sum().rename("sum"), g.mean().rename("mean"),
                     g.size().rename("branches")], axis=1).reset_index()
    out["value"] = out["mean"].where(out["_rate"], out["sum"])
    return out[["district", "metric", "year", "value", "branches"]]


def _cell(series: pd.DataFrame, years: list[int], x0: float, y0: float, title: str,
          unit: str = "") -> str:
    """One small chart: a line over the run's years, a labelled marker per year with a
    value; the segment between two years is dashed when the number of branches
    stating the metric changed (not like for like)."""
    pts = {int(r.year): (float(r.value), int(r.branches)) for r in series.itertuples()}
    vals = [v for v, _ in pts.values()]
    lo, hi = min(0.0, min(vals)), max(vals) or 1.0
    w, h = CELL_W - 2 * PAD_L, CELL_H - PAD_T - PAD_B
    step = w / max(1, len(years) - 1)

    def xy(year, v):
        x = x0 + PAD_L + (years.index(year) * step if len(years) > 1 else w / 2)
        return x, y0 + PAD_T + h - (v - lo) / (hi - lo or 1) * h
    tip = "；".join(f"{y}年 {fmt_num(pts[y][0])}{unit}（{pts[y][1]} 个单位）" for y in years if y in pts)
    parts = [f'<g class="trend" data-district="{esc(title)}"><title>{esc(title)}：{esc(tip)}</title>',
             f'<rect x="{x0 + 1}" y="{y0 + 1}" width="{CELL_W - 2}" height="{CELL_H - 2}" '
             f'fill="none" stroke="#d0d7de"/>',
             f'<text x="{x0 + 6}" y="{y0 + 16}" font-size="12" font-weight="600">{esc(title)}</text>']
    base = y0 + PAD_T + h
    parts.append(f'<line x1="{x0 + PAD_L}" y1="{base}" x2="{x0 + PAD_L + w}" y2="{base}" '
                 f'stroke="#9aa5b1"/>')
    for y in years:
        x, _ = xy(y, lo)
        parts.append(f'<text x="{x:.1f}" y="{base + 15}" font-size="10" text-anchor="middle">'
                     f'{y}</text>')
    shown = [y for y in years if y in pts]
    for a, b in zip(shown, shown[1:]):
        (xa, ya), (xb, yb) = xy(a, pts[a][0]), xy(b, pts[b][0])
        same = pts[a][1] == pts[b][1]
        dash = "" if same else ' stroke-dasharray="5 4"'
        parts.append(f'<line class="{"same" if same else "changed"}" x1="{xa:.1f}" y1="{ya:.1f}" '
                     f'x2="{xb:.1f}" y2="{yb:.1f}" stroke="#1f2933" stroke-width="1.6"{dash}/>')
    for y in shown:
        x, yy = xy(y, pts[y][0])
        parts.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3.5" fill="#1f2933"/>'
                     f'<text x="{x:.1f}" y="{yy - 6:.1f}" font-size="10" text-anchor="middle" '
                     f'data-year="{y}">{esc(fmt_num(pts[y][0]) + unit)}</text>')
    parts.append("</g>")
    return "".join(parts)


def trend_svg(branch_years: pd.DataFrame, years: list[int]) -> str:
    """Small multiples: a row per metric, a column per district (up to MAX_DISTRICTS)."""
    s = district_series(branch_years)
    n_years = s.groupby(["district", "metric"])["year"].nunique()
    drawn = n_years[n_years >= 2].reset_index()
    metrics = [m for m in TREND_METRICS if m in set(drawn["metric"])]
    if not metrics:
        return '<p class="note">没有哪个区县在两个年度都报出同一指标，无法画出趋势。</p>'
    districts = sorted(set(drawn["district"]), key=lambda d: (d == UNKNOWN_DISTRICT, d))
    left_out = len(districts) - MAX_DISTRICTS
    districts = districts[:MAX_DISTRICTS]
    label_w, legend_h = 120, 28
    w = max(label_w + CELL_W * len(districts) + 10, label_w + 620)  # (the legend's width)
    h = legend_h + CELL_H * len(metrics) + 10
    parts = [f'<svg id="chart-years" class="chart" role="img" aria-label="各区县主要指标逐年变化" '
             f'width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">',
             f'<g class="legend" font-size="12"><line x1="{label_w}" y1="14" x2="{label_w + 30}" '
             f'y2="14" stroke="#1f2933" stroke-width="1.6"/><text x="{label_w + 36}" y="18">'
             '实线：两年报出该指标的单位数相同</text>'
             f'<line x1="{label_w + 260}" y1="14" x2="{label_w + 290}" y2="14" stroke="#1f2933" '
             f'stroke-width="1.6" stroke-dasharray="5 4"/><text x="{label_w + 296}" y="18">'
             '虚线：单位数有变化，不宜直接比较；点上标注数值</text></g>']
    look = {k: g for k, g in s.groupby(["district", "metric"])}
    for i, metric in enumerate(metrics):
        y0 = legend_h + i * CELL_H
        parts.append(f'<text x="{label_w - 8}" y="{y0 + CELL_H / 2}" font-size="12" '
                     f'text-anchor="end" font-weight="600">{esc(zh("metric", metric))}</text>')
        for j, d in enumerate(districts):
            g = look.get((d, metric))
            x0 = label_w + j * CELL_W
            if g is None:
                parts.append(f'<text x="{x0 + CELL_W / 2}" y="{y0 + CELL_H / 2}" font-size="11" '
                             f'text-anchor="middle" fill="#52606d">{esc(d)}：无数据</text>')
                continue
            parts.append(_cell(g, years, x0, y0, d, "%" if metric.endswith("_rate") else ""))
    parts.append("</svg>")
    more = (f'<p class="note">另有 {left_out} 个区县未画出，见下表及 ghminer.xlsx「年度对比」。</p>'
            if left_out > 0 else "")
    return "".join(parts) + more


def years_section(yt, max_rows: int) -> str:
    """The section's HTML: one sentence when the run holds fewer than two years."""
    from pipeline.aggregate.years import no_comparison_note

    why = no_comparison_note(yt)
    if why is not None:
        return f'<p class="note" id="years-single">{esc(why)}</p>'
    yoy = yt.year_over_year
    unknown = (f'<p class="note">另有 {yt.unknown} 份报告无法判断年度，未计入对比'
               "（见「需跟进的报告」中的“年度不明”）。</p>" if yt.unknown else "")
    dist = yoy[yoy["level"] == "district"].head(max_rows)
    rows = [[esc(r.district if isinstance(r.district, str) else UNKNOWN_DISTRICT),
             esc(zh("metric", r.metric)), esc(f"{r.previous_year}→{r.current_year}"),
             esc(fmt_num(_num(r.previous_value))), esc(fmt_num(_num(r.current_value))),
             esc(fmt_num(_num(r.change))),
             esc(f"{r.change_pct:+.1f}%" if pd.notna(r.change_pct) else "—"),
             esc(f"{_int(r.previous_branches)}→{_int(r.current_branches)}")]
            for r in dist.itertuples()]
    dist_table = table([esc(x) for x in ("区县", "指标", "年度", "上年", "本年", "变化", "变化率",
                                         "单位数")], rows, num_cols={3, 4, 5, 6},
                       table_id="table-years")
    moves = yoy[yoy["status"].isin(["new", "stopped"])].head(max_rows)
    move_rows = [[esc(r.district if isinstance(r.district, str) else UNKNOWN_DISTRICT),
                  esc(r.branch_name or r.branch_id), esc(zh("status", r.status)),
                  esc(f"{_int(r.previous_year)}→{r.current_year}" if r.status == "stopped"
                      else f"{r.current_year} 年起")]
                 for r in moves.itertuples()]
    move_table = table([esc(x) for x in ("区县", "基层单位", "情况", "年度")], move_rows,
                       table_id="table-branch-moves")
    return (f'<p class="note">年度：{esc("、".join(map(str, yt.years)))}。</p>{unknown}'
            + trend_svg(yt.branch_years, list(yt.years))
            + "<h3>区县逐年变化</h3>" + dist_table
            + "<h3>新报送与停止报送的单位</h3>" + move_table)


def _num(v):
    return None if v is None or pd.isna(v) else float(v)


def _int(v) -> str:
    return "—" if v is None or pd.isna(v) else str(int(v))
