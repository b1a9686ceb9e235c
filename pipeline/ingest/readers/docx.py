"""A .docx file -> text: body paragraphs and tables in document order.

One paragraph per line; a table row is one line with its cells separated by a
tab (merged cells once). Content controls (w:sdt) and tracked insertions are
entered; headers, footers, footnotes and text boxes are left out (headers and
footers carry page numbers and site watermarks, not report text).

Safety: the zip is checked before parsing (declared uncompressed sizes and
compression ratios against limits: zip bombs), and python-docx's lxml parser
runs with resolve_entities=False and no network, so neither XXE nor entity
expansion ("billion laughs") can happen.
"""
from __future__ import annotations

import io
import zipfile

from pipeline.ingest.model import IngestError
from pipeline.ingest.readers import Decoded, ReadRequest, register
from pipeline.ingest.sniff import binary_kind

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAX_RATIO = 200          # a text-heavy XML part compresses ~10-30x; 200x+ is a bomb
_MAX_MEMBERS = 10_000


def docx_text(data: bytes, max_uncompressed: int) -> str:
    """Text of a .docx given as bytes; IngestError when it is not a sound .docx."""
    if not data.startswith(b"PK"):
        kind = binary_kind(data[:64])
        raise IngestError("not a valid .docx (not a zip archive" + (f": {kind})" if kind else ")"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise IngestError(f"not a valid .docx (broken zip archive: {e})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > _MAX_MEMBERS:
            raise IngestError(f"not a valid .docx (zip has {len(infos)} members)")
        names = {i.filename for i in infos}
        if "word/document.xml" not in names:
            raise IngestError("not a valid .docx (zip archive without word/document.xml)")
        total = sum(i.file_size for i in infos)
        if total > max_uncompressed:
            raise IngestError(f"suspicious .docx (zip bomb?): uncompressed size "
                              f"{_mb(total)} > limit {_mb(max_uncompressed)}")
        for i in infos:
            if i.file_size > 1_000_000 and i.file_size > _MAX_RATIO * max(i.compress_size, 1):
                raise IngestError(f"suspicious .docx (zip bomb?): {i.filename} expands "
                                  f"{i.file_size // max(i.compress_size, 1)}x")
    try:
        import docx  # python-docx
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises many types on malformed parts
        raise IngestError(f"not a valid .docx ({type(e).__name__}: {str(e)[:120]})") from None
    lines: list[str] = []
    _blocks(document.element.body, lines)
    return "\n".join(lines)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _blocks(container, lines: list[str]) -> None:
    """Append the lines of the block-level children of `container`, in order."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == _W + "p":
            lines.append(_paragraph_text(child))
        elif tag == _W + "tbl":
            _table(child, lines)
        elif tag in (_W + "sdt", _W + "customXml", _W + "ins", _W + "smartTag"):
            inner = child.find(_W + "sdtContent") if tag == _W + "sdt" else child
            if inner is not None:
                _blocks(inner, lines)


def _paragraph_text(p) -> str:
    """Visible text of a w:p: runs, hyperlinks, tabs and breaks; deleted text left out."""
    parts: list[str] = []
    for el in p.iter(_W + "t", _W + "tab", _W + "br", _W + "cr", _W + "noBreakHyphen",
                     _W + "sym"):
        if _inside(el, p, (_W + "del", _W + "txbxContent", _W + "instrText")):
            continue
        tag = el.tag
        if tag == _W + "t":
            parts.append(el.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _inside(el, stop, tags: tuple[str, ...]) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _table(tbl, lines: list[str]) -> None:
    """One line per row, cells separated by tabs; nested tables become their own lines."""
    for tr in tbl.iterchildren(_W + "tr"):
        cells: list[str] = []
        nested: list[str] = []
        for tc in tr.iterchildren(_W + "tc"):
            if _is_vmerge_continuation(tc):
                cells.append("")
                continue
            paras: list[str] = []
            for child in tc.iterchildren():
                if child.tag == _W + "p":
                    paras.append(_paragraph_text(child))
                elif child.tag == _W + "tbl":
                    _table(child, nested)
            cells.append(" ".join(t.strip() for t in paras if t.strip()))
        while cells and not cells[-1]:
            cells.pop()
        lines.append("\t".join(cells))
        lines.extend(nested)


def _is_vmerge_continuation(tc) -> bool:
    """A vertically merged cell below its first row repeats nothing."""
    pr = tc.find(_W + "tcPr")
    if pr is None:
        return False
    vm = pr.find(_W + "vMerge")
    return vm is not None and vm.get(_W + "val") in (None, "continue")


# A .docx expands when unzipped; XML text compresses ~10x, so allow 10x the file limit.
DOCX_EXPANSION = 10


@register("docx")
def read_docx(req: ReadRequest) -> Decoded:
    return Decoded(docx_text(req.data, DOCX_EXPANSION * req.max_bytes))
