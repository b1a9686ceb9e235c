"""Rate facts: percentages (`84.7%`, `百分之三十`), value in percent."""
from __future__ import annotations

import re
from functools import cache

from pipeline.document import SourceDoc
from pipeline.extract.context import ExtractContext
from pipeline.extract.masks import contains_mask, touches_mask
from pipeline.extract.numerals import (ARABIC, CN_NUM_CHARS, left_clause, load_data, parse_number,
                                       quantity_matches)
from schemas.report import RateFact

MAX_CUE_GAP = 10  # a cue further left than this is not put in `text`


@cache
def _vocab():
    data = load_data("rate_metrics.yaml")
    rules = tuple((r["metric"], re.compile(r["cues"])) for r in data["rules"])
    candidate = re.compile(
        rf"(?:(?P<num>(?<![\d.]){ARABIC}(?: ?[-~～—–至到] ?{ARABIC})?"
        rf"|(?<![{CN_NUM_CHARS}])[{CN_NUM_CHARS}]+) ?[%％]"
        rf"|百分之(?P<cn>[{CN_NUM_CHARS}点]+|\d+(?:\.\d+)?))"
        rf"(?P<post>左右|以上|以下|上下)?")
    return candidate, int(data.get("window", 16)), rules


def classify_metric(left: str) -> tuple[str, int | None]:
    """Metric from the clause left of a percentage, and the cue's offset in it."""
    best, best_pos = "other", None
    for metric, rx in _vocab()[2]:
        last = None
        for m in rx.finditer(left):
            last = m
        if last is not None and (best_pos is None or last.start() > best_pos):
            best, best_pos = metric, last.start()
    return best, best_pos


def extract(doc: SourceDoc, start: int, end: int, ctx: ExtractContext | None = None
            ) -> list[RateFact]:
    norm = doc.norm
    candidate, window, _ = _vocab()
    facts: list[RateFact] = []
    for m, lead, prefix in quantity_matches(norm, start, end, candidate):
        span_e = m.end()
        before = norm[lead - 1] if lead > 0 else ""
        if before.isdigit() or before == ".":
            continue
        if touches_mask(norm, lead, span_e):
            continue
        body = m.group("num") or "百分之" + m.group("cn")
        parsed = parse_number(prefix + body)
        if parsed is None:
            continue
        ls = left_clause(norm, lead, window, start)
        metric, cue = classify_metric(norm[ls:lead])
        s = lead
        if cue is not None and lead - (ls + cue) <= MAX_CUE_GAP \
                and not contains_mask(doc.text[ls + cue:span_e]):
            s = ls + cue
        if doc.noise and doc.is_noise(s, span_e):
            continue
        text = doc.text[s:span_e]
        if contains_mask(text):
            continue
        value = parsed.value
        facts.append(RateFact(text=text, start=s, end=span_e, line=doc.line_of(s),
                              value=int(value) if value.is_integer() else value, metric=metric))
    return facts
