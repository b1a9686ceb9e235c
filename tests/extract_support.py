"""Run one fact extractor over a text, checking what every fact must satisfy."""
from __future__ import annotations

from pipeline.document import ReportSlice, SourceDoc
from pipeline.extract.context import ExtractContext
from pipeline.normalise import normalise


def make_doc(text: str, norm: str | None = None) -> SourceDoc:
    """A one-report doc; `norm` defaults to the real normalisation of `text`."""
    return SourceDoc(path="t.txt", source="t.txt", text=text,
                     norm=normalise(text) if norm is None else norm)


def run_extractor(module, text: str, norm: str | None = None, sections=None, doc=None) -> list:
    """`module.extract` over the whole text; asserts exact offsets and line numbers."""
    doc = doc or make_doc(text, norm)
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, doc.n_lines, 0, len(doc.text)),
                         section_spans=sections or [])
    facts = module.extract(doc, 0, len(doc.text), ctx)
    for f in facts:
        assert doc.text[f.start:f.end] == f.text
        assert f.line == doc.line_of(f.start)
    return facts
