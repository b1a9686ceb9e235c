"""Flag rules and near-duplicate detection on invented texts."""

import pytest

from pipeline.aggregate.branches import Branch
from pipeline.aggregate.flags import PolicyError, load_policy, report_flags
from pipeline.aggregate.minhash import MinHasher, near_duplicates
from schemas.report import Report

NOBRANCH = Branch("B", "某工会", "某区", "manifest")


def _report(**kw) -> Report:
    base = dict(source="a.txt", path="/x/a.txt", report_index=0, start_line=1, end_line=2,
                start=0, end=100, chars=100)
    base.update(kw)
    return Report(**base)


def test_default_policy_is_valid_and_per_org_type():
    pol = load_policy()
    assert "org_building" in pol.required_for(None)
    assert "democratic_mgmt" in pol.required_for("school")
    assert "democratic_mgmt" not in pol.required_for("street")


def test_policy_rejects_unknown_labels(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text('[required]\ndefault = ["org_building", "football"]\n', encoding="utf-8")
    with pytest.raises(PolicyError, match="football"):
        load_policy(p)


def test_custom_policy_changes_required_sections(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text('[required]\ndefault = ["women"]\n', encoding="utf-8")
    rep = _report(sections=["org_building"], facts=[
        {"type": "count", "text": "会员5人", "start": 0, "end": 4, "line": 1, "value": 5,
         "unit": "人", "metric": "members"}])
    codes = [f.code for f in report_flags(rep, "a#0", NOBRANCH, load_policy(p))]
    assert codes == ["missing_sections"]


def test_school_needs_democratic_management():
    rep = _report(org_type="school", sections=["org_building", "rights", "aid"])
    fl = report_flags(rep, "a#0", NOBRANCH, load_policy())
    miss = [f for f in fl if f.code == "missing_sections"][0]
    assert miss.detail == "democratic_mgmt" and "民主管理" in miss.message


def test_amount_limit_exempts_district_federation():
    fact = {"type": "amount", "text": "3亿元", "start": 0, "end": 3, "line": 1, "value": 3e8}
    street = _report(org_type="street", facts=[fact])
    fed = _report(org_type="district_federation", facts=[fact])
    pol = load_policy()
    assert any(f.code == "inconsistent_value" for f in report_flags(street, "a", NOBRANCH, pol))
    assert not any(f.code == "inconsistent_value" for f in report_flags(fed, "a", NOBRANCH, pol))


def test_manifest_year_overrides_expected_year():
    rep = _report(year=2022)
    b = Branch("B", "x", "d", "manifest", expected_year=2022)
    assert not any(f.code == "wrong_year" for f in report_flags(rep, "a", b, load_policy(), 2024))
    assert any(f.code == "wrong_year" for f in report_flags(rep, "a", NOBRANCH, load_policy(), 2024))


TEMPLATE = ("今年以来，{org}在上级工会的正确领导下，紧紧围绕中心工作，全年发展会员{n}人，"
            "组织职工参加技能竞赛{m}场次，走访慰问困难职工{k}户，发放慰问金{a}万元。"
            "同时深入开展职工之家建设，不断提升服务职工水平，职工满意度明显提高。")


def test_minhash_finds_template_copies_and_not_unrelated_texts():
    pol = load_policy()
    h = MinHasher(pol)
    sigs = {
        "a": h.signature(TEMPLATE.format(org="红旗街道工会", n=120, m=8, k=35, a=12)),
        "b": h.signature(TEMPLATE.format(org="东风街道工会", n=87, m=3, k=90, a=4.5)),
        "c": h.signature("学校工会认真组织教职工学习贯彻教代会精神，召开第三届教职工代表大会第二次会议，"
                         "审议通过了学校绩效工资分配方案，并组织了教职工篮球赛和羽毛球赛。"),
    }
    pairs = near_duplicates(sigs, pol)
    assert [(a, b) for a, b, _ in pairs] == [("a", "b")]
    assert pairs[0][2] >= pol.threshold


def test_near_duplicate_pairs_do_not_depend_on_how_candidates_are_chunked(monkeypatch):
    # candidates are compared a chunk at a time (bounded memory): the same pairs and
    # similarities whatever the chunk, here 40 template copies and 10 unrelated texts
    import pipeline.aggregate.minhash as minhash

    pol = load_policy()
    h = MinHasher(pol)
    texts = {f"t{i}": TEMPLATE.format(org=f"第{i}街道工会", n=i, m=i % 7, k=2 * i, a=i / 2)
             for i in range(40)}
    texts.update({f"u{i}": f"第{i}次" + "学校工会组织教职工开展读书活动并召开教代会。" * (i + 1)
                  for i in range(10)})
    sigs = {k: h.signature(v) for k, v in texts.items()}
    whole = near_duplicates(sigs, pol)
    assert len(whole) > 40 and all(a[0] == b[0] for a, b, _ in whole)  # no t-u pair
    monkeypatch.setattr(minhash, "SIMILARITY_CHUNK", 7)
    assert near_duplicates(sigs, pol) == whole


def test_minhash_is_deterministic_and_skips_tiny_texts():
    pol = load_policy()
    text = TEMPLATE.format(org="x", n=1, m=2, k=3, a=4)
    assert (MinHasher(pol).signature(text) == MinHasher(pol).signature(text)).all()
    assert MinHasher(pol).signature("工会总结") is None
    # long enough, but only 4 distinct shingles repeated: nothing to compare either
    assert MinHasher(pol).signature("职工之家" * 100) is None


def test_completion_rate_may_exceed_100_but_union_rate_may_not():
    def rate(metric):
        return _report(facts=[{"type": "rate", "text": "x", "start": 0, "end": 1, "line": 1,
                               "value": 280.0, "metric": metric}])
    pol = load_policy()
    assert not any(f.code == "inconsistent_value"
                   for f in report_flags(rate("completion_rate"), "a", NOBRANCH, pol))
    assert any(f.code == "inconsistent_value"
               for f in report_flags(rate("union_rate"), "a", NOBRANCH, pol))


def test_a_template_copied_many_times_names_its_closest_twins_and_counts_the_rest():
    from pipeline.aggregate.flags import duplicate_flags

    # hub resembles 8 reports; each of those resembles only the hub
    pairs = [("hub", f"r{i}", round(0.80 + 0.02 * i, 3)) for i in range(8)]
    flags = duplicate_flags(pairs, {"hub": "模板单位"}, max_twins=5)
    hub = [f for f in flags if f.report_id == "hub"]
    assert [f.twin_report_id for f in hub] == ["r7", "r6", "r5", "r4", "r3"]  # most similar first
    assert "另有 3 份" in hub[-1].message and all("另有" not in f.message for f in hub[:-1])
    for i in range(8):  # the other side keeps its only twin
        [f] = [f for f in flags if f.report_id == f"r{i}"]
        assert f.twin_report_id == "hub" and "模板单位" in f.message and "另有" not in f.message
    assert len(flags) == 5 + 8


def test_max_twins_must_be_positive(tmp_path):
    from pipeline.aggregate.flags import DEFAULT_POLICY

    bad = tmp_path / "policy.toml"
    bad.write_text(DEFAULT_POLICY.read_text(encoding="utf-8").replace("max_twins = 5", "max_twins = 0"),
                   encoding="utf-8")
    with pytest.raises(PolicyError, match="max_twins"):
        load_policy(bad)


def test_duplicate_flags_ranked_as_they_come_are_those_of_all_pairs_ranked_at_once():
    """A hub with 60 twins (its ranking is cut to size as pairs arrive) and random other
    pairs: the same flags, in the same order, as ranking every report's twins at once."""
    import random

    from pipeline.aggregate.flags import DuplicateFlags

    rng = random.Random(7)
    ids = [f"r{i}" for i in range(40)]
    pairs = [("hub", rng.choice(ids), round(rng.uniform(0.8, 1.0), 2)) for _ in range(60)]
    pairs += [tuple(rng.sample(ids, 2)) + (round(rng.uniform(0.8, 1.0), 2),) for _ in range(80)]
    names = {i: f"单位{i}" for i in ids}

    def reference(max_twins):
        twins, out = {}, []
        for k, (a, b, sim) in enumerate(pairs):
            for me, twin in ((a, b), (b, a)):
                twins.setdefault(me, []).append((-sim, k, twin))
        for me, ranked in twins.items():
            ranked.sort()
            out += [(me, twin, -neg, len(ranked) - max_twins if j == min(max_twins, len(ranked)) - 1
                     else 0) for j, (neg, _, twin) in enumerate(ranked[:max_twins])]
        return out

    for max_twins in (1, 3, 5):
        dup = DuplicateFlags(iter(pairs), names, max_twins)
        got = list(dup)
        assert dup.n_pairs == len(pairs) and len(dup) == len(got)
        want = reference(max_twins)
        assert [(f.report_id, f.twin_report_id, f.similarity) for f in got] == \
            [w[:3] for w in want]
        for f, (_, _, _, more) in zip(got, want):
            assert (f"另有 {more} 份" in f.message) == (more > 0)
        assert dup.of("hub") == [f for f in got if f.report_id == "hub"]
        assert dup.of("nobody") == []


def test_minhash_similarity_estimates_the_jaccard_similarity_of_the_shingles():
    # one hash a shingle (one-permutation MinHash, densified): the share of equal bins
    # must still estimate the Jaccard similarity, here of reports that share from
    # none to all of their sentences
    import random

    pol = load_policy()
    h = MinHasher(pol)
    rng = random.Random(5)
    pool = [f"第{i}项：" + "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(25)) + "。"
            for i in range(120)]
    errors = []
    for shared in range(0, 41, 5):
        a = pool[:40]
        b = pool[:shared] + pool[40 + shared:80]
        sa, sb = h.signature("".join(a)), h.signature("".join(b))
        x, y = set(h.shingles("".join(a)).tolist()), set(h.shingles("".join(b)).tolist())
        exact = len(x & y) / len(x | y)
        errors.append(abs(float((sa == sb).mean()) - exact))
    assert max(errors) < 0.12 and sum(errors) / len(errors) < 0.05, errors
