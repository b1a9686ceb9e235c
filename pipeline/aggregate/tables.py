"""Schema-derived tables: one row per report, section, fact and flag.

Column names come from the pydantic models (`Report`, `Section`, the fact
models, `Flag`), never retyped, so a schema change flows through to Parquet,
DuckDB, Excel and the notebook. Reports are consumed one at a time; only the
rows are kept.
"""
from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from pipeline.aggregate.branches import Branch
from pipeline.aggregate.flags import Flag
from schemas.report import Fact, Report, Section

NESTED_REPORT_FIELDS = ("section_tree", "facts")
REPORT_DERIVED = ("branch_id", "branch_name", "district", "branch_source", "n_facts",
                  "n_quant_facts", "n_flags", "complete", "flag_summary", "review_page")
REPORT_COLUMNS = ["report_id"] + [f for f in Report.model_fields
                                  if f not in NESTED_REPORT_FIELDS] + list(REPORT_DERIVED)
SECTION_COLUMNS = ["report_id", "section_no", "parent"] + [f for f in Section.model_fields
                                                          if f != "children"]


def _fact_models():
    union = typing.get_args(typing.get_args(Fact)[0])
    return union


def _fact_columns() -> list[str]:
    cols: list[str] = ["type"]
    for model in _fact_models():
        for name in model.model_fields:
            if name not in cols:
                cols.append(name)
    return cols


FACT_COLUMNS = ["report_id", "fact_no"] + _fact_columns()
FLAG_COLUMNS = list(Flag.model_fields)


def report_key(rep: Report, used: dict[str, str]) -> str:
    """A readable, unique id: `<file stem>#<index>`, disambiguated by path."""
    stem = rep.source.rsplit(".", 1)[0] if "." in rep.source else rep.source
    base = stem
    n = 1
    while used.get(base, rep.path) != rep.path:
        n += 1
        base = f"{stem}~{n}"
    used[base] = rep.path
    return f"{base}#{rep.report_index}"


def _is_plain(annotation) -> bool:
    """A str, number, bool, None or Literal, or a list of those, or an optional one."""
    if annotation in (str, int, float, bool, type(None)):
        return True
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return all(isinstance(a, (str, int, float, bool, type(None))) for a in args)
    if origin is list or origin in (typing.Union, types.UnionType):
        return all(_is_plain(a) for a in args)
    return False


def _is_list(annotation) -> bool:
    """A list, or an optional list."""
    return any(typing.get_origin(a) is list
               for a in (annotation, *typing.get_args(annotation)))


@cache
def _dumper(model: type, exclude: tuple[str, ...] = ()):
    """A function giving `obj.model_dump(exclude=set(exclude))` for instances of `model`.
    When those fields are all plain values, `model_dump` gives what the instance's
    `__dict__` holds (lists copied): copying that is several times cheaper, and a run
    dumps every section and fact."""
    fields = {name: f for name, f in model.model_fields.items() if name not in exclude}
    if model.model_computed_fields or not all(_is_plain(f.annotation) for f in fields.values()):
        return lambda obj: obj.model_dump(exclude=set(exclude))
    lists = [name for name, f in fields.items() if _is_list(f.annotation)]

    def dump(obj) -> dict:
        d = obj.__dict__.copy()
        for name in exclude:
            del d[name]
        for name in lists:
            if d[name] is not None:
                d[name] = list(d[name])
        return d
    return dump


def _dump(obj, exclude: tuple[str, ...] = ()) -> dict:
    """`obj.model_dump(exclude=set(exclude))` (see `_dumper`)."""
    return _dumper(type(obj), exclude)(obj)


_FACT_DUMPERS: dict[type, typing.Callable] = {}  # by fact class, looked up per fact


MISSING = np.nan  # a column a row's model lacks: what pd.DataFrame(rows) puts there


class ColumnStore:
    """Rows kept as one list a column. A dict a row costs about 1 KB more than the
    values it holds, and a run holds every section and fact until the tables are
    framed (310k facts at 100 MB of text)."""

    def __init__(self, columns: list[str]):
        self.columns = columns
        self.data: dict[str, list] = {c: [] for c in columns}

    def __len__(self) -> int:
        return len(self.data[self.columns[0]])

    def append(self, row: dict) -> None:
        get = row.get
        for column, values in self.data.items():
            values.append(get(column, MISSING))

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame (the same dtypes as from the row dicts); the lists are
        released column by column as pandas copies them."""
        data, self.data = self.data, {c: [] for c in self.columns}
        frame = pd.DataFrame(index=pd.RangeIndex(len(data[self.columns[0]])))
        for column in self.columns:
            frame[column] = _column(data.pop(column))
        return frame


def _column(values: list) -> pd.Series:
    """A column as `pd.DataFrame(rows)` types it."""
    return pd.DataFrame({"v": values})["v"] if values else pd.Series(values, dtype=object)


@dataclass
class TableBuilder:
    reports: list[dict] = field(default_factory=list)
    sections: ColumnStore = field(default_factory=lambda: ColumnStore(SECTION_COLUMNS))
    facts: ColumnStore = field(default_factory=lambda: ColumnStore(FACT_COLUMNS))
    flags: list[Flag] = field(default_factory=list)

    def add(self, report_id: str, rep: Report, branch: Branch, flags: list[Flag]) -> None:
        row = {"report_id": report_id}
        row.update(_dump(rep, exclude=NESTED_REPORT_FIELDS))
        row.update(branch_id=branch.branch_id, branch_name=branch.branch_name,
                   district=branch.district, branch_source=branch.branch_source,
                   n_facts=len(rep.facts),
                   n_quant_facts=sum(f.type in ("count", "rate", "amount") and f.value is not None
                                     for f in rep.facts),
                   n_flags=0, complete=None, flag_summary="", review_page=None)
        self.reports.append(row)
        no = 0

        def walk(nodes: list[Section], parent: int | None):
            nonlocal no
            for s in nodes:
                no += 1
                me = no
                self.sections.append({"report_id": report_id, "section_no": me,
                                      "parent": parent, **_dump(s, exclude=("children",))})
                walk(s.children, me)

        walk(rep.section_tree, None)
        dumpers = _FACT_DUMPERS
        for i, f in enumerate(rep.facts, 1):
            cls = type(f)
            dump = dumpers.get(cls) or dumpers.setdefault(cls, _dumper(cls))
            self.facts.append({"report_id": report_id, "fact_no": i, **dump(f)})
        self.flags.extend(flags)

    def finish(self, blocking: tuple[str, ...]) -> None:
        """Fill the flag-derived report columns once every flag is known."""
        by_report: dict[str, list[Flag]] = {}
        for f in self.flags:
            by_report.setdefault(f.report_id, []).append(f)
        for row in self.reports:
            fl = by_report.get(row["report_id"], [])
            row["n_flags"] = len(fl)
            row["complete"] = not any(f.code in blocking for f in fl)
            row["flag_summary"] = "；".join(f.message for f in fl)

    def frames(self) -> dict[str, pd.DataFrame]:
        """The four tables. The row lists are handed over (emptied) as each frame is
        built: they are the largest thing in memory (a dict a fact) and the frames
        hold the same values; `flags` stays (the review pages show them)."""
        out = {"reports": pd.DataFrame(self.reports, columns=REPORT_COLUMNS)}
        self.reports.clear()
        out["sections"] = self.sections.frame()
        out["facts"] = self.facts.frame()
        out["flags"] = pd.DataFrame([_dump(f) for f in self.flags], columns=FLAG_COLUMNS)
        return out
