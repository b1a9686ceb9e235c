"""The corrections journal: appends, corrupt lines, stale entries, applying, and the
aggregate build that applies it (district stats, DuckDB and the workbook change)."""
from __future__ import annotations

import json
import multiprocessing
import warnings

import duckdb
import pytest

from pipeline.aggregate import build_outputs
from pipeline.corrections import (CorrectionError, CorruptJournalWarning,
                                  UnappliedCorrectionWarning, add_fact_after,
                                  append_entry, apply_corrections, branch_overrides,
                                  journal_path, new_entry, read_journal, stale_entries)
from tests.fixtures.districts import corpus as districts_corpus

SHA = "a" * 64


def _report() -> dict:
    return {"source": "x.txt", "path": "/in/x.txt", "report_index": 0, "start_line": 1,
            "end_line": 3, "start": 10, "end": 80, "org": None, "org_type": "street",
            "sections": ["org_building"], "chars": 70, "placeholder_count": 0,
            "facts": [{"type": "count", "text": "会员300人", "start": 20, "end": 26, "line": 2,
                       "value": 300, "unit": "人", "metric": "members"},
                      {"type": "rate", "text": "入会率90%", "start": 30, "end": 36, "line": 2,
                       "value": 90, "metric": "membership_rate"}]}


def _fact_target(f: dict, report_start: int = 10, sha: str = SHA) -> dict:
    return {"sha256": sha, "report_start": report_start, "type": f["type"],
            "start": f["start"], "end": f["end"]}


def test_apply_reject_edit_add_section_and_org():
    rep = _report()
    count, rate = rep["facts"]
    add = {"type": "count", "text": "困难职工12户", "start": 50, "end": 57, "line": 3,
           "value": 12, "unit": "户", "metric": "aided"}
    entries = [
        new_entry("reject_fact", _fact_target(rate)),
        new_entry("edit_fact", _fact_target(count), after={"value": 3000}, before={"value": 300}),
        new_entry("add_fact", {"sha256": SHA, "report_start": 10}, after=add),
        new_entry("add_fact", {"sha256": SHA, "report_start": 10}, after=add),  # twice: once
        new_entry("set_section", {"sha256": SHA, "report_start": 10},
                  after={"label": "aid", "present": True}),
        new_entry("set_section", {"sha256": SHA, "report_start": 10},
                  after={"label": "org_building", "present": False}),
        new_entry("set_report_field", {"sha256": SHA, "report_start": 10},
                  after={"field": "org", "value": "东湖街道工会"}),
        new_entry("set_report_field", {"sha256": SHA, "report_start": 10},
                  after={"field": "district", "value": "东湖区"}),
        # another report of the same file, and another file: not applied here
        new_entry("reject_fact", _fact_target(count, report_start=500)),
        new_entry("reject_fact", _fact_target(count, sha="b" * 64)),
    ]
    out = apply_corrections(rep, SHA, entries)
    assert rep == _report()  # the input is left as it was
    assert [(f["text"], f.get("value"), f.get("provenance")) for f in out["facts"]] == [
        ("会员300人", 3000, "corrected"), ("困难职工12户", 12, "added")]
    assert out["sections"] == ["aid"] and out["org"] == "东湖街道工会"
    assert branch_overrides(rep, SHA, entries) == {"district": "东湖区"}
    # idempotent: applying again to the corrected report changes nothing
    assert apply_corrections(out, SHA, entries) == out


def test_entry_aimed_at_a_missing_fact_is_reported_not_fatal():
    rep = _report()
    gone = {"type": "count", "start": 1, "end": 5}
    problems: list = []
    entries = [new_entry("reject_fact", {"sha256": SHA, "report_start": 10, **gone}),
               new_entry("edit_fact", _fact_target(rep["facts"][0]), after={"unit": "桶"})]
    out = apply_corrections(rep, SHA, entries, problems)
    assert out["facts"] == rep["facts"]
    assert [reason for _, reason in problems][0] == "该事实已不在报告中"
    assert "不是有效事实" in problems[1][1]


def test_malformed_entries_are_refused():
    with pytest.raises(CorrectionError):
        new_entry("delete_everything", {"sha256": SHA, "report_start": 0})
    with pytest.raises(CorrectionError):  # a fact action without the fact
        new_entry("reject_fact", {"sha256": SHA, "report_start": 0})
    with pytest.raises(CorrectionError):  # an edit may not move a fact
        new_entry("edit_fact", _fact_target(_report()["facts"][0]), after={"start": 3})
    with pytest.raises(CorrectionError):
        new_entry("set_section", {"sha256": SHA, "report_start": 0},
                  after={"label": "cooking", "present": True})


def test_added_fact_must_be_the_source_text():
    source = "前言\n全年慰问困难职工12户，发放慰问金3万元。"
    start = source.index("困难职工12户")
    after = add_fact_after(source, {"type": "count", "start": start, "end": start + 7,
                                    "value": 12, "unit": "户", "metric": "aided"})
    assert after["text"] == "困难职工12户" and after["line"] == 2
    with pytest.raises(CorrectionError):
        add_fact_after(source, {"type": "count", "text": "困难职工13户", "start": start,
                                "end": start + 7, "value": 13, "unit": "户"})
    with pytest.raises(CorrectionError):
        add_fact_after(source, {"type": "count", "start": start, "end": len(source) + 5,
                                "value": 1, "unit": "户"})


def _append_many(run_dir: str, who: str, n: int) -> None:
    for i in range(n):
        append_entry(run_dir, new_entry("set_section", {"sha256": SHA, "report_start": i},
                                        after={"label": "aid", "present": True}, who=who))


def test_two_processes_appending_at_once_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(tmp_path), who, 150))
             for who in ("甲", "乙")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    journal = read_journal(tmp_path)
    assert journal.bad_lines == []
    assert len(journal.entries) == 300 and len({e["id"] for e in journal.entries}) == 300
    for who in ("甲", "乙"):  # each writer's entries in its own order
        starts = [e["target"]["report_start"] for e in journal.entries if e["who"] == who]
        assert starts == list(range(150))


def test_corrupt_line_is_skipped_with_a_warning_naming_it(tmp_path):
    _append_many(str(tmp_path), "甲", 2)
    with open(journal_path(tmp_path), "ab") as fh:
        fh.write(b'{"id": "torn", "who": "\xe7\x94')  # a write cut short, no newline
    _append_many(str(tmp_path), "甲", 1)  # starts on a line of its own
    with open(journal_path(tmp_path), "ab") as fh:
        fh.write(b'{"id": "x", "action": "reject_fact"}\n')  # valid JSON, not an entry
    with pytest.warns(CorruptJournalWarning, match=r"lines 3, 5 are not valid corrections"):
        journal = read_journal(tmp_path)
    assert journal.bad_lines == [3, 5] and len(journal.entries) == 3


def test_stale_entries_are_listed():
    entries = [new_entry("reject_fact", _fact_target(_report()["facts"][0])),
               new_entry("reject_fact", _fact_target(_report()["facts"][0], sha="c" * 64))]
    assert stale_entries(entries, {SHA}) == [entries[1]]


# --- the aggregate build applies the journal ------------------------------------------

def _members_total(run, district):
    con = duckdb.connect(str(run / "ghminer.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT total FROM v_metric_totals WHERE district=? AND "
                          "metric='members' AND unit='人'", [district]).fetchone()
        facts = con.execute("SELECT text, provenance FROM facts f JOIN reports r "
                            "USING (report_id) WHERE r.district=? ORDER BY f.start",
                            [district]).fetchall()
    finally:
        con.close()
    return (row[0] if row else None), facts


def _sheet_values(run, sheet):
    from openpyxl import load_workbook
    wb = load_workbook(run / "ghminer.xlsx", read_only=True)
    values = [c for row in wb[sheet].iter_rows(values_only=True) for c in row]
    wb.close()
    return values


def test_build_applies_the_journal_and_rebuilds_when_it_changes(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    build_outputs(run, [root], expected_year=2024, review_pages=True)
    total_before, facts_before = _members_total(run, "西城区")
    assert total_before == 1400  # 500 + 900
    reports = [json.loads(line) for line in (run / "reports.jsonl").read_text().splitlines()]
    sha = {f["path"]: f["sha256"] for f in json.loads(
        (run / "manifest.json").read_text())["files"]}
    w1 = next(r for r in reports if r["path"].endswith("w1.txt"))
    fact = next(f for f in w1["facts"] if f["text"] == "会员总数500人")
    target = {"sha256": sha[w1["path"]], "report_start": w1["start"]}
    append_entry(run, new_entry("edit_fact", {**target, "type": "count", "start": fact["start"],
                                              "end": fact["end"]}, after={"value": 5000}))
    res = build_outputs(run, [root], expected_year=2024, review_pages=True)
    assert not res.get("unchanged")  # the journal is part of the up-to-date stamp
    total, facts = _members_total(run, "西城区")
    assert total == 5900
    assert ("会员总数500人", "corrected") in facts
    assert 5900 in _sheet_values(run, "指标明细")
    # the workbook names where a fact came from in Chinese, as its other enumerations
    fact_cells = _sheet_values(run, "事实明细")
    assert "人工更正" in fact_cells and "自动提取" in fact_cells
    assert "corrected" not in fact_cells and "extracted" not in fact_cells
    # the review page shows the corrected value
    page = next((run / "review").glob("w1_0_*.html")).read_text(encoding="utf-8")
    assert "5,000 人" in page
    # unchanged journal: nothing rebuilt
    assert build_outputs(run, [root], expected_year=2024, review_pages=True).get("unchanged")
    # a corrupt line added by hand: warned about, the build goes on with the rest
    with open(journal_path(run), "a", encoding="utf-8") as fh:
        fh.write("not json\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_outputs(run, [root], expected_year=2024, review_pages=True)
    assert any(issubclass(w.category, CorruptJournalWarning) for w in caught)
    assert _members_total(run, "西城区")[0] == 5900


def test_build_warns_about_corrections_it_could_not_apply(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    reports = [json.loads(line) for line in (run / "reports.jsonl").read_text().splitlines()]
    sha = {f["path"]: f["sha256"] for f in json.loads(
        (run / "manifest.json").read_text())["files"]}
    b1 = next(r for r in reports if r["path"].endswith("b1.txt"))
    target = {"sha256": sha[b1["path"]], "report_start": b1["start"]}
    ok = append_entry(run, new_entry("set_section", target,
                                     after={"label": "women", "present": True}))
    gone_fact = append_entry(run, new_entry("reject_fact", {**target, "type": "count",
                                                             "start": 0, "end": 2}))
    gone_report = append_entry(run, new_entry("set_section", {**target, "report_start": 9999},
                                              after={"label": "aid", "present": True}))
    stale = append_entry(run, new_entry("set_section", {**target, "sha256": "f" * 64},
                                        after={"label": "aid", "present": True}))
    with pytest.warns(UnappliedCorrectionWarning) as caught:
        build_outputs(run, [root])
    message = str(caught[0].message)
    for entry in (gone_fact, gone_report, stale):
        assert entry["id"] in message
    assert ok["id"] not in message
    con = duckdb.connect(str(run / "ghminer.duckdb"), read_only=True)
    sections = con.execute("SELECT sections FROM reports WHERE source='b1.txt'").fetchone()[0]
    con.close()
    assert "women" in sections


def test_report_command_says_which_corrections_it_skipped(tmp_path):
    """`ghminer report` over a journal with a corrupt line and a stale entry: one plain
    warning line each, naming the line and the entry and where they are kept (not a
    Python warning with its source line), and the build goes on."""
    from typer.testing import CliRunner

    from pipeline.cli import app as cli_app

    root, run = districts_corpus.build_run(tmp_path)
    stale = append_entry(run, new_entry("set_section", {"sha256": "f" * 64, "report_start": 0},
                                        after={"label": "aid", "present": True}))
    with open(journal_path(run), "a", encoding="utf-8") as fh:
        fh.write('{"id": "torn", "who"\n')
    res = CliRunner().invoke(cli_app, ["report", str(run), "--input", str(root)])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())  # (rich wraps long lines)
    assert "CorruptJournalWarning" not in out and "UnappliedCorrectionWarning" not in out
    assert "corrections.jsonl line 2 is not a valid correction: skipped" in out
    assert "warning: 1 correction stale" in out and stale["id"] in out
    assert out.count("warning:") == 2
    assert "更正记录" in out  # where an analyst sees them
    assert (run / "ghminer.duckdb").is_file()
    res = CliRunner().invoke(cli_app, ["corrections", "export", str(tmp_path / "gold"),
                                       "--run", str(run)])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "warning:" in out and "line 2 is not a valid correction" in out
    assert "CorruptJournalWarning" not in out
