"""PDF: the text layer with PDFium (pypdfium2); scanned pages by OCR.

Why PDFium: measured against pdfminer.six on Chromium- and LibreOffice-printed
reports (bench/formats.py --engines, docs/formats.md): the same characters in the
same order, one text line per visual line, ~5x the pages per second.

Pages are joined with a form feed at the start of every page after the first
(pdftotext's convention), each page ending with a newline, so page numbers and
running headers/footers stay in the text, marked as noise by the clean stage,
and offsets are into exactly this text. A page with (almost) no text but an
image on it is a scan: it is rendered at the OCR resolution and read by
Tesseract (readers/image.py).
"""
from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path

from pipeline.ingest.data_files import load_formats
from pipeline.ingest.model import IngestError
from pipeline.ingest.readers import Decoded, ReadRequest, register
from pipeline.ingest.readers.image import ocr_decoded, ocr_engine, ocr_image_file, ocr_settings

# PDFium's text has CR LF line ends; control characters it emits for soft hyphens
# and unmapped glyphs (\x02, \ufffe, \uffff) are not text.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_TRAILING = re.compile(r"[ \t]+\n")
_MAX_PAGES = 2000
_PDFIUM_LOCK = threading.Lock()


@register("pdf")
def read_pdf(req: ReadRequest) -> Decoded:
    with tempfile.TemporaryDirectory(prefix="ghminer-ocr-") as tmp:
        # PDFium is not thread-safe (dask runs files in threads): one PDF at a time
        # in a process, and the scanned pages are rendered to files under the lock;
        # Tesseract then runs outside it.
        with _PDFIUM_LOCK:
            texts = _text_or_scan(req.data, tmp)
        if all(isinstance(t, str) for t in texts):
            if not any(t.strip() for t in texts):
                raise IngestError("PDF has no text layer and no images (empty pages)")
            return Decoded(_join(texts), pages=_starts(texts), tool="pdfium")
        return _with_ocr(texts)


def _text_or_scan(data: bytes, tmp: str) -> list[str | Path]:
    """Each page's text, or the path of its rendering when it is a scanned page."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = _open(data, pdfium)
    try:
        n = len(pdf)
        if n == 0:
            raise IngestError("PDF has no pages")
        if n > _MAX_PAGES:
            raise IngestError(f"PDF has {n} pages (limit {_MAX_PAGES})")
        min_chars = int(load_formats()["pdf_min_page_chars"])
        scale = float(ocr_settings()["dpi"]) / 72
        out: list[str | Path] = []
        for i in range(n):
            page = pdf[i]
            try:
                text = _page_text(page)
                if len(text) - text.count(" ") - text.count("\n") >= min_chars or \
                        not _has_image(page, pdfium_c):
                    out.append(text)
                    continue
                path = Path(tmp) / f"p{i}.png"
                page.render(scale=scale, grayscale=True).to_pil().save(path)
                out.append(path)
            finally:
                page.close()
        return out
    finally:
        pdf.close()


def _open(data: bytes, pdfium):
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise IngestError("encrypted PDF (needs a password to open)") from None
        if "format" in msg.lower() or "file" in msg.lower():
            raise IngestError("not a valid PDF (damaged or truncated file)") from None
        raise IngestError(f"not a valid PDF ({msg})") from None


def _page_text(page) -> str:
    textpage = page.get_textpage()
    try:
        raw = textpage.get_text_range()
    finally:
        textpage.close()
    text = _NOT_TEXT.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    return _TRAILING.sub("\n", text).strip("\n")


def _has_image(page, pdfium_c) -> bool:
    return any(obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects(max_depth=2))


def _join(texts: list[str]) -> str:
    return "".join(("\f" if i else "") + t + "\n" for i, t in enumerate(texts))


def _starts(texts: list[str]) -> list[int]:
    starts, pos = [], 0
    for i, t in enumerate(texts):
        starts.append(pos)
        pos += len(t) + 1 + (1 if i else 0)
    return starts


def _with_ocr(texts: list[str | Path]) -> Decoded:
    """OCR the scanned pages (rendered to files); keep the text layer of the others."""
    if not any(isinstance(t, str) and t.strip() for t in texts):
        what = "scanned PDF (no text layer)"
    else:
        what = "PDF with scanned pages"
    exe, langs = ocr_engine(what)
    pages: list = []
    for item in texts:
        if isinstance(item, str):
            pages.append(item)
        else:
            got = ocr_image_file(str(item), exe, langs)
            pages.append(got[0] if got else "")
    decoded = ocr_decoded(pages, exe)
    if not decoded.text.strip():
        raise IngestError("scanned PDF: no text found by OCR")
    return decoded
