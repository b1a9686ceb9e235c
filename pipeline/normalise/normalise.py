"""Length-preserving normalisation (see the package docstring)."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

_DATA = Path(__file__).with_name("data") / "characters.yaml"
# A clause boundary: where a too-long conversion is retried piecewise.
_CLAUSE_END = re.compile(r"(?<=[。！？；，,;!?])")


@functools.cache
def _config() -> dict:
    with open(_DATA, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _expand(spec: str) -> list[str]:
    """"a-c" ranges and plain characters -> list of characters."""
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(o) for o in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return out


@functools.cache
def _table() -> dict[int, str]:
    cfg = _config()
    table: dict[int, str] = {}
    for spec in cfg["spaces"]:
        for ch in _expand(spec):
            table[ord(ch)] = " "
    for spec in cfg["fullwidth_to_ascii"]:
        for ch in _expand(spec):
            table[ord(ch)] = chr(ord(ch) - 0xFEE0)
    return table


@functools.cache
def _mapped_chars() -> re.Pattern[str]:
    """Matches any character the table changes (to skip translate when there is none)."""
    return re.compile("[" + "".join(re.escape(chr(o)) for o in sorted(_table())) + "]")


@functools.cache
def _decimal_mark() -> re.Pattern[str]:
    marks = re.escape(_config()["decimal_marks"])
    # Between digits, unless the digits after it are a date ("…3。2023年", "3。12月");
    # "．" after any digit. The mark comes first in the pattern: fast scanning.
    return re.compile(rf"[{marks}](?<=[0-9].)(?:(?<=．)|(?=[0-9]+(?![0-9年月日号时点])))")


@functools.cache
def _opencc():
    import opencc
    return opencc.OpenCC("t2s")


def _convert(text: str) -> str | None:
    """OpenCC t2s, or None when OpenCC cannot take the text (lone surrogates)."""
    try:
        return _opencc().convert(text)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


@functools.cache
def _char_t2s(ch: str) -> str:
    out = _convert(ch)
    return out if out is not None and len(out) == 1 else ch


def _t2s_piece(piece: str) -> str:
    out = _convert(piece)
    if out is not None and len(out) == len(piece):
        return out
    clauses = [c for c in _CLAUSE_END.split(piece) if c]
    if len(clauses) > 1:
        return "".join(_t2s_piece(c) for c in clauses)
    return "".join(map(_char_t2s, piece))


def to_simplified(text: str) -> str:
    """OpenCC t2s keeping every line's length: one call for the whole text; only
    if some line's length changed are lines converted one by one (and a line
    whose length still changes, clause by clause, then character by character)."""
    conv = _convert(text)
    lines = text.split("\n")
    if conv is not None:
        conv_lines = conv.split("\n")
        if len(conv_lines) == len(lines) and list(map(len, conv_lines)) == list(map(len, lines)):
            return conv
    out = []
    for line in lines:
        c = _convert(line)
        out.append(c if c is not None and len(c) == len(line) else _t2s_piece(line))
    return "\n".join(out)


def normalise(text: str) -> str:
    """The normalised text: same length as `text`, offset for offset."""
    norm = to_simplified(text)
    mapped = _mapped_chars()
    if mapped.search(norm):  # few such characters: a regex beats str.translate on CJK text
        table = _table()
        norm = mapped.sub(lambda m: table[ord(m.group())], norm)
    if "。" in norm or "．" in norm or "｡" in norm:
        norm = _decimal_mark().sub(".", norm)
    if len(norm) != len(text):  # a broken invariant is a bug, never silently passed on
        raise AssertionError("normalise changed the text length")
    return norm
