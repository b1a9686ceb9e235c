"""Facts as spaCy spans (`doc.spans["facts"]`) for displaCy-style review."""
from spacy import displacy

from pipeline.extract.spacy_component import fact_nlp

TEXT = ("今年以来,街道总工会组建基层工会34家,会员共计1438人,建会率达到84.7%。"
        "公司出资53万元统一换发工作服。何正民荣获省“五一劳动奖章”荣誉称号。"
        "1月9日组织全院“迎新春联谊会”,到会xx人。")


def test_fact_spans_cover_every_fact_with_expand_alignment():
    doc = fact_nlp()(TEXT)
    spans = doc.spans["facts"]
    labels = {s.label_ for s in spans}
    assert {"count", "rate", "amount", "award", "activity", "placeholder"} <= labels
    for span in spans:
        fact = span._.fact
        # expand alignment: the span covers the fact even when a jieba token is wider
        assert span.start_char <= fact.start and fact.end <= span.end_char
        assert TEXT[fact.start:fact.end] == fact.text
    rate = next(s for s in spans if s.label_ == "rate")
    assert rate._.fact.value == 84.7 and rate._.fact.metric == "union_rate"


def test_displacy_renders_the_fact_spans():
    doc = fact_nlp()(TEXT)
    html = displacy.render(doc, style="span", options={"spans_key": "facts"})
    assert "amount" in html and "五一劳动奖章" in html
