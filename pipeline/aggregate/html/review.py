"""One review page per report: the source text with every fact highlighted in place.

Facts are located by their `start`/`end` offsets into the source text and
checked against `text` (a file edited after the run is noticed, never
mis-highlighted). Overlapping facts are split into segments, each marked
with the innermost fact's type and a tooltip listing all facts covering it.
"""
from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from pipeline.aggregate.branches import Branch
from pipeline.aggregate.flags import Flag
from pipeline.aggregate.html.render import (
    TEMPLATES,
    esc,
    esc_text,
    fill,
    fmt_num,
    table,
)
from pipeline.aggregate.labels import DATA, labels, zh
from pipeline.aggregate.source import SourceText
from schemas.report import FACT_TYPES, Report, Section

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def review_filename(rep: Report, content_key: str = "") -> str:
    """A safe file name from the file stem (sanitised), index and a hash of the path
    and of `content_key` (what the page shows, see `page_key`): a page whose content
    changes gets a new name, so an existing file never needs re-rendering."""
    stem = rep.source.rsplit(".", 1)[0]
    safe = _UNSAFE.sub("_", stem).strip("_")[:40] or "report"
    digest = hashlib.sha1(rep.path.encode("utf-8", "surrogatepass") + b"\0"
                          + content_key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe}_{rep.report_index}_{digest}.html"


# The code and data a page's HTML depends on, besides the report itself.
_PAGE_DEPENDENCIES = (Path(__file__).parent / "review.py", Path(__file__).parent / "render.py",
                      TEMPLATES / "review.html", TEMPLATES / "style.css",
                      DATA / "labels_zh.toml")


@cache
def page_version() -> str:
    """Hash of the renderer, its template, style and labels: a change re-renders every page."""
    h = hashlib.blake2b(digest_size=16)
    for p in _PAGE_DEPENDENCIES:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def page_key(report_digest: str, report_id: str, branch: Branch, flags: list[Flag],
             source_state: str) -> str:
    """Everything a review page shows: the report (`report_digest`, a hash of its JSON
    line), its id, branch and flags, the state of its source file (run sha, size,
    mtime) and `page_version()`."""
    h = hashlib.blake2b(digest_size=20)
    h.update(page_version().encode())
    h.update(report_digest.encode())
    meta = [report_id, branch.branch_id, branch.branch_name, branch.district,
            branch.branch_source, source_state]
    meta += [x for f in flags for x in (f.severity, f.code, f.message)]
    h.update("\x1f".join("" if m is None else str(m) for m in meta)
             .encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def fact_value(f) -> str:
    """The fact's normalised value in words, for tooltips and the fact table."""
    t = f.type
    if t == "count":
        return ("" if f.value is None else fmt_num(f.value)) + f" {f.unit}" + ("（约）" if f.approx else "")
    if t == "rate":
        return "" if f.value is None else f"{fmt_num(f.value)}%"
    if t == "amount":
        return ("" if f.value is None else fmt_num(f.value)) + f" {f.currency}" + ("（约）" if f.approx else "")
    if t == "award":
        return f"{f.name}（{zh('award_level', f.level)}）" + (f" · {f.recipient}" if f.recipient else "") \
            + (f" · 规则 {f.rule}" if f.rule else "")
    if t == "activity":
        return f"{f.date} · {f.activity_type}"
    return "占位符"


@cache
def _has_metric(cls: type) -> bool:
    """Whether facts of this class have a `metric` field. Asking a pydantic model for a
    field it lacks goes through its slow `__getattr__`; an unknown class is asked."""
    fields = getattr(cls, "model_fields", None)
    return fields is None or "metric" in fields


def _fact_metric(f) -> str:
    m = getattr(f, "metric", None) if _has_metric(type(f)) else None
    return labels().get("metric", {}).get(m, m) if m else ""  # zh("metric", m), per fact


def _fact_tip(rep: Report, i: int) -> str:
    f = rep.facts[i]
    return _tip_line(i, f.type, fact_value(f), _fact_metric(f))


def _tip_line(i: int, fact_type: str, value: str, metric: str) -> str:
    """A fact's tooltip line: number, type, value and metric."""
    type_name = labels().get("fact_type", {}).get(fact_type, fact_type)  # zh, per fact
    return f"#{i + 1} {type_name}: {value}" + (f" · {metric}" if metric else "")


def _has_html_specials(text: str, lo: int, hi: int) -> bool:
    """Whether text[lo:hi] holds a character that HTML escaping rewrites."""
    find = text.find
    return (find("&", lo, hi) >= 0 or find("<", lo, hi) >= 0 or find(">", lo, hi) >= 0
            or find('"', lo, hi) >= 0 or find("'", lo, hi) >= 0)


def _highlight(text: str, rep: Report, facts_ok: list[int], sections: list[tuple[int, int]],
               tips: dict[int, str] | None = None) -> str:
    """Escaped report text with <mark> segments and section anchors; `tips` holds each
    fact's tooltip line when the caller already built it."""
    lo, hi = rep.start, min(rep.end, len(text))
    points = {lo, hi}
    # A sweep over the cuts keeps the facts covering the current segment: scanning
    # every fact per segment was quadratic (one 5 MB line has 200,000 facts).
    opens: dict[int, list[int]] = {}
    closes: dict[int, list[int]] = {}
    for i in facts_ok:
        f = rep.facts[i]
        s, e = max(lo, f.start), min(hi, f.end)
        points.update((s, e))
        if s < e:
            opens.setdefault(s, []).append(i)
            closes.setdefault(e, []).append(i)
    anchors: dict[int, list[int]] = {}
    for no, start in sections:
        if lo <= start <= hi:
            anchors.setdefault(start, []).append(no)
            points.add(start)
    cuts = sorted(p for p in points if lo <= p <= hi)
    first_seen: set[int] = set()
    out = []
    active: set[int] = set()
    tips = {} if tips is None else tips
    facts = rep.facts
    escape = esc_text
    # every segment lies in text[lo:hi]: when that has nothing to escape (most
    # reports), the segments are copied as they are
    escape_chunk = escape if _has_html_specials(text, lo, hi) else None
    single: dict[int, tuple[str, str]] = {}  # a fact's opening tag when it alone covers a segment
    for a, b in zip(cuts, cuts[1:] + [None]):
        if a in closes:
            active.difference_update(closes[a])
        if a in opens:
            active.update(opens[a])
        if a in anchors:
            out.extend(f'<a id="sec-{no}"></a>' for no in anchors[a])
        if b is None or a == b:
            continue
        chunk = text[a:b] if escape_chunk is None else escape_chunk(text[a:b])
        if not active:
            out.append(chunk)
            continue
        if len(active) == 1:
            (inner,) = active
            anchor = ""
            if inner not in first_seen and facts[inner].start == a:
                first_seen.add(inner)
                anchor = f' id="fact-{inner + 1}"'
            tag = single.get(inner)
            if tag is None:
                if inner not in tips:
                    tips[inner] = _fact_tip(rep, inner)
                tag = single[inner] = (f'<mark class="f-{escape(facts[inner].type)}"',
                                       f' data-facts="f{inner + 1}" title="{escape(tips[inner])}">')
            out.append(f"{tag[0]}{anchor}{tag[1]}{chunk}</mark>")
            continue
        covering = sorted(active)  # every fact with start <= a and end >= b, in fact order
        inner = min(covering, key=lambda i: facts[i].end - facts[i].start)
        for i in covering:
            if i not in tips:
                tips[i] = _fact_tip(rep, i)
        tip = "\n".join(tips[i] for i in covering)
        ids = " ".join(f"f{i + 1}" for i in covering)
        anchor = ""
        if inner not in first_seen and facts[inner].start == a:
            first_seen.add(inner)
            anchor = f' id="fact-{inner + 1}"'
        out.append(f'<mark class="f-{escape(facts[inner].type)}"{anchor} data-facts="{escape(ids)}" '
                   f'title="{escape(tip)}">{chunk}</mark>')
    return "".join(out)


def _section_items(nodes: list[Section], counter: list[int]) -> tuple[str, list[tuple[int, int]]]:
    anchors = []
    items = []
    for s in nodes:
        counter[0] += 1
        no = counter[0]
        anchors.append((no, s.start))
        label = f' <span class="note">[{esc(zh("section", s.label))}]</span>' if s.label else ""
        sub, sub_anchors = _section_items(s.children, counter) if s.children else ("", [])
        anchors += sub_anchors
        items.append(f'<li><a href="#sec-{no}">{esc(s.heading)}</a>{label} '
                     f'<span class="note">第{s.start_line}–{s.end_line}行</span>{sub}</li>')
    return (f'<ul class="tree">{"".join(items)}</ul>' if items else ""), anchors


@cache
def _fact_type_cells() -> dict[str, str]:
    return {t: esc(zh("fact_type", t)) for t in FACT_TYPES}


_FACTS_HEAD = "".join(f"<th>{h}</th>" for h in ("#", "类型", "原文", "数值", "指标", "位置"))


def _facts_table(rep: Report, bad: set[int], values: list[str] | None = None,
                 metrics: list[str] | None = None) -> str:
    """The fact table (as `render.table` writes it); `values` and `metrics` are each
    fact's `fact_value` and metric name when the caller already has them."""
    if not rep.facts:
        return table([], [])
    escape = esc_text
    type_zh = _fact_type_cells()
    if values is None:
        values = [fact_value(f) for f in rep.facts]
    if metrics is None:
        metrics = [_fact_metric(f) for f in rep.facts]
    rows = []
    for i, f in enumerate(rep.facts):
        n = i + 1
        no = f'<a href="#fact-{n}">{n}</a>' if i not in bad else str(n)
        rows.append(f'<tr><td class="num">{no}</td><td>{type_zh.get(f.type) or escape(f.type)}</td>'
                    f"<td>{escape(f.text)}</td><td>{escape(values[i])}</td>"
                    f"<td>{escape(metrics[i])}</td><td>第{f.line}行</td></tr>")
    return (f'<table class="grid"><thead><tr>{_FACTS_HEAD}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


@cache
def _legend() -> str:
    return "".join(f'<span><mark class="f-{t}">{esc(zh("fact_type", t))}</mark></span>'
                   for t in FACT_TYPES)


def render_review(rep: Report, report_id: str, branch: Branch, flags: list[Flag],
                  src: SourceText) -> str:
    sections_html, anchors = _section_items(rep.section_tree, [0])
    covered = "、".join(zh("section", s) for s in rep.sections) or "（无）"
    sections_html = f"<p>覆盖板块：{esc(covered)}</p>" + (sections_html or '<p class="note">（未识别到小标题）</p>')

    # each fact's value and metric in words, for its tooltip and its table row
    values = [fact_value(f) for f in rep.facts]
    metrics = [_fact_metric(f) for f in rep.facts]
    notice = ""
    bad: list[int] = []
    if src.text is None:
        notice = (f'<p class="notice">{esc(src.problem)}。以下不显示原文高亮，'
                  "事实仍列于下方。</p>")
        text_html = ""
    else:
        ok = []
        text = src.text
        for i, f in enumerate(rep.facts):
            if 0 <= f.start < f.end <= len(text) and text[f.start:f.end] == f.text:
                ok.append(i)
            else:
                bad.append(i)
        if src.problem:
            notice += f'<p class="notice">{esc(src.problem)}。</p>'
        if bad:
            notice += (f'<p class="notice">{len(bad)} 条事实的位置与原文不符，未予高亮'
                       "（原文件可能在运行后被修改）。</p>")
        facts = rep.facts
        tips = {i: _tip_line(i, facts[i].type, values[i], metrics[i]) for i in ok}
        text_html = f'<pre class="source">{_highlight(text, rep, ok, anchors, tips)}</pre>'

    flag_items = "".join(
        f'<li class="sev-{esc(f.severity)}" data-code="{esc(f.code)}">'
        f'[{esc(zh("severity", f.severity))}] {esc(f.message)}</li>' for f in flags)
    flags_html = f"<ul>{flag_items}</ul>" if flags else '<p class="note">未发现问题。</p>'

    meta = [("报告", report_id), ("文件", rep.source), ("路径", rep.path),
            ("区县", branch.district or "（未知）"), ("基层单位", branch.branch_name or "（未知）"),
            ("归属依据", zh("branch_source", branch.branch_source)),
            ("单位（文中）", rep.org or "—"), ("单位类型", zh("org_type", rep.org_type) or "—"),
            ("年度", rep.year or "—"), ("行", f"{rep.start_line}–{rep.end_line}"),
            ("字数", rep.chars)]
    meta_html = table(["项目", "内容"], [[esc(k), esc(v)] for k, v in meta])

    bad_set = set(bad) if src.text is not None else set(range(len(rep.facts)))
    facts_html = _facts_table(rep, bad_set, values, metrics)
    return fill("review.html", title=esc(rep.title or f"{rep.source} 第{rep.report_index + 1}篇"),
                subtitle=esc(f"{branch.district or '（未知区县）'} · {branch.branch_name or '（未知单位）'}"
                             f" · {len(rep.facts)} 条事实 · {len(flags)} 个问题"),
                meta_table=meta_html, flags_list=flags_html, sections_list=sections_html,
                source_notice=notice, legend=_legend(), source_text=text_html,
                facts_table=facts_html)
