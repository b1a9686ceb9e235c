"""A minimal streaming XLSX writer: inline strings and numbers, one bold header row.

openpyxl builds a Cell object per value (about 10 µs each), which made the
workbook the slowest output of a run; the sheets here are plain tables, so
their XML is written directly (about 1 µs a cell) into the zip. Values must
already be inert (`excel.safe_cell`): this module only XML-escapes them. Cells
are inline strings or numbers, never formulas. The workbook reads back in
Excel, LibreOffice and openpyxl.
"""
from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path
from typing import Callable, Iterable
from xml.sax.saxutils import escape, quoteattr

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_STYLES = (_HEAD + f'<styleSheet xmlns="{_NS}">'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="3"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill>'
           '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/>'
           '<bgColor indexed="64"/></patternFill></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" '
           'applyFill="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '</styleSheet>')
HEADER_STYLE, BOLD_STYLE = 1, 2


def column_letter(i: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _text_xml(s: str) -> str:
    body = escape(s)
    if s[:1].isspace() or s[-1:].isspace():
        return f'<is><t xml:space="preserve">{body}</t></is>'
    return f"<is><t>{body}</t></is>"


def cell_xml(v, style: int = 0) -> str:
    """One positional cell: an inert value (str, int, float or None) as XML."""
    s_attr = f' s="{style}"' if style else ""
    if v is None:
        return f"<c{s_attr}/>"
    if isinstance(v, str):
        return f'<c{s_attr} t="inlineStr">{_text_xml(v)}</c>'
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return f"<c{s_attr}><v>{v!r}</v></c>"
    return f'<c{s_attr} t="inlineStr">{_text_xml(str(v))}</c>'  # inf, nan: text, never evaluated


class Sheet:
    """Rows are appended as lists of inert values (str, int, float or None), as columns of
    cell XML, or as an iterable of such column batches that is consumed only while the
    sheet is written (`append_column_batches`): a table far larger than memory streams
    through. Rows are numbered as they are written."""

    def __init__(self, title: str, widths: list[float]):
        self.title = title
        self.widths = widths
        # a row's cells joined, a list of columns, or lazy batches of columns
        self.parts: list[str | list[list[str]] | _Batches] = []
        self.rows = 0            # rows appended (known once written, when batches are lazy)
        self.ncols = len(widths)
        self.autofilter = False
        self.filter_rows = None  # rows under the autofilter (header + data), known once written
        self._filter_parts = None  # the note's position: parts under the autofilter

    def add_header_note(self, text: str) -> None:
        """A text cell right of the header row, outside the autofilter (which ends with
        the rows appended so far)."""
        self._filter_parts = len(self.parts)
        ref = column_letter(self.ncols + 2) + "1"
        self.parts[0] = self.parts[0] + \
            f'<c r="{ref}" s="{BOLD_STYLE}" t="inlineStr">{_text_xml(text)}</c>'

    def append(self, values, style: int = 0) -> None:
        self.append_cells([cell_xml(v, style) for v in values])

    def append_cells(self, cells: list[str]) -> None:
        """A row of `cell_xml` fragments, one per column in order (cells carry no
        reference: their position is their column, as the format allows)."""
        self.rows += 1
        self.parts.append("".join(cells))

    def append_columns(self, columns: list[list[str]]) -> None:
        """Rows given as columns of `cell_xml` fragments (equal lengths): the rows
        `append_cells` would append one by one. They are joined into rows only as the
        sheet is written (a row's text is larger than references to its cells)."""
        if columns and columns[0]:
            self.parts.append(columns)
            self.rows += len(columns[0])

    def append_column_batches(self, batches: Iterable[list[list[str]]]) -> None:
        """Rows given as an iterable of `append_columns` arguments, made as the sheet is
        written; `rows` and `filter_rows` are final once it is."""
        self.parts.append(_Batches(batches))

    def xml(self) -> str:
        out = io.BytesIO()
        self.write(out)
        return out.getvalue().decode("utf-8")

    def write(self, out, batch: int = 2000) -> None:
        """The sheet's XML into a binary stream, encoded `batch` rows at a time (the
        whole text of a large sheet is never held at once). A sheet with lazy batches
        can be written once (they are consumed)."""
        if any(isinstance(p, _Batches) and p.used for p in self.parts):
            raise RuntimeError(f"sheet {self.title!r}: its row batches were written already")
        buf = [self._head()]
        r = 0

        def flush():
            out.write("".join(buf).encode("utf-8"))
            buf.clear()

        for i, part in enumerate(self.parts):
            if i == self._filter_parts:
                self.filter_rows = r
            if isinstance(part, str):
                r += 1
                buf.append(f'<row r="{r}">{part}</row>')
                continue
            if isinstance(part, _Batches):
                part.used = True
            for columns in (part.batches if isinstance(part, _Batches) else (part,)):
                for cells in zip(*columns):
                    r += 1
                    buf.append(f'<row r="{r}">{"".join(cells)}</row>')
                    if len(buf) >= batch:
                        flush()
        if self._filter_parts == len(self.parts):
            self.filter_rows = r
        self.rows = r
        buf.append(self._tail())
        flush()

    def _head(self) -> str:
        cols = "".join(f'<col min="{i}" max="{i}" width="{w:.1f}" customWidth="1"/>'
                       for i, w in enumerate(self.widths, 1))
        return (_HEAD + f'<worksheet xmlns="{_NS}" xmlns:r="{_REL}">'
                '<sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                '<sheetFormatPr defaultRowHeight="15"/>'
                + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")

    def _tail(self) -> str:
        last = column_letter(max(1, self.ncols))
        rows = self.filter_rows or self.rows
        auto = f'<autoFilter ref="A1:{last}{rows}"/>' if self.autofilter and rows > 1 else ""
        return "</sheetData>" + auto + "</worksheet>"


class _Batches:
    """Lazy row batches of a sheet (`Sheet.append_column_batches`)."""

    def __init__(self, batches: Iterable[list[list[str]]]):
        self.batches, self.used = batches, False


def save(path: Path, sheets: list[Callable[[], Sheet]]) -> None:
    """Write the workbook to `path` (callers write through atomic.atomic_path). Each
    sheet is given as a function making it: made, written and dropped in turn, so that
    one sheet at a time is in memory."""
    n = len(sheets)
    types = (_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
             f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
             + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                       f'ContentType="{_CT}.worksheet+xml"/>' for i in range(1, n + 1))
             + "</Types>")
    rels = (_HEAD + f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb_rels = (_HEAD + f'<Relationships xmlns="{_PKG}">'
               + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                         f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
               + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
               "</Relationships>")
    # level 1: the sheets are large and repetitive; higher levels cost time, not size
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/styles.xml", _STYLES)
        shape = []  # (title, ncols, rows under the filter or None) of each sheet written
        for i, make_sheet in enumerate(sheets, 1):
            s = make_sheet()
            with z.open(f"xl/worksheets/sheet{i}.xml", "w") as out:
                s.write(out)
            filtered = s.filter_rows or s.rows
            shape.append((s.title, s.ncols, filtered if s.autofilter and filtered > 1 else None))
            del s
        z.writestr("xl/workbook.xml", _workbook_xml(shape))
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)


def _workbook_xml(shape: list[tuple[str, int, int | None]]) -> str:
    names = "".join(f'<sheet name={quoteattr(title)} sheetId="{i}" r:id="rId{i}"/>'
                    for i, (title, _, _) in enumerate(shape, 1))
    defined = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_quote_sheet(title))}!$A$1:${column_letter(max(1, ncols))}${rows}</definedName>"
        for i, (title, ncols, rows) in enumerate(shape) if rows is not None)
    return (_HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{names}</sheets>"
            + (f"<definedNames>{defined}</definedNames>" if defined else "") + "</workbook>")


def _quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"
