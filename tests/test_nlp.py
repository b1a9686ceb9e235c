"""pipeline.nlp: jieba with the union-domain user dictionary, spaCy blank zh."""
from pipeline.nlp import USERDICT, segment, spacy_nlp


def test_user_dictionary_is_data_with_many_domain_terms():
    words = [ln.split()[0] for ln in USERDICT.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(words) >= 100
    for w in ("职代会", "教代会", "送温暖", "五一劳动奖章", "入会率", "金秋助学", "厂务公开", "集体合同"):
        assert w in words


def test_segment_keeps_domain_terms_whole():
    toks = segment("今年入会率达到95%,召开职代会,开展金秋助学,签订集体合同")
    for w in ("入会率", "职代会", "金秋助学", "集体合同"):
        assert w in toks


def test_segment_edge_cases():
    assert segment("") == []
    assert segment("   \n ") == []
    assert "".join(segment("工会 xx 1234567890123456789012345678901234567890")).replace(" ", "") \
        == "工会xx1234567890123456789012345678901234567890"
    segment("\u0000\ud7ff\U0001F600工会")  # arbitrary unicode does not crash


def test_spacy_uses_jieba_with_the_same_dictionary():
    nlp = spacy_nlp()
    assert nlp is spacy_nlp()  # cached
    doc = nlp("建会率达到84.7%,职工之家建设")
    toks = [t.text for t in doc]
    assert "建会率" in toks and "职工之家" in toks
    assert doc.text == "建会率达到84.7%,职工之家建设"
