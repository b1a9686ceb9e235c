"""The analyst's workbook: Chinese headers, one sheet per question, injection-safe.

Every text cell that a spreadsheet could read as a formula (starting with
= + - @, tab or CR) is prefixed with an apostrophe, and characters that
are illegal in XML are dropped, so a report's text can never run in Excel.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.aggregate.labels import header, zh

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 32000  # Excel's limit is 32767 characters


def safe_cell(value):
    """A value openpyxl writes as inert data."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, str)):
        value = "、".join(map(str, list(value)))
    if isinstance(value, bool):
        return "是" if value else "否"
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, (int, float)):
        return value
    s = str(value)
    if not s.isascii():  # lone surrogates cannot be written as XML text
        s = s.encode("utf-8", "replace").decode("utf-8")
    s = ILLEGAL_CHARACTERS_RE.sub("", s)[:MAX_CELL]
    if s.startswith(FORMULA_TRIGGERS):
        s = "'" + s
    return s


# which enumeration each column's values belong to, for Chinese display
ENUM_COLUMNS = {"org_type": "org_type", "label": "section", "metric": "metric",
                "level": "award_level", "type": "fact_type", "code": "flag",
                "severity": "severity", "branch_source": "branch_source", "kind": "kind"}


def _display(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col, kind in ENUM_COLUMNS.items():
        if col in df.columns:
            df[col] = df[col].map(lambda v, k=kind: zh(k, v) if isinstance(v, str) else v)
    if "sections" in df.columns:
        df["sections"] = df["sections"].map(
            lambda s: "、".join(zh("section", x) for x in list(s)) if s is not None else None)
    return df


def _sheet(wb: Workbook, title: str, df: pd.DataFrame) -> None:
    """One sheet, streamed (write-only mode keeps memory flat on big runs)."""
    ws = wb.create_sheet(title)
    df = _display(df)
    for i, col in enumerate(df.columns, 1):
        width = max([len(str(header(col)))] + [len(str(v)) for v in df[col].head(200)
                                                  if v is not None]) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(max(8, width * 1.3), 60)
    ws.freeze_panes = "A2"
    if len(df):
        ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(df.columns)))}{len(df) + 1}"
    head = []
    for c in df.columns:
        cell = WriteOnlyCell(ws, value=safe_cell(header(c)))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        head.append(cell)
    ws.append(head)
    for rec in df.itertuples(index=False, name=None):
        ws.append([safe_cell(v) for v in rec])


SHEETS = ("区县汇总", "报告清单", "缺项与问题", "事实明细", "未提交单位", "指标明细")


def write_workbook(path: Path, summary: pd.DataFrame, reports: pd.DataFrame,
                   flags: pd.DataFrame, facts: pd.DataFrame, missing: pd.DataFrame,
                   stats: pd.DataFrame) -> Path:
    wb = Workbook(write_only=True)
    report_cols = ["report_id", "district", "branch_name", "branch_id", "branch_source", "source",
                   "start_line", "title", "org", "org_type", "year", "sections", "n_facts",
                   "n_quant_facts", "placeholder_count", "complete", "n_flags", "flag_summary",
                   "review_page"]
    ctx = reports.set_index("report_id")[["district", "branch_name", "source"]]
    flags_x = flags.join(ctx, on="report_id")
    flags_x = flags_x[["district", "branch_name", "source", *flags.columns]]
    facts_x = facts.join(ctx, on="report_id")
    facts_x = facts_x[["district", "branch_name", *facts.columns]]
    for title, df in zip(SHEETS, (summary, reports[report_cols], flags_x, facts_x, missing,
                                  stats)):
        _sheet(wb, title, df)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    os.replace(tmp, path)
    return path
