"""The reporting unit (org) and its type: the rules' candidates, the org_rank and
org_type models over them (pipeline/structure/org_model.py), on invented reports."""
import pytest

from pipeline.split import split_reports
from pipeline.split.training import make_doc
from pipeline.structure import structure_report


def structured(text: str, k: int = 0):
    doc = make_doc(text, "t.txt")
    rs = split_reports(doc)[k]
    return structure_report(doc, rs)


def test_a_news_review_names_its_unit_in_the_first_sentence():
    st = structured(
        "凝心聚力促发展 真情服务暖人心\n"
        "近日,青禾纺织有限公司工会召开年度工作总结会,回顾一年来的工作。\n"
        "一年来,工会围绕企业生产经营开展劳动竞赛,参赛职工320人,评出技术能手12名。\n"
        "工会还走访慰问困难职工28户,为一线员工送去清凉物品。\n")
    assert st.org == "青禾纺织有限公司工会" and st.org_type == "enterprise"


def test_a_report_signed_at_the_end_is_the_signers():
    body = ("工作总结\n"
            "一年来,我们在上级工会和党委的领导下,围绕中心、服务大局,扎实推进各项工作。\n"
            "一、加强组织建设\n全年新建基层工会6家,发展会员230人,培训工会干部40人次。\n"
            "二、做好帮扶工作\n走访慰问困难职工35户,发放慰问金3.5万元。\n"
            "三、丰富职工文化生活\n举办职工运动会和书画展,参与职工600余人次。\n"
            "明年我们将继续推动工会工作再上新台阶。\n"
            "溪口镇总工会\n2024年12月20日\n")
    st = structured(body)
    assert st.org == "溪口镇总工会" and st.org_type == "town"


def test_a_title_with_the_unit_names_it_and_types_it():
    st = structured("南港区人民医院工会2024年工作总结\n"
                    "今年,工会在院党委领导下开展工作,组织医护人员技能竞赛3场。\n"
                    "工会走访慰问困难职工12户。\n")
    assert st.org == "南港区人民医院工会" and st.org_type == "hospital"


def test_a_federation_reporting_on_its_member_unions_is_the_reporter():
    st = structured(
        "2024年,青屿区总工会围绕区委中心工作,指导基层工会规范化建设。\n"
        "红星机械厂工会开展劳动竞赛,参赛职工300人;红星机械厂工会获评模范职工之家。\n"
        "东湖小学工会组织教职工健步走活动,东湖小学工会还举办了教师节座谈会。\n"
        "红星机械厂工会、东湖小学工会等12家基层工会完成换届选举。\n"
        "全区各级工会走访慰问困难职工560户,发放慰问金48万元。\n")
    assert st.org == "青屿区总工会" and st.org_type == "district_federation"


def test_a_byline_names_the_unit_as_written():
    st = structured("我院工会荣获市“先进职工之家”称号\n"
                    "作者:松岭县人民法院 信息来源: 发布时间:2024-03-02\n"
                    "近日,市总工会授予我院工会“先进职工之家”荣誉称号。\n"
                    "近年来,院工会坚持以职工为中心,建设职工书屋和健身室。\n")
    assert st.org == "松岭县人民法院" and st.org_type == "agency"


def test_a_short_name_in_the_title_stays_unless_the_opening_spells_it_out():
    from pipeline.structure.org import find_org_with_source

    later = ("日前,市总工会下发了命名模范职工之家的通知。松岭县人民法院工会委员会荣获该称号。\n"
             "松岭法院工会坚持定期学习,开展读书活动。\n")
    assert find_org_with_source(later, "喜报!松岭法院获评市模范职工之家")[0] == "松岭法院"
    opening = ("2024年1月9日,中国水产科学研究院长江水产研究所工会召开专题会议,总结全年工作。\n"
               "会议梳理了工会一年来的工作。\n")
    assert find_org_with_source(opening, "长江所工会总结2024年工作")[0] == \
        "中国水产科学研究院长江水产研究所工会"


def test_a_unit_kind_with_a_quality_word_is_no_unit():
    from pipeline.structure.org import find_org_with_source

    body = ("今年以来,工会围绕建设世界一流企业目标,开展劳动竞赛。\n"
            "工会推动构建和谐企业,为建设世界一流企业贡献力量。\n")
    assert find_org_with_source(body, None)[0] is None


@pytest.mark.parametrize("title,kind", [
    ("第一篇: 机关工会工作总结", "机关"), ("篇二 医院工会工作总结", "医院"), ("范文一:街道工会工作总结", "街道工会"),
])
def test_a_template_sites_numbering_hides_no_unit_kind(title, kind):
    from pipeline.structure.org import _title_unit_kind

    assert _title_unit_kind(title) == kind


def test_a_report_that_names_no_unit_has_no_org_but_a_type_from_its_cues():
    st = structured("工会工作总结\n"
                    "一年来,学校工会在党支部领导下,围绕教育教学中心工作,关心教职工生活。\n"
                    "组织教师开展师德师风建设活动,召开教代会,推进校务公开。\n"
                    "为全体教职工办理互助保险,慰问生病教师15人次。\n")
    assert st.org is None and st.org_type == "school"


def test_type_features_are_the_same_for_every_type():
    """The type model scores each type with shared weights: one feature dict per type
    of the vocabulary, the evidence for that type under the same names."""
    from pipeline.structure.cues import org_cues
    from pipeline.structure.org_model import OrgInputs, type_features

    x = OrgInputs("今年,我镇工会组织农民工技能培训。镇党委高度重视。", "溪口镇工会工作总结",
                  ["溪口镇工会工作总结"], "今年,我镇工会组织农民工技能培训。")
    feats = type_features(x, "溪口镇工会", "title")
    types = org_cues()["types"]
    assert len(feats) == len(types)
    town = feats[types.index("town")]
    assert town["org"] == 1.0 and town["org|title"] == 1.0 and town["cue_share"] > 0.5
    assert all("org" not in f for t, f in zip(types, feats) if t != "town")


def test_org_models_fold_out_the_held_out_file():
    from pipeline.training import org_rank, org_type

    reports = org_rank.load_reports(with_real=False)
    seed = "seeds/004_e50c7d9a74c650fc"
    assert any(r.group == seed for r in reports)
    for mod in (org_rank, org_type):
        _, _, groups = mod.training_data(reports, {seed})
        assert groups and seed not in groups


def test_the_saved_org_models_give_the_fitted_ones_probabilities():
    from pipeline.training import org_rank, org_type

    reports = org_rank.load_reports(with_real=False)
    for mod in (org_rank, org_type):
        model = mod.fit(with_real=False)[0]
        X, _, _ = mod.training_data(reports)
        import numpy as np
        assert np.allclose(model.predict_proba(X[:50]), model.predict_proba_sklearn(X[:50]), atol=1e-9)


@pytest.mark.parametrize("raw,name", [
    ("www.example.com区总工会", None),   # a web address glued before a generic name
    ("两级市总工会", None),               # 两级: the federations of two levels, no name
    ("ABB公司工会", "ABB公司工会"),        # a brand in capitals is a name
])
def test_names_without_a_specific_part_are_none(raw, name):
    from pipeline.structure.org import _clean_name

    assert _clean_name(raw) == name


def test_the_subject_after_a_leadership_phrase_opens_the_line():
    from pipeline.structure.org import _line_subject

    assert _line_subject("2024年,在镇党委和县总工会的正确领导下,溪口镇工会围绕中心开展工作") == "溪口镇工会"


def _sector_table() -> list:
    import csv
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "org_sector_reports.csv"
    with open(path, encoding="utf-8", newline="") as f:
        return [pytest.param(r["text"].replace("\\n", "\n"), r["org"] or None, r["org_type"], r["why"],
                             id=f"{r['org_type']}-{k}") for k, r in enumerate(csv.DictReader(f))]


@pytest.mark.parametrize("text, org, org_type, why", _sector_table())
def test_sector_reports_name_and_type_their_unit(text, org, org_type, why):
    """Invented openings, titles and sign-offs of sectors the real set barely has (rail,
    telecom, oil, tobacco, retail, colleges, agencies, power, mines, airports, ports,
    expressways) and news-style reviews (tests/fixtures/org_sector_reports.csv)."""
    st = structured(text)
    assert (st.org, st.org_type) == (org, org_type), why
