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


def first_chars(pattern: str) -> str | None:
    """A character class (`[...]`) holding every character a match of `pattern` can
    start with, or None when that is not known (an empty match, a lookaround, an
    anchor, `.`, a category like \\d, a case-insensitive flag...)."""
    def first(items) -> tuple[list[str], bool] | None:
        """(class parts, the sequence can match empty)"""
        parts: list[str] = []
        for op, av in items:
            if op is _C.LITERAL:
                return parts + [re.escape(chr(av))], False
            if op is _C.IN:
                sub = []
                for iop, iav in av:
                    if iop is _C.LITERAL:
                        sub.append(re.escape(chr(iav)))
                    elif iop is _C.RANGE:
                        sub.append(re.escape(chr(iav[0])) + "-" + re.escape(chr(iav[1])))
                    else:
                        return None
                return parts + sub, False
            if op is _C.SUBPATTERN:
                if av[1] or av[2]:  # inline flags
                    return None
                got = first(av[-1])
            elif op is _C.BRANCH:
                got = ([], False)
                for b in av[1]:
                    r = first(b)
                    if r is None:
                        return None
                    got = (got[0] + r[0], got[1] or r[1])
            elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
                r = first(av[2])
                if r is None:
                    return None
                got = (r[0], r[1] or av[0] == 0)
            else:
                return None
            if got is None:
                return None
            parts += got[0]
            if not got[1]:
                return parts, False
        return parts, True
    try:
        parsed = _P.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    got = first(parsed)
    if got is None or got[1] or not got[0]:
        return None
    return "[" + "".join(got[0]) + "]"


def guarded(pattern: str) -> str:
    """`pattern` behind a lookahead on its first character: the same matches, but
    `re` skips positions that cannot start one without trying every branch there."""
    cls = first_chars(pattern)
    return pattern if cls is None else f"(?={cls})(?:{pattern})"


def holds_one_of(pattern: str, literals: list[str]) -> bool:
    """Does every match of `pattern` contain one of `literals`? (A safe 'no' when
    unsure: only the literal runs a match cannot skip are looked at.)"""
    def holds(items) -> bool:
        run = ""
        for op, av in items:
            if op is _C.LITERAL:
                run += chr(av)
                if any(lit in run for lit in literals):
                    return True
                continue
            run = ""
            if op is _C.SUBPATTERN:
                if not (av[1] or av[2]) and holds(av[-1]):
                    return True
            elif op is _C.BRANCH:
                if all(holds(b) for b in av[1]):
                    return True
            elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
                if av[0] >= 1 and holds(av[2]):
                    return True
        return False
    literals = [lit for lit in literals if lit]
    try:
        parsed = _P.parse(pattern)
    except re.error:
        return False
    if not literals or parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return False
    return holds(parsed)
