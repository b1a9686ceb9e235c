"""Split stage: explicit report titles, unmarked boundaries, boilerplate."""
import pickle

import numpy as np
import pytest

from pipeline.clean import is_collection
from pipeline.document import NoiseSpan, SourceDoc
from pipeline.split import split_reports
from pipeline.split.boundary import BoundaryClassifier, model
from pipeline.split.features import FEATURES
from pipeline.split.training import make_doc, train_boundary


def doc_of(text: str, name: str = "t.txt") -> SourceDoc:
    return make_doc(text, name)


BODY = "在街道党工委的领导下,工会扎实开展各项工作,取得了较好成绩。\n一、加强组织建设\n新建工会5家,发展会员200人。\n"


def test_ordinal_titles_split_and_collection_title_is_boilerplate():
    text = "社区工会工作总结(精选3篇)\n\n社区工会工作总结 篇1\n" + BODY + "社区工会工作总结 篇2\n" + BODY + \
        "社区工会工作总结 篇3\n" + BODY
    rs = split_reports(doc_of(text))
    assert [r.start_line for r in rs] == [3, 7, 11]
    assert [r.title for r in rs] == ["社区工会工作总结 篇1", "社区工会工作总结 篇2", "社区工会工作总结 篇3"]
    assert rs[0].end_line == 6 and rs[-1].end_line == text.count("\n") + 1


@pytest.mark.parametrize("marks", [
    ["【篇一】工会总结", "【篇二】工会总结"],
    ["范文1:工会工作总结", "范文2:工会工作总结"],
    ["推荐工会工作心得体会一", "推荐工会工作心得体会二"],
    ["工会工作总结第一篇", "第二篇:工会工作总结"],
    ["社区工会工作总结(一)", "社区工会工作总结(二)"],
])
def test_other_explicit_markers(marks):
    text = "\n".join(m + "\n" + BODY for m in marks)
    rs = split_reports(doc_of(text))
    assert len(rs) == 2
    assert rs[1].title == marks[1]


def test_unmarked_first_report_before_second_marker_has_its_title():
    text = "资源描述\n某某银行工会工作经验交流材料\n" + BODY * 2 + "第二篇:工会经验交流\n" + BODY
    rs = split_reports(doc_of(text))
    assert rs[0].title == "某某银行工会工作经验交流材料" and rs[0].start_line == 2
    assert rs[1].title == "第二篇:工会经验交流"


def test_title_is_taken_from_the_source_text_as_written():
    text = "街道總工會工作總結 篇１\n" + BODY + "街道總工會工作總結 篇２\n" + BODY
    d = doc_of(text)
    rs = split_reports(d)
    assert rs[0].title == "街道總工會工作總結 篇１"
    assert d.text[d.line_span(rs[0].title_line)[0]:].startswith(rs[0].title)


def test_single_report_is_one_slice_and_a_colon_line_is_no_title():
    text = "工会工作归纳为四部分:\n一、加强班子建设\n今年工会认真开展工作,组织教职工参加各项活动。\n二、做好财务工作\n按时发放补贴。"
    rs = split_reports(doc_of(text))
    assert len(rs) == 1 and rs[0].start_line == 1 and rs[0].title is None


def test_empty_and_garbage_input_do_not_crash():
    assert split_reports(doc_of("")) == []
    assert split_reports(doc_of("\n\n  \n")) == []
    rs = split_reports(doc_of("\ufeff\u0000" + "工" * 50000 + "\n" + "9" * 40 + "\n\U0001F600"))
    assert len(rs) == 1


def test_noise_lines_belong_to_no_report():
    text = "以下是小编整理的工会总结范文,供大家参考。\n" + BODY
    d = doc_of(text)
    d.noise = [NoiseSpan(0, text.index("\n"), "site_intro")]
    rs = split_reports(d)
    assert rs[0].start_line == 2
    assert is_collection("区工会工作总结优秀7篇")
    assert not is_collection("一、加强工会组织建设")


RUN_TOGETHER = (
    "今年以来,长青街道总工会在街道党工委的领导下,紧紧围绕辖区经济发展大局开展工作。\n"
    "一、推进工会组建\n全年新建基层工会12家,新发展会员560人。\n"
    "二、开展帮扶\n走访慰问困难职工85户,发放慰问金6万元。\n"
    "总之,一年来街道总工会做了大量工作,在新的一年里,我们将继续努力,再创佳绩。\n"
    "一年来,我校工会在学校党支部的正确领导下,认真履行工会职能,积极为教职工办实事。\n"
    "一、加强民主管理\n按时召开教代会,教师代表提出提案15件。\n"
    "二、关心教职工生活\n为生病住院的教职工送去慰问,组织全体教职工进行健康体检。\n"
    "二〇二一年十二月二十日\n"
    "社区工会在街道工会工委的具体指导下,坚持以服务会员为宗旨,努力打造和谐社区。\n"
    "一、加强社区工会组织建设\n辖区新建小微企业工会6家,发展会员120名。\n"
    "二、组织文体活动\n组织辖区职工参加健步走、广场舞比赛等文体活动。\n"
)


def test_reports_running_together_without_headings():
    rs = split_reports(doc_of(RUN_TOGETHER))
    assert [r.start_line for r in rs] == [1, 7, 13]
    assert all(r.title is None for r in rs)


def test_numbered_lines_inside_a_report_are_no_boundaries():
    rs = split_reports(doc_of(RUN_TOGETHER.split("一年来,我校")[0]))
    assert len(rs) == 1


def test_seed_000_unmarked_reports_leave_one_file_out(seed_texts):
    """The classifier trained WITHOUT seed 000 finds its seven unmarked reports."""
    name = "000_e8873a1e66311f93.txt"
    clf, _ = train_boundary(exclude={name})
    pred = [r.start_line for r in split_reports(make_doc(seed_texts[name], name), clf)]
    gold = [2, 16, 32, 62, 85, 98, 111]
    assert pred[0] == 2
    assert len(set(pred) & set(gold)) >= 6 and len(set(pred) - set(gold)) <= 1


def test_boundary_classifier_fit_predict_and_pickle():
    rng = np.random.default_rng(0)
    X = rng.random((40, len(FEATURES)))
    y = (X[:, 0] > 0.5).astype(int)
    clf = BoundaryClassifier().fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    assert np.allclose(clf.predict_proba(X), clone.predict_proba(X))
    assert np.allclose(clf.predict_proba(X), clf.model.predict_proba(X)[:, 1])
    assert (clf.predict(X) == y).mean() > 0.8
    assert isinstance(model(), BoundaryClassifier)


def test_distinct_unmarked_titles_after_a_closing_start_reports():
    text = ("幸福里社区工会2021年工作总结\n2021年,社区工会在街道总工会的指导下,围绕服务居民开展工作。\n"
            "一、推进小微企业建会\n新建小微企业联合工会2家,吸收会员86名。\n二、开展关爱活动\n夏季为户外劳动者送清凉。\n"
            "今后,社区工会将继续做好服务职工工作。\n城东供电公司工会工作总结\n"
            "今年,公司工会紧紧围绕安全生产中心工作,团结动员广大员工建功立业。\n一、开展技能竞赛\n"
            "组织技能比武,120名员工参赛。\n二、推进企务公开\n召开职代会两次。\n")
    rs = split_reports(doc_of(text))
    assert [(r.start_line, r.title) for r in rs] == [(1, "幸福里社区工会2021年工作总结"), (8, "城东供电公司工会工作总结")]


TITLED_BODY = ("2024年,本单位工会在党组织的领导下,扎实开展各项工作,取得了较好成绩。\n"
               "一、加强组织建设,新建工会5家,发展会员200人。\n二、开展帮扶,慰问困难职工30户。\n")


@pytest.mark.parametrize("marks", [
    ["篇一", "篇二"], ["第一篇", "第二篇"], ["【范文1】", "【范文2】"], ["【第1篇】", "【第2篇】"],
    ["精选范文一", "精选范文二"], ["(一)", "(二)"],
])
def test_bare_marker_above_a_title_line_gives_way_to_that_title(marks):
    titles = ["青屿区总工会2024年工作总结", "实验中学工会年度工作总结"]
    text = "工会工作总结范文两篇(繁体版)\n本文为繁体中文版本,仅供学习交流。\n"
    for m, t in zip(marks, titles):
        text += m + "\n" + t + "\n" + TITLED_BODY
    rs = split_reports(doc_of(text))
    assert [r.title for r in rs] == titles
    assert [r.start_line for r in rs] == [4, 9]


def test_bare_marker_directly_above_the_body_is_the_title():
    text = "精选范文一\n" + TITLED_BODY + "精选范文二\n" + TITLED_BODY
    rs = split_reports(doc_of(text))
    assert [(r.start_line, r.title) for r in rs] == [(1, "精选范文一"), (5, "精选范文二")]


def test_site_title_above_the_reports_own_title_is_boilerplate():
    text = "高校工会工作经验交流材料\n【范文库www.example-fanwen.cn】\n凝心聚力——某某学院工会工作经验交流\n" + TITLED_BODY
    rs = split_reports(doc_of(text))
    assert len(rs) == 1 and rs[0].start_line == 3 and rs[0].title.endswith("工作经验交流")


def test_single_paragraph_reports_of_different_units_are_split():
    paras = [
        "今年以来,蓝湾区总工会在区委的领导下,扎实推进建会入会,全年新建基层工会46家,新发展会员3200余人;"
        "深入开展送温暖活动,走访慰问困难职工380户,发放慰问金52万元;组织全区职工技能大赛,参赛职工600余人。",
        "2024年,丰禾食品有限公司工会在公司党支部的指导下,认真落实厂务公开和职工代表大会制度,全年召开职代会2次,"
        "收集职工提案23件;开展安全生产月知识竞赛和岗位练兵,评出技术能手12名;组织职工健步走,参与职工900人次。",
        "一年来,柳岸镇中心小学工会紧紧围绕学校教育教学中心工作,坚持教代会制度,认真推行校务公开;组织青年教师"
        "开展教学基本功比赛和师徒结对;教师节前后走访慰问退休教师31人,组织教职工乒乓球比赛,参赛教师80人。",
    ]
    rs = split_reports(doc_of("\n".join(paras) + "\n"))
    assert [r.start_line for r in rs] == [1, 2, 3]


def test_numbered_heading_with_a_year_after_the_dot_is_no_title():
    from pipeline.layout.markers import parse_marker

    m = parse_marker("8.2026年工作计划")
    assert m is not None and m.kind == "ar_dot" and m.value == 8
    assert parse_marker("3.5万元用于帮扶") is None
