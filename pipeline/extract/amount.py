"""Amount facts: money in 元/万元/亿元/美元/万美元 (or after ¥/$), value in the base unit."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipeline.document import SourceDoc
from pipeline.extract.context import ExtractContext
from pipeline.extract.masks import contains_mask, touches_mask
from pipeline.extract.numerals import (MAGNITUDES, NUMBER, RANGE, is_lone_capital, load_data,
                                       parse_number, quantity_matches)
from schemas.report import AmountFact

# written as the bare character, 一元/二元 are words (一元化, 二元结构), not sums
VAGUE_NUMERALS = frozenset("一二")
BARE_WITH_QUALIFIER = frozenset(["百", "千"])  # 千余元 is a sum, a bare 万/亿 is not


@dataclass(frozen=True)
class _Vocab:
    candidate: re.Pattern       # number [余/多] currency, matched at a number run
    signed: re.Pattern          # ¥5000, $300
    currencies: dict[str, str]
    signs: dict[str, str]
    not_followed: tuple[str, ...]


@cache
def _vocab() -> _Vocab:
    a = load_data("units.yaml")["amount"]
    currencies: dict[str, str] = a["currencies"]
    signs: dict[str, str] = a["sign_currencies"]
    cur_alt = "|".join(sorted(map(re.escape, currencies), key=len, reverse=True))
    tail = r"(?P<post>左右|以上|以下|上下)?"
    # 3000元至5000元: a range written with the currency on both ends
    upper = rf"(?P<upper> ?[-~～—–至到] ?{NUMBER}(?: ?[余多])? ?(?:{cur_alt}))?"
    candidate = re.compile(
        rf"(?P<num>{RANGE})(?: ?(?P<q>[余多来]))? ?(?P<cur>{cur_alt}){upper}{tail}")
    sign_cls = "".join(re.escape(c) for c in signs)
    signed = re.compile(rf"(?P<sign>[{sign_cls}]) ?(?P<num>{RANGE})(?: ?(?P<q>[余多]))?"
                        rf"(?P<cur>元)?{tail}")
    return _Vocab(candidate, signed, currencies, signs, tuple(a["not_followed_by"]))


def _fact(doc: SourceDoc, lead: int, span_e: int, quantity: str, currency: str,
          post: str | None) -> AmountFact | None:
    if touches_mask(doc.norm, lead, span_e):
        return None
    parsed = parse_number(quantity)
    if parsed is None:
        return None
    if doc.noise and doc.is_noise(lead, span_e):
        return None
    text = doc.text[lead:span_e]
    if contains_mask(text):
        return None
    value = round(parsed.value, 2)
    return AmountFact(text=text, start=lead, end=span_e, line=doc.line_of(lead),
                      value=int(value) if value.is_integer() else value,
                      currency=currency, approx=parsed.approx or bool(post))


def extract(doc: SourceDoc, start: int, end: int, ctx: ExtractContext | None = None
            ) -> list[AmountFact]:
    norm = doc.norm
    v = _vocab()
    facts: list[AmountFact] = []
    taken: set[int] = set()  # number starts already read after a currency sign
    if any(c in norm[start:end] for c in v.signs):
        for m in v.signed.finditer(norm, start, end):
            num = m.group("num")
            if num in VAGUE_NUMERALS or all(c in MAGNITUDES for c in num):
                continue
            quantity = norm[m.start("num"):m.end("cur") if m.group("cur") else m.end("num")] \
                + (m.group("q") or "")
            f = _fact(doc, m.start(), m.end(), quantity, v.signs[m.group("sign")], m.group("post"))
            if f is not None:
                taken.add(m.start("num"))
                facts.append(f)
    for m, lead, prefix in quantity_matches(norm, start, end, v.candidate):
        if m.start("num") in taken:
            continue
        before = norm[lead - 1] if lead > 0 else ""
        if before.isdigit() or before == "." or before == "第":
            continue
        num = m.group("num")
        if is_lone_capital(num):
            continue
        if not prefix and (num in VAGUE_NUMERALS or (all(c in MAGNITUDES for c in num) and not (
                m.group("q") and num in BARE_WITH_QUALIFIER))):
            continue  # 过亿元, 一元化, 万余元 (digits deleted from a template): no figure
        if norm.startswith(v.not_followed, m.end("cur")):
            continue
        f = _fact(doc, lead, m.end(), norm[lead:m.end("cur")], v.currencies[m.group("cur")],
                  m.group("post") or m.group("upper"))
        if f is not None:
            facts.append(f)
    facts.sort(key=lambda f: f.start)
    return facts
