"""The measured span tagger (bench/span_tagger.py): candidate sentences, BIO
labels and their decoding, features, and how a tagged span becomes a fact."""
import pytest

from bench import span_tagger as st
from pipeline.document import SourceDoc
from pipeline.normalise import normalise

TEXT = ("一、工作回顾\n"
        "今年3月12日,区总工会召开了第三届职工代表大会。"
        "我单位被市总工会评为“模范职工之家”。"
        "全体职工团结一心,认真完成了各项任务。\n")


def _doc(text: str) -> SourceDoc:
    return SourceDoc(path="t.txt", source="t.txt", text=text, norm=normalise(text))


def _units(text: str):
    norm = normalise(text)
    marks = st.doc_marks(norm, 0, len(norm))
    return norm, marks, st.candidate_units(norm, 0, len(norm), marks)


def test_candidate_units_keep_dated_and_award_sentences_only():
    norm, _, units = _units(TEXT)
    texts = [norm[s:e] for s, e in units]
    assert any(t.startswith("今年3月12日") for t in texts)
    assert any("模范职工之家" in t for t in texts)
    # no date, no trigger, no honour word: never tagged
    assert not any("团结一心" in t for t in texts)
    assert not any("工作回顾" in t for t in texts)


def test_long_sentences_are_cut_into_bounded_units():
    text = "3月5日" + "组织职工学习" * 100 + "。"
    _, _, units = _units(text)
    assert all(e - s <= 300 for s, e in units)
    assert units[0][0] == 0


def test_labels_round_trip_through_decoding():
    s, e = 10, 30
    spans = [(12, 18, "ACT"), (20, 26, "AWD")]
    labels = st.unit_labels(s, e, spans)
    assert labels[2] == "B-ACT" and labels[7] == "I-ACT" and labels[8] == "O"
    decoded = st.decode_spans(s, labels, None)
    assert [(a, b, k) for a, b, k, _ in decoded] == [(12, 18, "ACT"), (20, 26, "AWD")]


def test_a_gold_span_crossing_another_is_labelled_once():
    labels = st.unit_labels(0, 10, [(0, 6, "ACT"), (4, 9, "AWD")])
    assert labels.count("B-ACT") == 1 and "B-AWD" not in labels


def test_confidence_is_the_mean_marginal_of_the_run():
    labels = ["O", "B-AWD", "I-AWD", "O"]
    margs = [{"O": 0.9}, {"B-AWD": 0.8}, {"I-AWD": 0.6}, {"O": 0.7}]
    [(a, b, kind, conf)] = st.decode_spans(5, labels, margs)
    assert (a, b, kind) == (6, 8, "AWD")
    assert conf == pytest.approx(0.7)


def test_features_mark_dates_triggers_and_fold_digits():
    norm, marks, units = _units(TEXT)
    s, e = next(u for u in units if norm[u[0]:u[1]].startswith("今年3月12日"))
    feats = st.unit_features(norm, s, e, marks)
    assert len(feats) == e - s
    three = feats[2]   # the "3" of 3月12日
    assert "c=0" in three and "d=1" in three and "k=D" in three
    s2, e2 = next(u for u in units if "评为" in norm[u[0]:u[1]])
    feats2 = st.unit_features(norm, s2, e2, marks)
    at = norm.index("被市总工会评为", s2) - s2
    assert "t=1" in feats2[at]            # the trigger 被…评为 begins here
    assert "t<0" in feats2[at]
    # no feature names the report: only characters, classes and buckets
    assert not any(f.startswith(("file", "line")) for row in feats2 for f in row)


def test_activity_from_span_takes_the_date_and_the_rules_type():
    doc = _doc(TEXT)
    s = doc.norm.index("今年3月12日")
    e = doc.norm.index("大会", s) + 2
    fact = st.activity_from_span(doc, s, e)
    assert fact.date == "03-12"
    assert fact.activity_type == "meeting"   # the rules' typing of the span
    assert doc.text[fact.start:fact.end] == fact.text


def test_activity_from_span_without_a_date_is_nothing():
    doc = _doc(TEXT)
    s = doc.norm.index("全体职工")
    assert st.activity_from_span(doc, s, s + 12) is None


def test_award_from_span_names_the_honour_after_its_trigger():
    doc = _doc(TEXT)
    s = doc.norm.index("被市总工会评为")
    e = doc.norm.index("”", s) + 1
    fact = st.award_from_span(doc, s, e)
    assert fact.name == "模范职工之家"
    assert fact.level == "municipal"
    assert fact.rule == "tagger"
    assert doc.text[fact.start:fact.end] == fact.text


def test_award_from_span_without_a_name_is_nothing():
    doc = _doc("我单位荣获了。\n")
    s = doc.norm.index("荣获")
    assert st.award_from_span(doc, s, s + 3) is None


def test_a_small_crf_learns_the_spans_it_is_shown():
    crfsuite = pytest.importorskip("sklearn_crfsuite")
    sentences = [f"{m}月{d}日,工会组织职工开展{what}活动。"
                 for m, d, what in [(3, 5, "植树"), (4, 8, "读书"), (5, 1, "登山"), (6, 9, "健步走"),
                                    (7, 2, "消夏"), (9, 10, "敬老"), (10, 3, "秋游"), (11, 6, "象棋")]]
    X, y = [], []
    for text in sentences:
        norm, marks, units = _units(text)
        for s, e in units:
            X.append(st.unit_features(norm, s, e, marks))
            cut = norm.index("。")
            y.append(st.unit_labels(s, e, [(0, cut, "ACT")]))
    crf = crfsuite.CRF(algorithm="lbfgs", c1=0.05, c2=0.01, max_iterations=60)
    crf.fit(X, y)
    text = "8月6日,工会组织职工开展游泳活动。"
    norm, marks, units = _units(text)
    (s, e), = units
    labels = crf.predict_single(st.unit_features(norm, s, e, marks))
    spans = st.decode_spans(s, labels, None)
    assert [(a, b, k) for a, b, k, _ in spans] == [(0, norm.index("。"), "ACT")]


def test_a_tagged_activity_the_rules_exclude_is_nothing():
    # a deadline and a plan: the rules' exclusion tests hold for the tagger's spans too
    doc = _doc("各分会须于5月20日前上报材料。下一步,计划于9月举办职工运动会。\n")
    s = doc.norm.index("于5月20日")
    assert st.activity_from_span(doc, s, doc.norm.index("。")) is None
    s2 = doc.norm.index("计划于9月")
    assert st.activity_from_span(doc, s2, doc.norm.index("。", s2)) is None
    assert st.activity_from_span(doc, s2, doc.norm.index("。", s2), rule_filters=False).date == "09"
