"""The dashboard and a review page opened in a real headless browser (Debian's chromium).

Install: `apt-get install -y chromium fonts-noto-cjk`. Asserts that the SVG charts
are in the rendered DOM and that the console stayed silent (our pages carry no
script at all, and a CSP forbids any, so any console line is a defect).
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.aggregate import build_outputs
from schemas.report import SECTION_LABELS
from tests.fixtures.districts import corpus as districts_corpus

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed "
                       "(apt-get install -y chromium fonts-noto-cjk)"),
]



def browse(url: str, profile: Path, *extra: str) -> tuple[str, list[str]]:
    """(rendered DOM, console lines) of a page in headless chromium."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           *extra, url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    console = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]
    return proc.stdout, console


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root, run = districts_corpus.build_run(tmp_path_factory.mktemp("browser"))
    build_outputs(run, [root], expected_year=2024, review_pages=True)
    return run


def test_console_capture_works(tmp_path):
    """Control: the harness does see a console error when there is one."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>console.error('boom')</script></body></html>")
    _, console = browse(bad.as_uri(), tmp_path / "profile", "--dump-dom")
    assert any("boom" in ln for ln in console)


def test_dashboard_renders_charts_without_console_errors(run_dir, tmp_path):
    dom, console = browse((run_dir / "dashboard.html").as_uri(), tmp_path / "profile",
                          "--dump-dom")
    assert console == []
    for chart in ("chart-submission", "chart-coverage", "chart-flags"):
        assert f'id="{chart}"' in dom
    heat = dom.split('id="chart-coverage"')[1].split("</svg>")[0]
    # 东城区 北城区 西城区 （未知） （全部） x 11 sections
    assert heat.count("<rect") == 5 * len(SECTION_LABELS)
    sub = dom.split('id="chart-submission"')[1].split("</svg>")[0]
    assert re.findall(r">(\d+/\d+)（", sub) == ["2/3", "2/2", "4/5"]
    assert "东城三街道工会" in dom  # the branch that did not submit
    shot = tmp_path / "dash.png"
    browse((run_dir / "dashboard.html").as_uri(), tmp_path / "profile2",
           f"--screenshot={shot}", "--window-size=1400,2000")
    assert shot.is_file() and shot.stat().st_size > 20_000


def test_review_page_keeps_script_as_text(run_dir, tmp_path):
    page = next((run_dir / "review").glob("b1_0_*.html"))
    dom, console = browse(page.as_uri(), tmp_path / "profile", "--dump-dom")
    assert console == []
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in dom
    assert "<script" not in dom
    assert dom.count("<mark class=\"f-count\"") >= 3
