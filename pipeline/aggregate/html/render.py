"""Tiny rendering helpers: templates from files, escaping, tables."""
from __future__ import annotations

import html
import math
from functools import cache
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def esc(value) -> str:
    """HTML-escape any value for text and for quoted attributes alike."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return html.escape(str(value), quote=True)


@cache
def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


@cache
def css() -> str:
    return (TEMPLATES / "style.css").read_text(encoding="utf-8")


def fill(name: str, **parts: str) -> str:
    """Fill a page template; every part must already be safe HTML."""
    return template(name).substitute(css=css(), **parts)


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
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{c}</td>' if i in num_cols else f"<td>{c}</td>"
                         for i, c in enumerate(r)) + "</tr>" for r in rows)
    tid = f' id="{esc(table_id)}"' if table_id else ""
    return f'<table class="grid"{tid}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
