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
    signed: re.Pattern          # ¥5000, $300, 人民币2000元, RMB 5000
    currencies: dict[str, str]
    signs: dict[str, str]
    not_followed: tuple[str, ...]
    not_followed_by_currency: dict[str, tuple[str, ...]]
    foreign_before: tuple[str, ...]
    fractions: dict[str, float]


@cache
def _vocab() -> _Vocab:
    a = load_data("units.yaml")["amount"]
    currencies: dict[str, str] = a["currencies"]
    signs: dict[str, str] = a["sign_currencies"]
    fractions: dict[str, float] = a["fractions"]
    cur_alt = "|".join(sorted(map(re.escape, currencies), key=len, reverse=True))
    # 50万元以上, 50万元(含)以上
    tail = r"(?P<post>(?:[(（]含[)）])?(?:左右|以上|以下|上下))?"
    # 3000元至5000元: a range written with the currency on both ends
    upper = rf"(?P<upper> ?[-~～—–至到] ?{NUMBER}(?: ?[余多])? ?(?:{cur_alt}))?"
    digit = "[1-9一二两三四五六七八九]"
    jiao, fen = (re.escape(k) for k in sorted(fractions, key=fractions.get, reverse=True))
    # …元一角七分: sub-units of 元 (a 分 only after a 角, else it may be a score)
    frac = rf"(?:(?P<jiao>{digit}){jiao}(?:(?P<fen>{digit}){fen})?)?"
    candidate = re.compile(
        rf"(?P<num>{RANGE})(?: ?(?P<q>[余多来]))? ?(?P<cur>{cur_alt}){frac}{upper}{tail}")
    sign_alt = "|".join(sorted(map(re.escape, signs), key=len, reverse=True))
    signed = re.compile(rf"(?P<sign>{sign_alt}) ?(?P<num>{RANGE})(?: ?(?P<q>[余多]))?"
                        rf"(?P<cur>元)?{tail}")
    return _Vocab(candidate, signed, currencies, signs, tuple(a["not_followed_by"]),
                  {c: tuple(w) for c, w in a["not_followed_by_currency"].items()},
                  tuple(a["foreign_before"]), fractions)


def _fraction(m: re.Match) -> float:
    """0.17 for 一角七分 after the 元 of the match, 0 when there is none."""
    v = _vocab()
    jiao, fen = (f for _, f in sorted(v.fractions.items(), key=lambda kv: -kv[1]))
    out = 0.0
    for group, unit in (("jiao", jiao), ("fen", fen)):
        d = m.group(group)
        if d:
            parsed = parse_number(d)
            out += (parsed.value if parsed else 0) * unit
    return out


def _fact(doc: SourceDoc, lead: int, span_e: int, quantity: str, currency: str,
          post: str | None, extra: float = 0.0) -> AmountFact | None:
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
    value = round(parsed.value + extra, 2)
    return AmountFact(text=text, start=lead, end=span_e, line=doc.line_of(lead),
                      value=int(value) if value.is_integer() else value,
                      currency=currency, approx=parsed.approx or bool(post))


def _foreign_before(norm: str, lead: int, start: int, names: tuple[str, ...]) -> bool:
    """港币100元: another currency named right before the number."""
    left = norm[max(start, lead - 4):lead].rstrip(" ")
    return left.endswith(names)


def extract(doc: SourceDoc, start: int, end: int, ctx: ExtractContext | None = None
            ) -> list[AmountFact]:
    norm = doc.norm
    v = _vocab()
    facts: list[AmountFact] = []
    taken: set[int] = set()  # number starts already read after a currency sign
    if any(c in norm[start:end] for c in v.signs):  # a cheap test before the regex
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
        cur = m.group("cur")
        if norm.startswith(v.not_followed, m.end("cur")) \
                or norm.startswith(v.not_followed_by_currency.get(cur, ()), m.end("cur")):
            continue
        if _foreign_before(norm, lead, start, v.foreign_before):
            continue
        f = _fact(doc, lead, m.end(), norm[lead:m.end("cur")], v.currencies[cur],
                  m.group("post") or m.group("upper"), _fraction(m))
        if f is not None:
            facts.append(f)
    facts.sort(key=lambda f: f.start)
    return facts
