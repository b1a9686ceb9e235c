"""Ingest: every input format decodes to the same text; every bad input fails with a reason."""
from __future__ import annotations

import codecs
import io
import os
import random
import zipfile
from pathlib import Path

import pytest

from pipeline.ingest import SUPPORTED_SUFFIXES, IngestError, discover, read_file

SEED = ("街道总工会工作总结 篇1\n"
        "今年以来，桂园街道总工会走访企业1758家，组建基层工会34家，建会率达到84.7%。\n"
        "一、着力开展工会组建工作，宣传发动企业加入工会。\n"
        "出资53万元慰问困难职工（xxxx）。\n")
TRADITIONAL = "工會工作總結：會員發展１２３人，開展“職工之家”建設。\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


# ---------------------------------------------------------------- text encodings

@pytest.mark.parametrize("codec, expected", [
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),
    ("gbk", "gbk"),
    ("utf-16", None),          # Python writes a BOM in native order
])
def test_text_encodings_decode_to_the_same_text(tmp_path, codec, expected):
    got = read_file(write(tmp_path, "a.txt", SEED.encode(codec)))
    assert got.text == SEED
    assert got.format == "txt"
    if expected:
        assert got.encoding == expected
    assert got.n_bytes == len(SEED.encode(codec))


def test_gb18030_only_characters(tmp_path):
    text = SEED + "𠮷字与€符号\n"        # 𠮷 needs GB18030's four-byte codes
    data = text.encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    got = read_file(write(tmp_path, "a.txt", data))
    assert got.text == text
    assert got.encoding == "gb18030"


@pytest.mark.parametrize("text", [SEED, SEED + "𠮷字与€符号\n", TRADITIONAL * 3])
def test_a_recorded_encoding_is_reused_only_for_the_same_bytes(tmp_path, monkeypatch, text):
    import pipeline.ingest.decode as decode

    codec = "gbk" if "𠮷" not in text else "gb18030"
    if text.startswith("工會"):
        codec = "big5"
    path = write(tmp_path, "a.txt", text.encode(codec))
    first = read_file(path)
    assert first.text == text
    ranked = []
    real = decode._decode_legacy
    monkeypatch.setattr(decode, "_decode_legacy", lambda data: ranked.append(1) or real(data))
    again = read_file(path, recorded=(first.sha256, first.encoding))
    assert (again.text, again.encoding) == (first.text, first.encoding) and ranked == []
    # other bytes under the same name: detected afresh
    more = text + "會員大會。\n"
    path.write_bytes(more.encode(codec))
    changed = read_file(path, recorded=(first.sha256, first.encoding))
    assert changed.text == more and ranked == [1]


@pytest.mark.parametrize("bom, codec, name", [
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
])
def test_utf16_with_bom(tmp_path, bom, codec, name):
    got = read_file(write(tmp_path, "a.txt", bom + SEED.encode(codec)))
    assert got.text == SEED
    assert got.encoding == name


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised_by_its_nul_pattern(tmp_path, codec):
    got = read_file(write(tmp_path, "a.txt", SEED.encode(codec)))
    assert got.text == SEED
    assert got.encoding == codec


def test_traditional_text_is_kept_as_written(tmp_path):
    got = read_file(write(tmp_path, "a.txt", TRADITIONAL.encode("utf-8")))
    assert got.text == TRADITIONAL


def test_big5_traditional_text(tmp_path):
    text = "工會工作總結\n會員發展一百二十三人，開展職工之家建設，關心困難職工生活。\n"
    got = read_file(write(tmp_path, "a.txt", text.encode("big5")))
    assert got.text == text
    assert got.encoding == "big5"


def test_short_gbk_text_is_not_mistaken_for_utf16(tmp_path):
    text = "会员共计1438人。"
    got = read_file(write(tmp_path, "a.txt", text.encode("gbk")))
    assert got.text == text


def test_crlf_and_cr_become_lf(tmp_path):
    got = read_file(write(tmp_path, "a.txt", "一\r\n二\r三\n四".encode("utf-8")))
    assert got.text == "一\n二\n三\n四"


def test_markdown_and_sha256(tmp_path):
    import hashlib
    data = SEED.encode("utf-8")
    got = read_file(write(tmp_path, "a.md", data))
    assert got.format == "md" and got.text == SEED
    assert got.sha256 == hashlib.sha256(data).hexdigest()


def test_seed_files_read_unchanged():
    seeds = next((d for d in (Path("/work/shared/corpus/seeds"), Path("/work/main/corpora/seeds"))
                  if d.is_dir()), None)
    if seeds is None:
        pytest.skip("seed corpus not available")
    files = discover([seeds])
    assert len(files) >= 5
    for f in files:
        got = read_file(f)
        assert got.text == f.read_text(encoding="utf-8")
        assert got.encoding == "utf-8"


# ---------------------------------------------------------------- .docx

def make_docx(path: Path) -> Path:
    import docx
    d = docx.Document()
    d.add_paragraph("街道总工会工作总结")
    d.add_paragraph("一、组织建设")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "数量"
    table.cell(1, 0).text = "会员人数"
    table.cell(1, 1).text = "1438人"
    d.add_paragraph("二、维权工作")
    d.save(path)
    return path


def test_docx_paragraphs_and_tables_in_document_order(tmp_path):
    got = read_file(make_docx(tmp_path / "r.docx"))
    assert got.format == "docx"
    assert got.text.split("\n") == [
        "街道总工会工作总结", "一、组织建设", "指标\t数量", "会员人数\t1438人", "二、维权工作"]


def test_docx_merged_cells_appear_once(tmp_path):
    import docx
    d = docx.Document()
    table = d.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "合并单元格"
    table.cell(0, 2).text = "右"
    path = tmp_path / "m.docx"
    d.save(path)
    assert read_file(path).text.count("合并单元格") == 1


def test_docx_not_a_zip(tmp_path):
    with pytest.raises(IngestError) as e:
        read_file(write(tmp_path, "r.docx", SEED.encode("utf-8")))
    assert e.value.reason == "not a valid .docx (not a zip archive)"


def test_docx_zip_without_document(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(IngestError) as e:
        read_file(write(tmp_path, "r.docx", buf.getvalue()))
    assert "word/document.xml" in e.value.reason


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path):
    src = make_docx(tmp_path / "ok.docx")
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item))
        zout.writestr("word/media/bomb.bin", b"\0" * (12 * 1024 * 1024))
    path = write(tmp_path, "bomb.docx", buf.getvalue())
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(IngestError) as e:
        read_file(path, max_bytes=1024 * 1024)
    assert "zip bomb" in e.value.reason


def test_docx_external_entity_is_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    src = make_docx(tmp_path / "ok.docx")
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                xml = data.decode("utf-8")
                head, sep, rest = xml.partition("?>")
                xml = (head + sep + f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
                       + rest.replace("会员人数", "会员人数&xxe;"))
                data = xml.encode("utf-8")
            zout.writestr(item, data)
    path = write(tmp_path, "xxe.docx", buf.getvalue())
    try:
        text = read_file(path).text
    except IngestError:
        return  # refusing the file is fine too
    assert "TOPSECRET" not in text


# ---------------------------------------------------------------- HTML

HTML = """<!DOCTYPE html>
<html><head><title>工会工作总结优秀7篇_范文网</title>
<meta charset="gbk"><style>p {{ color: red }}</style>
<script>var x = "会员999999人";</script></head>
<body><div class="nav">首页 &gt; 总结</div>
<h1>街道总工会工作总结</h1>
<p>走访企业1758家，&nbsp;组建基层工会<b>34</b>家。</p>
<noscript>请启用脚本</noscript><iframe src="x.html">框架</iframe>
<p style="display:none">隐藏的关键词</p>
<table><tr><td>会员人数</td><td>1438人</td></tr></table>
<ul><li>一是组织建设</li><li>二是维权工作</li></ul>
</body></html>"""


def test_html_visible_text_only(tmp_path):
    got = read_file(write(tmp_path, "p.html", HTML.format().encode("gbk")))
    assert got.format == "html"
    assert got.encoding == "gbk"
    lines = got.text.split("\n")
    assert lines == ["首页 > 总结", "街道总工会工作总结", "走访企业1758家，\xa0组建基层工会34家。",
                     "会员人数\t1438人", "一是组织建设", "二是维权工作"]
    for hidden in ("999999", "color", "请启用脚本", "框架", "隐藏的关键词", "范文网"):
        assert hidden not in got.text


def test_htm_utf8_without_declaration(tmp_path):
    got = read_file(write(tmp_path, "p.htm", "<p>会员&#x4eba;数&amp;</p><p>二</p>".encode("utf-8")))
    assert got.text == "会员人数&\n二"


def test_html_billion_laughs_does_not_explode(tmp_path):
    lol = ['<!DOCTYPE html [<!ENTITY lol "lol">']
    for i in range(1, 10):
        lol.append(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">')
    doc = "".join(lol).replace("&lol0;", "&lol;") + "]><html><body><p>工会&lol9;</p></body></html>"
    got = read_file(write(tmp_path, "b.html", doc.encode("utf-8")))
    assert len(got.text) < 1000
    assert "工会" in got.text


def test_html_deep_nesting(tmp_path):
    doc = "<div>" * 5000 + "会员1438人" + "</div>" * 5000
    assert "会员1438人" in read_file(write(tmp_path, "d.html", doc.encode("utf-8"))).text


# ---------------------------------------------------------------- bad input

def reason(path: Path, **kw) -> str:
    with pytest.raises(IngestError) as e:
        read_file(path, **kw)
    assert isinstance(e.value.reason, str) and e.value.reason
    return e.value.reason


def test_empty_file(tmp_path):
    assert reason(write(tmp_path, "e.txt", b"")) == "empty file"


def test_whitespace_only(tmp_path):
    assert "whitespace" in reason(write(tmp_path, "w.txt", " \n\r\n\t  \u3000".encode("utf-8")))


def test_png_is_binary(tmp_path):
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    assert reason(write(tmp_path, "img.txt", data)) == "binary content (PNG image)"


@pytest.mark.parametrize("magic, name", [
    (b"%PDF-1.7\n", "PDF"), (b"\xff\xd8\xff\xe0", "JPEG"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2"),
])
def test_other_binary_formats_are_named(tmp_path, magic, name):
    assert name in reason(write(tmp_path, "x.txt", magic + b"\x00\x01" * 100))


def test_random_bytes(tmp_path):
    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(4096))
    r = reason(write(tmp_path, "r.txt", data))
    assert r.startswith(("binary content", "undecodable bytes"))


def test_random_bytes_without_nul(tmp_path):
    rng = random.Random(11)
    data = bytes(rng.randrange(1, 256) for _ in range(4096))
    assert reason(write(tmp_path, "r.txt", data)).startswith(("binary content", "undecodable"))


def test_control_characters_are_binary(tmp_path):
    data = bytes(range(1, 9)) * 50 + "会员".encode("utf-8")
    assert reason(write(tmp_path, "c.txt", data)) == "binary content (control characters)"


def test_undecodable_bytes(tmp_path):
    data = "会员共计".encode("utf-8") + b"\xff\xfe\xff" + "人".encode("utf-8")
    assert reason(write(tmp_path, "u.txt", b"x" + data)).startswith("undecodable bytes")


def test_truncated_utf16_with_bom(tmp_path):
    data = codecs.BOM_UTF16_LE + "会员".encode("utf-16-le") + b"\x41"
    assert reason(write(tmp_path, "t.txt", data)).startswith("undecodable bytes")


def test_too_large(tmp_path):
    p = write(tmp_path, "big.txt", SEED.encode("utf-8") * 10)
    r = reason(p, max_bytes=100)
    assert r.startswith("file too large:") and "limit 100 bytes" in r


def test_too_large_message_in_megabytes(tmp_path):
    p = tmp_path / "big.txt"
    with open(p, "wb") as f:
        f.truncate(21 * 1024 * 1024)        # sparse: no 21 MB written
    assert reason(p) == "file too large: 21.0 MB > limit 20 MB"


def test_zip_named_txt(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "会员")
    assert reason(write(tmp_path, "a.txt", buf.getvalue())) == "binary content (ZIP archive)"


def test_directory_named_like_a_file(tmp_path):
    (tmp_path / "x.txt").mkdir()
    assert "directory" in reason(tmp_path / "x.txt")


def test_missing_file_and_dangling_symlink(tmp_path):
    assert reason(tmp_path / "nope.txt") == "file not found"
    link = tmp_path / "dangling.txt"
    link.symlink_to(tmp_path / "gone.txt")
    assert reason(link) == "broken symbolic link"


def test_fifo_is_not_read(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert "not a regular file" in reason(fifo)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(tmp_path):
    p = write(tmp_path, "secret.txt", SEED.encode("utf-8"))
    p.chmod(0)
    try:
        assert reason(p) == "permission denied"
    finally:
        p.chmod(0o644)


# ---------------------------------------------------------------- discover

def test_supported_suffixes():
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".docx", ".html", ".htm", ".pdf", ".doc",
                                       ".wps", ".rtf", ".png", ".jpg", ".jpeg", ".tif", ".tiff",
                                       ".bmp", ".mht", ".mhtml"}


def test_discover_thousands_of_files_sorted_and_filtered(tmp_path):
    root = tmp_path / "corpus"
    expected = []
    for d in range(20):
        sub = root / f"d{d:02d}" / "inner"
        sub.mkdir(parents=True)
        for i in range(150):
            p = sub / f"f{i:03d}.txt"
            p.write_bytes(b"x")
            expected.append(p)
        (sub / "image.gif").write_bytes(b"GIF89a")
        (sub / "~$lock.docx").write_bytes(b"x")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD.txt").write_bytes(b"x")
    (root / "UPPER.TXT").write_bytes(b"x")
    expected.append(root / "UPPER.TXT")
    found = discover([root])
    assert len(found) == 3001
    assert found == sorted(found, key=lambda p: os.path.normpath(str(p)))
    assert set(found) == set(expected)
    assert discover([root]) == found                   # deterministic


def test_discover_explicit_files_and_symlink_loops(tmp_path):
    root = tmp_path / "c"
    (root / "a").mkdir(parents=True)
    (root / "a" / "r.txt").write_bytes(b"x")
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)   # a cycle
    (root / "a" / "dangling.txt").symlink_to(root / "missing.txt")
    odd = tmp_path / "notes.rtf"
    odd.write_bytes(b"x")
    found = discover([root, odd, root / "a" / "r.txt"])
    assert odd in found                                  # explicit: kept whatever its suffix
    assert root / "a" / "r.txt" in found
    assert root / "a" / "dangling.txt" in found          # reported later by read_file
    assert len(found) == len(set(map(os.path.normpath, map(str, found))))
    assert len(found) <= 4


def test_ghminerignore_excludes_docs_and_annotation_folders(tmp_path):
    from pipeline.ingest import discover

    (tmp_path / "gold").mkdir()
    (tmp_path / "a").mkdir()
    for name in ("r1.txt", "README.md", "a/r2.txt", "a/README.md", "gold/notes.md"):
        (tmp_path / name).write_text("工会工作总结", encoding="utf-8")
    assert len(discover([tmp_path])) == 5
    (tmp_path / ".ghminerignore").write_text("# docs\nREADME.md\n*/README.md\ngold/\n", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])] == ["a/r2.txt", "r1.txt"]


def test_the_aggregate_reads_sources_back_with_the_encoding_the_run_recorded(tmp_path,
                                                                           monkeypatch):
    # the review pages and near-duplicate pass re-read the inputs: a GBK file whose bytes
    # are unchanged is decoded as the run decoded it, without ranking encodings again
    import pipeline.ingest.decode as decode
    from pipeline.aggregate import build_outputs
    from pipeline.aggregate.sigcache import CACHE_NAME
    from pipeline.run import run_corpus

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "gbk.txt").write_bytes(SEED.encode("gbk"))
    out = tmp_path / "out"
    run_corpus([inbox], out, workers=0)
    (out / ".cache" / CACHE_NAME).unlink()  # so that the aggregate reads the source
    ranked = []
    real = decode._decode_legacy
    monkeypatch.setattr(decode, "_decode_legacy", lambda data: ranked.append(1) or real(data))
    build_outputs(out, [inbox], review_pages=True)
    assert ranked == []
    assert list((out / "review").rglob("*.html"))  # pages were written from the text
