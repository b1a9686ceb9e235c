"""Objects counted with a count unit (健身器材8件, 送班中餐14.6万份, 20件酒): not counts.

件/份/个/支 also count cases, proposals and documents (提案15件, 集体合同56份), so the
counted noun decides, from the vocabulary in data/object_nouns.yaml.
"""
from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from pipeline.extract.numerals import load_data


class _Objects(NamedTuple):
    units: frozenset[str]
    before: re.Pattern     # a noun (after optional glue) ending where the number starts
    after: re.Pattern      # a short modifier and a noun ending its phrase, right of the unit


@cache
def _objects() -> _Objects:
    data = load_data("object_nouns.yaml")

    def alt(words, reverse=False):
        words = [w[::-1] if reverse else w for w in words]
        return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    ends = re.escape(data["phrase_ends"])
    gap = int(data["after_gap"])
    # matched on the reversed left text: "ends right before the number" is a match
    # at the start of the reversed string
    before = re.compile(rf"\s*(?:(?:{alt(data['glue'], True)})\s*)?(?:{alt(data['nouns'], True)})")
    after = re.compile(rf"[\u4e00-\u9fff]{{0,{gap}}}?(?:{alt(data['nouns'])})"
                       rf"(?=[^\u4e00-\u9fff]|[{ends}]|$)")
    return _Objects(frozenset(data["units"]), before, after)


LOOK_BACK = 12  # longest glue + noun, with a blank or two


def counts_object(norm: str, lead: int, unit_end: int, unit: str) -> bool:
    """The figure norm[lead:unit_end] counts objects: a listed noun ends right before
    it (配置健身器材8件, 礼品共计300份) or ends the phrase right after its unit
    (20件酒、, 500份爱心早餐,)."""
    o = _objects()
    if unit not in o.units:
        return False
    left = norm[max(0, lead - LOOK_BACK):lead][::-1]
    if o.before.match(left):
        return True
    return o.after.match(norm, unit_end, min(len(norm), unit_end + 16)) is not None
