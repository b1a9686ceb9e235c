"""Count facts: values, units, approx, metric; and what is not a count."""
import pytest

from pipeline.document import NoiseSpan, ReportSlice
from pipeline.extract import count
from pipeline.extract.context import ExtractContext
from tests.extract_support import make_doc, run_extractor

doc_of = make_doc


def counts(text: str):
    return run_extractor(count, text)


def one(text: str):
    facts = counts(text)
    assert len(facts) == 1, [f.text for f in facts]
    return facts[0]


@pytest.mark.parametrize("text, value, unit, approx", [
    ("组建基层工会34家", 34, "家", False),
    ("会员共计1438人", 1438, "人", False),
    ("会员共计1,438人", 1438, "人", False),
    ("在岗职工2 300人", 2300, "人", False),
    ("组织教职工近百人参加", 100, "人", True),
    ("选出了我院参加两代会的九名代表", 9, "名", False),
    ("培训40余人次", 40, "人次", True),
    ("从业人员5000多人", 5000, "人", True),
    ("探望伤、病职工20 余人", 20, "人", True),
    ("派出1 名记者", 1, "名", False),
    ("每组3-5人", 3, "人", True) if False else ("分成小组,3-5人", 3, "人", True),
    ("组织3至5人的小分队", 3, "人", True),
    ("共有6位教师获奖", 6, "人", False),                 # 位 -> 人
    ("新开3间企业", 3, "家", False),                    # 间 -> 家
    ("新建母婴室2间", 2, "家", False),
    ("区企业职工开展篮球联赛,参赛队伍12支", 12, "支", False),   # 伍 is not a numeral here
    ("帮助十万名下岗失业人员实现再就业", 100000, "名", False),
    ("安置下岗失业人员近千人", 1000, "人", True),
    ("召开职工思想分析会2次", 2, "次", False),
    ("知识答卷两次", 2, "次", False),
    ("各种活动8场次", 8, "场次", False),
    ("出黑板报40余期", 40, "期", True),
    ("发表稿件3篇", 3, "篇", False),
    ("撰写调研报告3篇", 3, "篇", False),
    ("三对师徒对子", 3, "对", False),
    ("组建篮球队两支", 2, "支", False),
    ("新建职工书屋十几所", 10, "所", True),
    ("征集提案上百件", 100, "件", True),
    ("全年走访困难职工二十余户", 20, "户", True),
    ("参加人数约300人左右", 300, "人", True),
    ("合唱队员五、六十人", 50, "人", True),
    ("职工人349次", 349, "人次", False),                # N 人次 written around the number
    ("慰问百余人", 100, "人", True),
    ("每人2次", 2, "次", False),
    ("走访附近3家企业", 3, "家", False),          # 附近: nearby, not "nearly"
    ("与签约5家企业", 5, "家", False),
    ("将近200人", 200, "人", True),
    ("千余名职工参加", 1000, "名", True),
    ("至少完成3篇读书笔记", 3, "篇", True),
    ("女职工1.2万人", 12000, "人", True) if False else ("女职工1.2万人", 12000, "人", False),
    ("年内完成换届12家", 12, "家", False),                # 换届 is no session number
])
def test_values_units_approx(text, value, unit, approx):
    f = one(text)
    assert (f.value, f.unit, f.approx) == (value, unit, approx)


@pytest.mark.parametrize("text", [
    "于2010年3月5日召开",            # dates
    "为期一周,利用两天的时间",         # durations
    "工作了3个月,每天2小时,用了两个半小时",
    "安排30年教龄的教师",
    "年满18岁的职工",                  # ages
    "荣获第三名",                      # ordinals and ranks
    "评出前五名",
    "第一届教代会第三次代表大会",
    "一、加强组织建设\n(2)搞好资料建设",  # list numbering
    "共印制120页",                     # pages
    "区工会工作总结优秀7篇,供大家参考",    # a site's collection title
    "工会工作的心得体会(8篇)\n街道总工会工作总结(精选3篇)",
    "发放油等(649桶),购买两台通勤大客车,3辆车,5只羽毛球拍",  # objects
    "召开一次会议,成立一个小组,一名同志,一项制度,一支队伍",  # vague 一
    "开展“三个一”活动",                # slogans and names
    "贯彻“三个代表”重要思想,落实八项规定",
    "实施《教职工细节修养15条》",
    "做到千家万户都知晓,百家争鸣",
    "提高了3个百分点",
    "从三个方面开展,围绕四项职能",
    "会员xx名,职工__人,支出1xxxx人次",  # masked numbers
    "二期工程完工,二次创业",
    "召开公司四届四次职代会",                   # a session number
    "辖区25人以上企业建会率97.2%,不足25人的小企业",  # size classes
    "学习《新时代中小学教师职业行为十项准则》",
    "壮大会员队伍人数",
    "所有职工,3所有单位",
    "组织一两场知识讲座",
    "累计培训下岗失业人员万余人,其中有万人实现了再就业",  # digits deleted
    "“五一”前夕,在五四青年节",
    "每月组织安全巡查不少于一次",             # 一次 stays vague after a qualifier
    "……此处隐藏2310个字……",                 # characters of a page, not things counted
    "货比三家后统一采购",                     # an idiom
    "抓好三个文明建设,落实两个普遍,办好十件实事",  # parts of an idea, a programme
    "镇工会年度工作总结 4 篇\n街道工作计划5篇",  # collection titles, spaced or not
])
def test_not_counts(text):
    assert [f.text for f in counts(text)] == []


@pytest.mark.parametrize("text, metric", [
    ("组建基层工会34家", "unions"),
    ("所辖基层工会9家", "unions"),
    ("基层工会数已发展到149个", "unions"),
    ("共组建非公有制企业22个", "unions"),
    ("走访企业1758家", "units_covered"),
    ("覆盖企业1286家", "units_covered"),
    ("慰问基层单位9家", "units_covered"),
    ("深入辖区14家企业", "units_covered"),
    ("会员共计1438人", "members"),
    ("有165名工会会员", "members"),
    ("发展会员150人", "new_members"),
    ("新发展会员80名", "new_members"),
    ("签订工资集体合同25份", "contracts"),
    ("覆盖员工38639人", "workers_covered"),
    ("从业人员746人", "employees"),
    ("走访慰问特困职工25户", "aided"),
    ("帮助十万名下岗失业人员", "aided"),
    ("培训工会干部53人次", "trainees"),
    ("17名员工参加了技能培训", "trainees"),
    ("1400多名职工参加了知识竞赛", "participants"),
    ("参与人数共计81人", "participants"),
    ("帮扶活动中,10多名教师志愿者", "participants"),
    ("召开了3场员工代表会", "events"),
    ("开展技术培训班4次", "events"),
    ("收到职工合理化建议25条", "proposals"),
    ("有效提案85条", "proposals"),
    ("女性安康保险参保13人", "insured"),
    ("职工会员正式代表64人", "other"),
    ("发放314份问卷", "other"),
    ("宣传板报12期", "other"),
    ("送法进企业26场", "events"),
    ("一百八十六名职工代表出席会议", "participants"),
    ("46支代表队", "participants"),
    ("接待职工2.7万余人次", "participants"),
    ("评出一等奖3名", "other"),
    ("全年巡视4次", "events"),
    ("走访户外作业点72个", "units_covered"),
    ("新成立女职工组织9个", "unions"),
    ("有32名会员参加了义务植树", "participants"),
    ("列席代表共90人参加了会议", "participants"),
    ("宣讲活动覆盖职工800余人次", "participants"),
    ("集体合同涵盖职工2300人", "workers_covered"),
    ("联合工会涵盖小微企业36个", "units_covered"),
])
def test_metric(text, metric):
    assert one(text).metric == metric


def test_metric_carries_over_a_list_of_people():
    text = "组织再就业技能培训,参培人员男46人、女6人,共计50人。其中:张三、李四、18人"
    facts = counts(text)
    assert [(f.value, f.metric) for f in facts] == [
        (46, "trainees"), (6, "trainees"), (50, "trainees"), (18, "trainees")]


def test_metric_carries_over_within_a_line_for_the_same_unit():
    facts = counts("收到职工提案52条,已落实或答复49条;走访企业3家,其中2家")
    assert [(f.value, f.metric) for f in facts] == [
        (52, "proposals"), (49, "proposals"), (3, "units_covered"), (2, "other")]


def test_metric_of_person_times_after_a_visit():
    facts = counts("慰问基层单位9家,职工人349次,其中农民工人104次")
    assert [(f.value, f.unit, f.metric) for f in facts] == [
        (9, "家", "units_covered"), (349, "人次", "aided"), (104, "人次", "aided")]


def test_text_is_the_source_span_with_its_cue():
    text = "今年組建基層工會34家,會員共計1438人。"   # traditional source
    facts = counts(text)
    assert [f.text for f in facts] == ["組建基層工會34家", "會員共計1438人"]
    assert [f.metric for f in facts] == ["unions", "members"]


def test_role_nouns_are_not_ranks():
    facts = counts("150名正式代表和20名列席代表参加会议")
    assert [(f.value, f.unit) for f in facts] == [(150, "名"), (20, "名")]


def test_every_mention_is_a_fact():
    facts = counts("起草了50条要求。我们将这50条录入成册。")
    assert [f.value for f in facts] == [50, 50]


def test_span_limits_and_noise():
    text = "参加120人次。网站访问3000人次"
    doc = doc_of(text)
    doc.noise.append(NoiseSpan(text.index("网站"), len(text), "site_title"))
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, 1, 0, len(text)))
    assert [f.value for f in count.extract(doc, 0, len(text), ctx)] == [120]
    assert count.extract(doc, 0, 3, ctx) == []


def test_survives_huge_and_odd_numbers():
    text = "共" + "9" * 40 + "人," + "壹仟贰佰人," + "\ufffd\x00人" + "1" * 10000 + "家"
    facts = counts(text)
    assert [f.value for f in facts] == [1200]



def _metric_table() -> list:
    import csv
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "count_metric_sentences.csv"
    with open(path, encoding="utf-8", newline="") as f:
        return [pytest.param(r["text"], r["count"], r["metric"], r["why"],
                             id=f"{r['metric']}-{r['count']}") for r in csv.DictReader(f)]


@pytest.mark.parametrize("text, figure, metric, why", _metric_table())
def test_metric_table(text, figure, metric, why):
    """Invented sentences (tests/fixtures/count_metric_sentences.csv), one count in
    each checked: cue rules and the saved metric model as a run combines them."""
    facts = [f for f in counts(text) if f.text.endswith(figure)
             and not text[f.end - len(figure) - 1:f.end - len(figure)].isdigit()]
    assert len(facts) == 1, f"{figure} not found as one count in {text!r}"
    assert facts[0].metric == metric, why


# objects counted with a count unit are not counts; 件/份/个 of cases, proposals and
# documents are (data/object_nouns.yaml)
@pytest.mark.parametrize("text", [
    "为各班组配置健身器材12件,",                 # the noun right before the number
    "全年为夜班职工送工作餐3.2万份。",
    "向山区小学捐赠过冬衣物共计260件",             # glue between noun and number
    "端午节发放粽子1.5万多个,中秋节发放月饼8000余份",
    "为每个车间送去15件矿泉水、",                 # the noun ending the phrase after the unit
    "为一线职工送去600份爱心午餐,",
    "为困难职工送上200份年夜饭和米面油",
    "捐赠图书300余个",
])
def test_objects_are_not_counts(text):
    assert [f.text for f in counts(text)] == []


@pytest.mark.parametrize("text, expected", [
    ("征集职工代表提案23件,立案19件", [(23, "件"), (19, "件")]),
    ("为基层职工办实事12件", [(12, "件")]),
    ("调处劳资纠纷9件", [(9, "件")]),
    ("全区签订工资专项集体合同41份", [(41, "份")]),
    ("发放宣传资料3500份,回收调查问卷420份", [(3500, "份"), (420, "份")]),
    ("收到书画摄影作品67件", [(67, "件")]),
    ("组建篮球、排球队伍共9支参赛", [(9, "支")]),                 # sports name teams, not balls
    ("新建职工餐厅4个,图书室6个", [(4, "个"), (6, "个")]),         # places, not food or books
    ("建成5个职工餐厅、3个图书室", [(5, "个"), (3, "个")]),
    ("配置健身器材的站点达到17个", [(17, "个")]),               # the noun is not what is counted
])
def test_cases_documents_and_places_stay_counts(text, expected):
    assert [(f.value, f.unit) for f in counts(text)] == expected


# a number that only announces the list written next (or a programme's points) is not a
# count; a concrete head, or items that are headings of their own, keep it
@pytest.mark.parametrize("text", [
    "女工委员会的主要任务有三项,一是组织学习",
    "今年要做好以下四项工作:一是抓好建会",
    "重点抓了三个方面:第一,加强培训",
    "围绕“强基、建家、帮扶”三项重点,全年",
    "形成了保障工资按时发放的四项举措,",
])
def test_list_announcing_numbers_are_not_counts(text):
    assert [f.text for f in counts(text)] == []


@pytest.mark.parametrize("text, expected", [
    ("全年开展两项劳动竞赛:一是安全知识竞赛", [(2, "项")]),
    ("落实了以下12项工作:\n1、开展技能比武", [(12, "项")]),
    ("公示评先评优等5项重点内容。", [(5, "项")]),
    ("完成重点工作8项,其中", [(8, "项")]),
])
def test_counts_before_a_list_stay_counts(text, expected):
    assert [(f.value, f.unit) for f in counts(text)] == expected
