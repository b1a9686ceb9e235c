"""Schema-derived tables: one row per report, section, fact and flag.

Column names come from the pydantic models (`Report`, `Section`, the fact
models, `Flag`), never retyped, so a schema change flows through to Parquet,
DuckDB, Excel and the notebook; the Arrow types too (`table_schemas`). Reports
are consumed one at a time and their rows written to Parquet in row groups
(`TableWriter`): a build's memory does not hold the run's facts.
"""
from __future__ import annotations

import operator
import os
import types
import typing
from functools import cache

from pipeline.aggregate.branches import Branch
from pipeline.aggregate.flags import Flag
from schemas.report import BranchYear, Fact, Report, Section, YearOverYear

NESTED_REPORT_FIELDS = ("section_tree", "facts")
# the columns the aggregate adds to the report model's fields, with their types
REPORT_DERIVED_TYPES = {"branch_id": str, "branch_name": str, "district": str,
                        "branch_source": str, "report_year": int, "year_source": str, "n_facts": int, "n_quant_facts": int,
                        "n_flags": int, "complete": bool, "flag_summary": str,
                        "review_page": str}
REPORT_DERIVED = tuple(REPORT_DERIVED_TYPES)
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
    dumps every section and fact. A field the JSON leaves out (`exclude_if`, e.g. a
    fact's `provenance` when `extracted`) is still a column: it is in the dump."""
    fields = {name: f for name, f in model.model_fields.items() if name not in exclude}
    if model.model_computed_fields or not all(_is_plain(f.annotation) for f in fields.values()):
        return lambda obj: {**obj.model_dump(exclude=set(exclude)),
                            **{k: getattr(obj, k) for k, f in fields.items()
                               if f.exclude_if is not None}}
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


_FACT_DUMPERS: dict[type, tuple] = {}  # by fact class, looked up per fact


def _fact_dumper(model: type) -> tuple[typing.Callable, dict]:
    """(dump, the fact columns this model lacks, as nulls): every fact row has every
    column, so its table is transposed at C speed (`_columns`)."""
    return _dumper(model), dict.fromkeys(c for c in FACT_COLUMNS[2:] if c not in model.model_fields)


# --- Arrow schemas, derived from the pydantic models -------------------------------

def _arrow_type(annotation):
    """The Arrow type of a plain annotation (`_is_plain`): str and Literal of str as
    string, int, float, bool, lists of those; Optional adds nothing (every Arrow
    column is nullable)."""
    import pyarrow as pa

    scalars = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    if annotation in scalars:
        return scalars[annotation]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        kinds = {type(a) for a in args}
        if len(kinds) == 1 and kinds <= set(scalars):
            return scalars[kinds.pop()]
    elif origin is list and len(args) == 1:
        return pa.list_(_arrow_type(args[0]))
    elif origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        found = {_arrow_type(a) for a in inner}
        if len(found) == 1:
            return found.pop()
    raise TypeError(f"no Arrow type for {annotation!r}: give the column a plain type")


def _model_types(model, exclude=()) -> dict:
    return {name: _arrow_type(f.annotation) for name, f in model.model_fields.items()
            if name not in exclude}


# the keys the aggregate gives the rows of its tables
ROW_KEY_TYPES = {"report_id": str, "section_no": int, "parent": int, "fact_no": int}


@cache
def table_schemas() -> dict:
    """name -> pyarrow.Schema of the four per-report tables, in column order."""
    import pyarrow as pa

    keys = {k: _arrow_type(v) for k, v in ROW_KEY_TYPES.items()}
    report = {**keys, **{k: _arrow_type(v) for k, v in REPORT_DERIVED_TYPES.items()},
              **_model_types(Report, NESTED_REPORT_FIELDS)}
    section = {**keys, **_model_types(Section, ("children",))}
    fact: dict = dict(keys)
    for model in _fact_models():
        for name, t in _model_types(model).items():
            if fact.setdefault(name, t) != t:
                raise TypeError(f"fact column {name!r} has two types: {fact[name]} and {t}")
    flag = _model_types(Flag)
    return {name: pa.schema([(c, types_[c]) for c in columns]) for name, columns, types_ in (
        ("reports", REPORT_COLUMNS, report), ("sections", SECTION_COLUMNS, section),
        ("facts", FACT_COLUMNS, fact), ("flags", FLAG_COLUMNS, flag))}


@cache
def year_table_schemas() -> dict:
    """name -> pyarrow.Schema of the across-years tables (see `years`)."""
    import pyarrow as pa

    return {name: pa.schema(list(_model_types(model).items()))
            for name, model in (("branch_years", BranchYear), ("year_over_year", YearOverYear))}


def frame_of(rows: list[dict], schema):
    """Rows as a DataFrame typed by an Arrow schema (nullable ints stay ints)."""
    import pandas as pd
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=schema).to_pandas(
        types_mapper={pa.int64(): pd.Int64Dtype()}.get)


# rows buffered before they are written as one Parquet row group (a report row holds its
# flags' messages: 5,000 of them are a few MB)
ROW_GROUP_ROWS = 5_000


class ParquetSink:
    """One table written as it grows: rows (dicts) are buffered and written as a
    Parquet row group every `row_group` rows into a temporary file, completed by
    `close` and renamed over the table's path by `publish` (a failed or interrupted
    build leaves the previous table, and `abandon` removes the temporary file)."""

    def __init__(self, path, schema, row_group: int = ROW_GROUP_ROWS):
        from pipeline.runtime.files import tmp_path_for

        self.path, self.schema, self.row_group = path, schema, row_group
        self.tmp = tmp_path_for(path)
        self.rows: list[dict] = []
        self.writer = None
        self.n = 0

    def append(self, row: dict) -> None:
        self.rows.append(row)
        self.n += 1
        if len(self.rows) >= self.row_group:
            self.flush()

    def extend(self, rows) -> None:
        for row in rows:
            self.append(row)

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.tmp, self.schema)
        if len(self.rows):
            rows, self.rows = self.rows, []
            # a column at a time (cheaper than a row at a time); from_pandas: a NaN is
            # null, as pandas writes it
            self.writer.write_batch(pa.record_batch(
                [pa.array(column, type=f.type, from_pandas=True)
                 for f, column in zip(self.schema, _columns(rows, self.schema.names))],
                schema=self.schema))

    def close(self):
        """The table complete, still under its temporary name (returned)."""
        from pipeline.runtime.files import fsync_file

        self.flush()
        self.writer.close()
        self.writer = None
        fsync_file(self.tmp)
        return self.tmp

    def publish(self):
        """The closed table renamed into place; its path."""
        os.replace(self.tmp, self.path)
        return self.path

    def abandon(self) -> None:
        """Drop the temporary file; never raises (it runs while a failure unwinds)."""
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:  # noqa: BLE001 - a full disk, an interrupted close: the file goes
                pass
            self.writer = None
        try:
            self.tmp.unlink(missing_ok=True)
        except OSError:  # (a read-only folder: remove_stale_tmp sweeps it at the next build)
            pass


def _columns(rows: list[dict], names: list[str]) -> list:
    """The rows' values column by column (every row has every column: see
    `_fact_dumper`), transposed by `itemgetter` and `zip`: C loops, several times
    cheaper than a lookup a cell in Python for 300k facts."""
    get = operator.itemgetter(*names)
    return list(zip(*map(get, rows))) if len(names) > 1 else [list(map(get, rows))]


class TableWriter:
    """The reports, sections, facts and flags tables of a build, written to
    `folder/NAME.parquet` as reports are added: memory holds a row group a table,
    not the run (310k facts at 100 MB of text). A report's row is complete when it is
    added: its flags, near-duplicate ones included, and its review page are known by
    then. `close` completes the four tables under temporary names (what comes next
    reads them there), `publish` puts them in place together; `abandon` drops what
    is not published."""

    def __init__(self, folder, blocking: tuple[str, ...], row_group: int = ROW_GROUP_ROWS):
        from pathlib import Path

        self.blocking = frozenset(blocking)
        schemas = table_schemas()
        self.sinks = {name: ParquetSink(Path(folder) / f"{name}.parquet", schema, row_group)
                      for name, schema in schemas.items()}

    def add(self, report_id: str, rep: Report, branch: Branch, flags: list[Flag],
            all_flags: list[Flag], review_page: str | None, year: int | None = None,
            year_source: str | None = None) -> None:
        """`flags`: the report's own (written now, in report order); `all_flags`: those
        and its near-duplicate flags (written by `add_flags`), which its row counts."""
        row = {"report_id": report_id}
        row.update(_dump(rep, exclude=NESTED_REPORT_FIELDS))
        row.update(branch_id=branch.branch_id, branch_name=branch.branch_name,
                   district=branch.district, branch_source=branch.branch_source,
                   report_year=year, year_source=year_source,
                   n_facts=len(rep.facts),
                   n_quant_facts=sum(f.type in ("count", "rate", "amount") and f.value is not None
                                     for f in rep.facts),
                   n_flags=len(all_flags),
                   complete=not any(f.code in self.blocking for f in all_flags),
                   flag_summary="；".join(f.message for f in all_flags),
                   review_page=review_page)
        self.sinks["reports"].append(row)
        sections = self.sinks["sections"]
        no = 0

        def walk(nodes: list[Section], parent: int | None):
            nonlocal no
            for s in nodes:
                no += 1
                me = no
                sections.append({"report_id": report_id, "section_no": me,
                                 "parent": parent, **_dump(s, exclude=("children",))})
                walk(s.children, me)

        walk(rep.section_tree, None)
        facts, dumpers = self.sinks["facts"], _FACT_DUMPERS
        for i, f in enumerate(rep.facts, 1):
            cls = type(f)
            dump, absent = dumpers.get(cls) or dumpers.setdefault(cls, _fact_dumper(cls))
            facts.append({"report_id": report_id, "fact_no": i, **dump(f), **absent})
        self.add_flags(flags)

    def add_flags(self, flags: list[Flag]) -> None:
        self.sinks["flags"].extend(_dump(f) for f in flags)

    def counts(self) -> dict[str, int]:
        return {name: sink.n for name, sink in self.sinks.items()}

    def close(self) -> dict:
        """name -> temporary path of each table, complete."""
        return {name: sink.close() for name, sink in self.sinks.items()}

    def publish(self) -> dict:
        """name -> path of each table, now in place."""
        from pipeline.runtime.files import fsync_dir

        paths = {name: sink.publish() for name, sink in self.sinks.items()}
        fsync_dir(next(iter(paths.values())).parent)
        return paths

    def abandon(self) -> None:
        """Drop the temporary files (every sink's, whatever fails)."""
        for sink in self.sinks.values():
            sink.abandon()


BATCH_ROWS = 5_000  # rows of a table read back at a time (a sheet holds their cells)


def read_table(table, columns: list[str] | None = None, filters=None):
    """A table (a DataFrame, or the Parquet file of one), or some of its columns, as a
    DataFrame; from a file, a value repeated down a column (district, code,
    severity ...) is one Python object, not one per row, and `filters` (pyarrow's
    row filters) select the rows read."""
    import pandas as pd
    import pyarrow.parquet as pq

    if isinstance(table, pd.DataFrame):
        return table if columns is None else table[columns]
    return pq.read_table(table, columns=columns, filters=filters) \
        .to_pandas(deduplicate_objects=True)


def iter_table(table, columns: list[str] | None = None, batch_rows: int | None = None):
    """A table (as `read_table`) as DataFrames of at most `batch_rows` rows, at least
    one (empty, with the columns, for an empty table): a table on disk is never read
    whole, and a sheet or page made of the batches holds one batch's cells at a time."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    batch_rows = batch_rows or BATCH_ROWS
    if isinstance(table, pd.DataFrame):
        table = read_table(table, columns)
        for start in range(0, max(1, len(table)), batch_rows):
            yield table.iloc[start:start + batch_rows]
        return
    pf = pq.ParquetFile(table)
    empty = True
    for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
        empty = False
        yield batch.to_pandas(deduplicate_objects=True)
    if empty:
        schema = pf.schema_arrow
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns])
        yield schema.empty_table().to_pandas()

