"""The aggregate stage's fast paths give what the plain code they replace gives.

Each fast path (escaping, template filling, batched MinHash, folder-cached path
resolution, field dumps, the capped fact sheet, column-wise sheet rows, the two-pass
build with inline, early and late review rendering) is checked against a direct
implementation of what it stands for, on tricky inputs.
"""
import html
import math
import os
import re
from string import Template

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.aggregate import STAMP_NAME, AggregateError, build_outputs, excel, xlsx
from pipeline.aggregate.branches import Branch, resolve_file, safe_resolve
from pipeline.aggregate.flags import Flag, load_policy
from pipeline.aggregate.minhash import MinHasher
from pipeline.aggregate.html import dashboard, render
from pipeline.aggregate.source import SourceCache
from pipeline.aggregate.tables import (FACT_COLUMNS, REPORT_COLUMNS, TableWriter,
                                       _dump, table_schemas)
from schemas.report import Report
from tests.fixtures.districts import corpus as districts_corpus

TRICKY = ["", "a", "&", "<>", "\"'", "&amp;", "a&b<c>d\"e'f", "工会&职工", "x\ud800y",
          "\x00\x1f", " lead", "trail ", "=1+1", "&#x27;", "\u2028\u2029", "🙂<b>"]


# --- HTML escaping -----------------------------------------------------------------

@given(st.text())
def test_esc_text_is_html_escape(s):
    assert render.esc_text(s) == html.escape(s, quote=True)
    assert render.esc(s) == html.escape(s, quote=True)


def test_esc_of_tricky_values():
    for s in TRICKY:
        assert render.esc(s) == html.escape(s, quote=True)
    assert render.esc(None) == "" and render.esc(float("nan")) == ""
    assert render.esc(np.float64("nan")) == ""
    assert render.esc(3) == "3" and render.esc(2.5) == "2.5" and render.esc(True) == "True"

    class Text(str):
        pass
    assert render.esc(Text("<b>")) == "&lt;b&gt;" and type(render.esc(Text("b"))) is str


# --- templates ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["review.html", "dashboard.html"])
def test_fill_is_template_substitute(name):
    tpl = render.template(name)
    names = {m.group("named") or m.group("braced") for m in tpl.pattern.finditer(tpl.template)
             if m.group("named") or m.group("braced")} - {"css"}
    parts = {n: f"<{n}> $x ${{y}} $$" for n in names}
    assert render.fill(name, **parts) == tpl.substitute(css=render.css(), **parts)


def test_fill_handles_escapes_braces_and_errors(monkeypatch, tmp_path):
    (tmp_path / "t.html").write_text("a $$b ${x}y $x$$ $css", encoding="utf-8")
    (tmp_path / "bad.html").write_text("a $x $ b", encoding="utf-8")
    monkeypatch.setattr(render, "TEMPLATES", tmp_path)
    for f in (render.template, render._compiled):
        f.cache_clear()
    try:
        want = Template("a $$b ${x}y $x$$ $css").substitute(x="X", css=render.css())
        assert render.fill("t.html", x="X") == want
        with pytest.raises(KeyError):
            render.fill("t.html")
        with pytest.raises(ValueError):
            render.fill("bad.html", x="X")
    finally:
        for f in (render.template, render._compiled):
            f.cache_clear()


# --- MinHash -----------------------------------------------------------------------

def reference_signature(h: MinHasher, text: str):
    """One-permutation MinHash of one text, written plainly: the batched, array-cleaned
    `signatures` must give exactly this."""
    if len(h._clean(text)) - h.k + 1 < 20:
        return None
    hs = h._shingle_hashes(text)
    if len(np.unique(hs)) < 20:
        return None
    minima: dict[int, int] = {}
    for x in hs.tolist():
        b, v = ((x >> 32) * h.n) >> 32, x & 0xFFFFFFFF
        minima[b] = min(v, minima.get(b, v))
    out = []
    for b in range(h.n):
        if b not in minima:
            src = next((int(p) for p in h.probes[b] if int(p) in minima), None)
            if src is None:  # the fallback: the next filled bin
                src = next((b + d) % h.n for d in range(1, h.n) if (b + d) % h.n in minima)
            out.append(minima[src])
        else:
            out.append(minima[b])
    return np.array(out, dtype=np.uint32)


def same_signature(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None
                                         and a.dtype == b.dtype and (a == b).all())


def test_batched_signatures_are_the_one_by_one_signatures():
    h = MinHasher(load_policy())
    rng = np.random.default_rng(7)
    chars = list("工会职工会员年度总结一二三12 ，。AB\ud800")
    texts = ["", "工会总结", "一" * 30, "ab" * 40, "工会" * 15, "抄" * 23 + "一二", "抄写" * 12,
             "总结" * 5000, "".join(chr(c) for c in rng.integers(0x4e00, 0x4e40, 20000)),
             "１２３" * 50]
    texts += ["".join(rng.choice(chars, rng.integers(0, 300))) for _ in range(400)]
    got = h.signatures(texts)
    assert len(got) == len(texts)
    for text, sig in zip(texts, got):
        assert same_signature(sig, reference_signature(h, text)), text[:40]
        assert same_signature(h.signature(text), sig)
    assert h.signatures([]) == []


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="工会职工员年度总结ABab12 ，", max_size=120), max_size=30))
def test_batched_signatures_property(texts):
    h = MinHasher(load_policy())
    for text, sig in zip(texts, h.signatures(texts)):
        assert same_signature(sig, reference_signature(h, text))


# --- paths -------------------------------------------------------------------------

def test_resolve_file_is_safe_resolve(tmp_path, monkeypatch):
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (real / "sub" / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "link_dir").symlink_to(real)
    (real / "sub" / "link.txt").symlink_to(real / "sub" / "a.txt")
    (real / "loop").symlink_to(real / "loop")
    monkeypatch.chdir(tmp_path)
    paths = [real / "sub" / "a.txt", tmp_path / "link_dir" / "sub" / "a.txt",
             real / "sub" / "link.txt", real / "sub" / "missing.txt", real / "loop",
             tmp_path / "link_dir" / "sub" / ".." / "sub" / "a.txt", "real/sub/a.txt",
             "a.txt", "link_dir/sub/", real / "sub" / ".", real / "sub" / ".."]
    folders: dict = {}
    for p in paths * 2:  # the second time from the folder cache
        assert resolve_file(str(p), folders) == safe_resolve(p), p


# --- table rows and sheets ---------------------------------------------------------

def test_dump_is_model_dump(tmp_path):
    _, run = districts_corpus.build_run(tmp_path)
    reps = [Report.model_validate_json(x) for x in
            (run / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    reps.append(Report(source="a", path="b", report_index=0, start_line=1, end_line=1,
                       start=0, end=1, chars=1))
    for rep in reps:
        exclude = ("section_tree", "facts")
        d = _dump(rep, exclude)
        assert d == rep.model_dump(exclude=set(exclude))
        assert d["sections"] is not rep.sections  # a copy, as model_dump makes
        for f in rep.facts:
            # provenance is left out of the JSON when `extracted`, never out of the table
            dumped = f.model_dump()
            full = {k: dumped[k] if k in dumped else getattr(f, k) for k in type(f).model_fields}
            assert set(full) - set(dumped) <= {"provenance"}
            assert _dump(f) == full
            assert [type(v) for v in _dump(f).values()] == [type(v) for v in full.values()]
        for s in rep.section_tree:
            assert _dump(s, ("children",)) == s.model_dump(exclude={"children"})
    flag = Flag(report_id="r", code="c", severity="info", message="m", similarity=0.5)
    assert _dump(flag) == flag.model_dump()


def _plain(values: list) -> list:
    """Values as compared across pandas and Parquet: NaN and None alike, arrays as lists."""
    out = []
    for v in values:
        if hasattr(v, "tolist"):
            v = v.tolist()
        out.append(None if v is None or (isinstance(v, float) and math.isnan(v)) else v)
    return out


@pytest.mark.parametrize("row_group", [7, 100_000])
def test_table_writer_streams_what_row_dicts_hold(tmp_path, row_group):
    """The facts and reports tables read back from Parquet hold what the models dump,
    row for row, whether written in many row groups or one; a report's row counts its
    near-duplicate flags too, and the flags table lists them after the reports' own."""
    import pyarrow.parquet as pq

    _, run = districts_corpus.build_run(tmp_path)
    writer = TableWriter(tmp_path / "tables", blocking=("placeholders",), row_group=row_group)
    rows = []
    reps = [Report.model_validate_json(line)
            for line in (run / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    twin = Flag(report_id="r0", code="near_duplicate", severity="warning", message="像 r1",
                twin_report_id="r1", similarity=0.9)
    for i, rep in enumerate(reps):
        own = [Flag(report_id=f"r{i}", code="placeholders", severity="error", message="占位")] \
            if rep.placeholder_count else []
        writer.add(f"r{i}", rep, Branch("b", "工会", "东城区", "manifest"), own,
                   own + ([twin] if i == 0 else []), f"review/r{i}.html")
        for f_no, f in enumerate(rep.facts, 1):
            rows.append({"report_id": f"r{i}", "fact_no": f_no, **f.model_dump(),
                         "provenance": f.provenance})  # (a column, also when left out of JSON)
    writer.add_flags([twin])
    assert {f["type"] for f in rows} >= {"count", "award", "placeholder"}
    closed = writer.close()
    assert all(p.name.startswith(".") and p.is_file() for p in closed.values())
    assert not list((tmp_path / "tables").glob("*.parquet"))  # nothing published yet
    paths = writer.publish()
    assert not list((tmp_path / "tables").glob(".*tmp*"))  # temporary files renamed
    assert pq.ParquetFile(paths["facts"]).num_row_groups == -(-len(rows) // row_group)
    expected = pd.DataFrame(rows, columns=FACT_COLUMNS)
    got = pd.read_parquet(paths["facts"])
    assert list(got.columns) == FACT_COLUMNS and len(got) == len(expected)
    for column in FACT_COLUMNS:
        assert _plain(got[column].tolist()) == _plain(expected[column].tolist()), column
    reports = pd.read_parquet(paths["reports"])
    assert list(reports.columns) == REPORT_COLUMNS
    assert reports["n_facts"].tolist() == [len(r.facts) for r in reps]
    assert reports["review_page"].tolist() == [f"review/r{i}.html" for i in range(len(reps))]
    assert reports["complete"].tolist() == [not r.placeholder_count for r in reps]
    assert reports.loc[0, "n_flags"] == (1 if reps[0].placeholder_count else 0) + 1
    assert "像 r1" in reports.loc[0, "flag_summary"]
    flags = pd.read_parquet(paths["flags"])
    assert flags["code"].tolist()[-1] == "near_duplicate"
    assert writer.counts() == {"reports": len(reps), "sections": len(pd.read_parquet(
        paths["sections"])), "facts": len(rows), "flags": len(flags)}


def test_table_schemas_follow_the_models():
    schemas = table_schemas()
    facts, reports = schemas["facts"], schemas["reports"]
    assert facts.names == FACT_COLUMNS and reports.names == REPORT_COLUMNS
    types = {name: str(facts.field(name).type) for name in facts.names}
    ints = {"fact_no", "start", "end", "line", "recipient_start", "recipient_end"}
    assert {n for n, t in types.items() if t == "int64"} == ints
    assert {n for n, t in types.items() if t == "double"} == {"value"}
    assert {n for n, t in types.items() if t == "bool"} == {"approx", "low_confidence"}
    assert all(t == "string" for n, t in types.items()
               if n not in ints | {"value", "approx", "low_confidence"})
    assert str(reports.field("year").type) == "int64"  # a nullable int, not a float
    assert str(reports.field("complete").type) == "bool"
    assert str(reports.field("sections").type) == "list<item: string>"
    assert str(schemas["sections"].field("parent").type) == "int64"
    assert schemas["flags"].names == list(Flag.model_fields)
    assert str(schemas["flags"].field("similarity").type) == "double"


def test_a_build_failing_before_its_tables_are_complete_leaves_the_previous_ones(
        tmp_path, monkeypatch):
    """The four per-report tables are published together with the statistics' tables:
    a failure in between (here the statistics) leaves every previous table whole and
    no temporary file."""
    import pipeline.aggregate.stats as stats

    root, run = districts_corpus.build_run(tmp_path)
    build_outputs(run, [root])
    tables = run / "tables"
    before = {p.name: p.read_bytes() for p in tables.iterdir()}
    reps = [Report.model_validate_json(x)
            for x in (run / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    reps[0].title = (reps[0].title or "") + "（修订）"  # a rebuild is due
    (run / "reports.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in reps),
                                       encoding="utf-8")

    def broken(*args, **kwargs):
        raise MemoryError("statistics")

    monkeypatch.setattr(stats, "district_stats", broken)
    with pytest.raises(MemoryError):
        build_outputs(run, [root])
    assert {p.name: p.read_bytes() for p in tables.iterdir()} == before


def test_abandoned_table_writer_leaves_the_previous_table(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "facts.parquet").write_bytes(b"previous")
    _, run = districts_corpus.build_run(tmp_path)
    writer = TableWriter(folder, blocking=(), row_group=3)
    line = (run / "reports.jsonl").read_text(encoding="utf-8").splitlines()[0]
    writer.add("r0", Report.model_validate_json(line), Branch("b", "工会", "东城区", "manifest"),
               [], [], None)
    assert list(folder.glob(".facts.parquet.tmp-*"))  # row groups already on disk
    writer.abandon()
    writer.abandon()  # (twice: nothing left to drop, no error)
    assert sorted(p.name for p in folder.iterdir()) == ["facts.parquet"]
    assert (folder / "facts.parquet").read_bytes() == b"previous"


def test_sheet_of_lazy_batches_is_the_sheet_of_columns_and_is_written_once():
    cells = [excel._cells(list(range(7))), excel._cells(["工会"] * 7)]
    eager, lazy = xlsx.Sheet("t", [10, 10]), xlsx.Sheet("t", [10, 10])
    for ws in (eager, lazy):
        ws.autofilter = True
        ws.append(["h1", "h2"], style=xlsx.HEADER_STYLE)
    eager.append_columns(cells)
    lazy.append_column_batches(iter([[cells[0][:3], cells[1][:3]],
                                     [cells[0][3:], cells[1][3:]]]))
    for ws in (eager, lazy):
        ws.add_header_note("note")
        ws.append([])
        ws.append(["note"])
    assert lazy.filter_rows is None and lazy.rows == 3  # the batches counted once written
    assert eager.xml() == lazy.xml()
    assert lazy.rows == eager.rows == 10 and lazy.filter_rows == eager.filter_rows == 8
    assert '<autoFilter ref="A1:B8"/>' in eager.xml()
    with pytest.raises(RuntimeError, match="written already"):
        lazy.xml()


def test_sheet_streams_the_xml_it_would_join(tmp_path):
    ws = xlsx.Sheet("t", [10, 10])
    ws.append(["h1", "h2"], style=xlsx.HEADER_STYLE)
    ws.append_columns([excel._cells(list(range(5000))), excel._cells(["工会"] * 5000)])
    ws.append(["note"])
    pieces = []

    class Sink:
        def write(self, b):
            pieces.append(b)
    ws.write(Sink(), batch=700)
    assert len(pieces) > 5 and b"".join(pieces).decode("utf-8") == ws.xml()
    assert ws.xml().count("<row ") == ws.rows == 5002


def reference_capped_facts(facts, flags, limit, order):
    """The sort-everything version of `excel._capped_facts`."""
    if len(facts) <= limit:
        return facts
    if order == "flagged" and len(flags):
        worst = flags.assign(_r=flags["severity"].map(excel.SEVERITY_RANK).fillna(3)) \
            .groupby("report_id")["_r"].min()
        rank = facts["report_id"].map(worst).fillna(3)
        facts = facts.assign(_rank=rank.to_numpy()).sort_values("_rank", kind="stable") \
            .drop(columns="_rank")
    return facts.head(max(0, limit))


def test_capped_facts_is_a_stable_sort_by_rank():
    rng = np.random.default_rng(3)
    ids = [f"r{i}" for i in range(50)]
    facts = pd.DataFrame({"report_id": rng.choice(ids, 500), "fact_no": np.arange(500),
                          "text": [f"t{i}" for i in range(500)]})
    flags = pd.DataFrame({"report_id": rng.choice(ids[:30], 80),
                          "severity": rng.choice(["error", "warning", "info", "odd"], 80)})
    for limit in (-1, 0, 1, 37, 499, 500, 600):
        for order in ("flagged", "report"):
            pd.testing.assert_frame_equal(excel._capped_facts(facts, flags, limit, order),
                                          reference_capped_facts(facts, flags, limit, order))
    pd.testing.assert_frame_equal(excel._capped_facts(facts, flags.iloc[:0], 10, "flagged"),
                                  reference_capped_facts(facts, flags.iloc[:0], 10, "flagged"))


def test_sheet_rows_by_columns_are_rows_by_cells():
    columns = [[1, "=x", None, 2.5], ["a&b", "<c>", " d", float("nan")]]
    cells = [excel._cells(c) for c in columns]
    one, two = xlsx.Sheet("t", [10, 10]), xlsx.Sheet("t", [10, 10])
    for s in (one, two):
        s.append(["h1", "h2"], style=xlsx.HEADER_STYLE)
    for row in zip(*cells):
        one.append_cells(row)
    two.append_columns(cells)
    assert one.xml() == two.xml() and one.rows == two.rows == 5


def test_cells_cache_distinct_values_as_the_one_by_one_loop_does():
    nan = float("nan")
    for values in ([1, True, 1.0, "a", None, nan, nan, "=x", "a", -0.0, 0.0, "是"],
                   [np.array(["a", "b"]), 1, True, "x", "x"], [], TRICKY):
        assert excel._cells(values) == excel._cells_one_by_one(values)
        assert excel._cells(values) == [xlsx.cell_xml(excel.safe_cell(v)) for v in values] \
            or any(isinstance(v, (bool, float)) for v in values)  # 1 == True == 1.0 share a cell


def test_illegal_characters_are_openpyxls():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    assert excel.ILLEGAL_CHARACTERS_RE.pattern == ILLEGAL_CHARACTERS_RE.pattern
    assert excel.ILLEGAL_CHARACTERS_RE.flags == ILLEGAL_CHARACTERS_RE.flags


def test_dashboard_rows_are_itertuples():
    df = pd.DataFrame({"a": ["x", None, "z"], "b": [1.5, float("nan"), 3.0], "c": [1, 2, 3],
                       "d": [True, False, None], "e": pd.array(["p", None, "r"], dtype="str")})
    got = list(dashboard._rows(df, *df.columns))
    want = [tuple(r)[1:] for r in df.itertuples()]
    for g, w in zip(got, want, strict=True):
        for x, y in zip(g, w, strict=True):
            assert type(x) is type(y)
            assert x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))


# --- page files --------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "a\nb\r\nc", "工会\ud800x<p>", "页" * 300_000])
def test_write_text_replace_writes_what_a_text_file_would(tmp_path, text):
    from pipeline.runtime.files import write_text_replace

    write_text_replace(tmp_path / "a.html", text)
    with open(tmp_path / "b.html", "w", encoding="utf-8", errors="replace") as fh:
        fh.write(text)
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert (tmp_path / "a.html").stat().st_mode == (tmp_path / "b.html").stat().st_mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html"]


# --- sources -----------------------------------------------------------------------

def test_source_cache_keeps_texts_within_its_budget(tmp_path, monkeypatch):
    from pipeline.aggregate import source

    files = []
    for i, n in enumerate((10, 20, 30)):
        p = tmp_path / f"f{i}.txt"
        p.write_text("字" * n, encoding="utf-8")
        files.append(str(p))
    reads = []
    real = source.read_source
    monkeypatch.setattr(source, "read_source", lambda path, sha=None, enc=None: reads.append(path)
                        or real(path, sha, enc))
    cache = SourceCache(keep_chars=35)
    texts = [cache.get(p).text for p in files]  # keeps f0 and f1 (30 chars), not f2
    assert texts == ["字" * 10, "字" * 20, "字" * 30]
    for p in files:
        assert cache.get(p).text == texts[files.index(p)]
    assert reads == [*files, files[2]]
    plain = SourceCache()
    assert [plain.get(p).text for p in files + files[:1]] == texts + texts[:1]


# --- the two passes -----------------------------------------------------------------

def test_bad_line_in_the_second_pass_is_a_clear_error(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    lines = (run / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    bad = re.sub(r'"chars":\d+', '"chars":-1', lines[3])  # passes the first pass, not the second
    assert bad != lines[3]
    (run / "reports.jsonl").write_text("\n".join(lines[:3] + [bad] + lines[4:]) + "\n",
                                       encoding="utf-8")
    with pytest.raises(AggregateError, match="line 4"):
        build_outputs(run, [root], review_pages=True)
    assert not (run / STAMP_NAME).exists()
    assert len(list((run / "review").iterdir())) == 3  # the pages before it, whole
    assert not list(run.rglob(".*.tmp-*"))  # no half-written table or page


def test_reports_file_changed_between_the_passes(tmp_path, monkeypatch):
    import pipeline.aggregate as agg

    root, run = districts_corpus.build_run(tmp_path)
    real = agg._near_duplicate_pass

    def then_edit(*args, **kwargs):
        out = real(*args, **kwargs)
        path = run / "reports.jsonl"
        path.write_text(path.read_text(encoding="utf-8").replace('"e1.txt"', '"e9.txt"'),
                        encoding="utf-8")
        return out

    monkeypatch.setattr(agg, "_near_duplicate_pass", then_edit)
    with pytest.raises(AggregateError, match="changed while it was read"):
        build_outputs(run, [root])


def test_the_first_pass_reports_a_bad_line_like_the_full_record(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    with open(run / "reports.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    with pytest.raises(AggregateError, match=r"line 8: not a valid report record: Invalid JSON"):
        build_outputs(run, [root])
    assert os.path.isdir(run)
