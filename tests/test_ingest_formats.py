"""Readers of the formats reports arrive in: printed PDF, scans and images (OCR),
Word 97 .doc, RTF; sniffing by magic bytes; clear reasons when a file cannot be
read. Fixtures (tests/fixtures/formats/, invented text, see its README): a
three-page Chromium-printed PDF with a repeated footer and page numbers, the
same text as a LibreOffice .doc, and a password-protected PDF. Scans are made
from the PDF at test time."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.ingest import IngestError, read_file
from pipeline.ingest.readers import image as image_reader
from pipeline.ingest.readers.image import pages_from_tsv
from pipeline.process import build_doc, flag_low_confidence, process_file

FIX = Path(__file__).parent / "fixtures" / "formats"
FIGURES = {("count", 12.0), ("count", 860.0), ("rate", 96.5), ("count", 45.0),
           ("amount", 135000.0), ("count", 320.0)}
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract not installed (make formats)")
needs_doc_converter = pytest.mark.skipif(
    not (shutil.which("antiword") or shutil.which("catdoc") or shutil.which("soffice")),
    reason="no .doc converter installed (make formats)")


def figures(result) -> set[tuple[str, float]]:
    return {(f.type, f.value) for r in result.reports for f in r.facts
            if f.type in ("count", "rate", "amount")}


def assert_offsets_exact(result) -> None:
    assert result.reports, result.record.reason
    for rep in result.reports:
        for f in rep.facts:
            assert result.text[f.start:f.end] == f.text


def scan_of(pdf: Path, out: Path, dpi: int = 150) -> Path:
    """An image-only PDF of `pdf`, as a scanner makes it."""
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(pdf))
    images = [doc[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(doc))]
    doc.close()
    images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi)
    return out


# ---------------------------------------------------------------- PDF text layer

def test_pdf_facts_have_exact_offsets_and_the_texts_figures():
    result = process_file(FIX / "report.pdf")
    assert result.record.status == "processed", result.record.reason
    assert result.record.format == "pdf"
    assert result.record.ocr is False and result.record.ocr_confidence is None
    assert_offsets_exact(result)
    assert FIGURES <= figures(result)


def test_pdf_pages_are_joined_by_form_feeds_one_line_per_visual_line():
    got = read_file(FIX / "report.pdf")
    assert got.text.count("\f") == 2 and len(got.pages) == 3
    for start in got.pages[1:]:
        assert got.text[start] == "\f"
    assert "全年新建基层工会12家，发展会员860人，建会率达到96.5%。\n" in got.text
    assert "\r" not in got.text


def test_pdf_page_furniture_is_noise_and_yields_no_facts():
    got = read_file(FIX / "report.pdf")
    doc = build_doc(FIX / "report.pdf", got.text, got.encoding, got.format)
    kinds = {doc.text[n.start:n.end]: n.kind for n in doc.noise}
    assert kinds["- 2 -"] == "page_number"
    assert kinds["青柳街道总工会办公室印"] == "running_header"
    # the title on page 1 is not furniture
    assert not doc.is_noise(0, len("青柳街道总工会2023年工作总结"))


def test_encrypted_pdf_says_so():
    with pytest.raises(IngestError) as e:
        read_file(FIX / "encrypted.pdf")
    assert e.value.reason == "encrypted PDF (needs a password to open)"


def test_truncated_pdf_says_it_is_damaged(tmp_path):
    data = (FIX / "report.pdf").read_bytes()
    bad = tmp_path / "cut.pdf"
    bad.write_bytes(data[:len(data) // 3])
    with pytest.raises(IngestError) as e:
        read_file(bad)
    assert e.value.reason.startswith("not a valid PDF")


def test_pdf_suffix_on_other_bytes(tmp_path):
    p = tmp_path / "x.pdf"
    p.write_text("这不是PDF文件", encoding="utf-8")
    with pytest.raises(IngestError) as e:
        read_file(p)
    assert e.value.reason.startswith("not a valid PDF")


# ---------------------------------------------------------------- sniffing

@pytest.mark.parametrize("fixture, fmt", [("report.pdf", "pdf"), ("report.doc", "doc")])
def test_format_sniffed_from_magic_bytes_without_suffix(tmp_path, fixture, fmt):
    if fmt == "doc" and not (shutil.which("antiword") or shutil.which("catdoc")):
        pytest.skip("no .doc converter")
    p = tmp_path / "report_from_branch"
    shutil.copyfile(FIX / fixture, p)
    got = read_file(p)
    assert got.format == fmt
    assert "发展会员860人" in got.text


def test_doc_suffix_holding_rtf_is_read_as_rtf(tmp_path):
    # Word's "save as" keeps .doc on RTF; the bytes decide.
    p = tmp_path / "report.doc"
    p.write_bytes(rb"{\rtf1\ansi\ansicpg936{\fonttbl{\f0\fnil\fcharset134 SimSun;}}\f0 "
                  rb"\'b7\'a2\'d5\'b9\'bb\'e1\'d4\'b1860\'c8\'cb\par}")
    got = read_file(p)
    assert got.format == "rtf" and got.text.strip() == "发展会员860人"


# ---------------------------------------------------------------- .doc / .rtf

@needs_doc_converter
def test_doc_facts_have_exact_offsets_and_the_texts_figures():
    result = process_file(FIX / "report.doc")
    assert result.record.status == "processed" and result.record.format == "doc"
    assert_offsets_exact(result)
    assert FIGURES <= figures(result)


def test_doc_without_any_converter_says_what_to_install(monkeypatch):
    from pipeline.ingest.readers import doc as doc_reader
    monkeypatch.setattr(doc_reader, "converter_path", lambda name: None)
    with pytest.raises(IngestError) as e:
        read_file(FIX / "report.doc")
    assert e.value.reason == ("Word .doc/.wps needs a converter but none is installed "
                              "(apt-get install antiword catdoc, or libreoffice-writer-nogui)")


@needs_doc_converter
def test_doc_falls_back_to_the_next_converter(monkeypatch):
    # antiword refuses small files ("text stream too small"): catdoc then reads it
    from pipeline.ingest.readers import doc as doc_reader
    monkeypatch.setattr(doc_reader, "converter_path",
                        lambda name: shutil.which(name) if name != "soffice" else None)
    got = read_file(FIX / "report.doc")
    assert got.tool in ("antiword", "catdoc") and "慰问金13.5万元" in got.text


def test_broken_ole2_doc_names_each_converters_failure(tmp_path):
    if not (shutil.which("antiword") or shutil.which("catdoc")):
        pytest.skip("no .doc converter")
    p = tmp_path / "broken.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(IngestError) as e:
        read_file(p)
    assert e.value.reason.startswith("not a readable Word .doc/.wps (")


def test_rtf_with_unicode_and_gbk_escapes(tmp_path):
    p = tmp_path / "r.rtf"
    p.write_bytes(rb"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 \'cb\'ce\'cc\'e5;}}"
                  rb"\f0 \'b9\'a4\'bb\'e1\'bb\'e1\'d4\'b1 1200\'c8\'cb\par "
                  rb"\u24314?\u20250?\u29575?96.5%\par}")
    result = process_file(p)
    assert result.text.split("\n")[:2] == ["工会会员 1200人", "建会率96.5%"]
    assert {("count", 1200.0), ("rate", 96.5)} <= figures(result)
    assert_offsets_exact(result)


# ---------------------------------------------------------------- OCR

@needs_tesseract
def test_scanned_pdf_is_read_by_ocr_with_the_key_figures(tmp_path):
    result = process_file(scan_of(FIX / "report.pdf", tmp_path / "scan.pdf"))
    assert result.record.status == "processed", result.record.reason
    assert result.record.ocr is True and result.record.ocr_confidence > 50
    assert_offsets_exact(result)
    found = figures(result)
    assert len(FIGURES & found) >= 5, found
    assert result.text.count("\f") == 2


@needs_tesseract
def test_png_image_is_read_by_ocr(tmp_path):
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(FIX / "report.pdf"))
    png = tmp_path / "page1.png"
    doc[0].render(scale=200 / 72, grayscale=True).to_pil().save(png)
    doc.close()
    got = read_file(png)
    assert got.format == "image" and got.ocr
    assert "860" in got.text and "96.5" in got.text


def test_scan_without_tesseract_fails_with_exactly_that_reason(tmp_path, monkeypatch):
    scan = scan_of(FIX / "report.pdf", tmp_path / "scan.pdf", dpi=40)
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on the PATH
    with pytest.raises(IngestError) as e:
        read_file(scan)
    assert e.value.reason == (
        "scanned PDF (no text layer) needs OCR but Tesseract is not installed "
        "(apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra)")


def test_image_without_chinese_language_data_says_so(tmp_path, monkeypatch):
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(FIX / "report.pdf"))
    png = tmp_path / "p.png"
    doc[0].render(scale=0.5).to_pil().save(png)
    doc.close()
    monkeypatch.setattr(image_reader, "tesseract_path", lambda: "/usr/bin/tesseract")
    monkeypatch.setattr(image_reader, "_installed_languages", lambda exe: ("eng", "osd"))
    with pytest.raises(IngestError) as e:
        read_file(png)
    assert e.value.reason.startswith(
        "image needs OCR but Tesseract's Chinese language data (chi_sim or chi_tra) is not installed")


def test_broken_image_is_refused_before_ocr(tmp_path):
    p = tmp_path / "scan.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(IngestError) as e:
        read_file(p)
    assert e.value.reason.startswith("not a valid image")


TSV = "\n".join([
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
    "5\t1\t1\t1\t1\t1\t10\t10\t40\t20\t96.1\t全年",
    "5\t1\t1\t1\t1\t2\t52\t10\t40\t20\t95.0\t发展会员",
    "5\t1\t1\t1\t1\t3\t94\t10\t30\t20\t41.5\t860",
    "5\t1\t1\t1\t1\t4\t126\t10\t20\t20\t93.0\t人",
    "5\t1\t1\t1\t2\t1\t10\t40\t60\t20\t90.0\tWord",
    "5\t1\t1\t1\t2\t2\t75\t40\t40\t20\t91.0\t2003",
    "5\t1\t1\t1\t2\t3\t120\t40\t20\t20\t-1\t ",
])


def test_tsv_words_joined_without_spaces_between_cjk_and_low_confidence_spans():
    (page,) = pages_from_tsv(TSV, min_confidence=60)
    assert page.text == "全年发展会员860人\nWord 2003"
    assert [page.text[s:e] for s, e in page.spans] == ["860"]
    assert page.confidences == [96.1, 95.0, 41.5, 93.0, 90.0, 91.0]
    (kept,) = pages_from_tsv(TSV, min_confidence=60, cjk_spaces=True)
    assert kept.text.startswith("全年 发展会员 860 人")


def test_facts_on_low_confidence_words_are_flagged():
    from schemas.report import CountFact
    text = "全年发展会员860人，慰问45户"
    facts = [CountFact(text="会员860人", start=4, end=10, line=1, value=860, unit="人"),
             CountFact(text="45户", start=13, end=16, line=1, value=45, unit="户")]
    flag_low_confidence(facts, [(6, 9)])
    assert [f.low_confidence for f in facts] == [True, False]
    assert text[facts[0].start:facts[0].end] == facts[0].text


# ---------------------------------------------------------------- damaged files

def _mutants(data: bytes, n: int, seed: int):
    import random
    rng = random.Random(seed)
    for _ in range(n):
        b = bytearray(data)
        for _ in range(rng.randint(1, 12)):
            op, pos = rng.choice("fit"), rng.randrange(len(b))
            if op == "f":
                b[pos] = rng.randrange(256)
            elif op == "i":
                b[pos:pos] = rng.randbytes(rng.randint(1, 16))
            else:
                del b[pos:]
                if len(b) < 16:
                    break
        yield bytes(b)


@pytest.mark.parametrize("fixture, suffix", [("report.pdf", ".pdf"), ("report.doc", ".doc"),
                                             ("report.pdf", "")])
def test_damaged_files_give_text_or_a_reason(tmp_path, monkeypatch, fixture, suffix):
    from pipeline.ingest.readers import doc as doc_reader
    # LibreOffice's start-up (seconds) on each damaged .doc would make this slow
    monkeypatch.setattr(doc_reader, "converter_path",
                        lambda name: None if name == "soffice" else shutil.which(name))
    data = (FIX / fixture).read_bytes()
    for i, bad in enumerate(_mutants(data, 25, seed=len(fixture) + len(suffix))):
        p = tmp_path / f"m{i}{suffix}"
        p.write_bytes(bad)
        try:
            got = read_file(p)
        except IngestError as e:
            assert e.reason.strip()
            continue
        assert "\r" not in got.text and got.text.strip()
        got.text.encode("utf-8")


def test_a_failure_for_a_missing_tool_is_not_cached(tmp_path, monkeypatch):
    # once Tesseract is installed, the next run must read the scan, not replay the failure
    from pipeline.run.cache import FileOutcome
    scan = scan_of(FIX / "report.pdf", tmp_path / "scan.pdf", dpi=40)
    monkeypatch.setattr(image_reader, "tesseract_path", lambda: None)
    missing = process_file(scan).record
    assert missing.status == "failed" and not FileOutcome(missing).cacheable
    encrypted = process_file(FIX / "encrypted.pdf").record
    assert encrypted.status == "failed" and FileOutcome(encrypted).cacheable


MHT = """MIME-Version: 1.0
Content-Type: multipart/related; boundary="----=_NextPart_01"

------=_NextPart_01
Content-Location: file:///C:/report.htm
Content-Transfer-Encoding: quoted-printable
Content-Type: text/html; charset="gb2312"

<html><body><p>=B7=A2=D5=B9=BB=E1=D4=B1860=C8=CB</p><p>=BD=A8=BB=E1=C2=CA96.5%</p></body></html>

------=_NextPart_01--
"""


@pytest.mark.parametrize("name", ["report.doc", "report.mht"])
def test_word_single_file_web_page_is_read_as_html(tmp_path, name):
    # Word's "single file web page" (MHTML, GB2312 quoted-printable), often sent as .doc
    p = tmp_path / name
    p.write_bytes(MHT.replace("\n", "\r\n").encode("ascii"))
    got = read_file(p)
    assert got.format == "mht" and got.text == "发展会员860人\n建会率96.5%"


def test_plain_text_named_doc_is_read_as_text(tmp_path):
    p = tmp_path / "report.doc"
    p.write_bytes("青柳街道总工会\n发展会员860人。".encode("gbk"))
    got = read_file(p)
    assert got.format == "txt" and got.encoding == "gbk" and "860人" in got.text
