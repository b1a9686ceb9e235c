"""Count-metric model: features, fit/predict, pickling, cross-validation, and how
`count.extract` combines it with the cue rules."""
import logging
import pickle

import pytest

from pipeline.document import SourceDoc
from pipeline.extract import count, metric_model
from pipeline.extract.metric_model import MetricContext, metric_context, metric_features
from pipeline.normalise import normalise
from pipeline.training import metrics as training


def doc_of(text: str) -> SourceDoc:
    return SourceDoc(path="t.txt", source="t.txt", text=text, norm=normalise(text))


def contexts_of(text: str) -> list[MetricContext]:
    """Model contexts of the counts in `text`, as count.extract builds them (cues-only chain)."""
    doc = doc_of(text)
    out, prev = [], None
    for c in count.candidates(doc, 0, len(text)):
        out.append(metric_context(doc.norm, c, 0, len(text), prev))
        prev = (c.end, count.assign_metric(doc, c, 0, len(text), prev), c.unit)
    return out


def metrics(text: str, model="default") -> list[tuple[str, str]]:
    doc = doc_of(text)
    return [(f.text, f.metric) for f in count.extract(doc, 0, len(text), None, model=model)]


# invented sentences, one count each: (text, metric)
TRAIN = [
    ("全年慰问困难职工86人。", "aided"),
    ("走访慰问困难职工家庭45户。", "aided"),
    ("春节前看望生病职工12人。", "aided"),
    ("组织技能培训,培训职工230人次。", "trainees"),
    ("举办电工培训班,参训人员64人。", "trainees"),
    ("开展岗位练兵,轮训班组长75人。", "trainees"),
    ("组织职工运动会,参加职工420人。", "participants"),
    ("举办歌咏比赛,参赛职工180人。", "participants"),
    ("组织读书分享会,参与职工96人。", "participants"),
]


def test_features_are_word_classes_and_adjacent_words_of_the_clause():
    [mc] = contexts_of("今年共走访慰问困难职工86人,发放慰问金3万元。")
    assert mc.left.endswith("困难职工") and mc.right == "" and mc.unit == "人"
    f = metric_features(mc)
    assert f["unit:人"] == 1.0
    assert "L1:困难职工" in f  # a word of the union-domain dictionary
    assert "HL:needy" in f and "HL:worker|人" in f and "PL:aid" in f
    assert "cue:aided" in f and "cue1:aided" in f
    # the clause ends at the comma; no bag of the clause's words (it memorises reports)
    assert not any(k.startswith(("R", "HR:", "PR:", "L:")) for k in f)


def test_class_features_read_through_pinyin_glosses():
    [mc] = contexts_of("共有12个(gè)单(dān)位参(cān)加比赛。")
    f = metric_features(mc)
    assert "HR:unit" in f and "PR:attend" in f and "HR:unit|个" in f


def test_window_stops_at_clause_punctuation_and_reach():
    text = "组织开展劳动竞赛;" + "甲" * 50 + "职工86人"
    [mc] = contexts_of(text)
    assert "竞赛" not in mc.left and len(mc.left) <= metric_model.FEATURE_REACH


def test_fit_predict_on_sentences():
    X = [contexts_of(t)[0] for t, _ in TRAIN]
    y = [m for _, m in TRAIN]
    model = training.estimator().fit(X, y)
    assert sorted(model.classes_) == ["aided", "participants", "trainees"]
    new = contexts_of("年底慰问退休困难职工30人。")[0]
    assert model.predict([new]) == ["aided"]
    proba = model.predict_proba([new])
    assert proba.shape == (1, 3)
    assert abs(proba.sum() - 1.0) < 1e-9
    # the fast single-count path agrees with scikit-learn's predict_proba
    assert abs(model.scorer().proba_one(new) - model.predict_proba_sklearn([new])[0]).max() < 1e-9
    assert metric_model.best_metric(model.scorer(), new)[0] == "aided"


def test_pickle_and_clone():
    from sklearn.base import clone

    X = [contexts_of(t)[0] for t, _ in TRAIN]
    y = [m for _, m in TRAIN]
    model = training.estimator().fit(X, y)
    model.predict(X)  # builds the scorer, which is not pickled
    back = pickle.loads(pickle.dumps(model))
    assert "_scorer" not in back.__dict__
    assert back.predict(X) == model.predict(X)
    assert (back.predict_proba(X) == model.predict_proba(X)).all()
    fresh = clone(model)
    assert fresh.get_params() == model.get_params() and not hasattr(fresh, "pipeline_")
    assert fresh.fit(X, y).predict(X) == model.predict(X)


@pytest.fixture(scope="module")
def files():
    return training.load_files(with_real=False)


def test_repo_training_data_aligns_with_gold_and_never_reads_heldout(files):
    from pipeline.training.sources import REPO_GOLD

    assert all("heldout" not in str(g) and "heldout" not in str(t) for _, g, t in REPO_GOLD)
    groups = {f.group.split("/")[0] for f in files}
    assert groups == {"synthetic", "seeds"}
    matched = sum(g is not None for f in files for g in f.gold)
    total = sum(len(f.candidates) for f in files)
    assert matched > 600 and matched / total > 0.95  # candidates align with gold counts


def test_gold_counts_match_candidates_one_to_one():
    doc = doc_of("慰问困难职工20人,其中女职工20人。")
    cands = list(count.candidates(doc, 0, len(doc.text)))
    gold = [(2, 9, 20.0, "人", "aided")]
    assert training.match(cands, gold) == ["aided", None]


def test_missing_model_file_is_trained_in_memory_with_a_warning(tmp_path, monkeypatch, caplog):
    from pipeline import modelfile

    monkeypatch.setenv(modelfile.MODEL_DIR_ENV, str(tmp_path))
    modelfile.default_model.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="pipeline.modelfile"):
            model = metric_model.default_model()
        assert "training the count_metric model in memory" in caplog.text
        assert isinstance(model, modelfile.LinearScorer) and "aided" in model.classes_
        assert metric_model.default_model() is model  # once per process
    finally:
        modelfile.default_model.cache_clear()


# --- combination with the cue rules (count.assign_metric) ---------------------

def test_model_overrules_an_ambiguous_cue():
    # 代表 next to the number is the role cue of `other` (代表 elected), but delegates
    # who sit in a session are its participants
    text = "3月10日召开第五届教职工代表大会第二次会议,78名代表审议通过了学校工作报告。"
    assert metrics(text, model=None) == [("78名", "other")]
    assert metrics(text) == [("78名", "participants")]


def test_honour_winners_are_other_even_in_a_sentence_of_participants():
    # the sentence's 参赛 once made the cues call the winners participants; the
    # honour rule (被授予 right of the count) reads them, and the model agrees
    text = "举办焊工技能大赛,共有56名选手参赛,6名选手被授予“技术能手”称号。"
    assert metrics(text, model=None) == [("56名", "participants"), ("6名", "other")]
    assert metrics(text) == [("56名", "participants"), ("6名", "other")]


def test_model_fills_a_count_with_no_cue():
    text = "学校现有教职工186名,其中女教职工97名。"
    assert metrics(text, model=None)[1] == ("97名", "other")
    assert metrics(text)[1] == ("97名", "employees")


def test_settled_cues_stand():
    for text, metric in [("组建基层工会34家", "unions"), ("签订工资集体合同25份", "contracts"),
                         ("收到职工合理化建议25条", "proposals"), ("发展会员150人", "new_members")]:
        assert metrics(text) == metrics(text, model=None)
        assert metrics(text)[0][1] == metric


def test_cue_metrics_lists_every_matching_rule():
    cues = count.cue_metrics("组织职工参加技能培训", "", "人")
    assert [c.metric for c in cues][:2] == ["trainees", "participants"]
    assert not count.cues_settle(cues)
    assert count.cues_settle(count.cue_metrics("签订工资集体合同", "", "份"))
    assert not count.cues_settle(())
    # the catch-all 次 rule is not a cue of its own: it never makes cues conflict
    only_default = count.cue_metrics("全年巡视", "", "次")
    assert [c.default for c in only_default] == [True]
    assert count.cues_settle(only_default)
