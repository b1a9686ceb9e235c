"""`ghminer eval` applies the contract's scoring rules."""
import json
from pathlib import Path

from pipeline.evaluate import load_gold, pair_reports, score

GOLD = Path(__file__).resolve().parents[2] / "shared" / "gold" / "dev"


def _gold(tmp_path: Path) -> dict:
    doc = {"source": "x.txt", "reports": [
        {"start_line": 2, "org": "桂园街道总工会", "org_type": "street",
         "sections": ["org_building", "rights"], "facts": [
             {"type": "count", "text": "会员共计1438人", "value": 1438, "unit": "人",
              "metric": "members", "approx": False},
             {"type": "amount", "text": "53万元", "value": 530000, "currency": "CNY", "approx": False},
             {"type": "award", "text": "荣获省“五一劳动奖章”荣誉称号", "name": "五一劳动奖章",
              "level": "provincial", "recipient": "何正民"},
             {"type": "placeholder", "text": "xx"}]},
        {"start_line": 30, "org": None, "org_type": "school", "sections": ["plan"], "facts": []}]}
    (tmp_path / "x.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return load_gold(tmp_path)


def test_gold_against_itself_is_perfect(tmp_path):
    gold = _gold(tmp_path)
    res = score(gold, gold)
    assert res["split"]["f1"] == 1.0 and res["facts_all"]["f1"] == 1.0
    assert res["sections"]["f1"] == 1.0 and res["org_type_acc"] == 1.0 and res["leaks"] == 0


def test_units_names_and_award_containment(tmp_path):
    gold = _gold(tmp_path)
    pred = json.loads(json.dumps(gold))
    facts = pred["x.txt"][0]["facts"]
    facts[0]["unit"] = "名"                      # 名 == 人
    facts[2]["name"] = "“五一劳动奖章”称号"         # quotes and suffix ignored
    facts[1]["value"] = 53                       # wrong base unit
    res = score(pred, gold)
    assert res["count"]["tp"] == 1 and res["award"]["tp"] == 1 and res["amount"]["tp"] == 0


def test_masked_value_counts_as_leak(tmp_path):
    gold = _gold(tmp_path)
    pred = json.loads(json.dumps(gold))
    pred["x.txt"][0]["facts"].append({"type": "count", "text": "会员xx人", "value": 0, "unit": "人"})
    assert score(pred, gold)["leaks"] == 1


def test_report_pairing_needs_half_the_lines():
    g = [{"start_line": 1}, {"start_line": 10}, {"start_line": 20}]
    p = [{"start_line": 1}, {"start_line": 18}]
    pairs = pair_reports(g, p)
    # gold 10..19: pred 1..17 is taken, pred 18.. covers 2 of its 10 lines: unpaired
    assert pairs == [(g[0], p[0]), (g[1], None), (g[2], p[1])]


def test_agrees_with_the_referee_on_perturbed_dev_predictions(tmp_path):
    """Our scorer gives the referee's figures (../shared/eval/score.py) on a damaged copy of gold."""
    import subprocess
    import sys

    import pytest
    referee = GOLD.parents[1] / "eval" / "score.py"
    if not referee.exists():
        pytest.skip("../shared not beside the repo")
    gold = load_gold(GOLD)
    lines = []
    for k, (src, reps) in enumerate(sorted(gold.items())):
        for j, rep in enumerate(reps):
            rep = json.loads(json.dumps(rep))
            rep["source"] = src
            rep["facts"] = rep["facts"][j % 2::2] if k % 2 else rep["facts"][:-1]
            if j == 1:
                rep["start_line"] += 1
            rep["sections"] = rep["sections"][1:]
            lines.append(json.dumps(rep, ensure_ascii=False))
    pred_path = tmp_path / "pred.jsonl"
    pred_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = subprocess.run([sys.executable, str(referee), "--pred", str(pred_path), "--gold", str(GOLD),
                          "--json"], capture_output=True, text=True, check=True)
    theirs = json.loads(out.stdout)
    from pipeline.evaluate import load_pred
    ours = score(load_pred(pred_path), gold)
    for key in ("split", "sections", "count", "rate", "amount", "award", "activity", "placeholder",
                "facts_all"):
        assert ours[key] == theirs[key], key
    assert ours["attr_acc"] == theirs["attr_acc"]
    assert (ours["org_acc"], ours["org_type_acc"]) == (theirs["org_acc"], theirs["org_type_acc"])


def test_errors_are_broken_down_by_cause(tmp_path):
    from pipeline.evaluate import format_causes

    gold = _gold(tmp_path)
    pred = json.loads(json.dumps(gold))
    rep = pred["x.txt"][0]
    rep["start_line"] = 1                         # boilerplate line taken as the start
    pred["x.txt"].insert(1, {"start_line": 25, "sections": [], "facts": []})  # cut in two
    rep["sections"] = ["org_building", "plan"]    # plan over-predicted, rights missed
    rep["org"] = None
    facts = rep["facts"]
    facts[1]["value"] = 53                        # same text, wrong value
    facts[0]["metric"] = "other"                  # members -> other
    facts.append({"type": "count", "text": "第3名", "value": 3, "unit": "名"})  # not a fact
    res = score(pred, gold)
    c = res["causes"]
    assert c["split"] == {"start misplaced by a few lines (repeated title, byline, marker line)": 1,
                          "one report cut in two (extra start inside a report)": 1}
    assert c["amount"] == {"missed: same text, different value/currency": 1,
                           "spurious: same text, different value/currency": 1}
    assert c["count"] == {"spurious: not a fact in gold": 1}
    assert c["count.metric"] == {"members -> other": 1}
    assert c["sections"] == {"plan predicted, not in gold": 1, "rights in gold, missed": 1}
    assert c["org"] == {"org not found (pred null)": 1}
    text = format_causes(res)
    assert "amount (2): missed: same text, different value/currency x1" in text
