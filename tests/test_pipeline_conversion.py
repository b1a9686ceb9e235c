"""Offsets stay exact after traditional->simplified, GBK decoding and full-width folding."""
from pathlib import Path

import opencc

from pipeline.process import process_file

PARAGRAPH = (
    "街道总工会工作总结\n"
    "一、着力开展工会组建工作。\n"
    "今年以来,街道总工会走访企业1758家,组建基层工会34家,覆盖企业1286家,会员共计1438人,"
    "建会率达到84.7%,会员率达79.3%。街道出资53万元为困难职工发放慰问金。\n"
    "二、关心职工生活。\n"
    "1月9日组织全体职工举办“迎新春联谊会”,到会职工xx人。\n"
)
FULLWIDTH = str.maketrans("0123456789%.", "０１２３４５６７８９％．")


def _facts(path: Path):
    result = process_file(path)
    assert result.record.status == "processed", result.record.reason
    return [f for rep in result.reports for f in rep.facts]


def _key(f):
    return (f.type, getattr(f, "value", None), getattr(f, "date", None))


def test_traditional_gbk_fullwidth_keep_values_and_exact_offsets(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text(PARAGRAPH, encoding="utf-8")
    trad_text = opencc.OpenCC("s2t").convert(PARAGRAPH).translate(FULLWIDTH)
    assert trad_text != PARAGRAPH and len(trad_text) == len(PARAGRAPH)
    trad = tmp_path / "trad.txt"
    trad.write_bytes(trad_text.encode("gb18030"))

    ref = _facts(plain)
    got = _facts(trad)
    assert sorted(map(_key, got), key=str) == sorted(map(_key, ref), key=str)
    for f in got:
        assert trad_text[f.start:f.end] == f.text  # as written: traditional, full-width
    values = {f.value for f in got if f.type == "count"}
    assert {1758, 34, 1286, 1438} <= values
    assert any(f.type == "amount" and f.value == 530000 for f in got)
    assert any(f.type == "rate" and f.value == 84.7 for f in got)


def test_utf16_file_gives_the_same_facts(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text(PARAGRAPH, encoding="utf-8")
    u16 = tmp_path / "u16.txt"
    u16.write_bytes(PARAGRAPH.encode("utf-16"))
    assert [(_key(f), f.start, f.end) for f in _facts(u16)] == \
           [(_key(f), f.start, f.end) for f in _facts(plain)]
