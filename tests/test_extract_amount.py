"""Amount facts: money, value in the currency's base unit."""
import pytest

from bench.peer_money import CASES, ghminer_predict, score
from pipeline.extract import amount
from tests.extract_support import run_extractor


def amounts(text: str):
    return run_extractor(amount, text)


@pytest.mark.parametrize("text, value, currency, approx", [
    ("公司出资53万元统一换发工作服", 530000, "CNY", False),
    ("出资100万元购买", 1000000, "CNY", False),
    ("总投资20亿元", 2000000000, "CNY", False),
    ("完成固定资产投入13。5亿元", 1350000000, "CNY", False),  # full stop as decimal mark
    ("引进外资7719万美元", 77190000, "USD", False),
    ("援助5000美元", 5000, "USD", False),
    ("经济效益5万余元", 50000, "CNY", True),
    ("经济效益20余万元", 200000, "CNY", True),
    ("慰问金五万余元", 50000, "CNY", True),
    ("春节人均不超过500元", 500, "CNY", True),
    ("慰问金0.56万元", 5600, "CNY", False),
    ("折合人民币1.6129万元", 16129, "CNY", False),
    ("缴费1530元", 1530, "CNY", False),
    ("会费8元/月", 8, "CNY", False),
    ("捐款壹仟元", 1000, "CNY", False),
    ("拨付贰万伍仟元", 25000, "CNY", False),
    ("发放慰问金3.5万元左右", 35000, "CNY", True),
    ("筹集资金五、六千元", 5000, "CNY", True),
    ("投入1,200,000元", 1200000, "CNY", False),
    ("约300元", 300, "CNY", True),
    ("每人资助3000元至5000元", 3000, "CNY", True),
    ("最低工资标准不低于2180元", 2180, "CNY", True),
    ("筹集善款千余元", 1000, "CNY", True),
    ("投入资金3千多万元", 30000000, "CNY", True),
    ("捐款￥5000元", 5000, "CNY", False),
    ("奖励¥1.5万", 15000, "CNY", False),
    ("捐助$300", 300, "USD", False),
    ("援助2万美金", 20000, "USD", False),
])
def test_amount_values(text, value, currency, approx):
    facts = amounts(text)
    assert len(facts) == 1, [f.text for f in facts]
    f = facts[0]
    assert (f.value, f.currency, f.approx) == (value, currency, approx)


@pytest.mark.parametrize("text", [
    "预算xx万元",              # masked: a placeholder, never an amount
    "共补助xxx0元",
    "每人xx元补助",
    "资金万元到位",             # no figure
    "资助万余元,其中有万人",     # digits deleted from a template
    "新招过亿元工业项目",
    "元旦前夕,元月份",          # 元 in other words
    "推进一元化管理",
    "支出5万港元",              # not CNY/USD
])
def test_not_amounts(text):
    assert [f.text for f in amounts(text)] == []


def test_every_mention_is_a_fact():
    facts = amounts("出资53万元。出资53万元。")
    assert [f.value for f in facts] == [530000, 530000]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0][:14] for c in CASES])
def test_peer_parser_phenomena(text, expected):
    """Ranges, vague tens, capital numerals, 圆/整, 人民币/RMB/$/美金 markers, 角/分,
    other currencies (bench/peer_money.py): value, currency and approx per the contract."""
    facts = amounts(text)
    assert [(f.value, f.currency, f.approx) for f in facts] == \
        [(pytest.approx(v), c, a) for v, c, a in expected]


def test_peer_money_bench_scores_its_own_cases():
    assert score(ghminer_predict)[2] >= 0.95


@pytest.mark.parametrize("text, value", [
    ("收到捐款叁仟圆整", 3000),
    ("补助人民币1500元", 1500),
    ("奖金RMB800", 800),
])
def test_currency_markers(text, value):
    assert [(f.value, f.currency) for f in amounts(text)] == [(value, "CNY")]


@pytest.mark.parametrize("text", [
    "圆满完成100元圆桌",       # 圆 in 圆桌 is no currency; 100元 is one
])
def test_yuan_spelt_circle_in_other_words(text):
    assert [f.text for f in amounts(text)] == ["100元"]


def test_over_phrase_with_inclusive_mark_is_approx():
    facts = amounts("对20万元（含）以上的项目进行审计")
    assert [(f.text, f.value, f.approx) for f in facts] == [("20万元（含）以上", 200000, True)]
