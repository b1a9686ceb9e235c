"""Fuzzing the whole per-file pipeline (normalise -> clean -> split -> structure ->
extract) with hypothesis: random Unicode and random mixes of report lines, masks
and numerals. Properties: no exception; `source[start:end] == text` for every
fact, section and title; no value from a masked span; each line belongs to at
most one report; facts lie inside their report.

Bounded for CI: GHMINER_FUZZ_EXAMPLES (default 150) examples per property;
raise it for a longer local campaign.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract.masks import contains_mask, mask_spans
from pipeline.document import SourceDoc
from pipeline.ingest import normalise_newlines
from pipeline.normalise import normalise
from pipeline.process import analyse_doc, build_doc

EXAMPLES = int(os.environ.get("GHMINER_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CUES = ["新发展会员", "建会率达到", "入会率", "发放慰问金", "走访慰问困难职工", "全年新建工会组织",
        "开展活动", "参与职工", "筹集资金", "覆盖职工", "比去年增长", "共计", "约", "近", ""]
UNITS = ["人", "个", "家", "户", "%", "％", "万元", "元", "亿元", "次", "场", "名", "人次", "余人",
         "多万元", "", "万人", "美元", "个百分点"]
MASKS = ["x", "xx", "xxxx", "XX", "××", "*", "**", "_", "___", "＊＊", "＿", "1xxxx", "20xx",
         "xxx0", "x%", "xx.x", "4x50", "3×3"]
NUMERALS = st.one_of(
    st.integers(0, 10 ** 7).map(str),
    st.integers(1000, 10 ** 9).map(lambda n: f"{n:,}"),
    st.floats(0, 1e5, allow_nan=False).map(lambda f: f"{f:.{len(str(f)) % 3}f}"),
    st.sampled_from(["一千四百三十八", "两万", "壹仟贰佰", "三十余", "近百", "5.3万", "3-5", "十几",
                     "1438", "１４３８", "１，４３８", "2 300", "0.5", "百分之八十", "上千", "数十",
                     "9" * 40, "1" * 60 + ".5", "一二三四五六七八九十百千万亿" * 3, "3千多万",
                     "12。5", "1.2.3", "..5", "5..", ",,,", "0" * 20]),
    st.text(alphabet="0123456789.,，。零一二两三四五六七八九十百千万亿余多近约", min_size=1, max_size=30),
)
AWARDS = ["街道总工会被评为2023年度区级“模范职工之家”。", "荣获市级“工人先锋号”称号。",
          "张三同志获得全国五一劳动奖章", "我单位被授予省级“职工书屋”示范点", "获评xx级“先进集体”。",
          "被评为20xx年度“优秀工会工作者”"]
HEADINGS = ["一、", "二、", "（一）", "(二)", "1.", "2、", "第一，", "一是", "其次，", "三、存在的问题",
            "四、明年工作打算", "##", "【", "1）"]
TITLES = ["XX街道总工会2023年工作总结", "某某公司工会2022年度工作总结（第1篇）", "工会工作总结优秀7篇",
          "区总工会20xx年上半年工作总结", "篇二：学校工会工作总结", "2023年度工会工作总结范文"]
SPICE = ["“模范职工之家”", "被评为2023年度区级", "5月1日组织", "2023年10月", "本站", "复制",
         "点击下载", "第1页", "www.xxx.com", "xxx@qq.com", "https://x.cn/a", "(gōng huì)", "\t",
         "\u3000", "\xa0", "\u202e", "\ufeff", "\x0b", "\x0c", "　　", "！", "？", "；", "：", "……"]

# a mask glued to digits, as templates leave them: 1xxxx, xx5, 20xx, 3.x, x.5
MASKED = st.builds(lambda pre, mask, post: pre + mask + post,
                   st.sampled_from(["", "1", "20", "3.", "5", "１"]),
                   st.sampled_from(["x", "xx", "xxx", "X", "××", "*", "_", "＊", "＿"]),
                   st.sampled_from(["", "0", "5", ".5", "00", "５"]))
CLAUSE = st.builds(lambda cue, num, unit, tail: f"{cue}{num}{unit}{tail}",
                   st.sampled_from(CUES), st.one_of(NUMERALS, MASKED, st.sampled_from(MASKS)),
                   st.sampled_from(UNITS), st.sampled_from(["，", "。", "；", "、", "", " "]))
LINE = st.one_of(
    st.lists(st.one_of(CLAUSE, st.sampled_from(SPICE)), min_size=1, max_size=6).map("".join),
    st.builds(lambda h, c: h + c, st.sampled_from(HEADINGS), CLAUSE),
    st.sampled_from(TITLES),
    st.sampled_from(AWARDS),
    st.just(""),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
)
TEXT = st.lists(LINE, min_size=0, max_size=40).map("\n".join)


def run_pipeline(text: str):
    text = normalise_newlines(text)
    doc = build_doc(__import__("pathlib").Path("/fuzz/f.txt"), text, "utf-8", "txt")
    return doc, analyse_doc(doc)


def check_invariants(doc, reports) -> None:
    # offsets and lines point into the decoded source (doc.text may be its layout view)
    text = doc.source_text
    src = doc if doc.view_to_source is None else SourceDoc(
        path=doc.path, source=doc.source, text=text, norm=normalise(text))
    masks = mask_spans(src.norm)
    prev_end_line = 0
    for rep in reports:
        # splitting: ordered, disjoint line ranges (each line in at most one report)
        assert prev_end_line < rep.start_line <= rep.end_line <= src.n_lines, rep
        prev_end_line = rep.end_line
        assert 0 <= rep.start <= rep.end <= len(text)
        assert src.line_of(rep.start) == rep.start_line
        if rep.title is not None:
            assert rep.title in text[rep.start:rep.end]
        stack = list(rep.section_tree)
        while stack:
            s = stack.pop()
            stack.extend(s.children)
            assert rep.start <= s.start <= s.end <= rep.end
            assert s.heading in text[s.start:s.end] or text[s.start:s.end] in s.heading
        for f in rep.facts:
            assert text[f.start:f.end] == f.text, f
            assert rep.start <= f.start < f.end <= rep.end, f
            assert f.line == src.line_of(f.start), f
            if f.type in ("count", "rate", "amount") and f.value is not None:
                assert not contains_mask(f.text), f           # the contract's definition
                assert not any(ms < f.end and f.start < me for ms, me in masks), f
                assert f.value == f.value and abs(f.value) < 1e16, f  # finite, bounded


@FUZZ
@given(TEXT)
def test_report_like_text_keeps_every_invariant(text):
    check_invariants(*run_pipeline(text))


@FUZZ
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_arbitrary_unicode_keeps_every_invariant(text):
    check_invariants(*run_pipeline(text))


@FUZZ
@given(st.lists(st.sampled_from(TITLES + HEADINGS + [""]), max_size=60).map("\n".join), TEXT)
def test_many_titles_and_headings_split_cleanly(skeleton, body):
    """Title- and heading-dense text stresses the splitter and the heading tree."""
    check_invariants(*run_pipeline(skeleton + "\n" + body))
