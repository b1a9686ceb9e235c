"""District statistics and flags on the fixture corpus, against values worked out by hand.

Fixture (tests/fixtures/districts): roster E1 E2 E3 (东城区), W1 W2 (西城区);
E3 did not submit. Reports: e1#0 (E1), e2#0 and e2#1 (E2), w1#0 (W1), w2#0
(W2, a template copy of w1 with other numbers), b1#0 (北城区/光明社区 by folder,
not in the roster), loose#0 (org 红星镇总工会, district unknown).
"""

import pandas as pd
import pytest

from pipeline.aggregate import build_outputs
from tests.fixtures.districts import corpus as districts_corpus


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root, run_dir = districts_corpus.build_run(tmp_path_factory.mktemp("districts"))
    build_outputs(run_dir, [root], expected_year=2024)
    return run_dir


def _t(run, name):
    return pd.read_parquet(run / "tables" / f"{name}.parquet")


def stat(run, district, kind, key, col):
    s = _t(run, "district_stats")
    hit = s[(s.district == district) & (s.kind == kind) & (s.key == key)]
    assert len(hit) == 1, (district, kind, key)
    v = hit.iloc[0][col]
    return None if pd.isna(v) else v


def test_submission_rates_and_missing_branches(run):
    assert (stat(run, "东城区", "submission", "branches", "n"),
            stat(run, "东城区", "submission", "branches", "of")) == (2, 3)
    assert stat(run, "东城区", "submission", "branches", "share") == pytest.approx(2 / 3, abs=1e-4)
    assert stat(run, "西城区", "submission", "branches", "share") == 1.0
    assert stat(run, "（全部）", "submission", "branches", "share") == 0.8
    miss = _t(run, "missing_branches")
    assert miss[["district", "branch_id", "branch_name"]].values.tolist() == \
        [["东城区", "E3", "东城三街道工会"]]
    # reports from outside the roster are counted, not silently merged
    assert stat(run, "北城区", "submission", "unexpected_reports", "n") == 1
    assert stat(run, "（全部）", "submission", "unexpected_reports", "n") == 2


def test_section_coverage(run):
    assert stat(run, "东城区", "section", "org_building", "share") == pytest.approx(0.6667)
    assert stat(run, "东城区", "section", "rights", "n") == 1
    assert stat(run, "（全部）", "section", "org_building", "n") == 6
    assert stat(run, "（全部）", "section", "rights", "n") == 5
    assert stat(run, "（全部）", "section", "finance", "n") == 2
    assert stat(run, "（全部）", "section", "women", "n") == 0
    assert stat(run, "（全部）", "section", "aid", "of") == 7


def test_metric_totals_keep_exact_and_approx_apart(run):
    # members per report: e1 1200, e2#0 800余, w1 500, w2 900, b1 300, loose 2000多
    assert stat(run, "（全部）", "metric", "members:人", "n") == 6
    assert stat(run, "（全部）", "metric", "members:人", "total_exact") == 2900
    assert stat(run, "（全部）", "metric", "members:人", "total_approx") == 2800
    assert stat(run, "（全部）", "metric", "members:人", "median_exact") == 700
    assert stat(run, "（全部）", "metric", "members:人", "median_approx") == 1400
    assert stat(run, "东城区", "metric", "members:人", "total_exact") == 1200
    assert stat(run, "东城区", "metric", "members:人", "total_approx") == 800
    assert stat(run, "西城区", "metric", "members:人", "median_exact") == 700
    assert stat(run, "（全部）", "metric", "new_members:人", "total") == 810
    assert stat(run, "东城区", "metric", "aided:户", "total") == 55
    assert stat(run, "（全部）", "metric", "aided:户", "share") == pytest.approx(3 / 7, abs=1e-4)


def test_rates_exclude_impossible_values(run):
    # union_rate: 92.5 (e1), 85 (loose); 120% (e2#0) is flagged and left out
    assert stat(run, "（全部）", "rate", "union_rate", "mean") == 88.75
    assert stat(run, "（全部）", "rate", "union_rate", "min") == 85
    assert stat(run, "（全部）", "rate", "union_rate", "max") == 92.5
    assert stat(run, "（全部）", "rate", "membership_rate", "mean") == 91.0
    assert stat(run, "西城区", "rate", "membership_rate", "mean") == 92.5


def test_awards_by_level(run):
    assert stat(run, "（全部）", "award_level", "provincial", "n") == 3
    assert stat(run, "（全部）", "award_level", "national", "n") == 1
    assert stat(run, "西城区", "award_level", "municipal", "n") == 1


def test_complete_share_and_flag_counts(run):
    assert (stat(run, "东城区", "complete", "reports", "n"),
            stat(run, "东城区", "complete", "reports", "of")) == (1, 3)
    assert stat(run, "（全部）", "complete", "reports", "n") == 5
    assert stat(run, "（全部）", "flag", "inconsistent_value", "total") == 3
    assert stat(run, "（全部）", "flag", "inconsistent_value", "n") == 2
    assert stat(run, "东城区", "flag", "missing_sections", "n") == 2
    assert len(_t(run, "flags")) == 12


def test_flags_name_the_problem(run):
    f = _t(run, "flags")
    by = {(r.report_id, r.code): r for r in f.itertuples()}
    assert set(by) == {
        ("e2#0", "missing_sections"), ("e2#0", "placeholders"), ("e2#0", "inconsistent_value"),
        ("e2#1", "missing_sections"), ("e2#1", "no_facts"), ("e2#1", "wrong_year"),
        ("w1#0", "inconsistent_value"), ("w1#0", "near_duplicate"), ("w2#0", "near_duplicate"),
        ("loose#0", "branch_unknown"), ("loose#0", "year_missing")}
    assert "维权" in by[("e2#0", "missing_sections")].message
    assert "2 处占位符" in by[("e2#0", "placeholders")].message
    assert "建会率120%" in by[("e2#0", "inconsistent_value")].message
    assert "2023" in by[("e2#1", "wrong_year")].message
    assert by[("w1#0", "near_duplicate")].twin_report_id == "w2#0"
    assert by[("w2#0", "near_duplicate")].twin_report_id == "w1#0"
    assert by[("w1#0", "near_duplicate")].similarity >= 0.8
    assert "西城二街道工会" in by[("w1#0", "near_duplicate")].message
    w1 = f[(f.report_id == "w1#0") & (f.code == "inconsistent_value")].message.tolist()
    assert any("新发展会员多于会员总数" in m for m in w1)
    assert any("2亿元" in m for m in w1)


def test_reports_table_records_how_the_branch_was_found(run):
    r = _t(run, "reports").set_index("report_id")
    assert r.loc["e1#0", "branch_source"] == "manifest"
    assert (r.loc["b1#0", "district"], r.loc["b1#0", "branch_source"]) == ("北城区", "folder")
    assert pd.isna(r.loc["loose#0", "district"]) and r.loc["loose#0", "branch_source"] == "org"
    assert r.loc["e2#0", "complete"] is False or r.loc["e2#0", "complete"] == False  # noqa: E712
    assert r.loc["e2#0", "n_flags"] == 3


def test_a_one_season_collection_is_described_whole():
    """Reports of different branches, each stating its own year in its text (or a
    collection file of one branch, its reports each about their own year), are one
    season: no year comparison, statistics of every report. Years from year folders,
    or a branch sending files of two years, make a multi-season run: the latest."""
    from types import SimpleNamespace as NS

    import pandas as pd

    from pipeline.aggregate.stats import latest_season
    from pipeline.aggregate.years import multi_season

    def line(branch, path, year, source="text"):
        return NS(branch=NS(branch_id=branch), path=path, year=year, year_source=source)

    one_season = [line("B1", "a.txt", 2019), line("B2", "b.txt", 2023),
                  line("B3", "c.txt", 2024), line("B3", "c.txt", 2021)]  # c: a collection
    assert not multi_season(one_season)
    assert multi_season([line("B1", "2023/a.txt", 2023, "folder"),
                         line("B2", "2024/b.txt", 2024, "folder")])
    assert multi_season([line("B1", "a23.txt", 2023), line("B1", "a24.txt", 2024)])

    reps = pd.DataFrame({"report_id": ["a", "b", "c"],
                         "report_year": pd.array([2019, 2023, 2024], dtype="Int64")})
    kept, year = latest_season(False, reps)
    assert year is None and list(kept["report_id"]) == ["a", "b", "c"]
    kept, year = latest_season(True, reps)
    assert year == 2024 and list(kept["report_id"]) == ["c"]
