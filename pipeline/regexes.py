"""A vocabulary of many regexes tested as one: `AnyOf(patterns).search(text)`.

One big alternation `(?:p1)|(?:p2)|...` is slow in Python's `re`: at every
position of the text every branch is tried, and no branch's literal prefix
can speed the scan. `AnyOf` keeps the same yes/no answer but tests
- the patterns anchored at the start (`^...`) as one alternation, once, at
  position 0 (`match`);
- every other pattern on its own, so `re` can skip ahead with its literal
  prefix (`小编|范文网|...` scans for 小 / 范 only).
On report lines this is about twice as fast as the alternation.
"""
from __future__ import annotations

import re

try:  # Python >= 3.11
    from re import _constants as _C
    from re import _parser as _P
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _C
    import sre_parse as _P


def anchored_at_start(pattern: str) -> bool:
    """Can every match of `pattern` only start at position 0 (every branch opens with ^)?"""
    def check(items) -> bool:
        if not len(items):
            return False
        op, av = items[0]
        if op is _C.AT:
            return av is _C.AT_BEGINNING
        if op is _C.BRANCH:
            return all(check(b) for b in av[1])
        if op is _C.SUBPATTERN:
            return check(av[-1])
        return False
    try:
        return check(_P.parse(pattern))
    except re.error:
        return False


class AnyOf:
    """Does any of `patterns` match somewhere in a text? (Same answer as the union.)"""

    def __init__(self, patterns: list[str]):
        self.patterns = list(patterns)
        at_start = [p for p in self.patterns if anchored_at_start(p)]
        self.at_start = re.compile("|".join(f"(?:{p})" for p in at_start)) if at_start else None
        self.anywhere = [re.compile(p) for p in self.patterns if p not in at_start]

    def search(self, text: str) -> bool:
        if self.at_start is not None and self.at_start.match(text):
            return True
        for rx in self.anywhere:
            if rx.search(text):
                return True
        return False
