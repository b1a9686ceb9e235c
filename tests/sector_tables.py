"""The invented sector sentence tables (tests/fixtures/award_sentences.csv,
activity_sentences.csv): rows, and the differences between a row's gold and
what an extractor found, compared as the referee compares them (award names
equal or one inside the other; recipients likewise; dates exact)."""
from __future__ import annotations

import csv
import re
from pathlib import Path

FIXTURES = Path(__file__).with_name("fixtures")
_QUOTES = re.compile(r"[“”\"「」『』《》‘’]")


def rows(name: str) -> list[dict]:
    """Rows of a table, comment lines (#) skipped."""
    with open(FIXTURES / name, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    out = list(csv.DictReader(lines))
    for r in out:
        r["text"] = r["text"].replace("\\n", "\n")   # (a line break written as \n)
    return out


def _split(field: str) -> list[str]:
    return field.split("|") if field else []


def _plain(s: str | None) -> str:
    return _QUOTES.sub("", s or "").replace(" ", "")


def _same_name(a: str, b: str) -> bool:
    a, b = _plain(a), _plain(b)
    return bool(a and b) and (a == b or a in b or b in a)


def award_problems(row: dict, facts: list) -> list[str]:
    """What differs between a row's gold awards and the facts found (empty: all right)."""
    names, levels, recips = _split(row["names"]), _split(row["levels"]), _split(row["recipients"])
    out = []
    if len(facts) != len(names):
        return [f"{len(facts)} awards found, {len(names)} expected: {[(f.name, f.level, f.recipient) for f in facts]}"]
    for f, name, level, recip in zip(facts, names, levels, recips):
        if not _same_name(f.name, name):
            out.append(f"name {f.name!r} != {name!r}")
        if level != "*" and f.level != level:
            out.append(f"level of {name}: {f.level} != {level}")
        if recip == "-" and f.recipient:
            out.append(f"recipient of {name}: {f.recipient!r} != null")
        elif recip not in ("*", "-") and not _same_name(f.recipient or "", recip):
            out.append(f"recipient of {name}: {f.recipient!r} != {recip!r}")
    return out


def activity_problems(row: dict, facts: list) -> list[str]:
    """What differs between a row's gold activities and the facts found."""
    dates, types = _split(row["dates"]), _split(row["types"])
    got = [f.date for f in facts]
    if got != dates:
        return [f"dates {got} != {dates}"]
    return [f"type of {d}: {f.activity_type} != {t}" for f, d, t in zip(facts, dates, types)
            if t != "*" and f.activity_type != t]
