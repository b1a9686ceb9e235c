"""Corrections become training data: a tiny run of two invented reports is corrected
through the journal (as the workbench does), exported with `ghminer corrections
export` and trained on with `ghminer train --corrections`. The examples each model is
built from hold the corrected files under their own group, with the corrected labels;
a corrected copy of a repo text replaces that text's gold; unusable folders are
refused with the path named, before any model is written."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app as cli_app
from pipeline.corrections import append_entry, new_entry
from pipeline.training import boundary, metrics, sections
from pipeline.training.sources import CORPORA, GoldFile

# Invented reports (our own writing).
DONGFENG = """东风街道总工会2024年工作总结

一、夯实组织基础
今年新建基层工会12个，发展新会员860人，辖区会员总数达到5400人。
二、维护职工合法权益
全年签订集体合同45份，覆盖职工5200人。
三、帮扶困难职工
走访慰问困难职工38户，发放慰问金6.2万元。
四、下一步工作打算
继续做好建会入会工作，力争新增会员500人。
"""
# two reports in one file, the second untitled after the first one's signature
XIHE = """西河镇工会2024年工作总结

一、组织建设
全镇建立工会组织26个，会员人数3100人，入会率达到93%。
二、职工文体活动
举办职工运动会2场，参加职工650人次。
三、技能培训
开展电工焊工技能培训9期，培训职工420人。
四、存在的问题
部分企业工会经费收缴不及时。

西河镇总工会
2024年12月20日

北湖村工会今年在镇工会指导下，围绕村级工会规范化建设开展工作。
一、组织建设
全村发展会员86人，建立职工之家1个。
二、帮扶工作
慰问困难职工6户，送去慰问金4800元。
"""
TARGET = "新增会员500人"  # a target for next year, not members gained: the analyst says `other`


def _invoke(*args):
    res = CliRunner().invoke(cli_app, [str(a) for a in args])
    return res


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    """(run folder, export folder, each file's reports before correction)."""
    base = tmp_path_factory.mktemp("season")
    inputs = base / "in"
    inputs.mkdir()
    (inputs / "dongfeng.txt").write_text(DONGFENG, encoding="utf-8")
    (inputs / "xihe.txt").write_text(XIHE, encoding="utf-8")
    run = base / "out"
    res = _invoke("run", inputs, "--out", run, "--workers", "0", "--no-report")
    assert res.exit_code == 0, res.output
    reports: dict[str, list[dict]] = {}
    for line in (run / "reports.jsonl").read_text(encoding="utf-8").splitlines():
        rep = json.loads(line)
        reports.setdefault(rep["source"], []).append(rep)
    sha = {Path(f["path"]).name: f["sha256"]
           for f in json.loads((run / "manifest.json").read_text(encoding="utf-8"))["files"]}

    [dongfeng] = reports["dongfeng.txt"]
    target = next(f for f in dongfeng["facts"] if f["text"] == TARGET)
    assert target["metric"] != "other", "the pipeline reads the target as a members count"
    append_entry(run, new_entry(
        "edit_fact", {"sha256": sha["dongfeng.txt"], "report_start": dongfeng["start"],
                      "type": "count", "start": target["start"], "end": target["end"]},
        after={"metric": "other"}, before={"metric": target["metric"]}))
    # the problems section of the other file's first report is taken away
    xihe = reports["xihe.txt"][0]
    append_entry(run, new_entry("set_section", {"sha256": sha["xihe.txt"],
                                                "report_start": xihe["start"]},
                                after={"label": "problems", "present": False}))
    gold = base / "season1"
    res = _invoke("corrections", "export", gold, "--run", run)
    assert res.exit_code == 0, res.output
    return run, gold, reports


@pytest.fixture()
def no_shared(monkeypatch):
    monkeypatch.setenv("GHMINER_SHARED", "none")


def test_train_records_and_uses_the_corrections_folder(season, tmp_path, no_shared):
    _, gold, _ = season
    res = _invoke("train", "--out-dir", tmp_path, "--corrections", gold, "--no-cv")
    assert res.exit_code == 0, res.output
    lines = res.stderr.splitlines()
    assert [ln.split("：")[0] for ln in lines] == [
        "训练数据 repo", "训练数据 real", "训练数据 corrections/season1"]
    assert "更正标注 2 个文件" in lines[2] and str(gold) in lines[2]
    json.loads(res.stdout)  # the models' figures stay plain JSON on stdout
    trained_on = json.loads((tmp_path / "trained_on.json").read_text(encoding="utf-8"))
    from pipeline.training import MODELS

    for name in MODELS:
        assert (tmp_path / f"{name}.npz").is_file()
        entry = trained_on[name]
        assert entry["data"] == ["repo", "corrections"]
        [folder] = entry["corrections"]
        assert folder["folder"] == "season1" and folder["files"] == 2
        assert len(folder["digest"]) == 16 and folder["replaces"] == []


def test_training_without_corrections_leaves_no_trace_of_them(season, tmp_path, no_shared):
    """The corrected season changes the models; training again without it gives the
    very files a training that never saw it gives (same bytes, no `corrections` key)."""
    _, gold, _ = season
    plain, corrected = tmp_path / "plain", tmp_path / "corrected"
    assert _invoke("train", "--out-dir", plain, "--no-cv").exit_code == 0
    assert _invoke("train", "--out-dir", corrected, "--corrections", gold, "--no-cv").exit_code == 0
    names = sorted(p.name for p in plain.iterdir() if p.suffix in (".npz", ".json"))
    from pipeline.training import MODELS

    assert [n for n in names if (plain / n).read_bytes() != (corrected / n).read_bytes()] == \
        sorted([f"{m}.npz" for m in MODELS] + ["trained_on.json"])
    assert _invoke("train", "--out-dir", corrected, "--no-cv").exit_code == 0
    assert all((plain / n).read_bytes() == (corrected / n).read_bytes() for n in names)


def test_every_model_trains_on_the_corrected_files_by_file(season, no_shared):
    _, gold, reports = season
    corr = (gold,)
    groups = {"corrections/season1/dongfeng", "corrections/season1/xihe"}
    _, by, bgroups, _ = boundary.training_data(frozenset(), False, corr)
    assert groups <= {a.group for a in boundary.annotated_texts(False, corr)}
    # the line after the first report's signature: a candidate start, labelled by the
    # second report's start line (a file of one titled report gives no candidate)
    rows = [label for label, g in zip(by, bgroups) if g == "corrections/season1/xihe"]
    assert rows and sum(rows) == boundary.REAL_WEIGHT  # one start, weighted as a real report
    _, labels, sgroups = sections.training_data(frozenset(), False, corr)
    assert groups <= set(sgroups)
    _, _, mgroups = metrics.training_data(metrics.load_files(False, corr))
    assert groups <= set(mgroups)
    # a by-file fold leaves a corrected file out whole
    _, _, held = metrics.training_data(metrics.load_files(False, corr),
                                       exclude={"corrections/season1/dongfeng"})
    assert "corrections/season1/dongfeng" not in held and "corrections/season1/xihe" in held
    # the heading of the section the analyst took away is a "none" example now
    xihe = [(t, lab) for (t, lab, g) in zip(*sections.training_data(frozenset(), False, corr))
            if g == "corrections/season1/xihe"]
    assert ("存在的问题", "none") in xihe and ("技能培训", "skills") in xihe
    doc = next(fx.doc for fx in metrics.load_files(False, corr) if fx.group == "corrections/season1/xihe")
    before = sections.heading_examples(doc, reports["xihe.txt"], "before")
    assert ("存在的问题", "problems", "before") in before


def test_a_metric_correction_changes_that_examples_training_label(season, no_shared):
    run, gold, reports = season
    corrected = next(fx for fx in metrics.load_files(False, (gold,))
                     if fx.group == "corrections/season1/dongfeng")
    at = DONGFENG.index(TARGET)
    k = next(i for i, c in enumerate(corrected.candidates) if c.start < at + len(TARGET)
             and at < c.end)
    assert corrected.gold[k] == "other"
    # the same file labelled as the pipeline left it: the pipeline's metric
    [dongfeng] = reports["dongfeng.txt"]
    before = GoldFile("before/dongfeng", corrected.doc, [dongfeng])
    was = next(f["metric"] for f in dongfeng["facts"] if f["text"] == TARGET)
    assert was != "other" and metrics.file_examples(before).gold[k] == was
    # the other counts keep the labels the analyst let stand
    assert sum(a != b for a, b in zip(corrected.gold, metrics.file_examples(before).gold)) == 1


def _corrected_repo_copy(folder: Path) -> Path:
    """A corrections folder holding a repo text (synthetic/s02_xiangzhen) with one count's
    metric changed, as if a season had corrected it."""
    (folder / "texts").mkdir(parents=True)
    shutil.copy(CORPORA / "synthetic" / "s02_xiangzhen.txt", folder / "texts")
    doc = json.loads((CORPORA / "gold" / "synthetic" / "s02_xiangzhen.json").read_text(encoding="utf-8"))
    fact = next(f for r in doc["reports"] for f in r["facts"]
                if f["type"] == "count" and f["metric"] != "other")
    fact["metric"] = "other"
    (folder / "s02_xiangzhen.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder


def test_a_corrected_training_text_replaces_its_gold(tmp_path, no_shared):
    from pipeline.training import source_summary

    corr = (_corrected_repo_copy(tmp_path / "season2"),)
    files = metrics.load_files(False, corr)
    groups = [fx.group for fx in files]
    assert "synthetic/s02_xiangzhen" not in groups and groups.count("corrections/season2/s02_xiangzhen") == 1
    assert "synthetic/s02_xiangzhen" in [fx.group for fx in metrics.load_files(False)]
    _, _, sgroups = sections.training_data(frozenset(), False, corr)
    assert "synthetic/s02_xiangzhen" not in sgroups and "corrections/season2/s02_xiangzhen" in sgroups
    texts = [a.source for a in boundary.annotated_texts(False, corr)]
    assert "synthetic/s02_xiangzhen.txt" not in texts
    line = source_summary(False, corr)[-1]
    assert "synthetic/s02_xiangzhen → corrections/season2/s02_xiangzhen" in line


def test_the_same_text_in_two_seasons_is_taken_from_the_later(tmp_path, no_shared):
    from pipeline.training.sources import load_corrections

    old = _corrected_repo_copy(tmp_path / "a" / "gold")
    new = _corrected_repo_copy(tmp_path / "b" / "gold")  # same folder name: made unique
    data = load_corrections((old, new))
    assert [f.name for f in data.folders] == ["gold", "gold~2"]
    assert [g.group for g in data.files] == ["corrections/gold~2/s02_xiangzhen"]
    assert data.folders[0].superseded == [("corrections/gold/s02_xiangzhen",
                                           "corrections/gold~2/s02_xiangzhen")]


def _bad_metric(folder: Path) -> None:
    doc_path = folder / "s02_xiangzhen.json"
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    next(f for r in doc["reports"] for f in r["facts"] if f["type"] == "count")["metric"] = "heads"
    doc_path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _no_text(folder: Path) -> None:
    (folder / "texts" / "s02_xiangzhen.txt").unlink()


def _bad_offsets(folder: Path) -> None:
    doc_path = folder / "s02_xiangzhen.json"
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    fact = next(f for r in doc["reports"] for f in r["facts"] if "start" in f)
    fact["start"] += 1
    doc_path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("spoil, says, names", [
    ("missing", "更正文件夹不存在", ""),
    ("empty", "没有标注文件", ""),
    (_bad_metric, "'heads' 不在词表中", "s02_xiangzhen.json"),
    (_bad_offsets, "的位置", "s02_xiangzhen.json"),
    (_no_text, "不存在", "texts/s02_xiangzhen.txt"),
])
def test_unusable_folders_are_refused_naming_the_path(tmp_path, no_shared, spoil, says, names):
    folder = tmp_path / "season"
    if spoil == "empty":
        folder.mkdir()
    elif spoil != "missing":
        _corrected_repo_copy(folder)
        spoil(folder)
    models = tmp_path / "models"
    res = _invoke("train", "--out-dir", models, "--corrections", folder, "--no-cv")
    assert res.exit_code == 2
    message = " ".join(res.stderr.split())
    assert "错误" in message and says in message and str(folder / names).rstrip("/") in message
    assert not models.exists(), "nothing is written before every folder is checked"


def test_corrections_never_overwrite_a_model_trained_on_gold_this_machine_lacks(
        season, tmp_path, no_shared):
    """Without the shared real gold, retraining the committed models with corrections
    would lose what they learned from it: refused, the files left as they are."""
    from pipeline.modelfile import PACKAGE_MODELS
    from pipeline.training import MANIFEST

    committed = json.loads((PACKAGE_MODELS / MANIFEST).read_text(encoding="utf-8"))
    if "real" not in committed["count_metric"]["data"]:
        pytest.skip("the committed models were trained without the shared real gold")
    models = tmp_path / "models"
    shutil.copytree(PACKAGE_MODELS, models)
    before = {p.name: p.read_bytes() for p in models.iterdir()}
    res = _invoke("train", "--out-dir", models, "--corrections", season[1], "--no-cv")
    assert res.exit_code == 2 and "共享的真实报告标注" in res.stderr
    assert {p.name: p.read_bytes() for p in models.iterdir()} == before


VALIDATE_GOLD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "validate_gold.py"


@pytest.mark.parametrize("spoil", [None, _bad_metric, _bad_offsets, _no_text])
def test_the_check_agrees_with_the_referees_validator(tmp_path, spoil):
    """The project's own gold check (no import from ../shared) refuses what the
    referee's validator refuses, and passes what it passes."""
    import subprocess
    import sys

    from pipeline.training.corrections_data import CorrectionsDataError, load_folder

    if not VALIDATE_GOLD.is_file():
        pytest.skip("shared/eval/validate_gold.py not available")
    folder = _corrected_repo_copy(tmp_path / "season")
    if spoil is not None:
        spoil(folder)
    referee = subprocess.run([sys.executable, str(VALIDATE_GOLD), str(folder), str(folder / "texts")],
                             capture_output=True, text=True)
    try:
        load_folder(folder, "season")
        ours = True
    except CorrectionsDataError:
        ours = False
    assert ours == (referee.returncode == 0) == (spoil is None), referee.stdout
