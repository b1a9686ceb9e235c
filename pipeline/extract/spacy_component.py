"""Facts as spans on a spaCy `Doc`, for displaCy-style review.

The batch pipeline does not push text through spaCy (too slow for the scale
target); this registered component runs the same extractors on a `Doc` and
puts every fact in `doc.spans["facts"]` (label = fact type, `span._.fact` =
the pydantic fact), aligned with `alignment_mode="expand"` because jieba
tokens may be wider than a fact.
"""
from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.document import ReportSlice, SourceDoc

if not Span.has_extension("fact"):
    Span.set_extension("fact", default=None)


class FactSpans:
    """spaCy component: extract ghminer facts and attach them as a span group."""

    def __init__(self, spans_key: str = "facts"):
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        from pipeline.extract import extract_facts
        from pipeline.extract.context import ExtractContext
        from pipeline.process import build_doc

        text = doc.text
        src: SourceDoc = build_doc(Path("<spacy>"), text, None, "txt")
        whole = ReportSlice(start_line=1, end_line=src.n_lines, start=0, end=len(text))
        facts = extract_facts(src, 0, len(text), ExtractContext(doc=src, report=whole))
        spans = []
        for fact in facts:
            span = doc.char_span(fact.start, fact.end, label=fact.type, alignment_mode="expand")
            if span is not None:
                span._.fact = fact
                spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


@Language.factory("ghminer_facts", default_config={"spans_key": "facts"})
def make_fact_spans(nlp: Language, name: str, spans_key: str) -> FactSpans:
    return FactSpans(spans_key)


def fact_nlp() -> Language:
    """`spacy.blank("zh")` with the jieba segmenter (domain dictionary loaded) and ghminer_facts."""
    import spacy

    from pipeline.nlp import jieba_tokenizer

    jieba_tokenizer()  # the domain user dictionary is global to jieba, so spaCy sees it too
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe("ghminer_facts")
    return nlp
