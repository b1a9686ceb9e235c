"""Clean: site boilerplate is marked, report text is not."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.clean import find_noise, noise_lines
from pipeline.document import SourceDoc
from pipeline.normalise import normalise

SEEDS = next((d for d in (Path("/work/shared/corpus/seeds"), Path("/work/main/corpora/seeds"))
              if d.is_dir()), None)
GOLD = Path("/work/shared/gold/dev")


def make_doc(text: str, name: str = "t.txt") -> SourceDoc:
    norm = normalise(text)
    doc = SourceDoc(path=name, source=name, text=text, norm=norm)
    doc.noise = find_noise(text, norm)
    return doc


def marked(text: str) -> list[tuple[str, str]]:
    return [(s.kind, text[s.start:s.end]) for s in find_noise(text, normalise(text))]


def kinds_of_lines(doc: SourceDoc) -> dict[int, str]:
    out = {}
    for s in doc.noise:
        out.setdefault(doc.line_of(s.start), s.kind)
    return out


# ---------------------------------------------------------------- the seeds

def seed_docs():
    if SEEDS is None:
        pytest.skip("seed corpus not available")
    for p in sorted(SEEDS.glob("*.txt")):
        yield p, make_doc(p.read_text(encoding="utf-8"), p.name)


def test_no_report_start_line_is_noise_and_boilerplate_before_first_report_is():
    for path, doc in seed_docs():
        gold = GOLD / (path.stem + ".json")
        if not gold.exists():
            continue
        starts = [r["start_line"] for r in json.loads(gold.read_text(encoding="utf-8"))["reports"]]
        lines = noise_lines(doc)
        assert not lines & set(starts), path.name
        # every non-blank line before the first report is boilerplate
        before = {n for n in range(1, starts[0]) if doc.text[slice(*doc.line_span(n))].strip()}
        assert before <= lines, (path.name, sorted(before - lines))


def test_seed_boilerplate_kinds():
    expected = {
        "展开阅读全文": "site_chrome", "一键复制全文保存为WORD": "site_chrome", "资源描述": "site_chrome",
        "第21页 共21页": "page_number", "工作时间:8:00-18:00": "contact", "电子邮件": "contact",
        "675289112@qq.com": "contact", "2023局工会工作总结参考8篇": "collection_title",
        "街道总工会工作总结(实用三篇)": "collection_title", "街道总工会工作总结(精选3篇)": "collection_title",
    }
    seen = set()
    for _, doc in seed_docs():
        kinds = kinds_of_lines(doc)
        for n in range(1, doc.n_lines + 1):
            line = doc.text[slice(*doc.line_span(n))].strip()
            if line in expected:
                assert kinds.get(n) == expected[line], line
                seen.add(line)
            if line.startswith("•"):
                assert kinds.get(n) == "meta", line
            if line.isdigit():
                assert kinds.get(n) == "page_number", line
    assert seen == set(expected)


def test_seed_report_titles_and_body_paragraphs_are_not_noise():
    for _, doc in seed_docs():
        lines = noise_lines(doc)
        for n in range(1, doc.n_lines + 1):
            line = doc.text[slice(*doc.line_span(n))]
            is_title = "篇1" in line or line.startswith(("第二篇", "推荐"))
            is_body = len(line) > 90 and not any(c in line for c in ("小编", "整理"))
            if is_title or is_body:
                assert n not in lines, line


def test_no_gold_fact_lies_in_noise():
    for path, doc in seed_docs():
        gold = GOLD / (path.stem + ".json")
        if not gold.exists():
            continue
        for report in json.loads(gold.read_text(encoding="utf-8"))["reports"]:
            for fact in report["facts"]:
                t = fact["text"]
                starts = [i for i in range(len(doc.text)) if doc.text.startswith(t, i)]
                assert starts and not all(doc.is_noise(i, i + len(t)) for i in starts), t


def test_spans_are_line_text_without_newline():
    for _, doc in seed_docs():
        for s in doc.noise:
            assert "\n" not in doc.text[s.start:s.end]
            assert doc.text[s.start:s.end].strip()


# ---------------------------------------------------------------- invented variants

def test_collection_titles_versus_report_titles():
    text = ("2024年工会工作计划优秀5篇\n\n【精选10篇】工会工作总结\n\n工会工作心得体会(通用6篇)\n\n"
            "2023局工会工作总结篇1\n\n第三篇：工会经验交流\n\n全年共撰写信息15篇\n\n发表论文3篇")
    got = marked(text)
    assert ("collection_title", "2024年工会工作计划优秀5篇") in got
    assert ("collection_title", "【精选10篇】工会工作总结") in got
    assert ("collection_title", "工会工作心得体会(通用6篇)") in got
    flat = " ".join(t for _, t in got)
    for kept in ("篇1", "第三篇", "15篇", "论文3篇"):
        assert kept not in flat


def test_site_intro_detected_by_cues_not_strings():
    text = ("心得体会是我们在学习中的收获，写好它并不容易。\n"
            "下面是小编为大家整理的工会心得体会范文，欢迎阅读，希望对你有所帮助！\n\n"
            "工会工作心得\n\n今年以来，我们组建基层工会34家，供大家参考借鉴。\n")
    doc = make_doc(text)
    assert noise_lines(doc) == {1, 2}
    assert kinds_of_lines(doc) == {1: "site_intro", 2: "site_intro"}


def test_report_sentence_with_one_weak_cue_is_not_an_intro():
    text = "以下是我局2023年工会工作总结：\n一、组织建设\n会员共计1438人，现将做法汇报如下，供大家参考。\n"
    assert marked(text) == []


def test_line_with_figures_is_never_a_site_intro():
    text = "以上是我们的一些做法，希望对大家有所帮助，我们整理了一些经验，会员1438人。\n"
    assert marked(text) == []


def test_page_numbers_contact_and_chrome_lines():
    text = ("会员1438人。\n3\n第3页 共10页\n- 12 -\n2/5\n上一篇：工会工作计划\n"
            "QQ：123456789\n联系电话：010-12345678\n展开全文\n下载文档\n建会率84.7%\n")
    doc = make_doc(text)
    assert noise_lines(doc) == set(range(2, 11))


def test_upload_and_author_lines():
    text = ("时间:2022-12-19 作者:某某\n  • 上传日期:2023-01-03 11:44:24 |\n  • ABCD |\n  • 13页\n"
            "时间：3月7日下午\n地点：办公楼前\n")
    doc = make_doc(text)
    assert noise_lines(doc) == {1, 2, 3, 4}


def test_watermark_inside_body_text():
    text = "今年工会工作取得了公文汇 www.gongwenhui.com 显著成效，会员1438人。"
    got = marked(text)
    assert got == [("watermark", "公文汇 www.gongwenhui.com")]


def test_standalone_watermark_with_unknown_site_name_and_bare_domain():
    text = "组建工会34家。\n某某范文站 fanwenzhan.cn\n会员1438人。"
    got = marked(text)
    assert got == [("watermark", "某某范文站 fanwenzhan.cn")]


def test_urls_and_emails():
    text = "详见http://www.acftu.org/a/b.html。邮箱union@example.com.cn，版本1.2.3，共84.7%"
    got = marked(text)
    assert ("url", "http://www.acftu.org/a/b.html") in got
    assert ("email", "union@example.com.cn") in got
    assert len(got) == 2


def test_pinyin_glosses_but_not_masks():
    text = "工會(huì)工作總結（zǒng jié），會員(xxxx)名，(OA)系统，(一)组织建设"
    got = marked(text)
    assert got == [("pinyin", "(huì)"), ("pinyin", "（zǒng jié）")]


def test_noise_lines_partial_lines_are_not_noise():
    text = "会员1438人 www.example.com\n www.example.com \n"
    doc = make_doc(text)
    assert noise_lines(doc) == {2}


def test_arbitrary_text_does_not_crash():
    for text in ["篇小编" * 200_000, "a.com." * 100_000, "x@a.b." * 50_000, "", "\n\n", "x" * 100_000, "1" * 40, "篇" * 500, "(ā" * 1000, "@." * 1000,
                 "www." * 1000, "\ud800\n小编"]:
        doc = make_doc(text)
        for s in doc.noise:
            assert 0 <= s.start < s.end <= len(text)
