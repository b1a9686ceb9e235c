"""One review page per report: the source text with every fact highlighted in place.

Facts are located by their `start`/`end` offsets into the source text and
checked against `text` (a file edited after the run is noticed, never
mis-highlighted). Overlapping facts are split into segments, each marked
with the innermost fact's type and a tooltip listing all facts covering it.
"""
from __future__ import annotations

import hashlib
import re

from pipeline.aggregate.branches import Branch
from pipeline.aggregate.flags import Flag
from pipeline.aggregate.html.render import esc, fill, fmt_num, table
from pipeline.aggregate.labels import zh
from pipeline.aggregate.source import SourceText
from schemas.report import FACT_TYPES, Report, Section

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def review_filename(rep: Report) -> str:
    """A safe file name from the file stem (sanitised), index and a hash of the path."""
    stem = rep.source.rsplit(".", 1)[0]
    safe = _UNSAFE.sub("_", stem).strip("_")[:40] or "report"
    digest = hashlib.sha1(rep.path.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe}_{rep.report_index}_{digest}.html"


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
        return f"{f.name}（{zh('award_level', f.level)}）" + (f" · {f.recipient}" if f.recipient else "")
    if t == "activity":
        return f"{f.date} · {f.activity_type}"
    return "占位符"


def _fact_metric(f) -> str:
    m = getattr(f, "metric", None)
    return zh("metric", m) if m else ""


def _highlight(text: str, rep: Report, facts_ok: list[int], sections: list[tuple[int, int]]) -> str:
    """Escaped report text with <mark> segments and section anchors."""
    lo, hi = rep.start, min(rep.end, len(text))
    points = {lo, hi}
    for i in facts_ok:
        f = rep.facts[i]
        points.update((max(lo, f.start), min(hi, f.end)))
    anchors: dict[int, list[int]] = {}
    for no, start in sections:
        if lo <= start <= hi:
            anchors.setdefault(start, []).append(no)
            points.add(start)
    cuts = sorted(p for p in points if lo <= p <= hi)
    first_seen: set[int] = set()
    out = []
    for a, b in zip(cuts, cuts[1:] + [None]):
        for no in anchors.get(a, []):
            out.append(f'<a id="sec-{no}"></a>')
        if b is None or a == b:
            continue
        covering = [i for i in facts_ok if rep.facts[i].start <= a and rep.facts[i].end >= b]
        chunk = esc(text[a:b])
        if not covering:
            out.append(chunk)
            continue
        inner = min(covering, key=lambda i: rep.facts[i].end - rep.facts[i].start)
        tip = "\n".join(f"#{i + 1} {zh('fact_type', rep.facts[i].type)}: {fact_value(rep.facts[i])}"
                        + (f" · {_fact_metric(rep.facts[i])}" if _fact_metric(rep.facts[i]) else "")
                        for i in covering)
        ids = " ".join(f"f{i + 1}" for i in covering)
        anchor = ""
        if inner not in first_seen and rep.facts[inner].start == a:
            first_seen.add(inner)
            anchor = f' id="fact-{inner + 1}"'
        out.append(f'<mark class="f-{esc(rep.facts[inner].type)}"{anchor} data-facts="{esc(ids)}" '
                   f'title="{esc(tip)}">{chunk}</mark>')
    return "".join(out)


def _section_items(nodes: list[Section], counter: list[int]) -> tuple[str, list[tuple[int, int]]]:
    anchors = []
    items = []
    for s in nodes:
        counter[0] += 1
        no = counter[0]
        anchors.append((no, s.start))
        label = f' <span class="note">[{esc(zh("section", s.label))}]</span>' if s.label else ""
        sub, sub_anchors = _section_items(s.children, counter)
        anchors += sub_anchors
        items.append(f'<li><a href="#sec-{no}">{esc(s.heading)}</a>{label} '
                     f'<span class="note">第{s.start_line}–{s.end_line}行</span>{sub}</li>')
    return (f'<ul class="tree">{"".join(items)}</ul>' if items else ""), anchors


def render_review(rep: Report, report_id: str, branch: Branch, flags: list[Flag],
                  src: SourceText) -> str:
    sections_html, anchors = _section_items(rep.section_tree, [0])
    covered = "、".join(zh("section", s) for s in rep.sections) or "（无）"
    sections_html = f"<p>覆盖板块：{esc(covered)}</p>" + (sections_html or '<p class="note">（未识别到小标题）</p>')

    notice = ""
    bad: list[int] = []
    if src.text is None:
        notice = (f'<p class="notice">{esc(src.problem)}。以下不显示原文高亮，'
                  "事实仍列于下方。</p>")
        text_html = ""
    else:
        ok = []
        for i, f in enumerate(rep.facts):
            if 0 <= f.start < f.end <= len(src.text) and src.text[f.start:f.end] == f.text:
                ok.append(i)
            else:
                bad.append(i)
        if src.problem:
            notice += f'<p class="notice">{esc(src.problem)}。</p>'
        if bad:
            notice += (f'<p class="notice">{len(bad)} 条事实的位置与原文不符，未予高亮'
                       "（原文件可能在运行后被修改）。</p>")
        text_html = f'<pre class="source">{_highlight(src.text, rep, ok, anchors)}</pre>'

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
    fact_rows = []
    for i, f in enumerate(rep.facts):
        where = esc(f"第{f.line}行")
        no = f'<a href="#fact-{i + 1}">{i + 1}</a>' if i not in bad_set else esc(i + 1)
        fact_rows.append([no, esc(zh("fact_type", f.type)), esc(f.text), esc(fact_value(f)),
                          esc(_fact_metric(f)), where])
    facts_html = table(["#", "类型", "原文", "数值", "指标", "位置"], fact_rows, num_cols={0})
    legend = "".join(f'<span><mark class="f-{t}">{esc(zh("fact_type", t))}</mark></span>'
                     for t in FACT_TYPES)
    return fill("review.html", title=esc(rep.title or f"{rep.source} 第{rep.report_index + 1}篇"),
                subtitle=esc(f"{branch.district or '（未知区县）'} · {branch.branch_name or '（未知单位）'}"
                             f" · {len(rep.facts)} 条事实 · {len(flags)} 个问题"),
                meta_table=meta_html, flags_list=flags_html, sections_list=sections_html,
                source_notice=notice, legend=legend, source_text=text_html, facts_table=facts_html)
