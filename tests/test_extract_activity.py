"""Activity facts: dated events, festivals, exclusions, typing, offsets."""
import pytest

from pipeline.document import NoiseSpan, ReportSlice, SourceDoc
from pipeline.extract import activity
from pipeline.extract.context import ExtractContext
from tests.extract_support import run_extractor


def _doc(text, norm=None):
    return SourceDoc(path="t.txt", source="t.txt", text=text, norm=norm if norm is not None else text)


def run(text, norm=None, sections=None):
    return run_extractor(activity, text, norm=text if norm is None else norm, sections=sections)


def dates(text, **kw):
    return [f.date for f in run(text, **kw)]


@pytest.mark.parametrize("text, date, kind", [
    ("1月9日组织全院“迎新春联谊会”,到会230人。", "01-09", "culture_sports"),
    ("4月17日“北大资源杯”运动会召开。", "04-17", "culture_sports"),
    ("2月27日,在物理大楼212教室,召开了第一届教代会第三次代表大会。", "02-27", "meeting"),
    ("3月初,街道总工会在辖区内发放问卷进行培训意向及文体活动意向调查。", "03", "other"),
    ("4月13日组织一次再就业技能培训会。", "04-13", "training"),
    ("6月份街道工会举办了安全防火知识讲座。", "06", "publicity"),
    ("五月组织全院职工去天津参观航空母舰。", "05", "outing"),
    ("1月5日校工会给全体教职工发放油等。", "01-05", "aid_visit"),
    ("6月份各工会小组组长组织进行自评打分。", "06", "competition"),
    ("9月22日开展工会经费管理自查工作。", "09-22", "other"),
    ("2008年3月组建了村级联合工会。", "2008-03", "other"),
    ("于二〇一一年三月十五日举办了消费者权益保护宣传活动。", "2011-03-15", "publicity"),
    ("20xx年4月13日,工会召开职代会。", "04-13", "meeting"),
    ("8月20日至21日两天的时间对员工进行了考试。", "08-20", "training"),
    ("从今年3月至5月社区开展抗震救灾活动。", "03", "other"),
    ("九月底组织教职工近百人去百泉山走进大自然。", "09", "outing"),
    ("今年5月,参加全国工作会议文艺晚会的演出。", "05", "culture_sports"),
    ("10月下旬在副书记的主持下召开了联席会议。", "10", "meeting"),
    ("5月,工会组织女职工赴杭州疗休养。", "05", "outing"),
    ("12月24日联席会上通过了校、院级送温暖名单。", "12-24", "meeting"),
    ("喜迎国庆文艺晚会于9月28日在礼堂举行。", "09-28", "culture_sports"),
])
def test_dated_events(text, date, kind):
    facts = run(text)
    assert [(f.date, f.activity_type) for f in facts] == [(date, kind)]


@pytest.mark.parametrize("text, date, kind", [
    ("三八节组织了系列活动,看电影。", "03-08", "culture_sports"),
    ("“五一”前夕,区总工会召开表彰大会。", "05-01", "meeting"),
    ("每年五一期间召开全区“五一”表彰大会。", "05-01", "meeting"),
    ("教师节观看了电影“十面埋伏”。", "09-10", "culture_sports"),
    ("国庆节安排职工参加劳动人民文化宫国庆游园活动。", "10-01", "culture_sports"),
    ("6、“十一”节我们组织了“强院杯”拔河比赛。", "10-01", "culture_sports"),
    ("“三八”期间,工会为全体女职工发放了节日慰问品。", "03-08", "aid_visit"),
    ("元旦前夕,工会领导走访慰问了困难职工20户。", "01-01", "aid_visit"),
    ("八一建军节前夕,工会走访慰问了复转军人。", "08-01", "aid_visit"),
    ("“六一”儿童节,为职工子女发放礼物。", "06-01", "aid_visit"),
    ("2011年元旦,工会举行了迎新年联欢会。", "2011-01-01", "culture_sports"),
    ("在“五一”期间召开了劳模座谈会。", "05-01", "meeting"),
])
def test_festival_dates_event(text, date, kind):
    assert [(f.date, f.activity_type) for f in run(text)] == [(date, kind)]


@pytest.mark.parametrize("text", [
    "春节前夕,工会走访慰问困难职工40户。",              # lunar
    "端午节组织包粽子比赛。",
    "中秋、国庆期间,工会为职工发放节日慰问品。",        # a list of occasions
    "通过“三八”妇女节、端午节、中秋节等节日慰问工作。",
    "五一、五四组织公司员工外出春游。",
    "9月底开展的迎国庆文艺演出很成功。",               # festival inside an event name ...
    "参加员工庆“五一”同唱一首歌比赛,获二等奖。",
    "何正民同志荣获省“五一劳动奖章”荣誉称号。",
    "被市妇联评为“三八”红旗手。",
])
def test_festival_does_not_date(text):
    assert [f.date for f in run(text) if f.date in ("03-08", "05-01", "10-01", "01-01", "05-04")] == []


def test_festival_in_event_name_keeps_the_explicit_date():
    assert dates("9月底开展的迎国庆文艺演出。") == ["09"]


@pytest.mark.parametrize("text", [
    "2010年11月10日",                               # dateline
    "二0一0年十一月十日\n",
    "xx县总工会\n2010年12月",
    "截至2010年11月底,共发展会员500人。",            # deadline
    "各单位必须于3月1日前上报参赛人员名单。",
    "12月31日前完成会费收缴工作。",
    "我们将于明年3月举办职工运动会。",                 # plan
    "下半年,计划于10月举办职工运动会。",
    "预计11月完成全部换届工作。",
    "市总工会于2010年4月13日印发《关于加强工会经费管理的通知》。",   # document date
    "根据《工会法》(2001年10月27日修正)的规定,",
    "报名时间:20xx年3月1日",
    "自2008年以来,共慰问困难职工300户。",
    "xx月xx日召开职代会。",                           # masked
    "三月份:三八妇女节活动\n九月份:开展庆祝教师节活动。",   # a month-by-month schedule
])
def test_not_activities(text):
    assert run(text) == []


def test_plan_section_is_skipped():
    text = "一、工作回顾\n3月12日组织植树活动。\n二、明年工作计划\n3月12日组织植树活动。"
    cut = text.index("二、")
    facts = run(text, sections=[(0, cut, None), (cut, len(text), "plan")])
    assert [f.line for f in facts] == [2]


def test_disposal_jiang_is_not_future():
    # 将 here marks the object (把), not the future
    assert dates("3月中旬,我们将这50条汉字录入编辑打印成册。") == ["03"]


def test_elliptic_dates_follow_their_month():
    text = "1月5日校工会给全体教职工发放油等(649桶)。7日发放两级“送温暖”补助金和物品,去胡斌家慰问。"
    assert dates(text) == ["01-05", "01-07"]
    text = "3月中旬,我们将这50条录入编辑打印成册,下旬各工会小组长签定了目标管理责任书。"
    assert dates(text) == ["03", "03"]


def test_doubled_month_and_label_line():
    text = "时间; 3月3月7日日下午\n内容:跳绳、自行车慢骑、双脚跳远\n地点:办公楼前"
    facts = run(text)
    assert [(f.date, f.activity_type) for f in facts] == [("03-07", "culture_sports")]


def test_one_date_two_named_events():
    text = "在11月举行第九届“地王杯”慈善登楼大赛和“京基100假面魅影·单身派对”联谊活动。"
    facts = run(text)
    assert [f.date for f in facts] == ["11", "11"]
    assert facts[0].text.endswith("慈善登楼大赛") and facts[1].text.endswith("联谊活动")


def test_one_date_one_event_with_a_list_object():
    text = "“三八”节召开女干部、女知识分子、女劳模座谈会、茶话会。"
    assert [(f.date, f.activity_type) for f in run(text)] == [("03-08", "meeting")]


def test_coordinated_predicate_does_not_type_the_event():
    text = "4月份草拟了校务公开三项制度内容,并积极纳入目标管理之中,定期在教代会上进行测评。"
    assert [(f.date, f.activity_type) for f in run(text)] == [("04", "other")]


def test_text_is_the_source_span_with_lead_words():
    text = "从8月14日开始对作业人员进行为期一周的岗位培训。"
    (f,) = run(text)
    assert f.text.startswith("从8月14日") and f.activity_type == "training"


def test_works_on_norm_but_slices_source():
    text = "５月份，工會組織職工參觀學習。"
    norm = "5月份,工会组织职工参观学习。"
    (f,) = run(text, norm=norm)
    assert f.date == "05" and f.activity_type == "outing"
    assert f.text == text[f.start:f.end] and f.text.startswith("５月份")


def test_noise_is_skipped():
    text = "3月12日组织植树活动。"
    doc = _doc(text)
    doc.noise.append(NoiseSpan(0, 5, "watermark"))
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, 1, 0, len(text)))
    assert activity.extract(doc, 0, len(text), ctx) == []


def test_span_limits_are_respected():
    text = "3月12日组织植树活动。4月1日召开职代会。"
    doc = _doc(text)
    cut = text.index("4月")
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, 1, cut, len(text)))
    facts = activity.extract(doc, cut, len(text), ctx)
    assert [f.date for f in facts] == ["04-01"] and facts[0].start >= cut


@pytest.mark.parametrize("phrase, kind", [
    ("组织职工开展拔河比赛", "culture_sports"),
    ("举办职工技能大赛", "competition"),
    ("开展劳动竞赛", "competition"),
    ("举办安全知识竞赛", "publicity"),
    ("走访慰问困难职工", "aid_visit"),
    ("召开职代会", "meeting"),
    ("组织职工疗休养", "outing"),
    ("举办培训班", "training"),
    ("开展问卷调查", "other"),
    ("成立工会联合会", "other"),
])
def test_activity_type_cues(phrase, kind):
    assert activity.activity_type(phrase) == kind


def test_bad_input_does_not_crash():
    text = "9" * 40 + "月" + "9" * 40 + "日召开" + "\U0001F600" * 500 + "\n" * 3 + "国庆" * 2000
    run(text)


def test_enumerated_series_is_typed_by_its_items():
    text = "三八节组织了系列活动:给女教职工发纪念品(雨伞),组织全院女教职工踢毽比赛,评出前五名。"
    assert [(f.date, f.activity_type) for f in run(text)] == [("03-08", "culture_sports")]


def test_full_width_punctuation_as_kept_by_the_normaliser():
    text = "中秋、国庆期间，工会为职工发放节日慰问品。“五一”前夕，区总工会召开表彰大会；各单位于3月1日前上报。"
    assert [(f.date, f.activity_type) for f in run(text)] == [("05-01", "meeting")]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

_ALPHABET = list("月日号年初底旬至到-、和,，。;：“”()（）三八五一国庆节元旦春节前夕期间组织召开举办发放比赛"
                 "0123456789一二三十xX×*_被评为荣获 \n") + ["\u00a0", "\U0001F600"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=120), st.data())
def test_offsets_hold_on_arbitrary_text(text, data):
    doc = _doc(text)
    s = data.draw(st.integers(0, len(text)))
    e = data.draw(st.integers(s, len(text)))
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, doc.n_lines, s, e))
    for f in activity.extract(doc, s, e, ctx):
        assert s <= f.start < f.end <= e and doc.text[f.start:f.end] == f.text


@pytest.mark.parametrize("phrase, kind", [
    # the head nearest the end of the event phrase decides
    ("3月举办工会文艺骨干培训班", "training"),
    ("10月组织退休教师座谈并发放重阳节慰问品", "aid_visit"),
    ("6月组织开展“安康杯”竞赛宣传月活动", "publicity"),
    ("举办“劳动创造幸福”主题职工劳模事迹展", "publicity"),
    ("4月23日组织开展“书香机关”读书分享会", "publicity"),
    ("11月组织开展了“女职工权益保护法律知识”网上答题活动", "publicity"),
    # a generic contest head takes the type of what qualifies it
    ("9月举办职工歌手大赛", "culture_sports"),
    ("9月组织“运河杯”职工龙舟赛", "culture_sports"),
    ("5月举办职工乒乓球比赛", "culture_sports"),
    ("10月举办全镇教师说课比赛", "competition"),
    ("8月举办护理技能竞赛", "competition"),
    ("6月举办税务知识竞赛", "publicity"),
    # a verb is not the head when the event is named
    ("4月17日“北大资源杯”运动会召开", "culture_sports"),
    ("12月召开职工代表大会", "meeting"),
    # frames: at a meeting, a survey
    ("12月24日联席会上通过了送温暖名单", "meeting"),
    ("8月对宿舍状况进行调查,召开防治大会", "other"),
    # new vocabulary
    ("3月组织春季健步走", "culture_sports"),
    ("国庆期间举办全镇职工广场舞展演", "culture_sports"),
    ("11月9日组织应急抢险演练", "training"),
    ("9月组织员工赴千岛湖开展拓展活动", "outing"),
    ("5月公司工会与行政就计件工资单价开展专项协商", "meeting"),
    ("6月为快递员、外卖骑手送上“爱心清凉包”", "aid_visit"),
])
def test_activity_type_by_event_head(phrase, kind):
    assert activity.activity_type(phrase) == kind


def test_plan_cue_covers_later_dates_in_its_sentence():
    assert dates("计划于3月启动主题劳动竞赛,5月举办全区职工技能大赛,10月举办职工运动会。") == []


def test_a_report_titled_as_a_plan_has_no_activities():
    from tests.extract_support import make_doc
    text = "2026年企业工会工作计划\n3月上旬召开集团职代会;6月组织职工篮球联赛。"
    doc = make_doc(text)
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, doc.n_lines, 0, len(text), title="t", title_line=1),
                         section_spans=[])
    assert activity.extract(doc, 0, len(text), ctx) == []
    summary = "2025年企业工会工作总结\n3月上旬召开集团职代会。"
    doc = make_doc(summary)
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, doc.n_lines, 0, len(summary), title="t", title_line=1),
                         section_spans=[])
    assert [f.date for f in activity.extract(doc, 0, len(summary), ctx)] == ["03"]


@pytest.mark.parametrize("text", [
    "元旦春节期间,走访慰问困难职工135户。",
    "元旦春节前夕,局领导带队走访慰问了困难职工。",
])
def test_two_occasions_written_together_do_not_date(text):
    assert dates(text) == []


@pytest.mark.parametrize("text, date", [
    ("镇女职工委员会在“三八”节举办女职工维权知识讲座,85名女职工参加。", "03-08"),
    ("国庆假期组织教职工赴江心岛开展秋游。", "10-01"),
])
def test_festival_after_subject_or_with_holiday_word_dates(text, date):
    assert dates(text) == [date]


@pytest.mark.parametrize("text, expected", [
    # spaced parts of a date
    ("今年 4 月 12日,镇工会参与了人大组织的劳动法执法检查。", [("04-12", "other")]),
    # a range over the new year keeps its start; 在春节来临之际 only refines its time
    ("从去年12月20日至1月18日,在春节来临之际,社区工会组织会员参加了义务巡逻活动。", [("12-20", "other")]),
    # a named festival right before the event verb dates it, even after a heading's last word
    ("开展各类活动“三八”妇女节组织女职工参观了纪念馆。", [("03-08", "outing")]),
    # a purpose clause names the occasion: the first festival dates the event
    ("为庆“五一”迎“五四”,镇工会组织职工参加文艺汇演。", [("05-01", "culture_sports")]),
    ("第108个妇女节,学校为全体女教职工发放节日福利。", [("03-08", "aid_visit")]),
    # a list of months shares one event
    ("5月、10月,根据机构变动情况调整了部门工会。", [("05", "other"), ("10", "other")]),
    # a masked day keeps the month
    ("8月x日,我会在xx园区举行了一次慰问活动。", [("08", "aid_visit")]),
    # a year whose 年 was dropped
    ("20193月召开了九届二次教代会。", [("2019-03", "meeting")]),
    # an honour received at a date is an event
    ("“五一”前夕,三名职工荣获市“五一劳动奖章”。", [("05-01", "other")]),
    # 以来 starts the event, it is no deadline
    ("2019年5月以来,本站职工参加了业务技能培训。", [("2019-05", "training")]),
    ("4月12日发出《节约用电从我做起》倡议书。", [("04-12", "publicity")]),
    # a celebration typed by no other cue
    # a bare festival activity is its celebration; a themed one says nothing of its kind
    ("三八节组织女职工活动。", [("03-08", "culture_sports")]),
    ("教师节期间组织全体教师开展“爱岗敬业,立德树人”的活动。", [("09-10", "other")]),
    ("“三八”节期间,各女职工委举行庆“三八”活动,街道召开工作会议。", [("03-08", "culture_sports")]),
    # the second of two named events has its own festival: it does not take this date
    ("组织了“3.12”植树活动和“五四”青年节红歌赛。", [("03-12", "other")]),
])
def test_dated_events_of_real_report_shapes(text, expected):
    assert [(f.date, f.activity_type) for f in run(text)] == expected


def test_a_dated_paragraph_cut_off_by_the_excerpt_end_is_an_event():
    assert dates("二、弘扬劳模精神\n7月3日,区总工\n") == ["07-03"]
    assert dates("7月3日,区总工会组织了一场很长的活动还没有写完的句子\n后面还有一行") == ["07-03"]
    assert dates("二、弘扬劳模精神\n7月3日\n") == []


@pytest.mark.parametrize("text, expected", [
    ("今年6月底,全镇共有工会组织2800家,会员4万人。", []),          # a status at a date
    ("今年1-6月新增工会组织90家。", []),                            # a total over a period
    ("3月份选送单位参加区总工会组织的“五月风采展示”职工技能表演。", ["03"]),   # 五月 in a name
    ("到201*年5月底,全县完成了村级工会组建。", []),                  # deadline with a masked year
])
def test_not_dated_events(text, expected):
    assert dates(text) == expected


def test_gloss_inside_a_meeting_name_does_not_hide_it():
    assert activity.activity_type("4月9日,在县总工会(huì)九届四次全委(扩大)会(huì)议上,公司荣获先进单位") == "meeting"


def test_plan_label_on_a_retrospective_section_is_not_trusted():
    text = "一、2019年工作回顾\n3月12日组织植树活动。\n二、2020年工作计划\n4月12日组织植树活动。"
    cut = text.index("二、")
    facts = run(text, sections=[(0, cut, "plan"), (cut, len(text), "plan")])
    assert [f.date for f in facts] == ["03-12"]


def test_pinyin_glosses_do_not_split_event_cues():
    from pipeline.normalise import normalise
    text = "9月份,某某公司工會(huì)委員會(huì)被中華全國(guó)總工會(huì)評(píng)為“全國(guó)模範職工之家”。"
    facts = run(text, norm=normalise(text))
    assert [(f.date, f.activity_type) for f in facts] == [("09", "other")]


@pytest.mark.parametrize("phrase, kind", [
    ("5月,公司工会被市总工会评为模范职工之家", "other"),      # an honour, not a culture event
    ("9月,校工会向他们颁发了证章、证书和纪念品", "aid_visit"),
    ("共度元宵佳节", "culture_sports"),
    ("组织全体会员到东湖绿道游赏", "outing"),
    ("开展“迎七一讲党史”活动", "publicity"),
    ("举办全市职工保龄球比赛", "culture_sports"),
    ("领导到学校对劳务工入会问题进行调研", "other"),     # an inquiry, like 调查
])
def test_activity_type_cues_of_real_reports(phrase, kind):
    assert activity.activity_type(phrase) == kind


def test_a_heading_broken_over_lines_is_read_whole():
    text = "下半年\n工作思路\n镇总工会上半年工作总结及下半年工作思路\n3月12日组织植树活动。"
    facts = run(text, sections=[(0, len(text), "plan")])
    assert [f.date for f in facts] == ["03-12"]


def test_a_turnout_at_a_date_is_still_an_event():
    assert [(f.date, f.activity_type) for f in run("3月份,共有200名职工参加了全镇篮球比赛。")] == \
        [("03", "culture_sports")]


@pytest.mark.parametrize("phrase, kind", [
    # the event's head decides, not a word of a slogan quoted on an object or as a theme
    ("将一面写着“情暖职工 关爱会员”的锦旗送到区总工会", "other"),
    ("开展以“关爱职工健康”为主题的健步走活动", "culture_sports"),
    ("开展“迎七一讲党史”活动", "publicity"),            # a quoted name followed by its head still types
    # a cue right before an "at a meeting" frame says what kind of meeting it was
    ("在市总工会举办的集体协商培训会议上作交流发言", "training"),
    ("在全委会议上通报了经费审查情况", "meeting"),
    # inquiries and documents are their own kind of work
    ("到各村企业进行了基层调研", "other"),
    ("向辖区企业发出工资集体协商要约30份", "other"),
    ("组织全体职工到市医院进行健康体检", "other"),
    # reading and study campaigns are education
    ("在全局开展职工读书活动", "publicity"),
    ("掀起学习教育活动热潮", "publicity"),
    ("举办有30位教师参加的课件大赛", "competition"),   # 中小学教师 holds no study cue
    # new heads
    ("前往山区举行了学院发展论坛", "meeting"),
    ("利用周末对困难学生进行家访", "aid_visit"),
    # an exam takes the kind of what it examines, like a contest
    ("组织职工参加普法学习考试", "publicity"),
    ("组织一线员工业务考试", "training"),
    # no cue: who goes where tells the kind
    ("组织女职工到郊区果园开展了活动", "outing"),
    ("镇党委、工会的领导又一次来到", "aid_visit"),
    ("工会组织部到企业了解情况", "other"),
])
def test_activity_type_by_what_the_event_is(phrase, kind):
    assert activity.activity_type(phrase) == kind


@pytest.mark.parametrize("text, expected", [
    ("镇文化站于20190315召开了第二次职代会。", [("2019-03-15", "meeting")]),
    ("8月3-5日,学院班子成员前往山区进行了封闭研讨。", [("08-03", "meeting")]),
    ("在国际护士节期间,举办护理技能比赛。", [("05-12", "competition")]),
    ("“六?一”前期,慰问了附属幼儿园的小朋友。", [("06-01", "aid_visit")]),
])
def test_more_date_shapes_date_events(text, expected):
    assert [(f.date, f.activity_type) for f in run(text)] == expected


def test_festival_given_as_an_example_of_occasions_does_not_date():
    assert dates("每逢国庆节等重大节日,开展篮球、拔河等文体活动。") == []


def test_a_title_naming_a_summary_and_a_plan_is_no_plan():
    from tests.extract_support import make_doc
    text = "公司工会年终工作总结及计划\n2月23日组织召开了职工代表大会。"
    doc = make_doc(text)
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, doc.n_lines, 0, len(text), title="t", title_line=1),
                         section_spans=[])
    assert [f.date for f in activity.extract(doc, 0, len(text), ctx)] == ["02-23"]


@pytest.mark.parametrize("text, expected", [
    # a document verb followed by 的 modifies a noun: the date is the event's
    ("今年4月,镇工会依据县总下发的关于技能比武的文件精神,召开了全镇技能比武动员会。", [("04", "meeting")]),
    # a cue followed by 的 is a modifier; a comma inside a quoted name does not end the clause
    ("6月,公司工会根据关于劳动竞赛的部署,召开“比学赶超,争创一流”劳动竞赛推进大会。", [("06", "meeting")]),
    ("在5月份已新建工会3家。", [("05", "other")]),
])
def test_modifiers_do_not_hide_the_event(text, expected):
    assert [(f.date, f.activity_type) for f in run(text)] == expected


def test_a_news_dateline_is_not_an_event():
    assert dates("2019年5月8日,记者获悉,某县供电公司被市总工会授予“工人先锋号”称号。") == []


# ---- the invented sector sentences (news-style reviews, numeric dates, datelines,
# sector events): tests/fixtures/activity_sentences.csv
from tests.sector_tables import activity_problems, rows  # noqa: E402

_SECTOR_ROWS = rows("activity_sentences.csv")


@pytest.mark.parametrize("row", _SECTOR_ROWS, ids=[r["text"][:24] for r in _SECTOR_ROWS])
def test_sector_sentences(row):
    assert activity_problems(row, run_extractor(activity, row["text"])) == []


def test_sector_table_has_events_and_non_events():
    assert len(_SECTOR_ROWS) >= 40
    assert sum(not r["dates"] for r in _SECTOR_ROWS) >= 8
