"""Scans and photos (.png/.jpg/.tif/.bmp): OCR with Tesseract.

Tesseract runs as a subprocess (`tesseract IMAGE stdout -l chi_sim+chi_tra tsv`):
the TSV gives each word's box and confidence. Words are joined into one text
line per recognised line. Tesseract's "words" in Chinese are recognition units,
not what is printed: its plain-text output puts a space between every two of
them ("全年总 结 及 措施"). Here two words are joined by a space only when
neither side is a CJK character or CJK punctuation (Latin words and numbers keep
theirs); formats.yaml `ocr.cjk_word_spaces: true` keeps Tesseract's spaces
(measured both ways in docs/formats.md). Word boxes cannot decide: chi_sim's
boxes are too uneven (a 4-pixel-wide 年).

No Tesseract, or no Chinese language data: the file fails with that reason.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from pipeline.ingest.data_files import load_formats
from pipeline.ingest.model import IngestError
from pipeline.ingest.readers import Decoded, ReadRequest, register

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2018-\u201f\u2026\u00b7]")
_MAX_PIXELS = 80_000_000  # a 600 dpi A3 scan is ~70 Mpx; beyond that: refused


@dataclass
class OcrPage:
    text: str
    spans: list[tuple[int, int]]     # low-confidence word spans in `text`
    confidences: list[float]         # one per word


def ocr_settings() -> dict:
    return load_formats()["ocr"]


def tesseract_path() -> str | None:
    """The tesseract executable, or None (tests monkeypatch this lookup)."""
    return shutil.which("tesseract")


@functools.cache
def _installed_languages(exe: str) -> tuple[str, ...]:
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(ln.strip() for ln in out.splitlines()[1:] if ln.strip())


def ocr_engine(what: str) -> tuple[str, str]:
    """(tesseract path, "lang+lang") or IngestError saying what is missing for `what`
    ("scanned PDF", "image")."""
    cfg = ocr_settings()
    exe = tesseract_path()
    if exe is None:
        raise IngestError(f"{what} needs OCR but Tesseract is not installed "
                          f"({cfg['install_hint']})")
    have = _installed_languages(exe)
    if not any(lang in have for lang in cfg["required"]):
        raise IngestError(f"{what} needs OCR but Tesseract's Chinese language data "
                          f"({' or '.join(cfg['required'])}) is not installed "
                          f"({cfg['install_hint']})")
    langs = [lang for lang in cfg["languages"] if lang in have] or \
        [lang for lang in cfg["required"] if lang in have]
    return exe, "+".join(langs)


def tesseract_version(exe: str) -> str:
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
        first = (out.stdout or out.stderr).splitlines()[0]
        return first.strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return "tesseract"


def ocr_image_file(image_path: str, exe: str, langs: str) -> list[OcrPage]:
    """OCR one image file (a multi-page TIFF gives several pages)."""
    cfg = ocr_settings()
    cmd = [exe, image_path, "stdout", "-l", langs, "--psm", str(cfg["psm"]), "tsv"]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one core a page: workers run in parallel
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=cfg["page_timeout"], env=env)
    except subprocess.TimeoutExpired:
        raise IngestError(f"OCR took longer than {cfg['page_timeout']} s for one page") from None
    except OSError as e:
        raise IngestError(f"OCR could not start Tesseract ({e.strerror or e})") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise IngestError(f"OCR failed: Tesseract says {err[-1] if err else 'nothing'!r}")
    return pages_from_tsv(done.stdout.decode("utf-8", "replace"), float(cfg["min_confidence"]),
                          bool(cfg.get("cjk_word_spaces", False)))


def pages_from_tsv(tsv: str, min_confidence: float, cjk_spaces: bool = False) -> list[OcrPage]:
    """Tesseract TSV -> one OcrPage per page_num: a text line per recognised line."""
    lines: dict[tuple[int, ...], list[tuple[int, int, int, float, str]]] = {}
    pages: list[int] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        word = cols[11].strip()
        if not word:
            continue
        page, block, par, line = (int(c) for c in cols[1:5])
        left, top, width, height = (int(c) for c in cols[6:10])
        if page not in pages:
            pages.append(page)
        lines.setdefault((page, block, par, line), []).append(
            (left, width, height, float(cols[10]), word))
    out: list[OcrPage] = []
    for page in pages:
        parts: list[str] = []
        spans: list[tuple[int, int]] = []
        confs: list[float] = []
        pos = 0
        for key in sorted(k for k in lines if k[0] == page):
            words = sorted(lines[key])
            if parts:
                parts.append("\n")
                pos += 1
            prev_word = ""
            for _, _, _, conf, word in words:
                if prev_word and (cjk_spaces or not (_CJK.match(prev_word[-1]) or _CJK.match(word[0]))):
                    parts.append(" ")
                    pos += 1
                parts.append(word)
                if 0 <= conf < min_confidence:
                    spans.append((pos, pos + len(word)))
                if conf >= 0:
                    confs.append(conf)
                pos += len(word)
                prev_word = word
        out.append(OcrPage("".join(parts), spans, confs))
    return out


def join_pages(pages: list[OcrPage | str]) -> tuple[str, list[int], list[tuple[int, int]], list[float]]:
    """Pages -> (text, page starts, low-confidence spans, word confidences).

    Each page ends with a newline; the pages after the first start with a form
    feed (as pdftotext does), so the clean stage can tell page tops and bottoms."""
    parts: list[str] = []
    starts: list[int] = []
    spans: list[tuple[int, int]] = []
    confs: list[float] = []
    pos = 0
    for i, page in enumerate(pages):
        text = page if isinstance(page, str) else page.text
        piece = ("\f" if i else "") + text.rstrip("\n") + "\n"
        starts.append(pos)
        if not isinstance(page, str):
            shift = pos + (1 if i else 0)
            spans.extend((s + shift, e + shift) for s, e in page.spans)
            confs.extend(page.confidences)
        parts.append(piece)
        pos += len(piece)
    return "".join(parts), starts, spans, confs


def ocr_decoded(pages: list[OcrPage | str], exe: str) -> Decoded:
    text, starts, spans, confs = join_pages(pages)
    mean = round(sum(confs) / len(confs), 1) if confs else None
    return Decoded(text, pages=starts, ocr=True, ocr_confidence=mean, low_confidence=spans,
                   tool=tesseract_version(exe))


_SUFFIX = {b"\x89PNG": ".png", b"\xff\xd8\xff": ".jpg", b"II*\x00": ".tif", b"MM\x00*": ".tif",
           b"BM": ".bmp"}


@register("image")
def read_image(req: ReadRequest) -> Decoded:
    suffix = next((s for magic, s in _SUFFIX.items() if req.data.startswith(magic)), None)
    if suffix is None:
        raise IngestError("not a valid image (not PNG, JPEG, TIFF or BMP)")
    _check_image(req.data)
    exe, langs = ocr_engine("image")
    with tempfile.TemporaryDirectory(prefix="ghminer-ocr-") as tmp:
        path = os.path.join(tmp, "page" + suffix)
        with open(path, "wb") as f:
            f.write(req.data)
        pages = ocr_image_file(path, exe, langs)
    if not any(p.text.strip() for p in pages):
        raise IngestError("no text found by OCR in the image")
    return ocr_decoded(pages, exe)


def _check_image(data: bytes) -> None:
    """Refuse broken and oversized images before Tesseract sees them."""
    import io

    from PIL import Image
    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            if w * h > _MAX_PIXELS:
                raise IngestError(f"image too large for OCR ({w}x{h} pixels)")
            im.verify()
    except IngestError:
        raise
    except Exception as e:  # Pillow raises many types on damaged files
        raise IngestError(f"not a valid image ({type(e).__name__}: {str(e)[:100]})") from None
