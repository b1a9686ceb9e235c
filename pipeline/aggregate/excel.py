"""The analyst's workbook: Chinese headers, one sheet per question, injection-safe.

Every text cell that a spreadsheet could read as a formula (starting with
= + - @, tab or CR) is prefixed with an apostrophe, and characters that
are illegal in XML are dropped, so a report's text can never run in Excel.
The fact sheet is capped (`data/outputs.toml`, excel.max_fact_rows) and says
how many facts it leaves out and where the complete table is; any other sheet
longer than Excel allows is cut the same way.
"""
from __future__ import annotations

import math
import re
from functools import cache, partial
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.aggregate import xlsx
from pipeline.runtime.files import atomic_path
from pipeline.aggregate.labels import header, labels, zh
from pipeline.aggregate.limits import OUTPUTS_CONFIG, outputs_config
from pipeline.aggregate.tables import iter_table, read_table

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CHARS = frozenset(FORMULA_TRIGGERS)
MAX_CELL = 32000  # Excel's limit is 32767 characters


def safe_cell(value):
    """A value a spreadsheet stores as inert data (text or number, never a formula)."""
    t = type(value)
    if t is str:
        return _safe_text(value)
    if t is int:
        return value
    if t is float:
        return None if math.isnan(value) else value
    if value is None or value is pd.NA:  # (a nullable integer column's null)
        return None
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, str)):
        value = "、".join(map(str, list(value)))
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (int, float)):
        return value
    return _safe_text(str(value))


# control characters illegal in XML, lone surrogates and the XML non-characters
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NONCHAR = re.compile("[\ufffe\uffff]")
# openpyxl's ILLEGAL_CHARACTERS_RE (a test checks they match), defined here because
# importing openpyxl for it took 0.1 s
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _safe_text(s: str) -> str:
    if _SUSPECT.search(s) is not None:  # rare: only then pay for the rewrite
        s = s.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
        s = _NONCHAR.sub("", ILLEGAL_CHARACTERS_RE.sub("", s))
    s = s[:MAX_CELL]
    if s and s[0] in FORMULA_CHARS:
        s = "'" + s
    return s


# which enumeration each column's values belong to, for Chinese display
ENUM_COLUMNS = {"org_type": "org_type", "label": "section", "metric": "metric",
                "level": "award_level", "type": "fact_type", "code": "flag",
                "severity": "severity", "branch_source": "branch_source", "kind": "kind",
                "year_source": "year_source", "provenance": "provenance"}
# nullable integer columns read back as floats (a null among them): shown as integers
YEAR_COLUMNS = ("year", "report_year")


def _display(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy(deep=False)  # the columns mapped below are replaced, not changed
    for col, kind in ENUM_COLUMNS.items():
        if col in df.columns:
            names = labels().get(kind, {})  # zh(kind, v) for each str v, without a call
            df[col] = df[col].map(lambda v, names=names: names.get(v, v)
                                  if isinstance(v, str) else v)
    for col in YEAR_COLUMNS:
        if col in df.columns and df[col].dtype.kind == "f":
            df[col] = df[col].astype("Int64")
    if "sections" in df.columns:
        df["sections"] = df["sections"].map(
            lambda s: "、".join(zh("section", x) for x in list(s)) if s is not None else None)
    return df


def _cells(values: list) -> list[str]:
    """A column as XML cells; a column repeats its values (district, unit, code ...),
    so each distinct value is neutralised and escaped once (equal values, like 1 and
    1.0, share the cell of the first)."""
    try:
        cell_of = dict.fromkeys(values)  # the distinct values, each as first seen
    except TypeError:  # an unhashable value (array)
        return _cells_one_by_one(values)
    for v in cell_of:
        cell_of[v] = xlsx.cell_xml(safe_cell(v))
    return [cell_of[v] for v in values]


def _cells_one_by_one(values: list) -> list[str]:
    """`_cells` of a column holding unhashable values (those are not cached)."""
    seen: dict = {}
    out = []
    for v in values:
        try:
            x = seen.get(v)
        except TypeError:  # unhashable (array): no caching
            out.append(xlsx.cell_xml(safe_cell(v)))
            continue
        if x is None:
            x = seen[v] = xlsx.cell_xml(safe_cell(v))
        out.append(x)
    return out


# Excel's rows per sheet; a longer table is cut with a note (a constant so tests can lower it)
SHEET_ROWS = 1_048_576
# where each sheet's complete table is, for the note of a sheet cut at SHEET_ROWS
FULL_TABLES = {"报告清单": "tables/reports.parquet（ghminer.duckdb 的 reports 表）",
               "缺项与问题": "tables/flags.parquet 与 tables/file_issues.parquet"
                             "（ghminer.duckdb 的 flags、file_issues 表）",
               "事实明细": "tables/facts.parquet（ghminer.duckdb 的 facts 表）",
               "年度对比": "tables/year_over_year.parquet（ghminer.duckdb 的 year_over_year 表）"}


def cut_note(shown: int, total: int, title: str) -> str:
    return (f"注意：Excel 每个工作表最多 {SHEET_ROWS:,} 行，本表只列出前 {shown:,} 行，"
            f"另有 {total - shown:,} 行未列出（共 {total:,} 行）。完整表见 "
            f"{FULL_TABLES.get(title, 'ghminer.duckdb')}。")


def _sheet(title: str, batches, total: int, note: str | None = None) -> xlsx.Sheet:
    """One sheet of a table given as DataFrames of rows (one, or the batches of a table
    read from disk, made and turned into cells only as the sheet is written) of `total`
    rows in all: bold header row, frozen, with an autofilter over the data; a `note`
    goes right of the header (seen on opening) and in a last row below the data. A
    table longer than a sheet can hold is cut, and the note says so. Column widths
    follow the header and the first 200 values."""
    room = SHEET_ROWS - 3  # the header, and the empty row and note row below the data
    if total > room:
        note = "\n".join(filter(None, [note, cut_note(room, total, title)]))
    batches = iter(batches)
    first = _display(next(batches))
    names, widths = list(first.columns), []
    for col in names:
        values = first[col].head(200).tolist()
        width = max([len(str(header(col)))] + [len(str(v)) for v in values
                                                  if v is not None]) + 2
        widths.append(min(max(8, width * 1.3), 60))

    def cells():
        df, left = first, room
        while df is not None and left > 0:
            df = df.iloc[:left]
            left -= len(df)
            # one column's Python values at a time: only cells are kept
            yield [_cells(df[col].tolist()) for col in names]
            df = next(batches, None)
            df = None if df is None else _display(df)

    ws = xlsx.Sheet(title, widths)
    ws.autofilter = True
    ws.append([safe_cell(header(c)) for c in names], style=xlsx.HEADER_STYLE)
    ws.append_column_batches(cells())
    if note:
        ws.add_header_note(safe_cell(note))
        ws.append([])
        ws.append([safe_cell(note)], style=xlsx.BOLD_STYLE)
    return ws


def _rows(table) -> int:
    """The number of rows of a table (a DataFrame or its Parquet file), without reading it."""
    if isinstance(table, pd.DataFrame):
        return len(table)
    import pyarrow.parquet as pq

    return pq.ParquetFile(table).metadata.num_rows


SHEETS = ("区县汇总", "报告清单", "缺项与问题", "事实明细", "未提交单位", "指标明细", "年度对比")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
FACT_ORDERS = ("flagged", "report")


@cache
def excel_config() -> dict:
    cfg = outputs_config().get("excel", {})
    order = cfg.get("fact_order", "flagged")
    if order not in FACT_ORDERS:
        raise ValueError(f"{OUTPUTS_CONFIG}: excel.fact_order must be one of {FACT_ORDERS}")
    return {"max_fact_rows": int(cfg.get("max_fact_rows", 20000)), "fact_order": order}


def _worst_rank(flags: pd.DataFrame) -> pd.Series:
    """report id -> rank of its most severe flag (0 error, 1 warning, 2 info)."""
    return flags.assign(_r=flags["severity"].map(SEVERITY_RANK).fillna(3)) \
        .groupby("report_id")["_r"].min()


def _shown_rows(report_ids: pd.Series, flags: pd.DataFrame, limit: int, order: str
                ) -> np.ndarray:
    """Positions of the facts the sheet shows, in sheet order: at most `limit`, those of
    reports with errors first, then warnings, then the rest (order "flagged"), each
    in report order; or plain report order."""
    limit = max(0, limit)
    if order == "flagged" and len(flags):
        rank = report_ids.map(_worst_rank(flags)).fillna(3).to_numpy()
        # the first `limit` rows of a stable sort by rank, without sorting every column
        return np.argsort(rank, kind="stable")[:limit]
    return np.arange(min(limit, len(report_ids)))


def _capped_facts(facts: pd.DataFrame, flags: pd.DataFrame, limit: int, order: str
                  ) -> pd.DataFrame:
    """The facts the sheet shows (`_shown_rows`) of an in-memory facts table."""
    if len(facts) <= limit:
        return facts
    return facts.iloc[_shown_rows(facts["report_id"], flags, limit, order)]


def _capped_facts_parquet(path: Path, flags: pd.DataFrame, limit: int, order: str
                          ) -> tuple[pd.DataFrame, int]:
    """`_capped_facts` of the facts table in a Parquet file, and its number of rows:
    the selection is made on the report ids alone and only the selected rows are read
    (the table can be far larger than the sheet)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    total = pf.metadata.num_rows
    if total <= limit:
        return pf.read().to_pandas(), total
    first = _shown_rows(read_table(path, ["report_id"])["report_id"], flags, limit, order)
    wanted = np.sort(first)
    pieces, base = [], 0
    for group in range(pf.num_row_groups):
        n = pf.metadata.row_group(group).num_rows
        lo, hi = np.searchsorted(wanted, [base, base + n])
        if hi > lo:
            pieces.append(pf.read_row_group(group).take(pa.array(wanted[lo:hi] - base)))
        base += n
    shown = pa.concat_tables(pieces).to_pandas() if pieces else \
        pf.schema_arrow.empty_table().to_pandas()
    # back into selection order (rank, then report order)
    return shown.iloc[np.searchsorted(wanted, first)].reset_index(drop=True), total


def fact_note(shown: int, total: int, order: str) -> str:
    how = "问题报告（错误、警告）的事实优先，其余按报告顺序" if order == "flagged" else "按报告顺序"
    return (f"注意：本表只列出 {shown:,} 条事实（{how}），另有 {total - shown:,} 条未列出"
            f"（共 {total:,} 条）。完整事实表见 tables/facts.parquet，"
            "或 ghminer.duckdb 中的 facts 表（视图 v_fact_sources 附区县与核对页）。")


REPORT_SHEET_COLUMNS = ["report_id", "district", "branch_name", "branch_id", "branch_source",
                        "source", "start_line", "title", "org", "org_type", "year", "report_year",
                        "year_source", "sections",
                        "n_facts", "n_quant_facts", "placeholder_count", "complete", "n_flags",
                        "flag_summary", "review_page"]


def write_workbook(path: Path, summary: pd.DataFrame, reports, flags, facts,
                   missing: pd.DataFrame, stats: pd.DataFrame, max_fact_rows: int | None = None,
                   fact_order: str | None = None, file_issues: pd.DataFrame | None = None,
                   years=None) -> Path:
    """The workbook; the fact sheet holds at most `max_fact_rows` rows (default from
    data/outputs.toml) and then says how many facts were left out and where they are.
    `reports`, `flags`, `facts`: the tables as DataFrames or their Parquet files, which
    are read a batch at a time as their sheets are written (only the facts shown are
    read). `file_issues` (see aggregate.file_issues): files that failed or gave no
    report and refused manifest rows, listed in 缺项与问题 after the reports' flags.
    `years` (a `years.YearTables`): the 年度对比 sheet."""
    cfg = excel_config()
    limit = cfg["max_fact_rows"] if max_fact_rows is None else int(max_fact_rows)
    order = fact_order or cfg["fact_order"]
    ctx = read_table(reports, ["report_id", "district", "branch_name", "source"]) \
        .set_index("report_id")
    ranked = read_table(flags, ["report_id", "severity"])
    if isinstance(facts, pd.DataFrame):
        shown, total = _capped_facts(facts, ranked, limit, order), len(facts)
    else:
        shown, total = _capped_facts_parquet(Path(facts), ranked, limit, order)
    del ranked
    # (Arrow-backed empty frames cannot be joined: a run whose files gave no report)
    facts_x = shown.join(ctx, on="report_id") if len(shown) else \
        shown.assign(district=pd.Series(dtype="string"), branch_name=pd.Series(dtype="string"))
    facts_x = facts_x[["district", "branch_name", *shown.columns]]
    note = fact_note(len(shown), total, order) if len(shown) < total else None

    def flag_rows():
        columns = None
        for batch in iter_table(flags):
            batch = (batch.join(ctx, on="report_id") if len(batch) else batch.assign(
                **{c: pd.Series(dtype="string") for c in ctx.columns}))[
                ["district", "branch_name", "source", *batch.columns]]
            columns = batch.columns
            yield batch
        if file_issues is not None and len(file_issues):
            # a file has no report id: its path stands in the detail column
            rows = file_issues.rename(columns={"path": "detail"})
            yield rows.reindex(columns=columns if columns is not None else rows.columns)

    # each sheet is made as the workbook is written, and dropped after (cells are many)
    notes = {"事实明细": note, "年度对比": YEAR_NOTE if years is not None and
             len(years.years) > 1 else None}
    year_rows = year_sheet_rows(years)
    n_issues = len(file_issues) if file_issues is not None else 0
    tables = ([summary], iter_table(reports, REPORT_SHEET_COLUMNS), flag_rows(),
              iter_table(facts_x), [missing], [stats], [year_rows])
    totals = (len(summary), _rows(reports), _rows(flags) + n_issues, len(facts_x),
              len(missing), len(stats), len(year_rows))
    sheets = [partial(_sheet, title, rows, total, notes.get(title))
              for title, rows, total in zip(SHEETS, tables, totals)]
    with atomic_path(path) as tmp:
        xlsx.save(tmp, sheets)
    return path


YEAR_SHEET_COLUMNS = ["level", "district", "branch_id", "branch_name", "metric", "status",
                      "previous_year", "current_year", "previous_value", "current_value",
                      "change", "change_pct", "previous_branches", "current_branches"]
YEAR_NOTE = ("说明：基层单位数值取报告中该指标最大的数字，同一单位同年多份报告相加（比率取平均）；"
             "区县数值为所辖单位之和（比率为平均），单位数不同的两年不宜直接比较。"
             "每个数值所依据的原文见 ghminer.duckdb 的 branch_years 表（事实编号、事实原文）。")


def year_sheet_rows(years) -> pd.DataFrame:
    """The 年度对比 sheet: district rows, then branch rows, each by district, branch,
    metric and year; a one-cell explanation when the run holds fewer than two years
    (an empty table would look broken)."""
    from pipeline.aggregate.years import no_comparison_note

    why = no_comparison_note(years)
    if why is not None:
        return pd.DataFrame({"说明": [why]})
    df = years.year_over_year[YEAR_SHEET_COLUMNS]
    order = {m: i for i, m in enumerate(labels().get("metric", {}))}
    df = df.assign(_l=(df["level"] == "branch").astype(int),
                   _m=df["metric"].map(lambda m: order.get(m, -1) if isinstance(m, str) else 99))
    df = df.sort_values(["_l", "district", "branch_name", "_m", "current_year"],
                        na_position="last", kind="stable").drop(columns=["_l", "_m"])
    return df.assign(level=df["level"].map(lambda v: zh("level", v)),
                     status=df["status"].map(lambda v: zh("status", v)))
