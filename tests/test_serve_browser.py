"""The workbench in a real browser (Playwright driving Debian's chromium, never a
downloaded one): open a report, reject a fact, add one by selecting its text, and
see the district's total change on the district page."""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from pipeline.aggregate import build_outputs
from tests.fixtures.districts import corpus as districts_corpus

CHROMIUM = Path("/usr/bin/chromium")
TOKEN = "browser-test-token"

pytestmark = pytest.mark.slow

# select `needle` inside the source text (across highlight elements) and release the
# mouse there, as a person selecting it does
SELECT_JS = """(needle) => {
  const pre = document.querySelector('pre.source');
  const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, text.length]); text += n.data; }
  const at = text.indexOf(needle);
  if (at < 0) return false;
  const locate = (pos) => {
    for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= pos) return [nodes[i][0], pos - nodes[i][1]];
  };
  const range = document.createRange();
  range.setStart(...locate(at));
  range.setEnd(...locate(at + needle.length));
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  pre.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
  return true;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    import uvicorn

    from pipeline.serve import Guard, create_app

    root, run = districts_corpus.build_run(tmp_path)
    build_outputs(run, [root], expected_year=2024)
    port = _free_port()
    app = create_app(run, Guard.for_bind("127.0.0.1", TOKEN))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_reject_and_add_a_fact_change_the_district_total(server):
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    # generous waits: 2 shared cores, a correction recomputes statistics
    expect.set_options(timeout=30_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("dialog", lambda d: d.accept())
            page.goto(f"{server}/?token={TOKEN}")  # the printed address: token -> cookie
            district = f"{server}/districts/{quote('西城区', safe='')}"
            page.goto(district)
            expect(page.locator("#total-members")).to_have_text("1,400")

            page.goto(f"{server}/reports/{quote('w1#0', safe='')}")
            row = page.locator("#facts table tbody tr", has_text="会员总数500人")
            expect(row).to_have_count(1)
            row.locator("button.wb-reject").click()
            expect(page.locator("#facts table tbody tr", has_text="会员总数500人")).to_have_count(0)

            assert page.evaluate(SELECT_JS, "会员总数500人")
            expect(page.locator("#wb-panel")).to_be_visible()
            panel = page.locator("#wb-panel")
            panel.locator("#wb-type").select_option("count")
            panel.locator("input[name=value]").fill("520")
            panel.locator("input[name=unit]").fill("人")
            panel.locator("input[name=metric]").fill("members")
            panel.locator("#wb-save").click()
            added = page.locator("#facts table tbody tr.prov-added", has_text="会员总数500人")
            expect(added).to_have_count(1)
            expect(page.locator("#wb-error")).to_have_text("")

            page.goto(district)
            expect(page.locator("#total-members")).to_have_text("1,420")  # 900 + 520
        finally:
            browser.close()
    assert problems == []
