"""Normalise: same length as the source, offset for offset."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.normalise import normalise


def test_traditional_to_simplified_keeps_offsets():
    text = "工會工作總結：會員發展123人，開展「職工之家」建設。"
    norm = normalise(text)
    assert norm == "工会工作总结：会员发展123人，开展「职工之家」建设。"
    i = norm.index("会员发展")
    assert text[i:i + 7] == "會員發展123"


def test_fullwidth_digits_letters_and_percent_become_ascii():
    text = "建会率达到８４．７％，会员１４３８人，ＡＢＣ公司"
    norm = normalise(text)
    assert norm == "建会率达到84.7%，会员1438人，ABC公司"
    m = re.search(r"[0-9]+人", norm)
    assert text[m.start():m.end()] == "１４３８人"


def test_ideographic_full_stop_between_digits_is_a_decimal_point():
    text = "总投资13。5亿元。全年共3次。12月召开大会。增长3。2023年起"
    norm = normalise(text)
    assert norm == "总投资13.5亿元。全年共3次。12月召开大会。增长3。2023年起"
    m = re.search(r"[0-9.]+亿元", norm)
    assert (m.group(), text[m.start():m.end()]) == ("13.5亿元", "13。5亿元")


def test_chinese_punctuation_kept():
    text = "一、组织建设（一）会员，工会：活动！？；"
    assert normalise(text) == text


def test_fullwidth_mask_characters_become_ascii_but_times_sign_stays():
    assert normalise("会员＊＊名，经费＿＿元，××人") == "会员**名，经费__元，××人"


def test_odd_spaces_become_plain_spaces():
    text = "一\u3000二\xa0三\t四\u200b五\u2002六•七"
    assert normalise(text) == "一 二 三 四 五 六•七"


def test_newlines_kept():
    text = "第一行\n\n第三行\n"
    assert normalise(text) == text


def test_pinyin_gloss_untouched():
    assert normalise("工會(huì)") == "工会(huì)"


def test_lone_surrogates_and_controls_do_not_crash():
    text = "會\ud800議\x00\n後"
    norm = normalise(text)
    assert len(norm) == len(text)
    assert norm[0] == "会" and norm[-1] == "后"


def test_long_line_and_huge_number():
    text = "會" * 100_000 + "1" * 40 + "。5"
    assert len(normalise(text)) == len(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_length_preserved_on_arbitrary_text(text):
    assert len(normalise(text)) == len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="會員發展總結工会１２３４５６７８９０。．％　\xa0\n 12345abcＡ×", max_size=120))
def test_length_and_newlines_preserved_on_report_like_text(text):
    norm = normalise(text)
    assert len(norm) == len(text)
    assert [i for i, c in enumerate(norm) if c == "\n"] == [i for i, c in enumerate(text) if c == "\n"]


@pytest.mark.parametrize("text", ["", "a", "\n"])
def test_trivial_inputs(text):
    assert normalise(text) == text
