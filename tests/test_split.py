"""Split stage: explicit report titles, unmarked boundaries, boilerplate."""
import pickle

import numpy as np
import pytest

from pipeline.clean import is_collection
from pipeline.document import NoiseSpan, SourceDoc
from pipeline.split import split_reports
from pipeline.split.boundary import model
from pipeline.training.boundary import estimator as boundary_estimator
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
    clf = boundary_estimator().fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    assert np.allclose(clf.predict_proba(X), clone.predict_proba(X))
    assert np.allclose(clf.predict_proba(X), clf.predict_proba_sklearn(X), atol=1e-12)
    assert (np.array(clf.predict(X)) == y).mean() > 0.8
    assert model().feature_names_ == list(FEATURES)


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


# --- where the first report starts among page furniture (split/head.py) ----------
NEWS_BODY = ("近日,青禾区总工会召开全委会议,总结全年工作。\n"
             "一年来,区总工会新建基层工会32家,发展会员2100人,走访慰问困难职工146户。\n"
             "一、深化建会入会\n全区新建快递、外卖等新业态工会9家。\n")


def starts(text: str) -> list[tuple[int, str | None]]:
    return [(r.start_line, r.title) for r in split_reports(doc_of(text))]


def test_repeated_page_title_starts_the_report_at_its_last_copy():
    title = "松涛镇总工会2024年上半年工作总结"
    text = f"公文素材 首页\n\n{title}\n\n时间:2024-07-02 10:11:12 网站:公文素材\n\n{title}\n\n{title}\n\n" + NEWS_BODY
    assert starts(text) == [(9, title)]


def test_numbered_title_above_repeated_copies_is_the_start():
    text = ("社区工会年度工作总结\n2024-03-01\n社区工会年度工作总结(精选5篇)\n"
            "篇1:社区工会年度工作总结\n社区工会年度工作总结\n社区工会年度工作总结\n" + NEWS_BODY)
    assert starts(text) == [(4, "篇1:社区工会年度工作总结")]


def test_news_headline_under_breadcrumbs_and_above_a_byline_is_the_title():
    text = ("简体 繁体\n所内动态\n当前位置: 首页 > 工会动态 > 正文\n\n"
            "青禾区总工会召开全委会议 部署来年工作\n"
            "来源:区总工会 作者:宣教部 发布时间:2024-12-20 浏览次数:311\n\n" + NEWS_BODY)
    assert starts(text) == [(5, "青禾区总工会召开全委会议 部署来年工作")]


def test_page_headline_above_a_collection_title_and_intro_belongs_to_no_report():
    text = ("小学工会工作总结\n合集下载\n学校工会工作总结6篇\n"
            "以下是小编为大家整理的学校工会工作总结,供大家参考,希望对大家有所帮助。\n" + NEWS_BODY)
    assert starts(text) == [(5, None)]


def test_outline_block_above_the_title_is_furniture():
    text = ("目录/提纲:……\n一、帮扶工作贵在坚持\n一是困难职工多\n二、帮扶工作的体会\n……\n"
            "暖心工程进万家 真情帮扶暖人心\n梨园集团工会帮扶工作交流材料\n" + NEWS_BODY)
    assert starts(text) == [(6, "暖心工程进万家 真情帮扶暖人心")]


def test_title_spread_one_word_per_line_is_furniture():
    text = ("2024\n街道\n工会\n上半年\n工作总结\n柳岸街道工会2024年上半年工作总结\n" + NEWS_BODY)
    assert starts(text) == [(6, "柳岸街道工会2024年上半年工作总结")]


def test_title_cut_over_two_lines_starts_at_its_first_line():
    text = ("- 12.40 KB\n- 2023-05-06 发布\n- 网站客服QQ:12345678\n"
            "化工学院工会 2022 年工作总结 - 工会工\n作总结\n" + NEWS_BODY)
    assert starts(text)[0] == (4, "化工学院工会 2022 年工作总结 - 工会工")


def test_title_repeated_at_the_start_of_the_body_line_leaves_the_start_on_the_body():
    text = ("温馨提示:\n1. 本文档由用户上传,版权归属用户,如有争议请联系客服。\n网站客服:4001234567\n"
            "2024 年度 区总工会 工作总结\n"
            "2024年度区总工会工作总结 一年来,区总工会围绕中心、服务大局,新建工会12家,发展会员800人。\n"
            "一、加强思想引领\n组织宣讲46场。\n")
    assert starts(text) == [(5, None)]
    text = ("《2024年区总工会工作总结.docx》由会员分享,可在线阅读,更多相关内容请在某某文库上搜索。\n"
            "1、2024年区总工会工作总结今年以来,区总工会新建工会12家,发展会员800人。\n2、慰问困难职工60户。\n")
    assert starts(text) == [(2, None)]


def test_near_copy_of_the_title_right_above_the_body_is_the_title():
    text = ("职工技能竞赛典型案例\n\n职工技能竞赛典型案例\n职工技能竞赛典型案例\n\n职工技能竞赛案例\n\n" + NEWS_BODY)
    assert starts(text) == [(6, "职工技能竞赛案例")]


def test_a_first_paragraph_quoting_a_collection_title_is_report_text():
    line = ("乡镇工会工作总结范文【推荐6篇】总结是对一段时期工作的回顾,以下是网友分享的范文,供大家参考。"
            "今年以来,石桥镇工会新建企业工会8家,发展会员560人,走访慰问困难职工42户,发放慰问金3.6万元,"
            "组织职工技能比武3场,参赛职工210人次。")
    assert starts(line + "\n") == [(1, None)]


def test_copies_of_a_title_with_one_paragraph_between_are_one_report():
    title = "关于街道总工会上半年工作总结"
    text = (f"{title}\n工作总结 阅读(2.1W)\n"
            "今年上半年,街道总工会按照区总工会的部署,扎实推进各项工作,新建工会5家,发展会员320人。\n"
            f"{title}\n一、探索新机制\n1、推行片区管理。\n2、规范基层工会建设。\n二、开展帮扶\n慰问困难职工18户。\n")
    assert starts(text) == [(1, title)]


def test_real_tune_reports_split_where_the_gold_says():
    """Regression guard on the real tune files (r001-r110) when ../shared is present."""
    import json
    from pathlib import Path

    shared = Path(__file__).resolve().parents[3] / "shared"
    corpus, gold = shared / "corpus" / "real", shared / "gold" / "real"
    if not corpus.is_dir() or not gold.is_dir():
        pytest.skip("no ../shared real corpus")
    tp = npred = ngold = 0
    for n in range(1, 111):
        g = gold / f"r{n:03d}.json"
        if not g.exists():
            continue
        want = {r["start_line"] for r in json.loads(g.read_text(encoding="utf-8"))["reports"]}
        got = {r.start_line for r in split_reports(doc_of((corpus / f"r{n:03d}.txt").read_text(encoding="utf-8")))}
        tp, npred, ngold = tp + len(want & got), npred + len(got), ngold + len(want)
    assert tp / npred >= 0.9 and tp / ngold >= 0.95


def test_section_name_above_a_headline_and_a_reporter_line_below_are_furniture():
    text = ("工作动态\n石桥镇工会技能大赛圆满落幕!\n(通讯员 王小川 李青)\n"
            "2024-10-12 09:30 来源:石桥镇总工会\n" + NEWS_BODY)
    assert starts(text) == [(2, "石桥镇工会技能大赛圆满落幕!")]


@pytest.mark.parametrize("mark", ["篇一", "第1篇", "【范文1】"])
def test_bare_marker_above_a_repeated_title_is_the_start(mark):
    title = "梨园社区工会2024年工作总结"
    text = f"梨园社区工会工作总结(精选3篇)\n{mark}\n{title}\n{title}\n" + TITLED_BODY
    assert [r.start_line for r in split_reports(doc_of(text))] == [2]


def test_title_above_a_date_and_an_author_name_is_the_start():
    text = "2024年度工会工作总结\n2024年12月20日\n张明\n" + NEWS_BODY
    assert starts(text) == [(1, "2024年度工会工作总结")]
    assert starts("黄小燕\n" + NEWS_BODY) == [(2, None)]  # a name alone above the body is no title


def test_open_information_table_above_a_headline_is_furniture():
    text = ("索引号:11320100/2024-00321\n发布机构:青禾区总工会\n生成日期:2024-07-15\n主题分类:工会工作\n"
            "青禾区总工会开展送清凉活动\n" + NEWS_BODY)
    assert starts(text) == [(5, "青禾区总工会开展送清凉活动")]


@pytest.mark.parametrize("headline", ["企业工会年度工作总结范文(最新)", "基层工会工作总结汇编(社区、村)",
                                      "卫生系统工会工作总结(三则)"])
def test_headline_naming_a_collection_is_no_reports_title(headline):
    text = headline + "\n发布时间:2024-12-30 来源:某某网\n" + NEWS_BODY
    assert starts(text) == [(3, None)]


def test_template_note_under_the_page_title_is_furniture():
    text = ("街道工会工作总结模板(可直接套用)\n说明:以下模板中的××处请根据本单位实际填写,年份可自行修改。\n\n"
            "××街道总工会20xx年工作总结\n" + NEWS_BODY)
    assert starts(text) == [(4, "××街道总工会20xx年工作总结")]


def test_plain_fanwen_title_right_above_the_body_is_the_title_and_a_news_deck_follows_its_headline():
    assert starts("街道工会工作总结范文\n" + NEWS_BODY) == [(1, "街道工会工作总结范文")]
    text = "青禾区总工会送清凉 暖心到一线\n高温下的坚守有人惦记\n" + NEWS_BODY
    assert starts(text) == [(1, "青禾区总工会送清凉 暖心到一线")]


def test_speech_title_above_its_date_and_speaker_is_the_start():
    text = ("凝心聚力 建功新时代\n——在青禾区总工会第八届委员会第三次全体会议上的工作报告\n"
            "(2024年1月18日)\n区总工会主席 李明华\n各位委员、同志们:\n" + NEWS_BODY)
    assert starts(text)[0] == (1, "凝心聚力 建功新时代")
    text = "青禾区总工会2023年工作报告\n(二〇二四年一月十八日)\n" + NEWS_BODY
    assert starts(text)[0] == (1, "青禾区总工会2023年工作报告")


def test_salutation_opens_the_body_and_a_wechat_header_is_furniture():
    assert starts("同志们:\n" + NEWS_BODY) == [(1, None)]
    text = "原创 青禾工会 青禾区总工会 2024-07-15 08:30\n青禾区总工会开展送清凉活动\n" + NEWS_BODY
    assert starts(text) == [(2, "青禾区总工会开展送清凉活动")]


def test_speech_title_wrapped_over_lines_above_a_dash_subtitle_and_a_garbled_date():
    # double-spaced page: an ad line and a headline with a view count above; the main title
    # wrapped over three lines, the ——在…报告 subtitle, a date whose separators were lost
    text = ("距离广告结束还有\n\n【工会报告】区总工会主席在全委会议上的报告\n\n阅读数:860 文章字数:9000\n\n"
            "凝心聚力促发展 实干担当谱新篇\n\n为建设幸福宜居的青禾\n\n新城作出工会贡献\n\n"
            "——在青禾区总工会八届三次全委(扩大)会议上的报告\n\n(2024118)\n\n各位委员,同志们:\n\n"
            + NEWS_BODY)
    assert starts(text) == [(7, "凝心聚力促发展 实干担当谱新篇")]


def test_double_spaced_site_name_above_a_title_is_not_part_of_the_title():
    text = "青禾区总工会门户网站\n\n青禾区总工会2024年工作总结\n\n" + NEWS_BODY
    assert starts(text) == [(3, "青禾区总工会2024年工作总结")]


def test_repeated_title_over_a_speaker_and_a_wordless_date_starts_at_the_last_copy():
    text = ("理学院2019年工会工作总结\n\n发布者:管理员 发布时间:2020-03-02\n\n理学院2019年工会工作总结\n\n"
            "理学院工会主席 周\n\n2020115\n\n" + NEWS_BODY)
    assert starts(text) == [(5, "理学院2019年工会工作总结")]


def test_bracketed_ordinal_after_the_title_marks_a_report_and_site_share_line_is_furniture():
    text = ("园区工会工作总结范文【热选3篇】\n\n网友 分享 时间:\n\n园区工会工作总结【第一篇】\n" + BODY
            + "园区工会工作总结【第二篇】\n" + BODY)
    assert starts(text) == [(5, "园区工会工作总结【第一篇】"), (9, "园区工会工作总结【第二篇】")]


def test_site_home_link_above_a_news_body_is_furniture():
    text = "新闻中心首页\n" + NEWS_BODY
    assert starts(text) == [(2, None)]


def test_a_shortened_name_of_the_unit_already_reporting_is_no_new_unit():
    from pipeline.split.features import _named_before

    before = "2023年以来,青禾县供电公司工会在公司党委的正确领导下,扎实开展各项工作。"
    assert _named_before("青禾公司", before)          # 青禾县供电公司 -> 青禾公司
    assert _named_before("青禾县供", before)
    assert not _named_before("东华纺织", before)
    assert not _named_before("青禾街道", before)       # same place, another unit


class _TitleLikeCuts:
    """A boundary model that cuts at every candidate its title_like feature marks."""

    def predict_proba(self, X):
        col = np.asarray(X)[:, FEATURES.index("title_like")]
        return np.column_stack([1 - col, col])


def stub_starts(text: str) -> list[tuple[int, str | None]]:
    return [(r.start_line, r.title) for r in split_reports(doc_of(text), clf=_TitleLikeCuts())]


def test_unnumbered_section_headings_with_a_clause_break_do_not_start_reports():
    para = ("各矿井建立了以工会主席为组长的群众安全监督网,每月开展一次安全检查,全年共查处隐患126条,"
            "督促整改率达到百分之百,职工安全意识明显增强。\n")
    text = ("某某煤业公司工会安全工作汇报\n" + para
            + "组织网络化,实现全面覆盖工作\n" + para + para
            + "管理制度化,提高工作成效\n" + para + para
            + "活动经常化,增强工作活力\n" + para + para)
    assert starts(text) == stub_starts(text) == [(1, "某某煤业公司工会安全工作汇报")]
    # (a report title after a finished report is still title-like)
    two = text + "青禾县总工会2024年工作总结\n" + para + para
    assert stub_starts(two) == [(1, "某某煤业公司工会安全工作汇报"), (12, "青禾县总工会2024年工作总结")]


def test_the_reports_title_repeated_after_its_lead_paragraph_is_the_same_report():
    lead = ("上半年,青禾街道总工会按照区总工会的部署,围绕街道中心工作,扎实推进基层建会、职工维权和"
            "服务职工各项工作,新建基层工会12家,发展会员860人,取得了新的进展,现将有关情况总结如下。\n")
    text = ("青禾街道总工会上半年工作总结及下半年打算\n" + lead
            + "青禾街道总工会上半年工作总结及下半年打算\n" + NEWS_BODY)
    assert starts(text) == stub_starts(text) == [(1, "青禾街道总工会上半年工作总结及下半年打算")]


@pytest.mark.parametrize("line, new", [
    ("2024年,东华纺织集团公司工会在集团党委的领导下,围绕生产经营中心任务,团结动员广大职工建功立业。", True),
    ("2024年,东华纺织集团公司二分厂荣获省级模范职工之家称号,3名职工荣获市级劳动模范称号。", False),
    ("东华纺织集团公司第五届第二次职代会是在企业转型发展的关键时期召开的,意义重大。", False),
    # the next unit of a piece about several units goes on from the paragraph before
    ("东华纺织集团公司工会则把目光投向了青年职工,全年组织师徒结对36对,开展技能比武4场。", False),
    ("东华纺织集团公司工会的“暖心驿站”同样可圈可点,全年接待一线职工8000人次。", False),
])
def test_a_unit_honoured_or_naming_a_meeting_is_no_new_reporting_unit(line, new):
    from pipeline.layout.blocks import Block
    from pipeline.split.features import SegmentFeatures

    prior = ["今年以来,青禾区总工会认真履行维权服务职责,全年走访慰问困难职工146户。",
             "一、深化建会入会", "全区新建快递、外卖等新业态工会9家,发展会员2100人。"]
    blocks = [Block(line=n + 1, start=0, end=len(t), norm=t) for n, t in enumerate(prior + [line])]
    assert SegmentFeatures(blocks)._new_unit(3) == (new, new)


def test_a_title_differing_only_by_year_is_another_report_not_a_repeat():
    para = ("青禾街道总工会围绕街道中心工作,扎实推进基层建会、职工维权和服务职工各项工作,"
            "新建基层工会12家,发展会员860人,取得了新的进展。\n")
    text = ("青禾街道总工会2023年工作总结\n" + para + para + para
            + "青禾街道总工会2024年工作总结\n" + para + para + para)
    assert stub_starts(text) == [(1, "青禾街道总工会2023年工作总结"), (5, "青禾街道总工会2024年工作总结")]


# --- one report, whatever its paragraphs open on (news reviews, speeches, problems/plan) ---

REVIEW_PIECE = (
    "盘点2025|青禾市基层工会亮点工作扫描\n"
    "青禾市总工会 2026-01-08 18:20 发表于青禾\n"
    "年终岁尾,青禾市各级工会围绕服务职工这条主线,交出了一份亮眼的答卷。全市新建基层工会88家,"
    "新发展会员9600人,建成户外劳动者服务站点52个。\n"
    "在红枫物流园,园区工会把“司机之家”建到了停车场旁边,全年接待货车司机4200人次,"
    "免费提供热水、淋浴和休息床位,司机们都说“累了有地方歇脚了”。\n"
    "青禾第二中学工会则把目光投向了青年教师。学校工会组织师徒结对36对,举办教学基本功比赛2场,"
    "参赛教师120人,还为新入职教师办起了“成长沙龙”。\n"
    "市中心医院工会的“白衣天使关爱行动”同样可圈可点。全年为医护人员组织心理减压讲座10场,"
    "走访慰问一线医护人员540人次,为夜班职工开设了暖心食堂。\n"
    "东湖街道联合工会的做法也颇具特色。联合工会把辖区26家小微企业的职工组织起来,开展技能培训12期,"
    "培训职工700人次,为小微企业职工办理互助保障1100份。\n"
    "新的一年,市总工会将继续深化服务职工工作,力争新建基层工会60家、新增会员1万人。\n"
)


def test_a_review_naming_units_paragraph_by_paragraph_is_one_report():
    rs = split_reports(doc_of(REVIEW_PIECE))
    assert [(r.start_line, r.title) for r in rs] == [(1, "盘点2025|青禾市基层工会亮点工作扫描")]


def test_units_going_on_from_the_paragraph_before_start_no_report_without_a_news_head():
    body = REVIEW_PIECE.split("\n", 2)[2]
    rs = split_reports(doc_of("青禾市各级工会服务职工工作情况\n" + body))
    assert [(r.start_line, r.title) for r in rs] == [(1, "青禾市各级工会服务职工工作情况")]


def test_a_report_with_a_head_of_its_own_after_a_review_still_starts():
    second = ("东坪镇总工会2025年工作总结\n"
              "今年以来,东坪镇总工会在镇党委的领导下,围绕建会入会和服务职工两项重点,新建非公企业工会7家,"
              "发展会员430人,走访慰问困难职工65户,发放慰问金9.8万元。\n"
              "一、推进建会入会\n镇工会对辖区企业逐一摸底,新建非公企业工会7家。\n"
              "二、开展关爱服务\n元旦春节期间走访慰问困难职工65户。\n")
    rs = split_reports(doc_of(REVIEW_PIECE + second))
    assert [(r.start_line, r.title) for r in rs] == [
        (1, "盘点2025|青禾市基层工会亮点工作扫描"), (9, "东坪镇总工会2025年工作总结")]


SPEECH = (
    "青禾热电厂工会2025年工作报告\n"
    "——在厂第四届职工代表大会第二次会议上\n"
    "各位代表:\n"
    "现在,我代表厂工会向大会报告工作,请予审议。\n"
    "一、2025年工作回顾\n"
    "过去的一年,厂工会紧紧围绕安全发电这个中心,团结带领全厂职工克服煤价高企、机组检修任务重等困难,"
    "全年完成发电量38亿千瓦时,实现连续安全生产1500天。\n"
    "(一)民主管理扎实推进。厂工会坚持职代会制度,全年召开职代会2次,收集职工提案31件,办结率100%,"
    "签订集体合同和女职工专项集体合同各1份。\n"
    "(二)劳动竞赛成效明显。开展“安全生产百日赛”和技能比武,参赛班组46个,兑现竞赛奖励资金38万元。\n"
    "(三)关心职工生活。元旦春节期间慰问困难职工和一线职工520户,发放慰问金及物资61万元。\n"
    "二、存在的问题\n"
    "一是部分车间分工会作用发挥不够充分;二是职工文体活动场地不足;三是职工书屋图书更新较慢。\n"
    "三、2026年工作安排\n"
    "2026年,厂工会将重点抓好民主管理、技能提升和职工关爱三项工作,力争职工技能培训覆盖率达到90%。\n"
)


def test_a_speech_with_its_subtitle_and_salutation_is_one_report_from_its_title():
    rs = split_reports(doc_of(SPEECH))
    assert [(r.start_line, r.title) for r in rs] == [(1, "青禾热电厂工会2025年工作报告")]


RUN_ON_REPORT = (
    "青禾县供电公司工会2025年上半年工作总结\n"
    "上半年,供电公司工会按照县总工会和公司党委的部署,围绕迎峰度夏和安全生产中心任务,各项工作有序推进。"
    "公司现有职工1260人,会员1255人,下设分工会9个、工会小组86个。3月组织“安全生产月”知识竞赛,参赛职工320人;"
    "4月开展配电运维技能比武,参赛86人,配电班李强获第一名;5月为一线职工送去防暑降温物资,价值12.6万元;"
    "上半年为会员续办住院医疗互助保障,参保率99.5%,为住院职工办理理赔41人次,理赔金额8.2万元。\n"
    "上半年工作中也还存在一些不足:一是一线班组职工倒班休息时间分散,集体活动组织难度大;二是个别分工会"
    "作用发挥不够充分。下半年,公司工会将抓好迎峰度夏劳动竞赛,计划组织技能培训班4期,让职工更有获得感。\n"
    "青禾县供电公司工会\n"
    "2025年7月8日\n"
)


def test_a_speech_and_a_run_on_report_with_a_problems_paragraph_are_two_reports():
    rs = split_reports(doc_of(SPEECH + RUN_ON_REPORT))
    assert [(r.start_line, r.title) for r in rs] == [
        (1, "青禾热电厂工会2025年工作报告"), (14, "青禾县供电公司工会2025年上半年工作总结")]


def test_a_speech_after_another_report_starts_at_its_own_title():
    first = ("2025年,青禾镇总工会在镇党委的领导下,扎实推进建会入会,全年新建基层工会9家,发展会员610人,"
             "走访慰问困难职工48户,组织职工技能竞赛3场,参赛职工260人,各项工作取得新进展。\n"
             "新的一年,镇总工会将继续努力,为全镇经济社会发展作出新的贡献。\n"
             "青禾镇总工会\n2025年12月28日\n")
    rs = split_reports(doc_of(first + SPEECH))
    assert [(r.start_line, r.title) for r in rs] == [(1, None), (5, "青禾热电厂工会2025年工作报告")]


@pytest.mark.parametrize("line, inside", [
    ("上半年工作中也还存在一些问题:一是职工休息时间分散;二是分工会作用发挥不够。", True),
    ("回顾一年来的工作,虽然取得了一些成绩,但还存在不少差距,主要是基层工会活力不足。", True),
    ("下一步,我们将继续深化建会入会工作,力争新发展会员500人。", True),
    ("三、下半年工作打算", True),
    ("今年以来,东坪镇总工会在镇党委的领导下,围绕建会入会和服务职工两项重点扎实开展工作。", False),
    ("2025年,青禾公司工会针对职工反映强烈的就餐难题,新建职工食堂1个。", False),
])
def test_problems_and_plan_paragraphs_never_open_a_report(line, inside):
    from pipeline.layout.blocks import Block
    from pipeline.split.features import SegmentFeatures

    prior = ["青禾区总工会认真履行维权服务职责,全年走访慰问困难职工146户,发放慰问金38万元。"]
    blocks = [Block(line=n + 1, start=0, end=len(t), norm=t) for n, t in enumerate(prior + [line])]
    assert SegmentFeatures(blocks).inside_report(1) is inside


@pytest.mark.parametrize("subtitle", ["——在厂第四届职工代表大会第二次会议上",
                                      "——在厂第四届职工代表大会第二次会议上的报告"])
def test_a_speech_title_over_two_lines_above_its_meeting_subtitle_starts_at_its_first_line(subtitle):
    text = ("凝心聚力促进企业发展\n\n建功立业奋进新的时代\n\n" + subtitle + "\n\n各位代表:\n"
            "现在,我代表厂工会向大会报告工作,请予审议。\n一、2025年工作回顾\n"
            "过去的一年,厂工会紧紧围绕安全发电这个中心,团结带领全厂职工完成了全年目标任务。\n")
    assert [(r.start_line, r.title) for r in split_reports(doc_of(text))] == [(1, "凝心聚力促进企业发展")]
