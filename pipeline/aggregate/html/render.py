"""Tiny rendering helpers: templates from files, escaping, tables."""
from __future__ import annotations

import html
import math
from collections import defaultdict
from functools import cache
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def esc(value) -> str:
    """HTML-escape any value for text and for quoted attributes alike."""
    if value is None:
        return ""
    if type(value) is not str:
        if isinstance(value, float) and math.isnan(value):
            return ""
        value = str(value)
    return esc_text(value)


def esc_text(s: str) -> str:
    """`html.escape(s, quote=True)` of a str. Most report text (Chinese prose, numbers)
    holds none of the five special characters: five `in` scans are much cheaper than
    escape's five replaces, so only text that has one pays for the rewrite."""
    if "&" in s or "<" in s or ">" in s or '"' in s or "'" in s:
        return html.escape(s, quote=True)
    return s


@cache
def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


@cache
def css() -> str:
    return (TEMPLATES / "style.css").read_text(encoding="utf-8")


@cache
def _compiled(name: str) -> tuple[list[str], list[str]]:
    """A template split once into literal pieces and the placeholder names between
    them (`Template.substitute` re-scans the template with a regex on every page)."""
    tpl = template(name)
    literals, names = [], []
    text, pos, pending = tpl.template, 0, ""
    for m in tpl.pattern.finditer(text):
        pending += text[pos:m.start()]
        pos = m.end()
        if m.group("escaped") is not None:
            pending += tpl.delimiter
            continue
        name_ = m.group("named") or m.group("braced")
        if name_ is None:  # a lone "$": raise the error substitute() raises
            tpl.substitute(defaultdict(str))
        literals.append(pending)
        names.append(name_)
        pending = ""
    literals.append(pending + text[pos:])
    return literals, names


def fill(name: str, **parts: str) -> str:
    """Fill a page template (as `Template.substitute`); every part must already be
    safe HTML."""
    literals, names = _compiled(name)
    parts = dict(css=css(), **parts)
    out = [literals[0]]
    for key, literal in zip(names, literals[1:]):
        out.append(str(parts[key]))
        out.append(literal)
    return "".join(out)


def fmt_num(v, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    v = float(v)
    if pct:
        return f"{v * 100:.1f}%"
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}"


def table(headers: list[str], rows: list[list[str]], num_cols: set[int] = frozenset(),
          table_id: str | None = None) -> str:
    """An HTML table from already-escaped cell strings."""
    if not rows:
        return '<p class="note">（无）</p>'
    head = "".join(f"<th>{h}</th>" for h in headers)
    width = max(len(r) for r in rows)
    opening = ['<td class="num">' if i in num_cols else "<td>" for i in range(width)]
    body = "".join(["<tr>" + "".join([o + c + "</td>" for o, c in zip(opening, r)]) + "</tr>"
                    for r in rows])
    tid = f' id="{esc(table_id)}"' if table_id else ""
    return f'<table class="grid"{tid}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
