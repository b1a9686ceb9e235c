"""Layout stage: the view of hard-wrapped, spaced and run-on texts, and offsets
mapped back into the source (`source[start:end] == text` for every fact)."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.layout.reflow import layout_view
from pipeline.normalise import normalise
from pipeline.process import analyse_doc, build_doc

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "seeds"

# An invented report: one paragraph per line, as the seeds are.
PARAS = [
    "青禾街道总工会2023年工作总结",
    "今年以来,青禾街道总工会在街道党工委的领导下,紧紧围绕中心工作,团结带领辖区职工建功立业,各项工作取得了新的进展,现将全年工作总结如下:",
    "一、夯实基层组织建设",
    "全年新建非公企业工会12家,发展新会员860人,辖区建会率达到96.5%,会员人数累计达到4200人。街道总工会坚持每季度召开一次基层工会主席例会,交流工作经验,查找存在的不足。",
    "二、扎实开展帮扶救助",
    "元旦春节期间,街道总工会走访慰问困难职工85户,发放慰问金及物资折合人民币12.6万元;于9月29日组织开展国庆前夕送温暖活动,为一线环卫工人送去防暑降温用品。",
    "三、丰富职工文化生活",
    "5月12日举办了职工趣味运动会,共有15支代表队参加。街道总工会被市总工会授予“模范职工之家”荣誉称号,一名职工荣获区级“五一劳动奖章”。",
    "四、明年工作打算",
    "继续加强工会组织建设,进一步扩大覆盖面,做好困难职工帮扶工作,切实维护职工合法权益,推动街道工会工作再上新台阶。",
]
CLEAN = "\n".join(PARAS) + "\n"


def run(text: str):
    doc = build_doc(Path("/t/r.txt"), text, "utf-8", "txt")
    return doc, analyse_doc(doc)


def facts_of(reports):
    return [f for r in reports for f in r.facts]


def hard_wrap(text: str, width: int = 38) -> str:
    """A PDF viewer's copy: a line break after every `width` characters."""
    out = []
    for line in text.split("\n"):
        out.extend(line[k:k + width] for k in range(0, max(len(line), 1), width))
    return "\n".join(out)


def assert_grounded(text: str, reports) -> None:
    for r in reports:
        assert 0 <= r.start < r.end <= len(text)
        assert text.count("\n", 0, r.start) + 1 == r.start_line
        for f in r.facts:
            assert text[f.start:f.end] == f.text, f
            assert text.count("\n", 0, f.start) + 1 == f.line
            assert r.start <= f.start and f.end <= r.end
        for s in _sections(r.section_tree):
            assert text[s.start:s.start + len(s.heading)] == s.heading
            assert text.count("\n", 0, s.start) + 1 == s.start_line
        # names keep their span in the source (the name itself as read, without the
        # layout's line breaks and spaces)
        if r.org_start is not None:
            assert "".join(text[r.org_start:r.org_end].split()) == r.org
        for f in r.facts:
            if getattr(f, "recipient_start", None) is not None:
                assert "".join(text[f.recipient_start:f.recipient_end].split()) == f.recipient


def _sections(tree):
    for s in tree:
        yield s
        yield from _sections(s.children)


def signature(reports):
    return sorted((f.type, getattr(f, "value", None), getattr(f, "date", None),
                   getattr(f, "name", None)) for f in facts_of(reports))


def test_clean_text_is_its_own_view():
    doc, _ = run(CLEAN)
    assert doc.view_to_source is None and doc.text == CLEAN


def test_seeds_are_their_own_view():
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        pytest.skip("no seed corpus")
    for p in files:
        text = p.read_text(encoding="utf-8")
        view = layout_view(text, normalise(text))
        assert view.to_source is None and view.text == text, p.name


def test_hard_wrapped_report_gives_the_clean_facts_grounded_in_the_source():
    wrapped = hard_wrap(CLEAN)
    assert max(len(x) for x in wrapped.split("\n")) == 38
    doc, reports = run(wrapped)
    assert doc.view_to_source is not None and doc.source_text == wrapped
    assert_grounded(wrapped, reports)
    assert signature(reports) == signature(run(CLEAN)[1])
    assert reports[0].org == "青禾街道总工会" and reports[0].org_start is not None
    # a fact cut by the wrap keeps the line break of the source in its text
    assert any("\n" in f.text for f in facts_of(reports))


def test_run_on_report_gives_the_clean_facts_grounded_in_the_source():
    oneline = "".join(PARAS)
    doc, reports = run(oneline)
    assert doc.text.count("\n") >= 3          # paragraphs again, in the view
    assert len(reports) == 1 and reports[0].start_line == reports[0].end_line == 1
    assert_grounded(oneline, reports)
    assert signature(reports) == signature(run(CLEAN)[1])
    assert "org_building" in reports[0].sections


def test_date_broken_across_lines_still_dates_the_activity():
    para = PARAS[5]
    cut = para.index("9月29日") + 2
    width = next(w for w in range(30, 48) if cut % w == 0)  # the wrap falls inside the date
    text = hard_wrap(CLEAN, width)
    assert "9月\n29日" in text
    _, reports = run(text)
    assert_grounded(text, reports)
    acts = [f for f in facts_of(reports) if f.type == "activity"]
    assert "09-29" in {a.date for a in acts}
    assert any("9月\n29日" in a.text for a in acts)


def test_layout_spaces_between_figures_and_hanzi():
    text = ("某区机关工会2021 年工作总结\n"
            "2021 年 9 月 20 日,区机关工会组织开展了职工健步走活动,共有 320 名职工参加。"
            "全年为困难职工发放补助 500 元至 2000 元不等,累计发放 4.8 万元。\n")
    doc, reports = run(text)
    assert "2021年9月20日" in doc.text and "500元" in doc.text
    assert_grounded(text, reports)
    facts = facts_of(reports)
    assert "09-20" in {f.date[-5:] for f in facts if f.type == "activity"}
    assert 48000 in {f.value for f in facts if f.type == "amount"}
    assert any(f.type == "count" and f.value == 320 and f.text.endswith("320 名职工") or
               f.type == "count" and f.value == 320 for f in facts)


def test_mask_and_digit_spaces_are_kept():
    text = ("某公司工会工作总结\n培训保育员** *人、茶艺师 1 2 名,发放慰问金 300 元,"
            "组织职工 60 人参加了 5 月 1 日的活动。另有 40 人报名。\n")
    doc, _ = run(text)
    assert "** *人" in doc.text and "1 2" in doc.text and "300元" in doc.text


def test_ocr_spaces_between_every_hanzi():
    body = "全年新建工会组织8家,发展会员260人,组织职工参加技能培训15期,受益职工1200人次。"
    spaced = " ".join(body.replace("260", "\0").replace("1200", "\1").replace("15", "\2"))
    spaced = spaced.replace("\0", "260").replace("\1", "1200").replace("\2", "15")  # digits stay whole
    text = "某镇总工会工作总结\n" + spaced + "\n" + spaced + "\n"
    doc, reports = run(text)
    assert body in doc.text
    assert_grounded(text, reports)
    assert {f.value for f in facts_of(reports) if f.type == "count"} >= {8, 260, 15, 1200}


def test_boilerplate_prefix_in_a_run_on_line_keeps_the_report():
    oneline = "精品文档,欢迎下载,如有需要请购买。" + "".join(PARAS)
    _, reports = run(oneline)
    assert reports, "the report vanished"
    assert_grounded(oneline, reports)
    assert signature(reports) == signature(run(CLEAN)[1])
