"""Rate facts: percentages, value in percent, metric from the clause."""
import pytest

from pipeline.extract import rate
from tests.extract_support import run_extractor


def rates(text: str):
    return run_extractor(rate, text)


@pytest.mark.parametrize("text, value, metric", [
    ("建会率达到84.7%", 84.7, "union_rate"),
    ("组建率达100%", 100, "union_rate"),
    ("职工入会率达100%", 100, "membership_rate"),
    ("会员率达79.3%", 79.3, "membership_rate"),
    ("职工覆盖率达95%", 95, "coverage_rate"),
    ("参保率为98.5％", 98.5, "coverage_rate"),           # full-width percent sign
    ("劳动合同率达100%", 100, "coverage_rate"),
    ("及格率为100%", 100, "pass_rate"),
    ("考核合格率达到百分之九十五", 95, "pass_rate"),
    ("已完成计划的100%", 100, "completion_rate"),
    ("完成计划的280%", 280, "completion_rate"),
    ("完成全年工会组建任务的80%以上", 80, "completion_rate"),
    ("按职工工资总额的2%", 2, "other"),
    ("规范面达到80%以上", 80, "other"),
    ("同比增长百分之三十", 30, "other"),
    ("入会率达百分之百", 100, "membership_rate"),
    ("占职工总数的58.51%", 58.51, "other"),
])
def test_rate_values_and_metrics(text, value, metric):
    facts = rates(text)
    assert len(facts) == 1, [f.text for f in facts]
    assert (facts[0].value, facts[0].metric) == (value, metric)


def test_text_carries_the_cue():
    assert [f.text for f in rates("今年,建会率达到84.7%,会员率达79.3%。")] == [
        "建会率达到84.7%", "会员率达79.3%"]


def test_masked_and_non_percent_are_not_rates():
    assert rates("入会率达xx%,覆盖率达1x%,签订率__%") == []
    assert rates("增长了3个百分点,千分之五") == []


def test_each_percentage_is_a_fact():
    assert [f.value for f in rates("分别占58.51%和58.16%")] == [58.51, 58.16]
