"""Branch manifest / roster loading and the fallback rules of the aggregate stage."""
from pathlib import Path

import pytest

from pipeline.aggregate.branches import (
    BranchFileError,
    BranchResolver,
    load_manifest,
    load_roster,
)

FIXTURE = Path(__file__).parent / "fixtures" / "districts" / "input"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_fixture_manifest_maps_files_to_branches():
    m, refused = load_manifest(FIXTURE / "manifest.csv", [FIXTURE])
    assert refused == []
    b = m[(FIXTURE / "东城区" / "e2.txt").resolve()]
    assert (b.branch_id, b.branch_name, b.district, b.expected_year, b.branch_source) == \
        ("E2", "东城二社区工会", "东城区", 2024, "manifest")
    assert len(m) == 4


def test_roster_reads_expected_branches():
    r = load_roster(FIXTURE / "roster.csv")
    assert [e.branch_id for e in r] == ["E1", "E2", "E3", "W1", "W2"]
    assert r[1].org_type == "community"


@pytest.mark.parametrize("rel", ["../../etc/passwd", "/etc/passwd", "东城区/../../x.txt"])
def test_manifest_refuses_the_row_pointing_outside_and_keeps_the_rest(tmp_path, rel):
    m = _write(tmp_path, "m.csv", "file,branch_id,branch_name,district,year\n"
                                  f"{rel},X,x,d,2024\n东城区/e1.txt,E1,a,东城区,2024\n")
    branches, refused = load_manifest(m, [FIXTURE])
    assert [b.branch_id for b in branches.values()] == ["E1"]
    assert [(r.line, r.file) for r in refused] == [(2, rel)]
    assert "outside the input folder" in refused[0].reason


def test_manifest_refuses_symlink_leading_out(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "link.txt").symlink_to("/etc/hostname")
    m = _write(tmp_path, "m.csv", "file,branch_id,branch_name,district\nlink.txt,X,x,d\n")
    branches, refused = load_manifest(m, [root])
    assert branches == {} and len(refused) == 1
    assert "resolves outside the input folder" in refused[0].reason


def test_manifest_unknown_file_names_the_row(tmp_path):
    m = _write(tmp_path, "m.csv", "file,branch_id,branch_name,district,year\n"
                                  "东城区/e1.txt,E1,a,东城区,2024\n东城区/nope.txt,E9,b,东城区,2024\n")
    with pytest.raises(BranchFileError, match=r"line 3: unknown file '东城区/nope.txt'"):
        load_manifest(m, [FIXTURE])


def test_manifest_missing_column(tmp_path):
    m = _write(tmp_path, "m.csv", "file,branch_id,district\n东城区/e1.txt,E1,东城区\n")
    with pytest.raises(BranchFileError, match="missing column.*branch_name"):
        load_manifest(m, [FIXTURE])


def test_manifest_duplicate_file_and_conflicting_branch(tmp_path):
    dup = _write(tmp_path, "d.csv", "file,branch_id,branch_name,district\n"
                                    "东城区/e1.txt,E1,a,东城区\n东城区/e1.txt,E1,a,东城区\n")
    with pytest.raises(BranchFileError, match="duplicate row for file"):
        load_manifest(dup, [FIXTURE])
    clash = _write(tmp_path, "c.csv", "file,branch_id,branch_name,district\n"
                                      "东城区/e1.txt,E1,a,东城区\n东城区/e2.txt,E1,a,西城区\n")
    with pytest.raises(BranchFileError, match="duplicate branch_id 'E1'"):
        load_manifest(clash, [FIXTURE])


def test_manifest_bad_year(tmp_path):
    m = _write(tmp_path, "m.csv", "file,branch_id,branch_name,district,year\n东城区/e1.txt,E1,a,b,二〇二四\n")
    with pytest.raises(BranchFileError, match="not a number"):
        load_manifest(m, [FIXTURE])


def test_roster_duplicate_and_bad_org_type(tmp_path):
    dup = _write(tmp_path, "r.csv", "branch_id,branch_name,district,org_type\nA,a,d,street\nA,b,d,street\n")
    with pytest.raises(BranchFileError, match=r"line 3: duplicate branch 'A'"):
        load_roster(dup)
    bad = _write(tmp_path, "r2.csv", "branch_id,branch_name,district,org_type\nA,a,d,factory\n")
    with pytest.raises(BranchFileError, match="org_type 'factory'"):
        load_roster(bad)
    nocol = _write(tmp_path, "r3.csv", "branch_id,branch_name\nA,a\n")
    with pytest.raises(BranchFileError, match="missing column.*district"):
        load_roster(nocol)


def test_resolver_fallbacks_never_guess():
    roster = load_roster(FIXTURE / "roster.csv")
    res = BranchResolver([FIXTURE], load_manifest(FIXTURE / "manifest.csv", [FIXTURE]).branches,
                         roster)
    # manifest first
    assert res.resolve(str(FIXTURE / "西城区" / "w1.txt"), "别的名字").branch_id == "W1"
    # folder convention DISTRICT/BRANCH/file
    b = res.resolve(str(FIXTURE / "北城区" / "光明社区" / "b1.txt"), None)
    assert (b.district, b.branch_name, b.branch_source) == ("北城区", "光明社区", "folder")
    # org text matching the roster finds the district
    b = res.resolve(str(FIXTURE / "loose.txt"), "东城三街道工会")
    assert (b.branch_id, b.district, b.branch_source) == ("E3", "东城区", "org")
    # org text not in the roster: the name is kept, the district stays unknown
    b = res.resolve(str(FIXTURE / "loose.txt"), "红星镇总工会")
    assert (b.branch_name, b.district, b.branch_source) == ("红星镇总工会", None, "org")
    # nothing at all
    b = res.resolve(str(FIXTURE / "loose.txt"), None)
    assert (b.branch_id, b.district, b.branch_source) == (None, None, "unknown")


def test_sample_corpus_manifest_and_roster_load():
    corpora = Path(__file__).resolve().parents[1] / "corpora"
    # every text of the sample corpus folders the manifest covers (heldout/ joined later)
    folders = [corpora / d for d in ("seeds", "synthetic", "heldout") if (corpora / d).is_dir()]
    m, _ = load_manifest(corpora / "manifest.csv", folders)
    assert len(m) == sum(len(list(d.glob("*.txt"))) for d in folders)
    roster = load_roster(corpora / "roster.csv")
    submitted = {b.branch_id for b in m.values()}
    assert [e.branch_id for e in roster if e.branch_id not in submitted] == ["B08"]


def test_comments_keep_line_numbers(tmp_path):
    m = _write(tmp_path, "m.csv", "# note\nfile,branch_id,branch_name,district\n# other\n"
                                  "东城区/e1.txt,E1,a,东城区\n\n东城区/x.txt,E2,b,东城区\n")
    with pytest.raises(BranchFileError, match="line 6: unknown file"):
        load_manifest(m, [FIXTURE])


def test_manifest_folder_counts_as_root_only_above_the_inputs(tmp_path):
    # corpora-style: manifest one level above the input folder
    top = tmp_path / "top"
    (top / "in").mkdir(parents=True)
    (top / "in" / "a.txt").write_text("x", encoding="utf-8")
    man = _write(top, "manifest.csv", "file,branch_id,branch_name,district\nin/a.txt,A,a,d\n")
    assert len(load_manifest(man, [top / "in"]).branches) == 1
    # a manifest elsewhere cannot reach files beside it
    other = tmp_path / "other"
    other.mkdir()
    (other / "secret.txt").write_text("x", encoding="utf-8")
    man2 = _write(other, "manifest.csv", "file,branch_id,branch_name,district\nsecret.txt,A,a,d\n")
    with pytest.raises(BranchFileError, match="unknown file"):
        load_manifest(man2, [top / "in"])


def test_validate_inputs_fails_fast_before_a_run(tmp_path):
    from pipeline.aggregate import PolicyError, validate_inputs

    validate_inputs([FIXTURE])  # picks up manifest.csv and roster.csv, all valid
    bad = _write(tmp_path, "m.csv", "file,branch_id,branch_name,district\n/etc/passwd,X,x,d\n")
    refused = validate_inputs([FIXTURE], branch_manifest=bad)  # refused, not fatal
    assert [(r.line, r.file) for r in refused] == [(2, "/etc/passwd")]
    unknown = _write(tmp_path, "u.csv", "file,branch_id,branch_name,district\nnope.txt,X,x,d\n")
    with pytest.raises(BranchFileError, match="unknown file"):
        validate_inputs([FIXTURE], branch_manifest=unknown)
    with pytest.raises(BranchFileError, match="file not found"):
        validate_inputs([FIXTURE], roster=tmp_path / "nope.csv")
    pol = _write(tmp_path, "p.toml", "[required\n")
    with pytest.raises(PolicyError, match="cannot read policy"):
        validate_inputs([FIXTURE], policy=pol)
