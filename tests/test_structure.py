"""Structure stage: heading tree, canonical sections, org, org_type, year."""
import logging
import pickle

import pytest

from pipeline.split import split_reports
from pipeline.split.training import make_doc
from pipeline.structure import structure_report
from pipeline.structure.classifier import SectionClassifier
from pipeline.structure.cues import best_label
from pipeline.layout.markers import parse_marker

REPORT = """长青街道总工会2022年工作总结
2022年,长青街道总工会在街道党工委的领导下,紧紧围绕辖区经济发展大局,扎实推进各项工作。
一、扎实推进工会组建工作
全年新建基层工会12家,新发展会员560人。
(一)加强非公企业建会
采取上门走访方式推动企业依法建会。
(二)规范基层工会
1.开展规范化建设达标活动。
2.培训工会干部80人次。
二、深入开展困难职工帮扶
元旦春节期间,走访慰问困难职工85户,发放慰问金6万元。
三、丰富职工文体生活
组织辖区职工开展拔河比赛、健步走等活动。
四、存在的不足
部分基层工会作用发挥不够。
五、明年工作打算
明年将继续加强工会规范化建设,计划新建工会10家。
"""


def structured(text: str, k: int = 0):
    doc = make_doc(text, "t.txt")
    rs = split_reports(doc)[k]
    return doc, rs, structure_report(doc, rs)


@pytest.mark.parametrize("line,kind,value", [
    ("一、坚持党的领导", "cn_dun", 1), ("(三)抓技能", "cn_paren", 3), ("（二）抓教育", "cn_paren", 2),
    ("12、推动", "ar_dun", 12), ("1.完善自身建设", "ar_dot", 1), ("3)出资", "ar_rparen", 3),
    ("(2)继续开展", "ar_paren", 2), ("⒊做好", "ar_dot", 3), ("②组织", "circled", 2),
    ("四是围绕", "cn_shi", 4), ("第二部分 打算", "part", 2), ("十一、其他", "cn_dun", 11),
])
def test_markers(line, kind, value):
    m = parse_marker(line)
    assert m is not None and (m.kind, m.value) == (kind, value)


@pytest.mark.parametrize("line", ["一年来,工会", "二0一0年十一月十日", "3.12植树活动", "2010.5", "今年以来", ""])
def test_not_markers(line):
    assert parse_marker(line) is None


def test_heading_tree_nests_by_marker_order_with_source_offsets():
    doc, rs, st = structured(REPORT)
    top = st.section_tree
    assert [s.marker for s in top] == ["一、", "二、", "三、", "四、", "五、"]
    assert [c.marker for c in top[0].children] == ["(一)", "(二)"]
    assert [c.marker for c in top[0].children[1].children] == ["1.", "2."]
    assert all(s.level == 1 for s in top) and top[0].children[1].children[0].level == 3
    for s in top:
        assert doc.text[s.start:s.start + len(s.heading)] == s.heading
        assert doc.line_of(s.start) == s.start_line
    assert top[0].end_line == 9 and top[1].start_line == 10


def test_sections_org_type_year():
    doc, rs, st = structured(REPORT)
    # the sub-item "培训工会干部" is a paragraph of its own: skills counts too
    assert st.sections == ["org_building", "skills", "aid", "culture_sports", "problems", "plan"]
    assert st.org == "长青街道总工会" and st.org_type == "street" and st.year == 2022


def test_section_spans_are_sorted_disjoint_and_label_the_plan():
    doc, rs, st = structured(REPORT)
    spans = st.section_spans
    assert spans[0][0] == rs.start and spans[-1][1] == rs.end
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    plan_at = doc.text.index("计划新建工会10家")
    assert [lab for s, e, lab in spans if s <= plan_at < e] == ["plan"]
    aid_at = doc.text.index("走访慰问困难职工85户")
    assert [lab for s, e, lab in spans if s <= aid_at < e] == ["aid"]


def test_masked_and_generic_orgs_are_none_but_typed():
    _, _, st = structured("今年来,xxx镇总工会紧紧围绕镇党委中心工作开展活动。\n一、加强工会组建\n我镇新建工会3家。\n")
    assert st.org is None and st.org_type == "town"
    _, _, st = structured("本学期,我校工会在校党政的领导下开展工作。\n一、加强师德建设\n组织教职工学习。\n二、召开教代会\n审议方案。\n")
    assert st.org is None and st.org_type == "school"


def test_org_as_written_and_bank_type():
    _, _, st = structured("农发行工会工作经验交流材料\n近年来,农发行围场支行工会坚持民主管理,推进行务公开。\n一、完善行务公开制度\n召开职代会。\n")
    assert st.org in ("农发行围场支行", "农发行围场支行工会") and st.org_type == "bank"


@pytest.mark.parametrize("head,year", [
    ("二0一0年,区总工会开展劳动竞赛。", 2010), ("20xx年,区总工会开展劳动竞赛。", None),
    ("2019年以来,区总工会开展劳动竞赛。", 2019), ("区总工会开展劳动竞赛。", None),
])
def test_year(head, year):
    _, _, st = structured(head + "\n一、劳动竞赛\n举办比赛3场。\n")
    assert st.year == year


def test_paragraph_leads_count_as_sections_passing_mentions_do_not():
    text = ("今年工会做了以下工作。\n落实民主管理。主动推进企务公开,召开职代会。\n"
            "做实精准扶贫。加强困难职工帮扶。\n各项工作进展顺利,效果良好。其间还穿插了一次文体活动。\n")
    _, _, st = structured(text)
    assert "democratic_mgmt" in st.sections and "aid" in st.sections
    assert "culture_sports" not in st.sections


def test_cue_vocabulary():
    assert best_label("加强工会经费收缴管理")[0] == "finance"
    assert best_label("存在的问题")[0] == "problems"
    assert best_label("基本情况")[0] is None


@pytest.mark.parametrize("heading,label", [
    ("健全组织,建章立制,确保实效", "org_building"),
    ("加强工会专兼职干部培训", "org_building"),   # union cadres: not worker skills
    ("民主选举", "democratic_mgmt"),
    ("开展“双维”工作", "rights"),
    ("热情接待职工来访、信访", "rights"),
    ("狠抓安全 树立典型", "rights"),
    ("爱心捐款", "aid"),
    ("努力为教工办实事", "aid"),
    ("建设温馨职工小家", "culture_sports"),
    ("教职工排球联赛", "culture_sports"),
    # pinyin glosses inside the cue words
    ("做好经(jīng)费(fèi)保障", "finance"),
])
def test_topic_words_of_real_headings(heading, label):
    assert best_label(heading)[0] == label


def test_family_planning_is_no_plan():
    from pipeline.structure.cues import heading_labels

    assert heading_labels("做好计划生育的宣传和学习工作") == ["publicity"]


def test_section_classifier_fit_predict_pickle():
    from pipeline.training import fit_model

    est = fit_model("sections", with_real=False)
    clf = SectionClassifier(est.scorer())
    texts = ["工会经费的预算和审计", "组织职工开展文艺汇演和运动会", "主要做法"]
    pred = clf.predict(texts)
    assert pred[0] == "finance" and pred[1] == "culture_sports"
    clone = pickle.loads(pickle.dumps(clf))
    assert clone.predict(texts) == pred
    assert abs(est.scorer().predict_proba(texts) - est.predict_proba_sklearn(texts)).max() < 1e-9


def test_missing_model_file_trains_in_memory(tmp_path, monkeypatch, caplog):
    import pipeline.structure.classifier as c
    from pipeline import modelfile

    monkeypatch.setenv(modelfile.MODEL_DIR_ENV, str(tmp_path))
    c.default_classifier.cache_clear()
    modelfile.default_model.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            clf = c.default_classifier()
        assert isinstance(clf, SectionClassifier)
        assert "missing" in caplog.text and "training the sections model in memory" in caplog.text
    finally:
        c.default_classifier.cache_clear()
        modelfile.default_model.cache_clear()


def test_seed_reports_structure(seed_texts):
    name = "004_e50c7d9a74c650fc.txt"
    doc = make_doc(seed_texts[name], name)
    out = [structure_report(doc, rs) for rs in split_reports(doc)]
    assert [s.org for s in out] == ["桂园街道总工会", "梅园新村社区工会" if out[1].org == "梅园新村社区工会" else out[1].org, out[2].org]
    assert out[0].org_type == "street" and out[2].org_type == "town"
    assert {"org_building", "rights", "skills", "aid"} <= set(out[0].sections)


def test_sub_items_of_a_plan_section_are_in_the_plan_span():
    text = ("今年工会在党委领导下开展工作。\n一、上半年工作\n(一)加强思想政治引领\n组织职工学习。\n"
            "二、下半年工作计划\n下半年,工会将围绕中心工作。\n一是要将思想政治引领把得更准。\n"
            "二是要将维权服务帮扶做得更细。9月10日前完成走访。\n")
    doc, rs, st = structured(text)
    at = doc.text.index("9月10日")
    assert [lab for s, e, lab in st.section_spans if s <= at < e] == ["plan"]
    assert "publicity" in st.sections and "plan" in st.sections
    # contiguous: every char of the report is in exactly one span
    assert sum(e - s for s, e, _ in st.section_spans) == rs.end - rs.start


def test_org_from_title_and_type_from_its_suffix():
    from pipeline.structure.org import find_org_with_source, type_from_text

    body = "一年来,学校工会在党支部领导下开展工作。公司、企业、员工参观学习。"
    org, src = find_org_with_source(body, "实验中学工会2023—2024学年度工作总结")
    assert org == "实验中学工会" and src == "title"
    assert type_from_text(body, body[:40], org, "实验中学工会2023—2024学年度工作总结", True) == "school"


@pytest.mark.parametrize("opening,org,typ", [
    ("今年以来,东华纺织集团公司工会在集团党委的领导下,围绕生产经营开展工作。", "东华纺织集团公司工会", "enterprise"),
    ("2024年,青屿区总工会围绕区委中心工作,推动全区工会工作发展。", "青屿区总工会", "district_federation"),
    ("一年来,农业银行南港支行工会围绕业务经营中心工作,积极服务员工。", "农业银行南港支行工会", "bank"),
])
def test_org_is_the_subject_of_the_first_sentence(opening, org, typ):
    from pipeline.structure.org import find_org_with_source, type_from_text

    body = opening + "\n学校教师、社区居民、村民也参与了活动。"
    got, src = find_org_with_source(body, None)
    assert got == org and src == "subject"
    assert type_from_text(body, body[:80], got, "", True) == typ


# A report whose opening names no unit: "we" (工会) report; other units are what it is about.
_MIDDLE = ("一年来,我们工会在上级工会和党组织的领导下,认真履行维护职能,围绕中心工作开展活动。"
           "全年走访慰问困难职工36户,发放慰问金4.2万元,组织职工参加技能培训120人次。"
           "积极开展劳动竞赛,推动企业民主管理,职工代表大会制度得到落实,厂务公开进一步规范。"
           "下半年,我们与{unit}工会联合举办了职工篮球友谊赛,参赛职工80余人。"
           "同时加强工会干部队伍建设,开展工会干部培训两期,提高了履职能力和服务水平。"
           "组织女职工开展三八节系列活动,举办健康知识讲座,参加女职工150人次。"
           "存在的问题:工会经费使用还不够规范,职工参与面有待进一步扩大。"
           "明年我们将继续围绕中心、服务大局,推动工会工作再上新台阶。")


def test_a_unit_named_once_in_the_middle_is_not_the_reporting_unit():
    from pipeline.structure.org import find_org_with_source

    body = _MIDDLE.format(unit="红星机械厂")
    assert body.index("红星机械厂") > 0.3 * len(body)
    assert find_org_with_source(body, None) == (None, None)
    # named twice, it is taken as before (the most frequent specific unit)
    twice = body.replace("存在的问题", "红星机械厂工会存在的问题")
    assert find_org_with_source(twice, None) == ("红星机械厂工会", "frequency")


@pytest.mark.parametrize("where", ["closing", "title"])
def test_a_unit_named_once_where_a_report_names_itself_is_kept(where):
    from pipeline.structure.org import find_org_with_source

    body = _MIDDLE.format(unit="兄弟单位")
    if where == "closing":  # the sign-off of the report
        body += "\n红星机械厂工会\n2024年12月"
        title = None
    else:  # the title names it in short, the text in full once
        body = _MIDDLE.format(unit="红星机械厂")
        title = "红星工会工作经验交流材料"
    # (a short text's sign-off line is also one of its first lines: found as a line subject)
    assert find_org_with_source(body, title)[0] == "红星机械厂工会"


def test_a_title_naming_only_the_unit_kind_picks_the_unit_of_that_kind():
    # template collections title a report "街道总工会工作总结": the author is the
    # 街道总工会 the text names, not the community union it mentions first
    from pipeline.structure.org import find_org_with_source

    body = _MIDDLE.format(unit="桃源新村社区").replace(
        "同时加强", "今年9月,我们成立了桃源街道总工会,同时加强")
    assert find_org_with_source(body, None) == (None, None)  # each named once, mid-text
    assert find_org_with_source(body, "街道总工会工作总结 篇2") == ("桃源街道总工会", "frequency")
    # a title of another kind leaves the choice to the text
    assert find_org_with_source(body, "镇总工会工作总结")[0] is None


def test_reports_without_headings_get_topics_from_their_sentences():
    text = ("今年以来,县总工会扎实开展各项工作。\n"
            "元旦春节期间,走访慰问困难职工1260户,发放慰问金113万元。举办职业技能培训班,培训140人。\n"
            "各项工作进展顺利,效果良好。\n")
    _, _, st = structured(text)
    assert "aid" in st.sections and "skills" in st.sections


def test_inline_yi_shi_clauses_are_topics():
    text = ("工会围绕中心工作开展了以下工作:一是加强困难职工帮扶,走访慰问;二是开展劳动竞赛和技能比武。\n"
            "一、加强组织建设\n新建工会5家。\n二、做好民主管理\n召开职代会。\n三、丰富文体活动\n举办运动会。\n")
    _, _, st = structured(text)
    assert {"aid", "skills", "org_building", "democratic_mgmt", "culture_sports"} <= set(st.sections)


# ---- sections: a topic is a heading or a paragraph of its own (issue 16) ----

def test_a_speech_in_one_paragraph_covers_no_topic_by_passing_mentions():
    text = ("各位委员:过去一年,全市各级工会围绕中心工作,深化职工思想政治引领,持续开展劳动和技能竞赛,"
            "推进创新工作室建设,举办职工文化节,打造疗休养基地,工作得到上级肯定。今年,各级工会要把学习宣传"
            "贯彻会议精神与服务职工结合起来,引领工会工作走向新高度。\n")
    _, _, st = structured(text)
    assert st.sections == []


def test_numbered_headings_run_into_one_line_are_sections():
    text = ("乡工会年度工作总结\n一年来,我乡工会在乡党委领导下开展工作,现总结如下:一、抓维权,发挥工会作用"
            "帮助12名务工人员追回工资。二、开展困难帮扶全年走访困难户30户。三、做好技能培训邀请技术员"
            "培训农民工300人次。\n")
    _, _, st = structured(text)
    assert {"rights", "aid", "skills"} <= set(st.sections)
    assert [k for _, _, k in st.evidence].count("inline_heading") >= 3


def test_the_preamble_and_a_repeated_report_title_are_not_sections():
    text = ("今年以来,青禾区总工会在区委领导下,以思想政治引领为主线,统筹推进维权帮扶和技能竞赛。\n"
            "青禾区总工会2024年工作总结及2025年工作计划\n"
            "一、加强困难职工帮扶\n走访慰问困难职工40户。\n")
    _, _, st = structured(text)
    assert st.sections == ["aid"]


def test_sub_items_of_a_problems_section_are_problems_not_topics():
    text = ("一、丰富职工文体活动\n举办职工运动会一次。\n二、存在的问题\n"
            "1、工会经费偏少,活动开展受限。\n2、女职工工作有待加强。\n")
    _, _, st = structured(text)
    assert st.sections == ["culture_sports", "problems"]


@pytest.mark.parametrize("title,plan", [("红叶镇工会2024年工作总结及2025年工作计划", False),
                                         ("红叶镇工会2025年工作计划", True)])
def test_a_plan_title_labels_the_report_a_summary_title_does_not(title, plan):
    _, _, st = structured(title + "\n一、组建工会\n新建基层工会4家。\n二、开展帮扶\n慰问困难职工10户。\n")
    assert ("plan" in st.sections) is plan


def test_a_heading_without_cue_words_takes_the_topic_of_its_first_sentence():
    text = ("一、以活动为载体,增强工会凝聚力。举办新春联欢会、拔河比赛和跳绳比赛,职工踊跃参加。\n"
            "二、组建工会\n新建工会2家。\n")
    _, _, st = structured(text)
    assert st.sections[0] == "culture_sports"


# ---- org: where a report names itself (issue 16) ----

@pytest.mark.parametrize("text,org,typ", [
    # a news headline naming the unit, with no unit suffix before 工会
    ("当前位置:首页 > 新闻\n酒钢工会以先进文化引领职工奉献岗位\n发布时间:2024-04-28\n"
     "企业文化是企业的灵魂,工会组织职工开展读书活动。\n", "酒钢工会", "enterprise"),
    # a byline naming a court
    ("我院工会荣获市先进职工之家称号\n作者:东岭法院 来源:本院\n近日,我院工会获评先进职工之家。\n",
     "东岭法院", "agency"),
    # the unit before the year in a title line
    ("青禾里街道2023年工会工作总结\n今年来,我们在街道党委领导下开展工会工作。\n", "青禾里街道", "street"),
    # the subject is only a kind (集团工会在…): the unit of that kind named later
    ("集团工会在集团党委的领导下,团结动员职工开展劳动竞赛。全年组织职工培训500人次,"
     "表彰先进班组12个。江海集团工会还组织了职工运动会。\n", "江海集团工会", "enterprise"),
])
def test_org_where_a_report_names_itself(text, org, typ):
    doc, rs, st = structured(text)
    assert st.org == org and st.org_type == typ
    assert doc.text[st.org_span[0]:st.org_span[1]] == st.org


def test_org_in_traditional_text_with_pinyin_glosses_keeps_its_source_span():
    text = "化學(xué)公司工會在集團(tuán)公司黨委領導下,緊密圍繞公司生產任務開展工作。\n一、加強組織建設\n新建工會小組5個。\n"
    doc, rs, st = structured(text)
    assert st.org == "化學(xué)公司工會" and st.org_type == "enterprise"
    assert doc.text[st.org_span[0]:st.org_span[1]] == st.org and st.org_span[0] == 0


def test_a_generic_or_masked_subject_is_no_org_but_a_pronoun_before_a_name_is_dropped():
    _, _, st = structured("今年,我们xx社区工会在街道党工委领导下开展工作。\n一、组建工会\n新建工会3家。\n")
    assert st.org is None and st.org_type == "community"
    _, _, st = structured("今年,我们清安社区工会在街道党工委领导下开展工作。\n一、组建工会\n新建工会3家。\n")
    assert st.org == "清安社区工会"


@pytest.mark.parametrize("text,org", [
    # a site's menu bar names a bank category, not the reporting unit
    ("首页 | 业界动态 | 银行培训 | 城商银行 | 政策法规\n海港分行工会以关爱为纽带服务员工\n"
     "近年来,海港分行工会围绕经营中心开展工作。\n", "海港分行工会"),
    # a news byline and a (通讯员 …) note before the subject
    ("本报讯 (通讯员 李文)近年来,东湾港工会紧密围绕港口发展大局开展劳动竞赛。\n", "东湾港工会"),
    # a unit that defines its short name names itself
    ("一、帮扶工作\n今年是帮扶中心建设10周年,也是南岭商业集团公司工会(以下简称“集团工会”)开展送温暖"
     "活动的第20年。集团工会走访困难职工60户。\n", "南岭商业集团公司工会"),
    # a numbered unit of a state enterprise
    ("五公司工会在集团公司工会和五公司党委领导下,围绕经营中心开展工作。\n", "五公司工会"),
    # a college of a university with a one-character name, opening the preamble
    ("商学院2021年工会工作,在学校工会领导下,认真履行基层工会职责。\n", "商学院"),
    # a speaker at a union congress names the unit they report for
    ("各位代表、同志们:\n现在,我代表青川县总工会第九届委员会向大会报告工作,请予审议。\n"
     "五年来,全县各级工会围绕中心开展工作。\n", "青川县总工会"),
    # a verb (推拿) inside a name after a clear boundary (成为)
    ("20xx年是不平凡的一年,原理疗科分工会合并成为学院附属推拿医院工会,工会组织更加健全。\n"
     "一、民主管理\n召开教职工代表大会一次。\n", "学院附属推拿医院工会"),
    # a kind of unit in the title (高校工会…) is no name: the university the text names
    ("高校工会年度工作总结\n一、关心教职工生活\n举办纪念建校六十周年暨东川大学第三届教职工运动会。"
     "组织东川大学教职工子女书画展。\n", "东川大学"),
    # news: the federation hosting the meeting is not the unit the item is about; a
    # noun-verb (供电) inside a name opening a clause
    ("简讯 3月2日,在青田县总工会九届四次全委(扩大)会议上,青田县供电公司荣获年度工会工作先进单位。\n"
     "2023年,该公司工会以服务职工为落脚点,开展职工技能比武和合理化建议活动。\n", "青田县供电公司"),
    # ... unless the text is the report given at that meeting
    ("家园建设作出新贡献\n——在青溪市总工会十四届七次委员(扩大)会议上的报告\n"
     "一年来,全市各级工会围绕中心开展工作。\n", "青溪市总工会"),
    # a title's short name (海河所工会) written in full in the opening
    ("海河所工会总结2023年工作\n作者:来源:办公室\n2024年1月5日,黄海海洋科学研究院海河研究所工会召开会议,"
     "总结全年工作。\n", "黄海海洋科学研究院海河研究所工会"),
])
def test_org_more_self_naming_forms(text, org):
    doc, rs, st = structured(text)
    assert st.org == org
    assert doc.text[st.org_span[0]:st.org_span[1]] == org


def test_a_news_headline_over_its_byline_is_not_a_section():
    text = ("首页 > 工会动态\n职工之家建设结硕果\n发布时间:2024-05-06 来源:本站\n"
            "近日,东岭区法院工会获评先进职工之家。该院工会坚持以职工为中心开展工作。\n")
    _, _, st = structured(text)
    assert "culture_sports" not in st.sections


def test_a_yi_shi_clause_with_one_weak_cue_is_no_topic():
    # 一是…二是… in passing: 关心 is a weak cue of aid, 学习 of publicity
    text = "工会的作用有两点,一是关心职工,即过问职工的生活;二是学习先进,即向兄弟单位看齐。\n"
    _, _, st = structured(text)
    assert st.sections == []


def test_org_type_is_read_through_pinyin_glosses():
    _, _, st = structured("醫(yī)院工會(huì)工作總結 篇1\n某年,我院工會在院黨委領導下開展工作。\n一、健全組織\n"
                          "新建工會小組3個。\n")
    assert st.org is None and st.org_type == "hospital"


def test_an_inline_item_without_cue_words_takes_the_topic_of_its_text():
    text = ("会议梳理了一年来的工作:一是加强联系,融入社区。组织职工参加书法摄影比赛和羽毛球联谊活动;"
            "二是把握方向,凝聚共识。\n")
    _, _, st = structured(text)
    assert st.sections == ["culture_sports"]


def test_a_part_heading_is_no_topic_and_the_preamble_under_it_covers_none():
    text = ("一、2025年工作情况\n2025年,在区委的坚强领导下,区总工会坚持以思想政治引领为主线开展工作。\n"
            "(一)强化困难职工帮扶\n走访慰问困难职工45户。\n")
    _, _, st = structured(text)
    assert st.sections == ["aid"]


@pytest.mark.parametrize("text", [
    # a headline opening with a verb phrase names no unit
    "抓好规范化建设促银行工会上台阶\n近年来,各支行工会按照上级要求开展建家活动。\n",
    "认真落实市总工会部署\n今年,我们围绕中心开展工作,组织职工培训。\n",
    # the measure word of a count (6个片区幼儿园) starts no name
    "今年,教育工会联系6个片区幼儿园开展活动,6个片区幼儿园都建立了工会小组。\n",
    # an anonymised unit (某局) is masked; 工程公司 is a kind of company, not a name
    "北建某局工会主席在集团公司2022年职代会上的报告\n各位代表:\n一年来,工程公司各级工会围绕生产经营"
    "开展工作。工程公司工会组织劳动竞赛。\n",
    # 辖区内 is no name: the kindergartens of an area
    "今年,各学区都克服了辖区内幼儿园规模小的困难,组建联合工会。各学区组织了辖区内幼儿园教师参加培训。\n",
])
def test_no_org_from_verb_phrases_or_counts(text):
    _, _, st = structured(text)
    assert st.org is None


def test_quoted_cue_words_still_label_a_heading():
    text = "一、强“管理”、抓“规范”加强组织建设\n新建工会3家。\n二、送“温暖”、抓“维权”发挥工会作用\n走访困难职工20户。\n"
    _, _, st = structured(text)
    assert st.sections == ["org_building", "aid", "rights"]


def test_an_inline_heading_takes_a_second_strong_topic_too():
    text = "工作总结如下:一、坚持集体合同制度和职代会制度,维护职工权益。全年签订集体合同12份。\n"
    _, _, st = structured(text)
    assert {"rights", "democratic_mgmt"} <= set(st.sections)


def test_only_a_first_paragraph_is_a_preamble():
    text = ("今年以来,红叶镇工会在镇党委领导下开展各项工作。\n各单位积极配合,工作有序推进。\n"
            "2024年,镇工会走访慰问困难职工30户,发放慰问金3万元。\n")
    _, _, st = structured(text)
    assert st.sections == ["aid"]
    # the same aid paragraph opening the report is its preamble
    _, _, st = structured("2024年,镇工会走访慰问困难职工30户,在镇党委领导下开展工作。\n")
    assert st.sections == []


@pytest.mark.parametrize("text,typ", [
    # the federation whose lead the reporter follows is not the reporter
    ("上半年,工会工作在矿总工会的领导下,围绕企业生产经营开展,组织员工参加技能比武。\n", "enterprise"),
    ("今年,镇工会在县总工会的正确领导下,围绕镇党委中心工作开展工会工作。\n", "town"),
    # a federation reporting on itself (市总工会在市委的领导下) still is one
    ("上半年,市总工会在市委的正确领导下,团结动员全市职工建功立业。\n", "district_federation"),
    # the unions of a whole city or county are led by its federation
    ("工会工作总结\n我县各级工会紧紧围绕中心工作,慰问一线护士和环卫职工,组织职工技能比赛。\n",
     "district_federation"),
    # a hotel is an enterprise
    ("酒店工会工作总结\n今年,工会组织酒店员工开展服务技能比武,关心一线员工生活。\n", "enterprise"),
])
def test_org_type_of_the_reporter_not_of_its_superior(text, typ):
    _, _, st = structured(text)
    assert st.org_type == typ


# ---- news-style reviews: a sentence that opens on a topic (issue 16, session 3) ----

def test_a_run_on_report_opening_with_its_survey_sentence_still_covers_the_topics_after_it():
    text = ("今年以来,柳岸街道总工会在街道党工委的领导下,统筹推进建会入会、维权帮扶和职工文化各项工作。"
            "帮扶方面,街道总工会全年走访慰问困难职工家庭41户,发放慰问金6.2万元。"
            "街道总工会积极开展文体活动,9月举办楼宇职工趣味运动会,二十支队伍参加。"
            "明年,街道总工会将力争新建楼宇工会6家。\n")
    _, _, st = structured(text)
    assert set(st.sections) == {"aid", "culture_sports", "plan"}
    assert [k for _, _, k in st.evidence].count("sentence_lead") == 3


def test_a_sentence_naming_a_topic_in_passing_is_no_topic():
    text = ("今年以来,河湾村联合工会在镇总工会的指导下开展工作。"
            "村联合工会现有会员二百一十名,全年为职工办理意外保险,共计1.1万元。"
            "联合工会的工作得到了村民的认可,被镇总工会评为先进集体。\n")
    _, _, st = structured(text)
    assert st.sections == []


def test_the_items_of_a_problems_or_plan_part_in_a_paragraph_are_not_topics():
    text = ("一、开展困难职工帮扶\n全年慰问困难职工32户。\n"
            "一年来工作虽有进步,但也存在一些不足:一是工会经费使用效益不高;二是职工技能培训不够系统。"
            "明年,公司工会将重点抓好以下工作:一是加强女职工权益保护;二是办好职工书屋。\n")
    _, _, st = structured(text)
    assert set(st.sections) == {"aid", "problems", "plan"}


def test_under_a_problems_heading_a_paragraph_with_a_cue_word_is_a_problem():
    text = ("一、组建工会\n新建工会3家。\n二、存在的问题\n"
            "工会经费收缴不到位,职工文体活动场地不足,工作开展受到影响。\n")
    _, _, st = structured(text)
    assert st.sections == ["org_building", "problems"]


@pytest.mark.parametrize("heading,label", [
    ("大力弘扬劳模精神,营造崇尚劳动的氛围", "publicity"),
    ("弘扬工匠精神,引导职工爱岗敬业", "publicity"),
    ("深化班组建设,提升一线创新能力", "skills"),
])
def test_spirit_of_model_workers_is_moral_education_and_work_teams_are_no_union_building(heading, label):
    assert best_label(heading)[0] == label


def test_a_shortcomings_and_outlook_heading_is_problems_and_plan():
    text = ("一、开展劳动竞赛\n组织岗位练兵3次。\n不足及设想\n"
            "职工参与面还不广。接下来,工会将多组织职工乐于参与的活动。\n")
    _, _, st = structured(text)
    assert {"problems", "plan"} <= set(st.sections)


def test_a_heading_about_women_workers_also_covers_what_their_work_is():
    text = ("一、提升女职工素质\n全年共举办12期,参加160人次。\n"
            "二、维护女职工特殊权益\n全年共办结来信3件。\n")
    _, _, st = structured(text)
    assert {"women", "skills", "rights"} <= set(st.sections)


def test_the_number_of_women_in_the_workforce_is_no_womens_work():
    text = ("一、组建工会\n新建工会2家。\n"
            "局机关现有在岗职工180人,其中女职工52人,退休职工96人。\n")
    _, _, st = structured(text)
    assert "women" not in st.sections


def test_a_plan_sentence_in_a_run_on_paragraph_paints_the_rest_of_it_as_plan():
    text = ("今年以来,青石社区工会在街道总工会的指导下开展工作。社区工会积极开展文体活动,6月举办职工跳绳比赛,"
            "三十人参加。明年,社区工会将于5月举办职工运动会。\n")
    doc, _, st = structured(text)
    planned = doc.norm.index("将于5月")
    contest = doc.norm.index("6月举办")
    at = lambda x: next((lab for s, e, lab in st.section_spans if s <= x < e), None)
    assert at(planned) == "plan" and at(contest) != "plan"


def test_a_site_blurb_run_into_the_title_line_labels_nothing():
    from pipeline.structure.cues import title_labels
    blurb = "工会工作总结总结是对一段时间内取得的成绩、存在的问题及经验教训进行回顾分析的一种书面材料,下面是整理的范文"
    assert title_labels(blurb) == []
    assert title_labels("河西街道总工会2025年工作计划") == ["plan"]


def test_numbered_items_under_a_paragraph_opening_a_problems_list_are_problems():
    text = ("一、开展职工文体活动\n举办职工运动会一次。\n"
            "在看到成绩的同时,我们也清醒认识到工作中存在的一些不足:\n"
            "一是职工技能培训覆盖面还不够广;\n二是工会经费使用效益有待提高;\n"
            "三是困难职工帮扶手段比较单一。\n")
    _, _, st = structured(text)
    assert st.sections == ["culture_sports", "problems"]


def test_a_past_year_sentence_with_jiang_or_a_plan_followed_is_no_plan_part():
    text = ("今年以来,金桥社区工会在街道总工会的指导下开展工作。"
            "2024年,社区工会将职工技能提升作为重点,举办职业技能培训班4期,培训120人次。"
            "按照年初制定的工作计划,社区工会重点抓了以下工作:一是走访慰问困难职工18户;二是举办职工趣味运动会。\n")
    _, _, st = structured(text)
    assert "plan" not in st.sections
    assert {"skills", "aid", "culture_sports"} <= set(st.sections)


@pytest.mark.parametrize("body", [
    "“三八”节当天组织女职工开展登山活动,女职工65人参加;9月举办职工气排球赛,10支队伍参赛。",
    "三八妇女节前夕举办女职工手工插花比赛,参赛女职工40人;国庆前组织职工歌咏会,参演职工150人。",
])
def test_a_womens_day_event_inside_another_topic_is_a_passing_mention(body):
    text = "一、新建工会\n全年新建工会4家。\n二、活跃职工文体生活\n" + body + "\n"
    _, _, st = structured(text)
    assert "women" not in st.sections
    assert "culture_sports" in st.sections


def test_a_womens_day_item_in_a_list_of_care_work_is_no_womens_work():
    text = ("一、新建工会\n全年新建工会4家。\n二、关心关爱职工\n"
            "一是春节前慰问困难职工21户;二是“三八”节组织女职工免费体检,参检女职工160人;三是办理互助保障。\n")
    _, _, st = structured(text)
    assert "women" not in st.sections
    assert "aid" in st.sections


@pytest.mark.parametrize("para", [
    "女职工工作方面,厂女工委开展“书香巾帼”读书活动,为女职工办理特殊疾病保险,参保女职工312人。",
    "“三八”节期间,工会女职工委员会组织专题讲座,参加女职工90人;全年为女职工办理安康保险,参保女职工205人,维护女职工特殊权益。",
])
def test_a_paragraph_of_womens_work_still_gives_women(para):
    text = "一、新建工会\n全年新建工会4家。\n二、丰富职工文化生活\n" + para + "\n"
    _, _, st = structured(text)
    assert "women" in st.sections


def test_an_aspect_lead_names_the_topic_of_its_paragraph():
    text = ("今年以来,枫林物流公司工会在公司党委领导下开展工作。\n"
            "文体活动方面,公司工会在“三八”妇女节组织女职工开展厨艺展示,参加女职工58名;10月举办职工拔河赛。\n")
    _, _, st = structured(text)
    assert "culture_sports" in st.sections
    assert "women" not in st.sections


@pytest.mark.parametrize("para", [
    "当前工作中还存在一些问题,主要是基层分会活动开展不平衡。",
    "工会工作仍存在一些不足,主要是职工参与面不广。",
])
def test_a_paragraph_opening_on_its_shortcomings_is_problems(para):
    text = "一、新建工会\n全年新建工会4家。\n二、开展劳动竞赛\n组织岗位练兵3次。\n三、丰富文体活动\n举办运动会1次。\n" + para + "\n"
    _, _, st = structured(text)
    assert "problems" in st.sections


@pytest.mark.parametrize("heading", ["四、问题与打算", "四、存在的问题和今后思路"])
def test_a_heading_naming_problems_and_plans_gives_both(heading):
    text = ("一、新建工会\n全年新建工会4家。\n二、开展劳动竞赛\n组织岗位练兵3次。\n三、丰富文体活动\n举办运动会1次。\n"
            + heading + "\n青年职工参与度还不高。明年将继续推进建会。\n")
    _, _, st = structured(text)
    assert {"problems", "plan"} <= set(st.sections)


@pytest.mark.parametrize("tail", ["下一步,我们将力争新建工会3家。", "2030年,工会将重点抓好职工书屋建设,计划新建书屋2个。"])
def test_a_plan_sentence_inside_the_problems_paragraph_is_the_plan(tail):
    text = ("一、新建工会\n全年新建工会4家。\n二、开展劳动竞赛\n组织岗位练兵3次。\n三、丰富文体活动\n举办运动会1次。\n"
            "存在的问题:部分分会活动经费不足,职工参与面不广。" + tail + "\n")
    _, _, st = structured(text)
    assert {"problems", "plan"} <= set(st.sections)


def test_a_basic_facts_paragraph_with_membership_figures_is_org_building():
    text = ("青松燃气公司工会工作情况汇报\n一年来,公司工会各项工作平稳推进,现将主要情况汇报如下。\n"
            "一、基本情况\n全公司有职工530人,会员528人,设工会小组17个,各车间工会实现全覆盖。\n"
            "二、主要工作\n开展技能比武2次,参赛职工80人。\n")
    _, _, st = structured(text)
    assert "org_building" in st.sections


def test_a_basic_facts_paragraph_without_membership_figures_is_no_org_building():
    text = ("青松燃气公司工会工作情况汇报\n一年来,公司工会各项工作平稳推进,现将主要情况汇报如下。\n"
            "一、基本情况\n公司承担全市燃气供应,下设营业所6个,年供气量1.2亿立方米。\n"
            "二、主要工作\n开展技能比武2次,参赛职工80人。\n")
    _, _, st = structured(text)
    assert "org_building" not in st.sections


def test_a_news_paragraph_after_who_speaks_is_read_for_its_topic():
    text = ("市邮政管理局工会召开年度工作会\n"
            "本报讯 1月9日,市邮政管理局工会召开年度工作会。\n"
            "市邮政管理局工会党组成员、主席周明在全市邮政快递行业年度工作会上介绍,今年局工会紧盯快递员、外卖送餐员等新就业形态劳动者入会难题,"
            "开展“集中入会月”行动,新发展会员860人。\n"
            "会议还表彰了一批先进个人。\n")
    _, _, st = structured(text)
    assert "org_building" in st.sections


@pytest.mark.parametrize("heading,labels", [
    ("举办青年教师讲课比赛", {"skills"}),
    ("开展教学竞赛,提升教师业务水平", {"skills"}),
    ("抓好学习培训,提高队伍素质", {"skills", "publicity"}),
])
def test_teaching_contests_are_skills_and_study_and_training_is_both(heading, labels):
    from pipeline.structure.cues import heading_labels
    assert set(heading_labels(heading)) == labels


def test_an_aspect_lead_naming_two_topics_gives_both():
    text = ("今年以来,枫林物流公司工会在公司党委领导下开展工作。\n"
            "在民主管理和困难帮扶方面,公司召开职工代表大会1次,全年走访慰问职工120人次。\n")
    _, _, st = structured(text)
    assert {"democratic_mgmt", "aid"} <= set(st.sections)
