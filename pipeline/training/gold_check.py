"""Is a gold file of the annotation contract usable as training data?

The checks of the referee's validator (shared/eval/validate_gold.py), written
here against the project's own contract (`schemas.report`), so training never
imports from ../shared: start lines within the text and in order, every label
in its vocabulary, every fact's text in the source (at its offsets when it has
them), a numeric value for counts, rates and amounts. Problems are worded for
the analyst (Chinese); each names the report it is about.
"""
from __future__ import annotations

from schemas.report import (ORG_TYPES, SECTION_LABELS, ActivityType, AwardLevel, CountMetric,
                            CountUnit, Currency, RateMetric)

FACT_TYPES = ("count", "rate", "amount", "award", "activity", "placeholder")
_VALUED = ("count", "rate", "amount")
# (fact type, field) -> the values the contract allows
FIELD_VOCAB: dict[tuple[str, str], frozenset] = {
    ("count", "metric"): frozenset(CountMetric.__args__),
    ("count", "unit"): frozenset(CountUnit.__args__),
    ("rate", "metric"): frozenset(RateMetric.__args__),
    ("amount", "currency"): frozenset(Currency.__args__),
    ("award", "level"): frozenset(AwardLevel.__args__),
    ("activity", "activity_type"): frozenset(ActivityType.__args__),
}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_gold(doc, text: str) -> list[str]:
    """Problems of gold document `doc` (parsed JSON) against its source `text`; [] when
    it is usable."""
    if not isinstance(doc, dict) or not isinstance(doc.get("reports"), list):
        return ["不是标注文件：缺少 reports 列表"]
    problems: list[str] = []
    n_lines = text.count("\n") + 1
    starts = []
    for i, rep in enumerate(doc["reports"]):
        where = f"第 {i + 1} 篇报告"
        if not isinstance(rep, dict):
            problems.append(f"{where}：不是 JSON 对象")
            continue
        sl = rep.get("start_line")
        if not _is_int(sl) or not 1 <= sl <= n_lines:
            problems.append(f"{where}：start_line {sl!r} 不在原文的 1–{n_lines} 行之内")
        else:
            starts.append(sl)
        if rep.get("org_type") is not None and rep.get("org_type") not in ORG_TYPES:
            problems.append(f"{where}：org_type {rep.get('org_type')!r} 不在词表中")
        for s in rep.get("sections") or []:
            if s not in SECTION_LABELS:
                problems.append(f"{where}：板块 {s!r} 不在词表中")
        for f in rep.get("facts") or []:
            problems += _fact_problems(f, text, where)
    if starts != sorted(starts):
        problems.append(f"报告没有按行号排列：{starts}")
    return problems


def _fact_problems(f, text: str, where: str) -> list[str]:
    if not isinstance(f, dict):
        return [f"{where}：事实不是 JSON 对象"]
    t = f.get("type")
    if t not in FACT_TYPES:
        return [f"{where}：事实类型 {t!r} 不在词表中"]
    out = []
    span = f.get("text")
    if not isinstance(span, str) or not span or span not in text:
        out.append(f"{where}：{t} 的文字 {span!r} 不在原文中")
    elif "start" in f and not (_is_int(f["start"]) and _is_int(f.get("end"))
                               and text[f["start"]:f["end"]] == span):
        out.append(f"{where}：{t} 的位置 {f.get('start')}–{f.get('end')} 处不是 {span!r}")
    for (ftype, key), vocab in FIELD_VOCAB.items():
        if ftype == t and key in f and f[key] not in vocab:
            out.append(f"{where}：{t} 的 {key} {f[key]!r} 不在词表中")
    value = f.get("value")
    if t in _VALUED and (not isinstance(value, (int, float)) or isinstance(value, bool)):
        out.append(f"{where}：{t} {span!r} 没有数值")
    return out
