"""Canonical sections of one report: which topics it covers as a heading or a
paragraph of its own (ANNOTATION.md "Sections"), and where. Every label keeps
its evidence `(offset, label, kind)`; the kinds:

- `heading`: a heading of the tree, by the cue vocabulary (data/section_cues.yaml);
  `heading_body`: a heading whose words name no topic, by its first sentence;
  `classifier:p`: else the learned classifier when confident. Not sections: a
  report's headline (its first unnumbered line, or a line over a byline), a
  report title repeated in the text, a part heading (2025年工作情况), and the
  sub-items of a problems/plan section (problems and plans, not new topics);
- `inline_heading`: a numbered heading run into the text (`…如下:一、抓维权…`:
  pages that lost their line breaks);
- `opener`/`lead`/`para`: a paragraph opening on a topic; the preamble
  (`今年以来,XX工会在…领导下…`, before the first topic heading) surveys every
  topic and covers none;
- `sentence_lead`/`figure_sentence`: in a report with hardly any headings (a
  news-style review, one run-on paragraph per unit), a later sentence is that
  text's paragraph: it opens on a topic (帮扶方面, / 机关工会积极开展文体活动, /
  明年,), or it reports a figure and is strongly about one topic; the survey
  sentence opening the report covers none, the sentences after it do;
- `inline`: a 一是/二是 item (its clause, or strongly its own text);
- `title`: a title naming a plan genre (…工作计划), not a summary that also
  promises one (…总结及明年工作计划: real pages are often excerpts that stop
  before the plan).

A passing mention in a sentence is no evidence. The 一是 items, paragraphs and
sentences of a problems/plan part (under its heading, or after a clause or
sentence opening it: 但也存在一些不足:一是… / 明年,…) are problems and plans, not
new topics.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.structure.cues import (aspect_lead, best_label, heading_labels, is_basic_facts_heading, is_byline,
                                     is_occasion_mention, is_preamble, is_report_title, membership_figures,
                                     min_score_of, opener_label, paragraph_min_score, score_labels,
                                     section_int, title_labels, without_speech_lead)
from pipeline.layout.markers import parse_marker

CLASSIFY_MIN = 0.4    # the classifier's probability needed to label an uncued heading
INLINE_HEAD_MAX = 30    # characters of an inline heading read for its topic
PREAMBLE_PARAGRAPHS = 2  # a preamble is one of a report's first paragraphs
FEW_HEADINGS = 3      # a report with fewer labelled headings has topics in its sentences
INLINE_ITEM_BODY = 100  # characters of a 一是 item read for a strong topic when its clause names none
SENT_OPENER_MAX = 6   # characters of a sentence without a comma read for a plan opener (明年将…)
INTRO_MAX = 40        # characters before a 一是 read for the problems/plan part its list belongs to

_LEAD = re.compile(r"^(.{2,16}?)[。:：](?!\d)")
_FIRST_SENT = re.compile(r"^[^。!?;；]{4,60}")
# 一是… / 二是… / 其三, … written inline: each clause is a topic of its own
_INLINE_ITEM = re.compile(r"(?:^|[。;；:：,，])\s*(?:其|第)?[一二三四五六七八九十]{1,2}是\s*[,，:：]?([^。;；]{2,40})")
# a numbered heading after the end of a sentence, inside a line
_INLINE_MARK = re.compile(
    r"(?<=[。;；!！?？:：])\s*(?=[一二三四五六七八九十]{1,3}\s*[、.．]|[(（]\s*[一二三四五六七八九十0-9]{1,3}\s*[)）]"
    r"|[0-9]{1,2}\s*[、.．](?![0-9])|[①-⑳])")
# the opening clause of a sentence (帮扶方面, / 在送温暖工作中,)
_SENT_LEAD = re.compile(r"^([^,，:：]{2,24})[,，:：]")
_SENTENCE = re.compile(r"[^。!?！？;；]{6,}")
# a figure: digits, or a Chinese number of things (not the vague 一次/一个)
_FIGURE = re.compile(r"[0-9]|(?:[二两三四五六七八九十]|一[十百千万])[一二两三四五六七八九十百千万]*(?:余|多)?[人名户家个场次期项份条件所支]")
_CLAUSE_END = re.compile(r"[。;；!！?？:：]")
# sections whose sub-items are of the same kind (a problem, a plan), not new topics
ENCLOSING = ("problems", "plan")


@dataclass
class Labelling:
    labels: dict[int, str] = field(default_factory=dict)      # id(node) -> label
    evidence: list[tuple[int, str, str]] = field(default_factory=list)
    painted: list[tuple[int, int, str | None]] = field(default_factory=list)  # paragraph spans

    @property
    def order(self) -> list[str]:
        out: list[str] = []
        for _, lab, _ in sorted(self.evidence, key=lambda e: e[0]):
            if lab not in out:
                out.append(lab)
        return out


def label_report(blocks, tree, title: str | None, report_start: int, classifier=None,
                 source_line=None) -> Labelling:
    """`source_line(n)`: the normalised text of source line n, page furniture the clean
    stage left out of `blocks` included (a byline under a headline)."""
    out = Labelling()
    heading_blocks, part_blocks = _label_headings(blocks, tree, out, classifier, source_line)
    # the preamble runs to the first heading of a topic (一、2025年工作情况 is no topic)
    first_heading = min(heading_blocks - part_blocks, default=len(blocks))
    few = len(out.labels) < FEW_HEADINGS
    enclosed = _enclosed_blocks(tree, out)
    topic_of = _heading_topics(tree, out)
    listed: dict[int, str] = {}  # block -> the problems/plan part whose list it is an item of
    body_seen = 0
    for i, b in enumerate(blocks):
        n_ev, n_painted = len(out.evidence), len(out.painted)
        if i not in heading_blocks:
            # the preamble: one of the first paragraphs, before any topic heading
            opening = i < first_heading and body_seen < PREAMBLE_PARAGRAPHS
            body_seen += 1
            _paragraph(b, opening, out, topic_of.get(i))
            if few:
                _sentence_topics(b, out)
            if i in enclosed or any(e[1] == "problems" for e in out.evidence[n_ev:]):
                _plan_after_problems(b, out)
        _inline_headings(b, i in heading_blocks, out)
        _inline_items(b, out, topic_of.get(i))
        _drop_enclosed(b, b.start if i in enclosed else None, out, n_ev, n_painted)
        part = next((e[1] for e in out.evidence[n_ev:] if e[1] in ENCLOSING), None)
        if part and i not in heading_blocks:
            listed.update({j: part for j in _listed_items(blocks, i) if j not in listed})
            enclosed.update(listed)
    _relabel_listed(tree, blocks, listed, out)
    _basic_facts(tree, blocks, heading_blocks, out)
    out.evidence.extend((report_start, lab, "title") for lab in title_labels(title))
    out.evidence.sort(key=lambda e: e[0])
    return out


def _label_headings(blocks, tree, out: Labelling, classifier, source_line=None) -> tuple[set[int], set[int]]:
    """Label the tree's headings; (blocks of all headings, blocks of those that are no section)."""
    heading_blocks: set[int] = set()
    part_blocks: set[int] = set()
    pending = []
    extra: dict[int, list[str]] = {}

    def walk(nodes, enclosed: bool):
        for n in nodes:
            heading_blocks.add(n.block_index)
            if enclosed or _not_a_section(n, blocks, source_line):
                if not enclosed:
                    part_blocks.add(n.block_index)
                walk(n.children, enclosed)
                continue
            labs = heading_labels(n.heading)
            body = None if labs else _body_label(n, blocks)
            if labs:
                out.labels[id(n)] = labs[0]
                extra[id(n)] = labs[1:]
            elif body:
                out.labels[id(n)] = body
                why[id(n)] = "heading_body"
            else:
                pending.append(n)
            walk(n.children, enclosed or out.labels.get(id(n)) in ENCLOSING)

    why: dict[int, str] = {}
    walk(tree, False)
    if pending:
        from pipeline.structure.classifier import default_classifier

        clf = classifier or default_classifier()
        texts = [n.heading + " " + blocks[n.block_index].norm[len(n.heading):][:60] for n in pending]
        for n, (lab, p) in zip(pending, clf.predict_with_proba(texts)):
            if lab is not None and p >= CLASSIFY_MIN:
                out.labels[id(n)] = lab
                why[id(n)] = f"classifier:{p:.2f}"

    def collect(nodes):
        for n in nodes:
            lab = out.labels.get(id(n))
            if lab:
                # a labelled sub-item is a paragraph of its own even under another topic
                at = blocks[n.block_index].start
                out.evidence.append((at, lab, why.get(id(n), "heading")))
                out.evidence.extend((at, x, "heading2") for x in extra.get(id(n), []))
            collect(n.children)

    collect(tree)
    return heading_blocks, part_blocks


def _enclosed_blocks(tree, out: Labelling) -> set[int]:
    """Blocks under a problems/plan heading (the heading's own block included: its
    inline 一是 items are problems or plans too)."""
    blocks: set[int] = set()

    def walk(nodes):
        for n in nodes:
            if out.labels.get(id(n)) in ENCLOSING:
                blocks.update(range(n.block_index, max(n.end_block, n.block_index + 1)))
            else:
                walk(n.children)

    walk(tree)
    return blocks


def _drop_enclosed(b, enclosed_from: int | None, out: Labelling, n_ev: int, n_painted: int) -> None:
    """The items of a problems or plan part (存在的不足:一是… / 明年,重点抓好以下工作:一是…)
    are problems and plans, not new topics: drop the topics block b got after the
    point where such a part opens (a problems/plan label of its own, or a clause
    introducing an item list that names one)."""
    new = out.evidence[n_ev:]
    at = [e[0] for e in new if e[1] in ENCLOSING]
    intro = _enclosing_intro(b.norm)
    if intro is not None:
        at.append(b.start + intro)
    if enclosed_from is not None:
        at.append(enclosed_from)
    if not at:
        return
    cut = min(at)
    out.evidence[n_ev:] = [e for e in new if e[1] in ENCLOSING or e[0] < cut]
    out.painted[n_painted:] = [p for p in out.painted[n_painted:] if p[2] in ENCLOSING or p[0] < cut]


def _listed_items(blocks, i: int) -> list[int]:
    """The blocks of the item list a paragraph introduces (…存在的一些不足: / 一是… /
    二是…): the following blocks numbered with the marker kind of the first."""
    if not re.search(r"[:：]\s*$", blocks[i].norm) or i + 1 >= len(blocks):
        return []
    first = parse_marker(blocks[i + 1].norm)
    if first is None:
        return []
    out = []
    for j in range(i + 1, len(blocks)):
        mk = parse_marker(blocks[j].norm)
        if mk is None or mk.kind != first.kind:
            break
        out.append(j)
    # one numbered block with a body under it is a heading of its own, not a list
    return out if len(out) >= 2 else []


def _relabel_listed(tree, blocks, listed: dict[int, str], out: Labelling) -> None:
    """Items of a problems/plan list whose marker made them headings are problems or
    plans (their section spans too), not the topics their words name."""
    if not listed:
        return
    starts = {blocks[j].start: part for j, part in listed.items()}
    out.evidence[:] = [e for e in out.evidence if e[0] not in starts or e[1] in ENCLOSING]

    def walk(nodes):
        for n in nodes:
            if n.block_index in listed and out.labels.get(id(n)) not in ENCLOSING:
                out.labels[id(n)] = listed[n.block_index]
            walk(n.children)

    walk(tree)


def _enclosing_intro(text: str) -> int | None:
    """Where a clause introducing an item list that names a problems/plan part starts
    (但也存在一些不足:一是… / 重点抓好以下工作:一是…), if any."""
    k = text.find("一是")
    while k >= 0:
        start = max((text.rfind(c, 0, k) for c in "。;；"), default=-1) + 1
        clause = text[max(start, k - INTRO_MAX):k]
        lab, sc = best_label(clause)
        if lab in ENCLOSING and sc >= paragraph_min_score():  # (按照年初工作计划,… is no plan part)
            return k - len(clause)
        k = text.find("一是", k + 2)
    return None


def _body_label(node, blocks) -> str | None:
    """The topic of a heading its words do not name (以活动为载体,增强活力) told by the
    first sentence under it, when that sentence is strongly about one topic."""
    b = blocks[node.block_index]
    at = b.start + (node.heading_end - node.heading_start)
    rest = b.norm[at - b.start:].lstrip("。:：;； ")
    if len(rest) < 8 and node.block_index + 1 < len(blocks):
        nxt = blocks[node.block_index + 1]
        if parse_marker(nxt.norm) is None:
            rest = nxt.norm
    first = _FIRST_SENT.match(rest)
    scores = score_labels(first.group(0) if first else rest[:40])
    if scores:
        lab, sc = max(scores.items(), key=lambda kv: kv[1])
        if sc >= paragraph_min_score():
            return lab
    return None


def _not_a_section(node, blocks, source_line=None) -> bool:
    """A report's headline (an unnumbered line opening the report, or over a byline),
    site furniture (…主办, 版权) or a report title repeated in the text is not a section."""
    if node.kind == "plain" and node.block_index == 0:
        return True
    if node.kind == "plain":
        line = blocks[node.block_index].line
        upto = blocks[node.block_index + 1].line if node.block_index + 1 < len(blocks) else line + 2
        under = [source_line(n) for n in range(line + 1, min(upto, line + 3) + 1)] if source_line else \
            [blocks[node.block_index + 1].norm] if node.block_index + 1 < len(blocks) else []
        if is_byline(node.heading) or any(is_byline(t) for t in under if t):
            return True
    return is_report_title(node.heading)


def _heading_topics(tree, out: Labelling) -> dict[int, str]:
    """Block -> the topic of the innermost labelled heading it is under."""
    topic: dict[int, str] = {}

    def walk(nodes, outer):
        for n in nodes:
            lab = out.labels.get(id(n)) or outer
            if lab:
                topic.update({j: lab for j in range(n.block_index, max(n.end_block, n.block_index + 1))})
            walk(n.children, lab)

    walk(tree, None)
    return topic


def _passing_occasion(lab: str, text: str, under: str | None) -> bool:
    """Under a heading of another topic, text opening on a group's festival (“三八”节前夕
    举办女职工演讲比赛;…) reports an event of that topic, not the group's work."""
    return under is not None and under != lab and is_occasion_mention(lab, text)


def _paragraph(b, before_headings: bool, out: Labelling, under: str | None = None) -> None:
    if before_headings and is_preamble(b.norm):
        return
    lab = opener_label(b.norm)
    kind = "opener"
    m = _LEAD.match(b.norm)
    aspect = aspect_lead(b.norm) if lab is None else None
    extra: list[str] = []
    if aspect:
        # 职工文化和荣誉方面,公司在“三八”妇女节组织女职工…: the lead names the topic, and
        # like a heading every strong one (在维护职工权益和帮扶方面,)
        labs = heading_labels(aspect)
        if labs:
            lab, extra, kind = labs[0], labs[1:], "lead"
        else:
            aspect = None
    if lab is None and m:
        lab, _ = best_label(m.group(1))
        kind = "lead"
    if lab is None:
        kind = "para"
        # a paragraph whose first sentence is strongly about one topic covers it
        # (in news, the sentence after who says it: XX主席在会上介绍,…)
        text = without_speech_lead(b.norm)
        first = _FIRST_SENT.match(text)
        scores = score_labels(first.group(0) if first else text[:40])
        if scores:
            cand, sc = max(scores.items(), key=lambda kv: kv[1])
            if sc >= paragraph_min_score():
                lab = cand
    if lab and kind != "opener" and not aspect and _passing_occasion(lab, b.norm, under):
        return
    if lab:
        out.evidence.append((b.start, lab, kind))
        out.evidence.extend((b.start, x, "lead2") for x in extra)
        out.painted.append((b.start, b.end, lab))


def _inline_headings(b, is_heading: bool, out: Labelling) -> None:
    text = b.norm
    for m in _INLINE_MARK.finditer(text):
        mk = parse_marker(text[m.end():])
        if mk is None or mk.kind == "cn_shi":
            continue
        s = m.end() + mk.length
        end = _CLAUSE_END.search(text, s, s + INLINE_HEAD_MAX)
        for lab in heading_labels(text[s:end.start() if end else s + INLINE_HEAD_MAX]):
            out.evidence.append((b.start + m.end(), lab, "inline_heading"))


def _sentence_topics(b, out: Labelling) -> None:
    """In a report with hardly any headings (a news-style review, one run-on paragraph
    per unit) a later sentence of a paragraph is a statement of its own when it opens
    on a topic (帮扶方面, / 机关工会积极开展文体活动, / 下一步,) or reports a result
    with a figure strongly about one topic. The report's survey sentence (今年以来,…
    领导下,…) covers none, also when the paragraph goes on after it."""
    for k, m in enumerate(_SENTENCE.finditer(b.norm)):
        sent = m.group(0).lstrip(" ,，")
        if k == 0:
            continue
        lead = _SENT_LEAD.match(sent)
        # an opener read in the opening clause only: 2024年,工会将职工技能提升作为… is
        # no plan (将 there is "take"), 明年, / 下一步, are
        lab = opener_label(lead.group(1) if lead else sent[:SENT_OPENER_MAX])
        if lab is None and is_preamble(sent) and not _FIGURE.search(sent):
            continue
        if lab is None and lead:
            lab, sc = best_label(lead.group(1))
            if sc < min_score_of("sentence_lead"):
                lab = None
        kind = "sentence_lead"
        if lab is None and _FIGURE.search(sent):
            lab, sc = best_label(sent[:80])
            kind = "figure_sentence"
            if sc < min_score_of("figure_sentence"):
                lab = None
        if lab is not None:
            out.evidence.append((b.start + m.start(), lab, kind))
            if lab in ENCLOSING:
                # a problems/plan part opened inside a run-on paragraph runs to its end
                out.painted.append((b.start + m.start(), b.end, lab))


def _inline_items(b, out: Labelling, under: str | None = None) -> None:
    """一是/二是 items: the clause names the topic, or (一是加强联系,融入武汉) the item's
    text up to the next item is strongly about one topic."""
    if "是" not in b.norm:
        return
    items = list(_INLINE_ITEM.finditer(b.norm))
    for k, m in enumerate(items):
        lab, sc = best_label(m.group(1))
        if lab is None or sc < min_score_of("inline_item"):
            end = items[k + 1].start() if k + 1 < len(items) else len(b.norm)
            lab, sc = best_label(b.norm[m.start(1):min(end, m.start(1) + INLINE_ITEM_BODY)])
            if sc < paragraph_min_score():
                continue
        end = items[k + 1].start() if k + 1 < len(items) else len(b.norm)
        if _passing_occasion(lab, b.norm[m.start(1):end], under):  # 三是“三八”节组织女职工体检
            continue
        out.evidence.append((b.start + m.start(1), lab, "inline"))


def _plan_after_problems(b, out: Labelling) -> None:
    """A problems paragraph often goes on with what comes next (存在的问题:…。下一步,… /
    …。2027年,工会将…): a later sentence opening on a plan is the plan part."""
    for k, m in enumerate(_SENTENCE.finditer(b.norm)):
        sent = m.group(0).lstrip(" ,，")
        if k and opener_label(sent) == "plan":
            out.evidence.append((b.start + m.start(), "plan", "sentence_lead"))
            out.painted.append((b.start + m.start(), b.end, "plan"))
            return


def _basic_facts(tree, blocks, heading_blocks: set[int], out: Labelling) -> None:
    """Under a part heading on the unit's basic facts (一、基本情况), a paragraph giving
    membership figures (会员984人,建立工会小组32个) reports the organisation: org_building."""
    need = section_int("membership_figures_min")

    def walk(nodes):
        for n in nodes:
            if id(n) not in out.labels and is_basic_facts_heading(n.heading):
                for j in range(n.block_index, max(n.end_block, n.block_index + 1)):
                    if j in heading_blocks and j != n.block_index:
                        continue
                    b = blocks[j]
                    text = b.norm[len(n.heading):] if j == n.block_index else b.norm
                    if membership_figures(text) >= need:
                        out.evidence.append((b.start, "org_building", "basic_facts"))
                        out.painted.append((b.start, b.end, "org_building"))
                        break
            walk(n.children)

    walk(tree)
