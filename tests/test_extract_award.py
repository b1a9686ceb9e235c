"""Award facts: triggers, lists, names, levels, recipients, offsets."""
import pytest

from pipeline.document import NoiseSpan, ReportSlice, SourceDoc
from pipeline.extract import award
from pipeline.extract.context import ExtractContext
from tests.extract_support import run_extractor


def run(text, norm=None):
    return run_extractor(award, text, norm=text if norm is None else norm)


def triples(text, **kw):
    return [(f.name, f.level, f.recipient) for f in run(text, **kw)]


@pytest.mark.parametrize("text, expected", [
    ("何正民同志荣获省“五一劳动奖章”荣誉称号。", [("五一劳动奖章", "provincial", "何正民")]),
    ("久和混凝土有限公司荣获市“五一劳动奖状”荣誉称号。", [("五一劳动奖状", "municipal", "久和混凝土有限公司")]),
    ("28个先进班组荣获区“工人先锋号”称号。", [("工人先锋号", "district", "28个先进班组")]),
    ("梅园新村社区工会获得了全国模范“职工小家”荣誉称号。", [("模范职工小家", "national", "梅园新村社区工会")]),
    ("南京玉器厂荣获市级非公企业职代会探索先进集体。", [("非公企业职代会探索先进集体", "municipal", "南京玉器厂")]),
    ("3名职工被公司评为“首席员工”。", [("首席员工", "internal", "3名职工")]),
    ("我村联合工会在2010年被湖父镇工会评为“先进集体”。", [("先进集体", "town", "我村联合工会")]),
    ("王迪老师被评为20-年度港区共青团工作先进个人。", [("共青团工作先进个人", "district", "王迪老师")]),
    ("朱耀兴老师被评为苏州市教育系统“优秀工会工作者”。", [("优秀工会工作者", "municipal", "朱耀兴")]),
    ("公司获评“省级文明单位”。", [("文明单位", "provincial", "公司")]),
    ("本公司工會榮獲全國五一勞動獎狀。", [("五一劳动奖状", "national", "本公司工會")]),
    ("王五夺得男子100米冠军。", [("男子100米冠军", "unknown", "王五")]),
    ("在全区“安康杯”竞赛中,我公司荣获优胜单位。", [("优胜单位", "district", "我公司")]),
])
def test_single_honours(text, expected):
    got = run(text.replace("榮獲全國五一勞動獎狀", "榮獲全國五一勞動獎狀"),
              norm=text.replace("工會榮獲全國五一勞動獎狀", "工会荣获全国五一劳动奖状")) \
        if "榮" in text else run(text)
    assert [(f.name, f.level, f.recipient) for f in got] == expected


def test_list_of_honours_is_one_fact_each():
    text = "公司工会荣获全国五一劳动奖状和省模范职工之家称号。"
    assert triples(text) == [("五一劳动奖状", "national", "公司工会"),
                             ("模范职工之家", "provincial", "公司工会")]


def test_list_of_quoted_honours_after_an_active_conferral():
    text = ("“五一”前夕,区总工会召开表彰大会,对涌现出来的先进集体和先进个人分别授予"
            "“工人先锋号”、“五一巾帼标兵岗”、“五一巾帼标兵”称号。")
    facts = run(text)
    assert [f.name for f in facts] == ["工人先锋号", "五一巾帼标兵岗", "五一巾帼标兵"]
    assert {f.level for f in facts} == {"district"}
    assert all("先进集体和先进个人" in f.recipient for f in facts)


def test_rank_prizes():
    facts = run("我院医务人员参加娄底市举办的技能竞赛中荣获个人操作一等奖和团体二等奖。")
    assert [(f.name, f.level, f.rank) for f in facts] == [
        ("个人操作一等奖", "municipal", "一等奖"), ("团体二等奖", "municipal", "二等奖")]
    assert all(f.recipient == "我院医务人员" for f in facts)


def test_shared_rank_suffix():
    facts = run("在县教育局组织的演讲比赛中,我校选手分别获得一、二等奖。")
    assert [(f.name, f.level) for f in facts] == [("一等奖", "district"), ("二等奖", "district")]


def test_rank_with_quoted_restatement_and_organised_group():
    text = "今年6月工会组织12名公司员工参加了投资公司举办的篮球比赛,并取得比赛的第三名“季军”。"
    (f,) = run(text)
    assert (f.name, f.rank, f.recipient) == ("第三名", "第三名", "12名公司员工")


def test_ordinal_rank_is_not_swallowed_by_a_count():
    (f,) = run("在第十一届职工运动会上,我队获得团体总分第一名。")
    assert f.name == "团体总分第一名" and f.rank == "第一名"


def test_trailing_counts_are_not_names():
    facts = run("我厂选手获得一等奖1个、二等奖2个。")
    assert [f.name for f in facts] == ["一等奖", "二等奖"]


def test_contest_context_gives_the_level():
    text = "2、组织了院篮球队,积极参与县卫生局举办的“强卫杯”篮球赛,荣获-年、-年、-年比赛的三联冠。"
    (f,) = run(text)
    assert (f.name, f.level, f.recipient) == ("三联冠", "district", "院篮球队")


def test_internal_contest():
    (f,) = run("我院办的“女工风采展板(生活篇)”在学校评比中获二等奖。")
    assert (f.name, f.level) == ("二等奖", "internal") and "我院" in f.recipient


def test_prize_without_any_marker_is_unknown():
    (f,) = run("3、参加员工庆“五一”同唱一首歌比赛,获二等奖;")
    assert (f.name, f.level, f.recipient) == ("二等奖", "unknown", None)


def test_shared_subject_across_clauses():
    text = ("女职工委员会被市总工会评为先进女职工委员会,被市妇联评为“三八”先进集体,-被评为市劳模,"
            "有6名女职工被市妇联、市总工会评为“三八”红旗手和优秀女职工,有3个集体被评为“巾帼建功”先进集体和“巾帼文明示范岗”。")
    assert triples(text) == [
        ("先进女职工委员会", "municipal", "女职工委员会"),
        ("三八先进集体", "municipal", "女职工委员会"),
        ("劳模", "municipal", None),                 # a masked name is no recipient
        ("三八红旗手", "municipal", "6名女职工"),
        ("优秀女职工", "municipal", "6名女职工"),
        ("巾帼建功先进集体", "unknown", "3个集体"),
        ("巾帼文明示范岗", "unknown", "3个集体"),
    ]


def test_passive_subject_of_an_earlier_clause():
    text = "我公司员工李明亮被办事处工会推荐,最终光荣的被选举为县劳动模范;"
    assert triples(text) == [("劳动模范", "district", "我公司员工李明亮")]


def test_active_conferrer_is_not_the_recipient():
    text = "神文明建设委员会评为“××*省窗口行业三星级单位”、农发行总行授予“青年文明号”。"
    assert triples(text) == [("窗口行业三星级单位", "provincial", None),
                             ("青年文明号", "internal", None)]


def test_conferral_by_the_union():
    assert triples("全镇评比出2名知识型职工和1家进步单位,") == [
        ("知识型职工", "town", "2名"), ("进步单位", "town", "1家")]
    assert triples("评选出5名镇文明职工,进行表扬褒奖。") == [("文明职工", "town", "5名")]
    assert triples("9月10日,学校召开庆祝大会,表彰了优秀教师。") == [("优秀教师", "internal", None)]
    assert triples("5、召开“护士节”座谈会进行了优秀护士表彰。")[0][0] == "优秀护士"


def test_masked_names_and_ranks():
    assert run("“北大资源杯”教职工运动会获团体第1xxxx,原因是运动员少。") == []
    (f,) = run("获得了“XX市先进工会”的荣誉称号。")
    assert (f.name, f.level) == ("先进工会", "municipal")


@pytest.mark.parametrize("text", [
    "他获取了大量信息,收获很大,获得了职工的一致好评。",
    "工会获批成立,获悉此事后,及时慰问。",
    "职工获得感、幸福感不断增强。",
    "工会积极组织职工参加各类比赛,取得了较好的成绩。",
    "取得了显著成效。",
    "共有3人获得市级以上表彰。",
    "获奖职工15人。",
    "组织全院女教职工踢毽比赛,评出前五名。",
    "对在竞赛活动中涌现出来的“五一巾帼标兵”和“十佳招商能手”,区总工会都给予一定的物质奖励。",
    "宣传、表彰一批本单位有代表性的劳动模范和先进个人;",
    "通过座谈、走访、表彰先进等方式广交企业界朋友。",
    "将职工之家分别命名为民主之家、安全之家、温馨之家、文明之家。",
])
def test_not_awards(text):
    assert run(text) == []


def test_noise_is_skipped():
    text = "何正民同志荣获省“五一劳动奖章”荣誉称号。"
    doc = SourceDoc(path="t", source="t", text=text, norm=text, noise=[NoiseSpan(5, 12, "watermark")])
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, 1, 0, len(text)))
    assert award.extract(doc, 0, len(text), ctx) == []


def test_text_is_shortest_span_from_trigger():
    (f,) = run("其中,何正民同志荣获省“五一劳动奖章”荣誉称号。")
    assert f.text == "荣获省“五一劳动奖章”"


def test_bad_input_does_not_crash():
    run("获得" + "一" * 5000 + "等奖" + "\U0001F600" * 100 + "被" * 3000 + "评为“" * 500)
    run("9" * 40 + "名职工荣获" + "“" * 100)


def test_title_word_marks_an_honour_without_a_suffix():
    assert triples("张三荣获市十佳青年称号。") == [("十佳青年", "municipal", "张三")]
    assert run("工会荣获上级好评的荣誉。") == []


def test_full_width_punctuation_as_kept_by_the_normaliser():
    text = "女职工委员会被市总工会评为先进女职工委员会，被市妇联评为“三八”先进集体。"
    assert triples(text) == [("先进女职工委员会", "municipal", "女职工委员会"),
                             ("三八先进集体", "municipal", "女职工委员会")]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

_ALPHABET = list("被评为荣获获得授予表彰了评选出、和及,，。;“”()（）省市区县镇校院公司全国第一二三十名等奖"
                 "称号先进集体工人先锋号0123456789xX×*_- \n") + ["\u00a0", "\U0001F600"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=120), st.data())
def test_offsets_hold_on_arbitrary_text(text, data):
    doc = SourceDoc(path="t", source="t", text=text, norm=text)
    s = data.draw(st.integers(0, len(text)))
    e = data.draw(st.integers(s, len(text)))
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, doc.n_lines, s, e))
    for f in award.extract(doc, s, e, ctx):
        assert s <= f.start < f.end <= e and doc.text[f.start:f.end] == f.text
        assert f.name and f.level in ("national", "provincial", "municipal", "district", "town",
                                      "internal", "unknown")


def _titled(text):
    """Award facts of a one-report doc whose first line is the report's title."""
    from tests.extract_support import make_doc
    doc = make_doc(text)
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, doc.n_lines, 0, len(doc.text), title="t", title_line=1),
                         section_spans=[])
    return [(f.name, f.level) for f in award.extract(doc, 0, len(doc.text), ctx)]


@pytest.mark.parametrize("text, expected", [
    # a prize takes the level of the contest it was won in, not of the winner's unit
    ("在区第五届职工合唱节上,街道职工合唱团获得二等奖。", [("二等奖", "district")]),
    ("学院教师在省高校青年教师教学竞赛中2名教师获一等奖。", [("一等奖", "provincial")]),
    ("选派干部参加市直机关演讲比赛,局办公室李某获二等奖。", [("二等奖", "municipal")]),
    ("积极参与县卫生局举办的篮球赛,荣获比赛的冠军。", [("冠军", "district")]),
    ("公司员工陈某在省电力公司技能竞赛中获个人二等奖。", [("个人二等奖", "provincial")]),
])
def test_prize_level_is_the_contests(text, expected):
    assert [(n, lv) for n, lv, _ in triples(text)] == expected


@pytest.mark.parametrize("text, expected", [
    # the reporting body's own contest / conferral: the body's level (from its title)
    ("某某镇总工会2025年工作总结\n6月举办果树修剪技能比武,48名职工参赛,评出一等奖3名。",
     [("一等奖", "town")]),
    ("某某供电公司工会工作总结\n8月举办带电作业技能竞赛,16支队伍参赛,城关所代表队获得第一名。",
     [("第一名", "internal")]),
    ("推荐工会工作总结一\n我局工会全年开展活动。6月举办业务知识竞赛,11支代表队参赛,征管科代表队获得第一名。",
     [("第一名", "internal")]),
    ("某某医院工会工作总结\n举办护理操作技能大赛,64名护士参赛,评出“护理技术能手”十名。",
     [("护理技术能手", "internal")]),
])
def test_own_contest_takes_the_reporting_bodys_level(text, expected):
    assert _titled(text) == expected


@pytest.mark.parametrize("text, level", [
    ("20名职工被矿授予“岗位能手”称号。", "internal"),
    ("2名员工被上级行评为“优秀客户经理”。", "internal"),
    ("国际业务部名列全省建行系统第一名。", "internal"),     # a rank within a system
    ("二矿综采队获全省煤炭系统“工人先锋号”。", "provincial"),  # an honour across it
    ("围绕国省干线公路改造开展劳动竞赛,评选表彰3个先进项目部。", "unknown"),  # 国省 is not a province
])
def test_conferrer_and_scope_levels(text, level):
    assert [lv for _, lv, _ in triples(text)] == [level]


@pytest.mark.parametrize("text, name", [
    ("表彰7名群监员为“优秀群监员”。", "优秀群监员"),
    ("表彰“优秀班主任”14名。", "优秀班主任"),
    ("表彰6名优秀医师。", "优秀医师"),
    ("评选表彰3个先进项目部。", "先进项目部"),
    ("国际业务部名列全省建行系统第一名。", "第一名"),
    ("社区书屋被区总工会评为区级示范职工书屋。", "示范职工书屋"),
])
def test_more_conferral_structures(text, name):
    assert [n for n, _, _ in triples(text)] == [name]


@pytest.mark.parametrize("text", [
    "通过座谈、走访、表彰先进等方式广交企业界朋友。",
    "宣传、表彰一批本单位有代表性的劳动模范和先进个人;",
])
def test_bare_praise_without_count_or_quote_is_not_an_award(text):
    assert run(text) == []


@pytest.mark.parametrize("text, recipient", [
    ("区总工会召开表彰大会,授予30名职工区五一劳动奖章。", "30名职工"),
    ("近年来,学院工会坚持把建家作为基础工作,2024年被中华全国总工会授予“全国模范教工之家”称号。", "学院工会"),
    ("集团公司连续三年实现安全生产零死亡,被省总工会授予“安康杯竞赛优胜单位”。", "集团公司"),
    ("国际业务部在全行外汇业务竞赛中实现结算量2300万美元,名列全省建行系统第一名。", "国际业务部"),
])
def test_recipient_from_double_object_and_sentence_topic(text, recipient):
    assert [r for _, _, r in triples(text)] == [recipient]
