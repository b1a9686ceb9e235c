"""Placeholders: mask runs standing for a value; and what is not a mask."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import NoiseSpan, ReportSlice
from pipeline.extract import placeholder
from pipeline.extract.context import ExtractContext
from pipeline.extract.masks import contains_mask, mask_spans, touches_mask
from pipeline.normalise import normalise
from tests.extract_support import make_doc, run_extractor

doc_of = make_doc


def masks(text: str) -> list[str]:
    return [f.text for f in run_extractor(placeholder, text)]


@pytest.mark.parametrize("text, expected", [
    ("今年共召开工会委员工作会议xxxx;教代会常委会xxxx。", ["xxxx", "xxxx"]),
    ("院(1xxxx)两级“送温暖”补助金", ["1xxxx"]),
    ("上诉问题在20xx年要努力克服", ["20xx"]),
    ("“2120xx年东方航食青年”", ["2120xx"]),
    ("4月份草拟了x年校务公开目标", ["x"]),
    ("年初召开x届x次职工代表大会", ["x", "x"]),
    ("认真学习贯彻党的__大和__届三中全会精神", ["__", "__"]),
    ("20__年,工会工作", ["20__"]),
    ("填表人:___ 日期:____", ["___", "____"]),
    ("被评为“××*省窗口行业三星级单位”", ["××*"]),
    ("负责人:马×靳×麻×,谢××", ["×", "×", "×", "××"]),
    ("XX市总工会根据", ["XX"]),
    ("会员XX名", ["XX"]),
    ("每人**元", ["**"]),
    ("共*人参加", ["*"]),
    ("全年预计ｘｘ万元", ["ｘｘ"]),           # full-width letters, as written
    ("其中＿＿名职工", ["＿＿"]),
    ("支出xxx0元", ["xxx0"]),
    ("2021年xx月xx日", ["xx", "xx"]),
    ("参加人数** *人", ["**", "*"]),                  # a space ends a run
    ("机关工会总结 篇220xx年,我会", ["20xx"]),        # 篇2 numbers the piece
    ("职工_乃至全体会员", ["_"]),
    # a decimal point or a thousands separator is no mask character: it ends a run
    ("发放帮扶资金xx.x万元", ["xx", "x"]),
    ("工资增长x.x%,", ["x", "x"]),
    ("人均补助xx,xxx元", ["xx", "xxx"]),
    ("累计投入××.×万元", ["××", "×"]),
    ("总计1x.xx万元", ["1x", "xx"]),
    ("职工满意率___%", ["___"]),
    ("投入XX万元", ["XX"]),
])
def test_mask_runs(text, expected):
    assert masks(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("xxx人*xxx元*xxx次=xxx0元", ["xxx", "xxx", "xxx", "xxx0"]),   # * multiplies
    ("xxx人*xxx元+xxx人*xxx元=xxx元", ["xxx"] * 5),
    ("教工4x50米接力赛", []),                                      # multiplication
    ("3×3篮球赛", []),
    ("工會(huì)組織", []),                                         # pinyin gloss
    ("学习(xué xí)", []),
    ("邮箱:xxx@qq.com", []),                                     # address
    ("网址www.xxx.com.cn", []),
    ("访问www.xxx.xxx查询", []),                                  # a dotted name holds a letter
    ("附件:xx.docx", []),
    ("使用Excel和Linux统计", []),                                  # latin words
    ("做了X光检查", []),
    ("第一部分\n******\n第二部分", []),                            # decoration line
    ("电话 8:00-18:00, 是否?", []),                              # - and ? are not masks
    ("为辖区 名办理了医疗保险", []),                               # a blank, not a mask
    ("某镇工会2022年工作总结_第3页\n", []),                        # page-title separator
    ("请登录后下载\n\n×\n\n", []),                                 # a close icon
])
def test_not_masks(text, expected):
    assert masks(text) == expected


def test_noise_is_skipped():
    text = "会员xx名。网站xx推荐"
    doc = doc_of(text)
    doc.noise.append(NoiseSpan(text.index("网站"), len(text), "site_title"))
    ctx = ExtractContext(doc=doc, report=ReportSlice(1, 1, 0, len(text)))
    assert [f.text for f in placeholder.extract(doc, 0, len(text), ctx)] == ["xx"]


def test_span_limits_are_respected():
    text = "xx年度,会员xx名,xxx"
    spans = mask_spans(normalise(text), 3, 12)
    assert [text[s:e] for s, e in spans] == ["xx"]


def test_contains_and_touches_mask():
    assert contains_mask("会员xx名") and contains_mask("＊") and contains_mask("__")
    assert not contains_mask("会员1438人")
    norm = "近1xxxx教师"
    assert touches_mask(norm, 1, 2)          # the 1 of 1xxxx
    assert not touches_mask("会员150人", 2, 5)


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_never_crashes_and_spans_are_masks(text):
    norm = normalise(text)
    for s, e in mask_spans(norm):
        assert 0 <= s < e <= len(norm)
        assert contains_mask(norm[s:e])


@pytest.mark.parametrize("text, expected", [
    ("XX区总工会工作总结_第2页\nXX区总工会今年发展会员xx名", ["XX", "xx"]),
    ("《xx公司工会工作报告.docx》由会员分享,可在线阅读,更多相关\n会员xx名", ["xx"]),
])
def test_document_sharing_frame_lines_hold_no_placeholders(text, expected):
    assert masks(text) == expected


@pytest.mark.parametrize("text", [
    "发放慰问金xx.x万元,覆盖率达xx.x%,",
    "参保率x.x%,投入××.×万元",
    "补助xx,xxx元,慰问x,xxx人次",
    "满意率___%,经费XX万元",
])
def test_masked_decimals_carry_no_value(text):
    """A masked figure is placeholders only: no count, rate or amount comes out of it."""
    from pipeline.extract import amount, count, rate
    assert masks(text)
    for module in (amount, count, rate):
        assert run_extractor(module, text) == [], module.__name__


@pytest.mark.parametrize("text, runs, amounts", [
    # a masked name, then a figure: the mask ends where a non-zero digit starts
    ("补助名单:一车间李xx850元;二车间王xx1260.5元", ["xx", "xx"], ["850元", "1260.5元"]),
    # trailing zeros and leading digits stay in the run: a masked figure, no value
    ("共支出xxx0元,参加x00余人", ["xxx0", "x00"], []),
    ("编号1xxxx,金额20xx元", ["1xxxx", "20xx"], []),
])
def test_figure_after_a_masked_name(text, runs, amounts):
    from pipeline.extract import amount
    assert masks(text) == runs
    assert [f.text for f in run_extractor(amount, text)] == amounts
