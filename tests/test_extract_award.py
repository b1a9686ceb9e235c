"""Award facts: triggers, lists, names, levels, recipients, offsets."""
import pytest

from pipeline.document import NoiseSpan, ReportSlice, SourceDoc
from pipeline.extract import award
from pipeline.extract.context import ExtractContext
from pipeline.normalise import normalise
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
    ("王迪老师被评为20-年度港区共青团工作先进个人。", [("共青团工作先进个人", "district", "王迪")]),
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
        ("劳模", "municipal", None),                 # a deleted name (a dash) is no recipient
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


# ---------------------------------------------------------------- rules as data

from pipeline.extract.award_rules import TRIGGER_KINDS, load_rules, vocab  # noqa: E402

# one example per trigger rule of data/award_rules.yaml: (sentence, name it gives).
# A new trigger is one YAML line and one row here (test_every_trigger_rule_has_an_example).
TRIGGER_EXAMPLES = {
    "win.ronghuo_le": ("张华荣获了市“优秀共产党员”称号。", "优秀共产党员"),
    "win.ronghuo": ("李卫东荣获区“五一劳动奖章”。", "五一劳动奖章"),
    "win.rongying": ("滨江社区工会荣膺省“模范职工之家”称号。", "模范职工之家"),
    "win.xihuo": ("两名职工喜获县“五一劳动奖章”。", "五一劳动奖章"),
    "win.chanlian": ("车站蝉联“全国文明单位”称号。", "文明单位"),
    "win.xizhai": ("代表队喜摘一等奖。", "一等奖"),
    "win.zaiduo": ("代表队再夺冠军。", "冠军"),
    "win.fenhuo": ("两名选手分获一等奖。", "一等奖"),
    "win.huode_le": ("机修车间获得了市“工人先锋号”称号。", "工人先锋号"),
    "win.huode": ("周敏获得全省技能大赛一等奖。", "技能大赛一等奖"),
    "title.huoping": ("东湖小学工会获评区先进工会。", "先进工会"),
    "win.huo": ("王强获县“岗位能手”称号。", "岗位能手"),
    "win.duode_le": ("代表队夺得了团体第一名。", "团体第一名"),
    "win.duode": ("女子接力队夺得冠军。", "冠军"),
    "win.yongduo": ("机关二队勇夺冠军。", "冠军"),
    "win.zhaide": ("赵丽摘得演讲比赛一等奖。", "演讲比赛一等奖"),
    "win.zhanhuo": ("技术组斩获省创新大赛金奖。", "创新大赛金奖"),
    "win.qude_le": ("合唱团取得了第二名。", "第二名"),
    "win.qude": ("篮球队取得第三名的好成绩。", "第三名"),
    "win.baolan": ("我厂选手包揽冠亚季军。", "冠亚季军"),
    "win.pengde": ("舞蹈队捧得“最佳表演奖”奖杯。", "最佳表演奖"),
    "win.penghui": ("代表队捧回“优秀组织奖”。", "优秀组织奖"),
    "win.jieguo": ("支行行长接过“优秀营业网点”匾牌。", "优秀营业网点"),
    "win.quju": ("三队屈居亚军。", "亚军"),
    "win.yingde": ("代表队赢得团体第二名。", "团体第二名"),
    "win.zhaiqu": ("刘某摘取省青年岗位能手桂冠。", "青年岗位能手"),
    "ranking.minglie": ("营业部名列全市系统第一名。", "第一名"),
    "ranking.weilie": ("四队位列第四。", "第四"),
    "ranking.weiju": ("该所位居全区考核第二名。", "考核第二名"),
    "title.beipingwei": ("刘芳被评为市“三八红旗手”。", "三八红旗手"),
    "title.beipingxuanwei": ("陈刚被评选为区优秀工会干部。", "优秀工会干部"),
    "title.beibiaozhangwei": ("物业公司被表彰为县文明单位。", "文明单位"),
    "title.beixuanjuwei": ("吴涛被选举为市劳动模范。", "劳动模范"),
    "title.beixuanwei": ("钱进被选为区“十佳青年”。", "十佳青年"),
    "title.dangxuanwei": ("孙梅当选为县“最美职工”。", "最美职工"),
    "title.dangxuan": ("孙梅当选县“最美职工”。", "最美职工"),
    "win.beishouyu": ("检修班被授予市“工人先锋号”称号。", "工人先锋号"),
    "win.beimingmingwei": ("城东社区被命名为区级“职工书屋示范点”。", "职工书屋示范点"),
    "win.beiquedingwei": ("该厂被确定为省“模范职工之家”。", "模范职工之家"),
    "win.beirendingwei": ("园区被认定为市“劳动关系和谐园区”。", "劳动关系和谐园区"),
    "confer.shouyu_le": ("县总工会授予了8名职工县“五一劳动奖章”。", "五一劳动奖章"),
    "confer.shouyu": ("市总工会授予红星厂工会“模范职工之家”称号。", "模范职工之家"),
    "confer.mingmingwei": ("区总工会将五个班组命名为“工人先锋号”。", "工人先锋号"),
    "confer.mingming_x_wei": ("公司命名8个班组为“安全示范岗”。", "安全示范岗"),
    "confer_title.pingwei": ("镇工会将两家企业评为“和谐企业”。", "和谐企业"),
    "confer_title.biaozhangwei": ("县总工会将其表彰为县级先进集体。", "先进集体"),
    "confer_title.pingxuanwei": ("街道将三户职工家庭评选为“最美家庭”。", "最美家庭"),
    "by.pingwei": ("李华被县教育局评为优秀教师。", "优秀教师"),
    "by.pingxuanwei": ("王敏被市妇联评选为“三八红旗手”。", "三八红旗手"),
    "by.shouyu": ("机电车间被省总工会授予“工人先锋号”。", "工人先锋号"),
    "by.mingmingwei": ("社区被区总工会命名为“星级职工之家”。", "星级职工之家"),
    "by.biaozhangwei": ("该厂被市政府表彰为安全生产先进单位。", "安全生产先进单位"),
    "by.xuanjuwei": ("张平被县总工会选举为“优秀工会干部”。", "优秀工会干部"),
    "by.xuanwei": ("刘洋被区总工会选为“优秀工会积极分子”。", "优秀工会积极分子"),
    "by.quedingwei": ("该校被省教育工会确定为“示范教工之家”。", "示范教工之家"),
    "by.rendingwei": ("公司被市人社局认定为“劳动关系和谐企业”。", "劳动关系和谐企业"),
    "out.pingxuanchu_le": ("全年评选出了6名“优秀会员”。", "优秀会员"),
    "out.pingxuanchu": ("工会评选出5名星级职工。", "星级职工"),
    "out.pingbichu_le": ("评比出了3个先进班组。", "先进班组"),
    "out.pingbichu": ("评比出4家达标单位。", "达标单位"),
    "out.juechu": ("比赛共决出一等奖3名。", "一等奖"),
    "out.pingchu_le": ("评出了10名技术能手。", "技术能手"),
    "out.pingchu": ("评出一等奖2名。", "一等奖"),
    "out.pingxuanbiaozhang_le": ("评选表彰了12名优秀工会积极分子。", "优秀工会积极分子"),
    "out.pingxuanbiaozhang": ("共有90名职工参赛,评选表彰前10名。", "前10名"),
    "out.biaozhang_le": ("表彰了8名优秀护士。", "优秀护士"),
    "out.biaozhang": ("表彰20名先进个人。", "先进个人"),
    "out.pingxuan_quoted": ("评选区“职工创新能手”6名。", "职工创新能手"),
    "title.beipingdingwei": ("该站被评定为县“标准化职工之家”。", "标准化职工之家"),
    "by.pingdingwei": ("车间被市总工会评定为“模范职工小家”。", "模范职工小家"),
    "title.huopingwei": ("社区工会获评为区“职工信赖娘家人”。", "职工信赖娘家人"),
    "title.ruxuan": ("学院团队入选省级“黄大年式教师团队”。", "黄大年式教师团队"),
    "out.biaozhang_then_count": ("表彰优秀护士30名。", "优秀护士"),
    "out.pingxuan_counted": ("推荐评选了3名区劳动模范。", "劳动模范"),
    "out.xuanshu_counted": ("选树“最美环卫工”8名。", "最美环卫工"),
    "title.beixuanshuwei": ("陈静被选树为县级“最美女职工”。", "最美女职工"),
    "by.xuanshuwei": ("陈静被县总工会选树为“最美女职工”。", "最美女职工"),
    "out.chansheng_counted": ("技能大赛共产生12名区技术能手。", "技术能手"),
    "win.huoban": ("刘师傅获颁市“技能大师”证书。", "技能大师"),
    "praise.jinxing_biaozhang": ("召开座谈会进行了优秀班主任表彰。", "优秀班主任"),
    "praise_object.dui_jinxing_biaozhang": ("对12家先进单位进行了表彰。", "先进单位"),
    "obtained.huodezhe": ("“省级劳动模范”获得者王芳介绍了经验。", "劳动模范"),
    "obtained.de_huode": ("此次“省级文明单位”称号的获得，是全体职工努力的结果。", "文明单位"),
    "bare_rank.zongchengji": ("项目部在三项评比中总成绩第一名。", "第一名"),
}
_PRODUCING_KINDS = set(TRIGGER_KINDS) | {"praise", "praise_object", "obtained", "bare_rank"}


def test_every_trigger_rule_has_an_example():
    ids = {r.id for r in load_rules() if r.kind in _PRODUCING_KINDS}
    assert ids == set(TRIGGER_EXAMPLES)


@pytest.mark.parametrize("rule_id", sorted(TRIGGER_EXAMPLES))
def test_trigger_rule_example(rule_id):
    text, name = TRIGGER_EXAMPLES[rule_id]
    facts = run(text)
    assert [(f.name, f.rule) for f in facts] == [(name, rule_id)]


@pytest.mark.parametrize("bad, message", [
    ("rules:\n  - {id: x.y, kind: winner, text: 荣获}\n", "kind"),
    ("rules:\n  - {id: a, kind: win, text: 荣获}\n  - {id: a, kind: win, text: 获得}\n", "used twice"),
    ("rules:\n  - {id: a, kind: win, text: 荣获, re: 荣获}\n", "exactly one"),
    ("rules:\n  - {id: a, kind: suffix, re: '奖('}\n", "bad regex"),
])
def test_bad_rule_files_fail_loading(tmp_path, bad, message):
    p = tmp_path / "rules.yaml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_rules(p)


def test_the_shipped_rules_compile():
    v = vocab()
    assert v.trigger.search("荣获") and v.nomination.search("被推荐为")


# ---------------------------------------------------------------- phenomena

@pytest.mark.parametrize("text", [
    "街道工会被区总工会推荐为“省级示范街道工会”。",
    "推荐申报市劳动模范2名。",
    "我校的课题入围省优秀成果奖。",
    "组织开展县劳模候选人推荐,王某被推荐为县劳动模范候选人。",
    "积极做好上级工会授予各项荣誉称号的评选推荐。",
    "开展征文活动,并评选出优秀征文,给以表彰。",
])
def test_nominations_and_non_honours_give_nothing(text):
    assert run(text) == []


def test_a_nomination_that_was_granted_is_an_award():
    assert triples("经推荐获评市劳动模范。")[0][:2] == ("劳动模范", "municipal")


def test_counted_honours_after_a_selection_take_the_selecting_bodys_level():
    text = ("集团公司工会开展年度劳动模范、先进集体评选表彰活动。有12名同志荣获“劳动模范”荣誉称号,"
            "5个单位荣获“先进单位”荣誉称号,2名职工荣获全国纺织行业劳动模范称号。")
    assert triples(text) == [("劳动模范", "internal", "12名同志"), ("先进单位", "internal", "5个单位"),
                             ("纺织行业劳动模范", "national", "2名职工")]


def test_counted_groups_listed_across_commas():
    text = "开展建家活动,评选出6家区级示范工会,14家区级先进工会和20家合格工会。"
    assert triples(text) == [("示范工会", "district", "6家"), ("先进工会", "district", "14家"),
                             ("合格工会", "district", "20家")]


def test_praised_groups_are_awards_when_counted_or_of_a_year():
    text = ("五一前夕,我区召开表彰大会,对为全区发展做出贡献的12家先进单位和"
            "奋战在一线的25名优秀工作者进行表彰。")
    assert triples(text) == [("先进单位", "district", "12家"), ("优秀工作者", "district", "25名")]
    assert [n for n, _, _ in triples("县总工会对2024年度先进工作集体和个人进行了表彰。")] == ["先进工作集体"]
    assert run("每年对在竞赛中涌现出来的先进集体和个人进行表彰。") == []


def test_honour_conferred_by_another_body():
    text = "今年,滨海市总工会授予我院工会“先进职工之家”荣誉称号。"
    (f,) = run(text)
    assert (f.name, f.level, f.recipient, f.rule) == ("先进职工之家", "municipal", "我院工会", "confer.shouyu")
    assert text[f.recipient_start:f.recipient_end] == "我院工会"


def test_named_as_and_distributed_conferrers():
    (f,) = run("集团命名6个车间为集团“质量信得过班组”。")
    assert (f.name, f.level, f.recipient) == ("质量信得过班组", "internal", "6个车间")
    assert triples("(2)物理学院李某被全国总工会和天津市总工会分别授予“五一”劳动奖章和津门工匠奖章。") == [
        ("五一劳动奖章", "national", "物理学院李某"), ("津门工匠奖章", "municipal", "物理学院李某")]


def test_recipient_span_is_where_the_recipient_is_written():
    text = "其中,何正民同志荣获省“五一劳动奖章”荣誉称号。"
    (f,) = run(text)
    assert text[f.recipient_start:f.recipient_end] == f.recipient == "何正民"


def test_attributive_conferral_inside_the_honour():
    text = "车间分工会荣获中华全国总工会授予的“全国模范职工小家”荣誉称号。"
    assert triples(text) == [("模范职工小家", "national", "车间分工会")]


def test_traditional_text_with_pinyin_glosses():
    text = "在縣總工會(huì)全委會(huì)議上,東城供電公司榮獲2023年度“工會(huì)工作先進(jìn)單位”和“職工技能競賽先進(jìn)單位”。"
    norm = normalise(text)
    assert len(norm) == len(text)
    noise = [NoiseSpan(i, i + len(g), "pinyin") for g in ("(huì)", "(jìn)")
             for i in range(len(text)) if text.startswith(g, i)]
    doc = SourceDoc(path="t", source="t", text=text, norm=norm, noise=noise)
    facts = run_extractor(award, text, doc=doc)
    assert [(f.name, f.level, f.recipient) for f in facts] == [
        ("工会工作先进单位", "district", "東城供電公司"), ("职工技能竞赛先进单位", "district", "東城供電公司")]
    assert facts[0].text == "榮獲2023年度“工會(huì)工作先進(jìn)單位”"   # glosses kept as written


def test_honour_obtained_in_traditional_characters():
    text = "此次“全國模範職工小家”榮譽稱號的獲得,既是鼓勵,更是鞭策。"
    (f,) = run_extractor(award, text)   # normalised for real
    assert (f.name, f.level) == ("模范职工小家", "national") and f.text.startswith("“全國")


@pytest.mark.parametrize("text, expected", [
    # competition results: the contest's organiser gives the level, the team that took part wins
    ("市教育工会举办教职工气排球比赛,我校积极组队参加,荣获第二名;", ("第二名", "municipal", "我校")),
    ("参加市公司组织的县级供电企业篮球比赛获得冠军;", ("冠军", "internal", None)),
    # 市公司 is a company's own branch (internal); a named city is municipal
    ("我局荣获市公司“十佳女职工工作示范单位”。", ("十佳女职工工作示范单位", "internal", "我局")),
    ("煤矿工会荣获“泰安市职工信赖的职工之家”称号。", ("职工之家", "municipal", "煤矿工会")),
    ("另有9人被评为江州市劳动模范,4个班组被评为江州市劳模集体。", None),
    # several conferrers: the honour follows the first
    ("王教授被全国总工会和北京市总工会分别授予“五一”劳动奖章。", ("五一劳动奖章", "national", "王教授")),
])
def test_levels_and_results(text, expected):
    got = triples(text)
    if expected is None:
        assert got == [("劳动模范", "municipal", "9人"), ("劳模集体", "municipal", "4个班组")]
    else:
        assert got == [expected]


@pytest.mark.parametrize("text, expected", [
    # the object of a title trigger is a title when an honour word stands anywhere in it
    ("周某被评为市直机关优秀共产党员。", ("市直机关优秀共产党员", "municipal", "周某")),
    ("李老师被评为区级骨干教师。", ("骨干教师", "district", "李老师")),
    # a count of works after the prize is cut; a work alone is no honour
    ("评出一等奖5件。", ("一等奖", "unknown", None)),
    ("评出“最美家庭”8户。", ("最美家庭", "unknown", "8户")),
])
def test_titles_and_counted_prizes(text, expected):
    assert triples(text) == [expected]


@pytest.mark.parametrize("text", ["评出优秀读书笔记15篇。", "评选表彰一批“最美医务工作者”。",
                                  "教师节前后评选“最美教师”。"])
def test_works_vague_groups_and_selection_activities_are_no_award(text):
    assert run(text) == []


@pytest.mark.parametrize("text, expected", [
    ("张某先后获得“市级优秀教师”、“区十佳班主任”等多项荣誉。", [("优秀教师", "municipal", "张某"),
                                                   ("十佳班主任", "district", "张某")]),
    ("李某荣获优秀共产党员。", [("优秀共产党员", "unknown", "李某")]),   # a strong verb
    ("工会获得先进经验。", []),                                           # a weak one
    ("王某获得“五好家庭”表彰。", [("五好家庭", "unknown", "王某")]),
    ("李某被推荐参评并荣获市劳动模范称号。", [("劳动模范", "municipal", "李某")]),  # nominated, then won
    ("张某被中华全国总工会、国家应急管理部评为“安康杯”竞赛优秀组织者。",
     [("安康杯竞赛优秀组织者", "national", "张某")]),                    # a long conferrer; a title after its quote
    ("营业部名列全市第一。", [("第一", "municipal", "营业部")]),
    ("机修项目部在集团公司开展的竞赛活动中,五项评比总成绩第二名。", [("第二名", "internal", "机修项目部")]),
])
def test_more_shapes(text, expected):
    assert triples(text) == expected


def test_count_after_a_conferred_title_is_its_recipient_but_not_after_a_prize():
    assert triples("表彰“优秀志愿者”25名。") == [("优秀志愿者", "unknown", "25名")]
    assert triples("评出一等奖3名。") == [("一等奖", "unknown", None)]


def test_list_under_one_title_word():
    assert [n for n, _, _ in triples("4名哨长获最佳哨长和星级哨兵荣誉称号。")] == ["最佳哨长", "星级哨兵"]


def test_shared_ordinals_take_the_own_contests_level():
    text = "某建设公司工会工作总结\n5月,项目部工会组织焊接技术比武。经过角逐,5名同志分别获得一、二、三等奖。"
    assert _titled(text) == [("一等奖", "internal"), ("二等奖", "internal"), ("三等奖", "internal")]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=_ALPHABET + list("(huì)"), max_size=120), st.data())
def test_offsets_and_recipient_spans_hold_with_glosses_cut_out(text, data):
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(text)), max_size=6))))
    noise = [NoiseSpan(a, b, "pinyin") for a, b in zip(cuts[::2], cuts[1::2]) if b > a]
    doc = SourceDoc(path="t", source="t", text=text, norm=text, noise=noise)
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, doc.n_lines, 0, len(text)))
    for f in award.extract(doc, 0, len(text), ctx):
        assert 0 <= f.start < f.end <= len(text) and doc.text[f.start:f.end] == f.text
        if f.recipient is not None:
            assert doc.text[f.recipient_start:f.recipient_end] == f.recipient


def test_masked_names_are_recipients_and_a_dash_is_not():
    # a placeholder run stands for a name (ANNOTATION: recipient as written); a dash is a deleted one
    text = "xx获评xx市五一劳动奖章,xx、xx获评xx技能比武优秀组织者,-被评为县劳模。"
    assert triples(text) == [
        ("五一劳动奖章", "municipal", "xx"),
        ("技能比武优秀组织者", "unknown", "xx、xx"),
        ("劳模", "district", None),
    ]


def test_bare_pingxuan_with_counted_honours():
    text = "推荐评选市五一劳动奖状奖章9个,评选县五一劳动奖状12个、奖章40名。开展“最美职工”评选活动。"
    assert triples(text) == [
        ("五一劳动奖状奖章", "municipal", "9个"),
        ("五一劳动奖状", "district", "12个"),
        ("奖章", "district", "40名"),
    ]


def test_produced_honour_holders_but_not_unnamed_prize_winners():
    text = "全市职工技能运动会共产生35名市技术能手和180名获奖选手,产生了新的工作思路。"
    assert triples(text) == [("技术能手", "municipal", "35名")]
    assert [t[0] for t in triples("经评选,共产生10名“岗位能手”。")] == ["岗位能手"]
    assert [t[0] for t in triples("本次比赛产生一等奖3名、二等奖5名。")] == ["一等奖", "二等奖"]
    assert run("产生了良好的社会效益,产生3名新的工会委员。") == []


def test_holder_named_after_the_honour():
    text = "3月2日,荣获全区“最美环卫工”称号的城东环卫所保洁员赵小梅高兴地说:"
    assert triples(text) == [("最美环卫工", "district", "城东环卫所保洁员赵小梅")]
    assert triples("荣获市“五一劳动奖章”荣誉的刘志强同志说,") == [("五一劳动奖章", "municipal", "刘志强")]
    # a clause about holders in general names no one
    assert [f.recipient for f in run("获得“优秀”称号的单位有12个。")] == [None]


def test_province_and_city_together_is_provincial():
    assert triples("获得省市职工合理化建议成果奖4项。") == [("职工合理化建议成果奖", "provincial", None)]


def test_masked_honour_conferred():
    # the verb says an honour was conferred; its name is masked by the template
    assert triples("xx车间被省总工会授予“xx”称号。") == [("xx", "provincial", "xx车间")]
    assert run("积极参加“xx”活动,获得“xx”。") == []


def test_quoted_honours_side_by_side_and_shurong():
    assert triples("先后获得“全国模范职工之家”“省五一劳动奖状”等荣誉。") == [
        ("模范职工之家", "national", None), ("五一劳动奖状", "provincial", None)]
    assert triples("我局5名职工获得市五一劳动奖章殊荣。") == [("五一劳动奖章", "municipal", "我局5名职工")]


def test_autonomous_region_and_joint_winners():
    assert triples("2022年度,我公司荣获自治区“五一劳动奖状”。") == [("五一劳动奖状", "provincial", "我公司")]
    assert triples("厂团委、厂工会共同获得市“青年文明号”。") == [("青年文明号", "municipal", "厂团委、厂工会")]


def test_level_word_inside_a_quoted_honour_stays():
    assert triples("2023年,我乡荣获县总工会“先进乡镇工会”称号。") == [("先进乡镇工会", "district", "我乡")]


def test_winner_year_and_named_units_with_count():
    assert triples("该同志2021年被市总工会授予“五一劳动奖章”。") == [("五一劳动奖章", "municipal", "该同志")]
    assert triples("区总工会授予东岭纺织公司等6家单位“区五一劳动奖状”。") == [
        ("五一劳动奖状", "district", "东岭纺织公司等6家单位")]


def test_prefecture_is_municipal():
    assert triples("我县3名职工荣获州“五一劳动奖章”。") == [("五一劳动奖章", "municipal", "我县3名职工")]


def test_short_name_with_honorific():
    assert triples("王晓同志荣获2022年度“市优秀工会工作者”荣誉称号。") == [("优秀工会工作者", "municipal", "王晓")]


# ---- the invented sector sentences (rail, telecom, oil, tobacco, retail, colleges,
# agencies; news-style reviews): tests/fixtures/award_sentences.csv
from tests.sector_tables import award_problems, rows  # noqa: E402

_SECTOR_ROWS = rows("award_sentences.csv")


@pytest.mark.parametrize("row", _SECTOR_ROWS, ids=[r["text"][:24] for r in _SECTOR_ROWS])
def test_sector_sentences(row):
    assert award_problems(row, run_extractor(award, row["text"])) == []


def test_sector_table_has_awards_and_non_awards():
    assert len(_SECTOR_ROWS) >= 60
    assert sum(not r["names"] for r in _SECTOR_ROWS) >= 4
