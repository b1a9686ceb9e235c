"""Features of a candidate line for "a new report (without a heading) starts here".

Cheap cues pick the candidates (an opening phrase, a unit as subject, a
dateline/closing just before, restarting numbering); only candidates get the
window features (change of self-reference unit, change of vocabulary), so the
cost stays linear and small.
"""
from __future__ import annotations

import math
import re
from collections import Counter

from pipeline.layout.blocks import Block
from pipeline.split.vocab import vocab
from pipeline.layout.markers import parse_marker

WINDOW = 6
ABBREVIATION_SPAN = 8   # 淅川县电业局 -> 淅川局: the rest of a shortened name lies this close
_CLAUSE = re.compile(r"[,，;；]")
# a reporting unit as the subject of an opening sentence: 区总工会坚持…, 工会在公司的领导下…
_SUBJECT = re.compile(r"^.{0,24}?工会(?:委员会)?(?:在.{0,30}(?:领导|指导)|坚持|紧紧围绕|围绕|认真|始终|以|把|积极|充分|全面|着力|立足|聚焦|按照|结合)")
# an opening phrase before the subject: 今年以来, / 2024年, / 一年来,
_LEAD_PHRASE = re.compile(r"^(?:[^,，。]{0,12}(?:以来|年来|年度|年|学期|学年)[,，]\s*)")
_UNIT_HEAD = re.compile(r"^[^,，。;；:：]{1,16}?(?:工会|公司|集团|行|医院|卫生院|学|校|街道|镇|乡|社区|村|局|机关|委|办|厂|矿|园区|开发区)")
_UNION_TAIL = re.compile(r"(?:工会委员会|总工会|工会)$")
_TERMINAL_END = re.compile(r"[。!！?？;；…”\"」)）]$")
_SENTENCE = re.compile(r"[。;；!！?？]")
FIRST_SENTENCE = 30     # a problems/plan paragraph says so in its first sentence
SUBLIST_REACH = 3       # (一) this many lines under its section heading is that section's
MAX_HEADING = 40        # a section heading line (一、2026年工作回顾) is short

FEATURES = [
    "opening", "opening_near", "subject", "prev_dateline", "prev_closing", "prev2_closing",
    "restart", "restart_next", "marker", "list_mid", "unit_change", "lex_change",
    "len", "prev_len", "prev_unfinished", "near_start",
    "self_closing", "prev_list", "same_person", "title_like",
    "new_unit", "unit_subject", "prev_signature", "chars_before",
]
_SINGULAR_I = re.compile(r"我(?![们院校局镇县区司行村所厂部处站队镇乡市省])")


def _named_before(head: str, before: str) -> bool:
    """Is the unit named in the text before, in full or shortened (淅川局 for an earlier
    淅川县电业局): its first two characters, then the rest of its head close behind?"""
    if head in before or len(head) < 3:
        return head in before
    pos = before.find(head[:2])
    while pos >= 0:
        near = before[pos + 2:pos + 2 + ABBREVIATION_SPAN]
        if all(ch in near for ch in head[2:]):
            return True
        pos = before.find(head[:2], pos + 1)
    return False


def _cos(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _set_cos(a: set, b: set) -> float:
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


class SegmentFeatures:
    """Per-segment feature computer with lazy per-block caches."""

    def __init__(self, blocks: list[Block]):
        self.blocks = blocks
        self.markers = [parse_marker(b.norm) for b in blocks]
        self._units: dict[int, Counter] = {}
        self._bigrams: dict[int, set] = {}
        self._unit_memo: dict[int, tuple[bool, bool]] = {}
        v = vocab()
        self.opening = [bool(v["opening"].search(b.norm)) for b in blocks]
        # characters of the segment before each line: a report rarely ends after a few lines
        self.cum = [0]
        for b in blocks:
            self.cum.append(self.cum[-1] + len(b.norm))
        self.dateline = [len(b.norm) <= 30 and bool(v["dateline"].search(b.norm)) for b in blocks]
        # first index of a top-level (cn_dun) marker seen so far, for restarts
        self.cn_seen_before = []
        seen = False
        for m in self.markers:
            self.cn_seen_before.append(seen)
            if m is not None and m.kind == "cn_dun":
                seen = True

    def units(self, i: int) -> Counter:
        c = self._units.get(i)
        if c is None:
            c = Counter(vocab()["unit_rx"].findall(self.blocks[i].norm))
            self._units[i] = c
        return c

    def bigrams(self, i: int) -> set:
        c = self._bigrams.get(i)
        if c is None:
            t = self.blocks[i].norm
            c = set(map(str.__add__, t, t[1:]))
            self._bigrams[i] = c
        return c

    def _set_window(self, i: int, before: bool) -> set:
        rng = range(max(0, i - WINDOW), i) if before else range(i, min(len(self.blocks), i + WINDOW))
        return set().union(*(self.bigrams(j) for j in rng))

    def _closing(self, i: int) -> bool:
        if i < 0:
            return False
        t = self.blocks[i].norm
        return bool(vocab()["closing"].search(t[-80:]) or vocab()["closing"].search(t[:12]))

    def _new_unit(self, i: int) -> tuple[bool, bool]:
        """(a specific unit opens the line, ...and it is not named in the lines before):
        a change of reporting unit, 2024年,东华纺织集团公司工会在… after another unit's report."""
        if i in self._unit_memo:
            return self._unit_memo[i]
        from pipeline.structure.cues import unit_names

        t = self.blocks[i].norm
        head = _LEAD_PHRASE.sub("", t[:50], count=1)[:30]
        res = (False, False)
        if not _UNIT_HEAD.match(head):  # cheap test first: no unit word near the start
            self._unit_memo[i] = res
            return res
        from pipeline.structure.org import _clean_name

        for raw, pos in unit_names(head):
            # the unit must be the subject (it opens the sentence) and specific (not
            # 我县工会 / 街道总工会); a signature line is no opening
            if pos > 1 or len(t) < 20:
                break
            after = head[head.find(raw) + len(raw):] if raw in head else ""
            if vocab()["not_subject"].match(after):
                break  # 某某厂荣获… / 某某大学第五届教代会…: not a new reporting unit
            name = _clean_name(raw, opens_sentence=pos == 0)
            if not name:
                break
            core = _UNION_TAIL.sub("", name) or name
            before = "".join(self.blocks[j].norm for j in range(max(0, i - 2 * WINDOW), i))
            # the name's distinctive head (顺达物流…, not the generic 股份有限公司)
            res = (True, not _named_before(core[:4], before))
            break
        self._unit_memo[i] = res
        return res

    def inside_report(self, i: int) -> bool:
        """Lines that never open a report, whatever cues they carry: a paragraph or
        heading on the problems or the plan (存在的问题, 下一步…), and the first item of a
        sub-list right under its section heading (一、工作回顾 / …paragraph / (一)…)."""
        t = self.blocks[i].norm
        if vocab()["problems_or_plan"].search(_SENTENCE.split(t[:FIRST_SENTENCE], 1)[0]):
            return True
        m = self.markers[i]
        if m is None or m.kind == "cn_dun" or m.value != 1:
            return False  # (一、 restarting the numbering may well open the next report)
        for j in range(i - 1, max(-1, i - 1 - SUBLIST_REACH), -1):
            mj = self.markers[j]
            if self.dateline[j]:
                return False
            if mj is not None and mj.kind != m.kind and len(self.blocks[j].norm) <= MAX_HEADING:
                return True
        return False

    def cheap(self, i: int) -> bool:
        """Is block i worth scoring at all?"""
        if i <= 0 or self.inside_report(i):
            return False
        t = self.blocks[i].norm
        m = self.markers[i]
        prev = self.blocks[i - 1].norm
        # the body right under a heading belongs to that heading's report
        if len(prev) <= 40 and not self.dateline[i - 1] and (
                self.markers[i - 1] is not None or not _TERMINAL_END.search(prev)):
            return False
        return (self.opening[i] or bool(_SUBJECT.search(t)) or self.dateline[i - 1] or self.title_like(i)
                or self._new_unit(i)[1]
                or self._closing(i - 1)
                or (m is not None and m.kind == "cn_dun" and m.value == 1 and self.cn_seen_before[i])
                or (m is None and self._restart_next(i)))

    def _restart_next(self, i: int) -> bool:
        if not self.cn_seen_before[i]:
            return False
        for j in range(i + 1, min(len(self.blocks), i + 4)):
            m = self.markers[j]
            if m is not None and m.kind == "cn_dun":
                return m.value == 1
        return False

    def _window(self, i: int, fn, before: bool) -> Counter:
        acc: Counter = Counter()
        rng = range(max(0, i - WINDOW), i) if before else range(i, min(len(self.blocks), i + WINDOW))
        for j in rng:
            acc.update(fn(j))
        return acc

    def vector(self, i: int) -> list[float]:
        b = self.blocks[i]
        t = b.norm
        prev = self.blocks[i - 1].norm if i > 0 else ""
        m = self.markers[i]
        pm = self.markers[i - 1] if i > 0 else None
        opening_near = bool(vocab()["opening"].search(re.sub(r"^.{0,14}?工会", "", t[:40], count=1))) and not self.opening[i]
        list_mid = 0.0
        if m is not None and m.kind != "cn_dun" and m.value >= 2:
            list_mid = 1.0
            for j in range(max(0, i - 4), i):
                mj = self.markers[j]
                if mj is not None and mj.kind == m.kind and mj.value == m.value - 1:
                    list_mid = 0.0
        return [
            float(self.opening[i]),
            float(opening_near),
            float(bool(_SUBJECT.search(t))),
            float(i > 0 and self.dateline[i - 1]),
            float(self._closing(i - 1)),
            float(self._closing(i - 2)),
            float(m is not None and m.kind == "cn_dun" and m.value == 1 and self.cn_seen_before[i]),
            float(m is None and self._restart_next(i)),
            float(m is not None),
            list_mid,
            1.0 - _cos(self._window(i, self.units, True), self._window(i, self.units, False)),
            1.0 - _set_cos(self._set_window(i, True), self._set_window(i, False)),
            math.log1p(len(t)) / 6,
            math.log1p(len(prev)) / 6,
            float(bool(prev) and not _TERMINAL_END.search(prev) and pm is None and not self.dateline[i - 1]),
            float(i < 3),
            float(self._closing(i)),
            float(pm is not None and pm.kind != "cn_dun"),
            float(bool(_SINGULAR_I.search(t)) and any(_SINGULAR_I.search(self.blocks[j].norm)
                                                      for j in range(max(0, i - 2 * WINDOW), i))),
            float(self.title_like(i)),
            float(self._new_unit(i)[1]),
            float(self._new_unit(i)[0]),
            # signature + dateline (红星机械厂工会 / 2022年12月28日): a report ended there
            float(i >= 2 and self.dateline[i - 1] and self.dateline[i - 2]),
            math.log1p(self.cum[i]) / 8,
        ]

    def title_like(self, i: int) -> bool:
        """A short unpunctuated line with a genre word (…工会工作总结) after a finished one."""
        from pipeline.split.titles import lead_title

        # (no clause break: 管理制度化,提高工作成效 is a section heading, not a report title)
        return i > 0 and lead_title(self.blocks[i]) and not _CLAUSE.search(self.blocks[i].norm) and (
            bool(_TERMINAL_END.search(self.blocks[i - 1].norm)) or self.dateline[i - 1])
