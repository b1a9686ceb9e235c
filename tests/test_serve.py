"""The workbench (`ghminer serve`) through the ASGI test client: API, pages, security,
corrections changing the served statistics, and the round trip through a real run
(correction -> tables, DuckDB, workbook -> re-run keeps it -> export validates)."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from pipeline.aggregate import build_outputs
from pipeline.cli import app as cli_app
from pipeline.corrections import read_journal
from pipeline.serve import Guard, InsecureBind, create_app
from schemas.report import FileRecord, Report, RunManifest
from tests.fixtures.districts import corpus as districts_corpus

TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
VALIDATE_GOLD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "validate_gold.py"


@pytest.fixture()
def built(tmp_path):
    root, run = districts_corpus.build_run(tmp_path)
    build_outputs(run, [root], expected_year=2024)
    return root, run


@pytest.fixture()
def client(built):
    _, run = built
    return TestClient(create_app(run, Guard(TOKEN, reads_need_token=False)))


def _rid(client, source_stem: str) -> str:
    rows = client.get("/api/reports", params={"q": source_stem}).json()["rows"]
    return next(r["report_id"] for r in rows if r["report_id"].startswith(source_stem + "#"))


def _url(rid: str) -> str:
    return quote(rid, safe="")


def _members(client, district: str) -> float | None:
    rows = client.get("/api/district_stats", params={"district": district, "kind": "metric"}).json()
    return next((r["total"] for r in rows if r["key"] == "members:人"), None)


# --- reading ----------------------------------------------------------------------------

def test_health_districts_and_stats(client):
    assert client.get("/api/health").json()["status"] == "ok"
    districts = {d["district"]: d for d in client.get("/api/districts").json()}
    assert {"东城区", "西城区", "北城区", "（全部）"} <= set(districts)
    assert districts["西城区"]["members_total"] == 1400 and districts["西城区"]["reports"] == 2
    assert _members(client, "西城区") == 1400


def test_report_list_is_ranked_by_missing_sections_then_severity(client):
    page = client.get("/api/reports").json()
    rows = page["rows"]
    assert page["total"] == 7
    keys = [(r["n_missing"], r["severity"]) for r in rows]
    assert keys == sorted(keys, reverse=True)
    # e2 篇2 covers only culture_sports: all three required sections missing
    assert rows[0]["report_id"] == "e2#1" and rows[0]["n_missing"] == 3
    only = client.get("/api/reports", params={"district": "西城区"}).json()["rows"]
    assert {r["report_id"] for r in only} == {"w1#0", "w2#0"}
    assert [r["report_id"] for r in client.get(
        "/api/reports", params={"q": "光明社区"}).json()["rows"]] == ["b1#0"]
    flagged = client.get("/api/reports", params={"flag": "placeholders"}).json()["rows"]
    assert [r["report_id"] for r in flagged] == ["e2#0"]


def test_report_list_filters_by_a_missing_required_section(client):
    """The issue's "missing section" filter: reports whose policy requires the section
    and that lack it (the missing_sections flag's labels), in the API and the page."""
    import duckdb as _duckdb

    run = client.app.state.data.run_dir
    con = _duckdb.connect(str(run / "ghminer.duckdb"), read_only=True)
    flags = con.execute("SELECT report_id, detail FROM flags WHERE code='missing_sections'"
                        ).fetchall()
    con.close()
    by_label: dict[str, set] = {}
    for rid, detail in flags:
        for label in detail.split(","):
            by_label.setdefault(label, set()).add(rid)
    assert len(by_label) >= 2 and len({frozenset(v) for v in by_label.values()}) >= 2
    for label, expected in by_label.items():
        got = client.get("/api/reports", params={"missing": label}).json()
        assert {r["report_id"] for r in got["rows"]} == expected, label
    assert client.get("/api/reports", params={"missing": "no_such"}).json()["total"] == 0
    label, expected = next(iter(by_label.items()))
    page = client.get("/reports", params={"missing": label}).text
    assert f"共 {len(expected)} 条" in page
    form = page[page.index('<form'):page.index('</form>')]
    assert 'name="missing"' in form and "帮扶" in form  # the section labels, in Chinese


def test_report_list_flag_filter_is_a_choice_of_named_flags(client):
    form = client.get("/reports", params={"flag": "placeholders"}).text
    form = form[form.index('<form'):form.index('</form>')]
    assert '<select name="flag">' in form and "模板未填写" in form
    assert '<option value="placeholders" selected>' in form


def test_fact_search_metric_and_level_are_choices_by_chinese_name(client):
    """The issue's searches (every provincial award, every count with metric aided) are
    picked from named choices, not typed as English codes."""
    page = client.get("/facts", params={"metric": "aided", "level": "provincial"}).text
    form = page[page.index('<form'):page.index('</form>')]
    assert '<select name="metric">' in form and '<select name="level">' in form
    assert '<option value="aided" selected>' in form and '<option value="provincial" selected>' in form
    assert "帮扶对象" in form and "省级" in form
    assert "membership_rate" in form  # rate metrics too


def test_fact_search_filters(client):
    res = client.get("/api/facts", params={"type": "count", "metric": "members",
                                           "min": "600", "max": "1500"}).json()
    assert sorted(r["text"] for r in res["rows"]) == ["会员800余人", "会员总数900人",
                                                     "会员总数达到1200人"]
    west = client.get("/api/facts", params={"district": "西城区", "type": "award"}).json()
    assert west["total"] == 4 and {r["district"] for r in west["rows"]} == {"西城区"}
    assert client.get("/api/facts", params={"min": "abc"}).status_code == 400


def test_pages_render(client):
    for url in ("/", "/reports", "/facts?type=count", "/corrections", "/api",
                f"/districts/{_url('东城区')}", "/reports?district=" + _url("西城区"),
                "/openapi.json"):
        assert client.get(url).status_code == 200, url
    branch = client.get("/api/reports", params={"q": "w1"}).json()["rows"][0]["branch_id"]
    assert client.get(f"/branches/{_url(branch)}").status_code == 200
    page = client.get(f"/reports/{_url('w1#0')}").text
    # the review renderer's page: facts highlighted in place, plus the controls
    assert '<mark class="f-count"' in page and 'id="corrections"' in page
    assert '<script src="/static/workbench.js"' in page
    assert "api/corrections" in client.get("/static/workbench.js").text
    spec = client.get("/openapi.json").json()
    assert {"/api/reports", "/api/facts", "/api/corrections", "/api/district_stats"} <= set(
        spec["paths"])


# --- security ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/reports/..%2F..%2Fetc%2Fpasswd", "/reports/../../etc/passwd",
                                 "/static/..%2F..%2Fetc%2Fpasswd", "/api/reports/..%2F..%2Fetc%2Fpasswd",
                                 "/districts/..%2F..%2Fetc%2Fpasswd",
                                 "/static/%2Fetc%2Fpasswd"])
def test_paths_from_requests_are_never_files(client, url):
    res = client.get(url)
    assert res.status_code == 404 and "root:" not in res.text


def test_writes_need_the_token_and_csrf(client):
    body = {"report_id": "w1#0", "action": "set_section",
            "after": {"label": "women", "present": True}}
    assert client.post("/api/corrections", json=body).status_code == 403
    assert client.post("/api/corrections", json=body,
                       headers={"Authorization": "Bearer wrong"}).status_code == 403
    # the session cookie alone is not enough: a page must also send its CSRF token
    client.cookies.set("ghminer_token", TOKEN)
    assert client.post("/api/corrections", json=body).status_code == 403
    assert client.post("/api/corrections", json=body,
                       headers={"X-CSRF-Token": "forged"}).status_code == 403
    guard = client.app.state.guard
    # another site's page posting with the user's cookie: refused by origin
    assert client.post("/api/corrections", json=body, headers={
        "X-CSRF-Token": guard.csrf, "Origin": "http://evil.example"}).status_code == 403
    ok = client.post("/api/corrections", json=body, headers={"X-CSRF-Token": guard.csrf})
    assert ok.status_code == 200
    client.cookies.clear()
    assert client.post("/api/corrections", json=body, headers=AUTH).status_code == 200
    assert len(read_journal(client.app.state.data.run_dir).entries) == 2


def test_open_reads_only_under_a_loopback_name(client):
    """DNS rebinding: another site's name pointed at 127.0.0.1 cannot read."""
    assert client.get("/api/reports", headers={"Host": "evil.example:8765"}).status_code == 403
    assert client.get("/api/reports", headers={"Host": "127.0.0.1:8765"}).status_code == 200
    assert client.get("/api/reports", headers={"Host": "localhost"}).status_code == 200
    assert client.get("/api/reports", headers={"Host": "evil.example", **AUTH}).status_code == 200


def test_token_in_the_address_becomes_a_cookie(client):
    res = client.get("/?token=" + TOKEN, follow_redirects=False)
    assert res.status_code == 303 and "token" not in res.headers["location"]
    assert "ghminer_token" in res.headers["set-cookie"]
    assert "httponly" in res.headers["set-cookie"].lower()
    assert client.get("/?token=wrong", follow_redirects=False).status_code == 403


def test_district_page_shows_branches_flags_and_rates(client):
    """What the issue's district page holds: branches (those that reported, and the
    rostered ones that did not), submission, flags, totals, rates."""
    import re

    page = client.get(f"/districts/{_url('东城区')}").text
    branches = page[page.index('id="branches"'):]
    branches = branches[:branches.index("</table>")]
    assert '/branches/E1"' in branches and '/branches/E2"' in branches
    row_e3 = re.search(r"<tr[^>]*>(?:(?!</tr>).)*东城三街道工会(?:(?!</tr>).)*</tr>", branches,
                       re.S)
    assert row_e3 and "未提交" in row_e3.group(0)  # rostered, no report
    assert "/branches/E3" not in branches  # (no page: it has no report)
    stats = {s["key"]: s for s in client.get(
        "/api/district_stats", params={"district": "东城区"}).json()}
    flags = page[page.index('id="flags"'):]
    flags = flags[:flags.index("</table>")]
    for key, s in stats.items():
        if s["kind"] == "flag":
            assert f'data-key="{key}"' in flags and f"{int(s['n'])}/{int(s['of'])}" in flags
    assert any(s["kind"] == "flag" for s in stats.values())
    rates = page[page.index('id="rates"'):]
    assert "建会率" in rates[:rates.index("</table>")]
    assert "应报单位" in page and "已报单位" in page


def test_non_loopback_needs_a_token(built):
    _, run = built
    with pytest.raises(InsecureBind):
        Guard.for_bind("0.0.0.0", None)
    assert Guard.for_bind("127.0.0.1", None).token  # generated
    res = CliRunner().invoke(cli_app, ["serve", str(run), "--host", "0.0.0.0"])
    assert res.exit_code == 2 and "--token" in res.output
    remote = TestClient(create_app(run, Guard.for_bind("192.0.2.1", TOKEN)))
    assert remote.get("/api/reports").status_code == 401
    assert remote.get("/api/reports", headers=AUTH).status_code == 200
    assert remote.get("/api/health").status_code == 200


def test_serve_on_a_run_without_its_database_says_how_to_build_it(tmp_path):
    """A run made with --no-report: no DuckDB yet; the message names both ways to make it."""
    root, run = districts_corpus.build_run(tmp_path)  # reports.jsonl and manifest only
    res = CliRunner().invoke(cli_app, ["serve", str(run)])
    out = " ".join(res.output.split())
    assert res.exit_code == 2, res.output
    assert "ghminer.duckdb not found" in out
    assert f"ghminer report {run}" in out and f"ghminer serve {run} --build" in out
    assert not (run / "ghminer.duckdb").exists()


def test_port_in_use_is_a_clear_error_before_any_address_is_printed(built):
    import socket

    _, run = built
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        res = CliRunner().invoke(cli_app, ["serve", str(run), "--port", str(port)])
    finally:
        taken.close()
    out = " ".join(res.output.split())
    assert res.exit_code == 2, res.output
    assert f"port {port} on 127.0.0.1 is in use" in out and "--port" in out
    assert "token=" not in out  # no address of a server that is not this one


def _hostile_run(tmp: Path) -> Path:
    """A run whose report text holds markup (written by hand, offsets exact)."""
    root = tmp / "input" / "南城区" / "南湖社区"
    root.mkdir(parents=True)
    text = ("南湖社区工会工作总结\n一、组织建设\n会员<script>window.pwned=1</script>"
            "共320人，<img src=x onerror=alert(1)>。\n")
    path = root / "s1.txt"
    path.write_text(text, encoding="utf-8")
    start = text.index("共320人")
    rep = Report(source="s1.txt", path=str(path), report_index=0, start_line=1,
                 end_line=3, start=0, end=len(text) - 1, title="南湖<i>社区</i>工会工作总结",
                 org="南湖社区工会<b>", org_type="community", sections=["org_building"],
                 facts=[{"type": "count", "text": "共320人", "start": start, "end": start + 5,
                         "line": 3, "value": 320, "unit": "人", "metric": "members"}],
                 chars=len(text) - 1)
    run = tmp / "run"
    run.mkdir()
    (run / "reports.jsonl").write_text(rep.model_dump_json() + "\n", encoding="utf-8")
    raw = path.read_bytes()
    rec = FileRecord(path=str(path), source="s1.txt", status="processed", format="txt",
                     encoding="utf-8", bytes=len(raw), chars=len(text), reports=1,
                     sha256=hashlib.sha256(raw).hexdigest())
    manifest = RunManifest(ghminer_version="test", config_hash="0",
                           inputs=[str(tmp / "input")], started="x", finished="y", files=[rec],
                           counts={"files": 1, "processed": 1, "failed": 0, "reports": 1,
                                   "facts": 1})
    (run / "manifest.json").write_text(manifest.model_dump_json(), encoding="utf-8")
    build_outputs(run, [tmp / "input"])
    return run


def test_markup_in_report_text_is_inert(tmp_path):
    run = _hostile_run(tmp_path)
    client = TestClient(create_app(run, Guard(TOKEN, False)))
    page = client.get(f"/reports/{_url('s1#0')}")
    assert page.status_code == 200
    html = page.text
    assert "<script>window.pwned" not in html and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    assert "<img src=x" not in html and "南湖社区工会&lt;b&gt;" in html
    # the facts handed to the page's script cannot close its element
    assert "</script>window" not in html
    assert "script-src 'self'" in page.headers["content-security-policy"]
    listing = client.get("/reports").text
    assert "南湖<i>" not in listing and "南湖&lt;i&gt;社区&lt;/i&gt;" in listing
    api = client.get("/api/reports/s1%230").json()
    assert api["report"]["org"] == "南湖社区工会<b>"  # JSON carries the text as it is


# --- corrections through the API ---------------------------------------------------------

def test_corrections_change_the_served_statistics_at_once(client):
    w1 = client.get("/api/reports/w1%230").json()
    fact = next(f for f in w1["report"]["facts"] if f["text"] == "会员总数500人")
    key = {k: fact[k] for k in ("type", "start", "end")}
    res = client.post("/api/corrections", headers=AUTH, json={
        "report_id": "w1#0", "action": "reject_fact", "fact": key})
    assert res.status_code == 200, res.text
    assert _members(client, "西城区") == 900
    assert _members(client, "（全部）") == 1200 + 800 + 900 + 300 + 2000
    # the fact is gone from the search, the report and its page
    assert "会员总数500人" not in [r["text"] for r in client.get(
        "/api/facts", params={"report_id": "w1#0"}).json()["rows"]]
    # add a fact by its offsets in the source: the text must be the source's
    source = Path(w1["report"]["path"]).read_text(encoding="utf-8")
    start = source.index("会员总数500人")
    bad = client.post("/api/corrections", headers=AUTH, json={
        "report_id": "w1#0", "action": "add_fact",
        "after": {"type": "count", "start": start, "end": start + 8, "text": "会员总数999人",
                  "value": 999, "unit": "人", "metric": "members"}})
    assert bad.status_code == 422
    added = client.post("/api/corrections", headers=AUTH, json={
        "report_id": "w1#0", "action": "add_fact",
        "after": {"type": "count", "start": start, "end": start + 8,
                  "value": 520, "unit": "人", "metric": "members"}})
    assert added.status_code == 200, added.text
    assert _members(client, "西城区") == 1420
    facts = client.get("/api/reports/w1%230").json()["report"]["facts"]
    assert {"text": "会员总数500人", "provenance": "added"}.items() <= next(
        f for f in facts if f["start"] == start).items()
    # edit a fact's value
    w2 = client.get("/api/reports/w2%230").json()["report"]["facts"]
    f900 = next(f for f in w2 if f["text"] == "会员总数900人")
    edited = client.post("/api/corrections", headers=AUTH, json={
        "report_id": "w2#0", "action": "edit_fact",
        "fact": {k: f900[k] for k in ("type", "start", "end")}, "after": {"value": 1900}})
    assert edited.status_code == 200 and edited.json()["entry"]["before"] == {"value": 900}
    assert _members(client, "西城区") == 2420
    client.post("/api/corrections", headers=AUTH, json={
        "report_id": "w2#0", "action": "edit_fact",
        "fact": {k: f900[k] for k in ("type", "start", "end")}, "after": {"value": 900}})
    assert _members(client, "西城区") == 1420
    # move a report to another district: both districts change
    moved = client.post("/api/corrections", headers=AUTH, json={
        "report_id": "b1#0", "action": "set_report_field",
        "after": {"field": "district", "value": "西城区"}})
    assert moved.status_code == 200
    assert _members(client, "西城区") == 1720 and _members(client, "北城区") is None
    # a section marked present: the report no longer misses it
    before = client.get("/api/reports/e2%231").json()["n_missing"]
    client.post("/api/corrections", headers=AUTH, json={
        "report_id": "e2#1", "action": "set_section",
        "after": {"label": "aid", "present": True}})
    assert client.get("/api/reports/e2%231").json()["n_missing"] == before - 1
    # unknown report, unknown fact: refused, nothing written
    n = len(client.get("/api/corrections").json()["entries"])
    assert client.post("/api/corrections", headers=AUTH, json={
        "report_id": "nope#0", "action": "reject_fact", "fact": key}).status_code == 404
    assert client.post("/api/corrections", headers=AUTH, json={
        "report_id": "w1#0", "action": "reject_fact",
        "fact": {"type": "count", "start": 0, "end": 1}}).status_code == 422
    assert len(client.get("/api/corrections").json()["entries"]) == n
    # a new server over the same run (the journal, not memory) serves the same
    again = TestClient(create_app(client.app.state.data.run_dir, Guard(TOKEN, False)))
    assert _members(again, "西城区") == 1720
    # the whole run's rows: added up at once, medians etc. recomputed in the background;
    # once done they are those of a full recompute (what a new server computes at start)
    client.app.state.data.wait_for_stats()
    for district in ("（全部）", "西城区", "北城区", "东城区"):
        rows = client.get("/api/district_stats", params={"district": district}).json()
        assert rows == again.get("/api/district_stats", params={"district": district}).json()


def test_stale_entries_are_listed(built, client):
    root, run = built
    client.post("/api/corrections", headers=AUTH, json={
        "report_id": "w2#0", "action": "set_section", "after": {"label": "women", "present": True}})
    # the file changes and the run is rebuilt: its sha no longer matches
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    for f in manifest["files"]:
        if f["path"].endswith("w2.txt"):
            f["sha256"] = "0" * 64
    (run / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with open(run / "corrections.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{not json\n")  # a corrupt line: listed, never fatal
    fresh = TestClient(create_app(run, Guard(TOKEN, False)))
    listed = fresh.get("/api/corrections").json()
    assert [e["after"]["label"] for e in listed["stale"]] == ["women"]
    assert listed["bad_lines"] == [2]
    page = fresh.get("/corrections").text
    assert "已改变" in page and "第 2 行已损坏" in page
    # an analyst can tell which file changed and what was done, in Chinese
    stale = page[page.index('id="stale"'):]
    stale = stale[:stale.index("</table>")]
    assert "w2.txt" in stale and "标记板块" in stale and "set_section" not in stale
    assert "set_section" not in page[page.index('id="entries"'):]


# --- the round trip through a real run ----------------------------------------------------

def _run(inputs: Path, out: Path) -> None:
    res = CliRunner().invoke(cli_app, ["run", str(inputs), "--out", str(out), "--workers", "0"])
    assert res.exit_code == 0, res.output


def _duck_members(run: Path, district: str):
    con = duckdb.connect(str(run / "ghminer.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT total FROM v_metric_totals WHERE district=? AND metric="
                          "'members' AND unit='人'", [district]).fetchone()
    finally:
        con.close()
    return row[0] if row else None


def test_round_trip_run_correct_rerun_export(tmp_path):
    src = districts_corpus.INPUT
    out = tmp_path / "out"
    _run(src, out)
    client = TestClient(create_app(out, Guard(TOKEN, False)))
    rows = client.get("/api/facts", params={"type": "count", "metric": "members",
                                            "district": "西城区"}).json()["rows"]
    assert rows, "the pipeline finds members counts in 西城区"
    target = max(rows, key=lambda r: r["value"])
    before = _duck_members(out, "西城区")
    assert _members(client, "西城区") == before
    res = client.post("/api/corrections", headers=AUTH, json={
        "report_id": target["report_id"], "action": "reject_fact",
        "fact": {k: target[k] for k in ("type", "start", "end")}})
    assert res.status_code == 200, res.text
    served = _members(client, "西城区")
    assert served == pytest.approx(before - target["value"])
    # the next build: DuckDB, the workbook and the dashboard follow
    build_outputs(out, [])
    assert _duck_members(out, "西城区") == pytest.approx(served)
    from openpyxl import load_workbook
    wb = load_workbook(out / "ghminer.xlsx", read_only=True)
    sheet = list(wb["指标明细"].iter_rows(values_only=True))
    wb.close()
    head = sheet[0]
    row = next(r for r in sheet if r[0] == "西城区" and r[2] == "members:人")
    assert row[head.index("合计")] == pytest.approx(served)
    con = duckdb.connect(str(out / "ghminer.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM facts WHERE report_id=? AND start=? AND type=?",
                       [target["report_id"], target["start"], "count"]).fetchone()[0] == 0
    con.close()
    # a re-run on the same inputs keeps the correction (keyed by sha + offsets)
    _run(src, out)
    assert _duck_members(out, "西城区") == pytest.approx(served)
    # export: gold files of the contract, valid for the referee's validator
    gold = tmp_path / "gold"
    res = CliRunner().invoke(cli_app, ["corrections", "export", str(gold), "--run", str(out)])
    assert res.exit_code == 0, res.output
    docs = list(gold.glob("*.json"))
    assert len(docs) == 1
    doc = json.loads(docs[0].read_text(encoding="utf-8"))
    assert doc["sha256"] and not [f for r in doc["reports"] for f in r["facts"]
                                  if (f["type"], f["start"]) == ("count", target["start"])]
    assert sum(len(r["facts"]) for r in doc["reports"]) > 0
    if not VALIDATE_GOLD.is_file():
        pytest.skip("shared/eval/validate_gold.py not available")
    check = subprocess.run([sys.executable, str(VALIDATE_GOLD), str(gold), str(gold / "texts")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "1 gold files, 0 problems" in check.stdout


def test_serve_command_generates_and_prints_a_token(built):
    """`ghminer serve` on loopback without --token: one is generated and printed, reads
    are open, writes need it."""
    import os
    import signal
    import socket
    import time

    import httpx

    _, run = built
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", str(run),
                             "--port", str(port)], stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = ""
        deadline = time.monotonic() + 60
        while "?token=" not in line:
            assert time.monotonic() < deadline and proc.poll() is None, "no address printed"
            line = proc.stderr.readline()
        token = line.strip().rsplit("?token=", 1)[1]
        assert len(token) >= 20
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                assert httpx.get(f"{base}/api/health", timeout=5).status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.1)
        body = {"report_id": "w1#0", "action": "set_section",
                "after": {"label": "women", "present": True}}
        assert httpx.post(f"{base}/api/corrections", json=body, timeout=10).status_code == 403
        ok = httpx.post(f"{base}/api/corrections", json=body, timeout=10,
                        headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200, ok.text
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the analyst's normal stop, exit 0
        assert proc.wait(20) == 0
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        proc.stderr.close()
