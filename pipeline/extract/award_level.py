"""Award level (ANNOTATION.md award.level) from the level markers of
`data/award_levels.yaml`: in a piece of text, in the sentence's contest
clauses, or the reporting body's own level."""
from __future__ import annotations

import functools
import re

from pipeline.document import SourceDoc
from pipeline.extract.award_rules import vocab
from pipeline.extract.context import ExtractContext

SUBJECT_STOP = re.compile(r"[,，。;；!！?？\n:：]")
# clauses that describe where an honour was won: a contest, a selection, the meeting that conferred it
_CONTEST_RE = re.compile(r"比赛|竞赛|评比|大赛|赛|举办|开展|活动|评选|考核|运动会|节|展|汇演|论坛|参加|参与|会议|大会")
# who organised a contest (市公司组织的县级供电企业…比赛): its level is the organiser's
_ORGANISER_RE = re.compile(r"(?P<who>[^,，。;；的在]{2,14}?)(?:组织|举办|主办|承办|开展)(?:的|了)?")
# the contest a prize was won in, inside the winner's own clause (学院教师在省…竞赛中2名教师获一等奖)
_EVENT_IN_CLAUSE_RE = re.compile(r"(?:在|参加|参与)[^,，]{1,40}?(?:赛|比武|节|展|评比|评选|活动|汇演|论坛|运动会)(?:中|上|里)?")
# the reporting body's own contest: 举办…比武,…,评出一等奖3名
OWN_CONTEST_RE = re.compile(r"(?:举办|举行|组织|开展)(?:了)?[^,，。;；]{0,30}?(?:赛|比武|评比|评选|竞赛|活动|展示)")


@functools.lru_cache(maxsize=8192)  # the same clause is asked about by several rules
def level_in(text: str, nearest: bool = False, places_only: bool = False) -> str | None:
    """Level of the marker nearest to the end of text: geographic before internal
    (or simply the nearest one when `nearest`; internal never when `places_only`)."""
    best: tuple[int, str] | None = None
    internal: tuple[int, str] | None = None
    for level, rx in vocab().levels:
        for m in rx.finditer(text):
            if level == "internal":
                if places_only:
                    break
                if internal is None or m.start() > internal[0]:
                    internal = (m.start(), level)
            elif best is None or m.start() > best[0]:
                best = (m.start(), level)
    if nearest and best and internal:
        return best[1] if best[0] > internal[0] else internal[1]
    if best:
        return best[1]
    return internal[1] if internal else None


def conferrer_level(conferrer: str) -> str | None:
    """Level of a conferrer; of the first when several are listed
    (被全国总工会和北京市总工会分别授予: the honours follow in that order)."""
    first = re.split(r"[和及与、]", conferrer, maxsplit=1)[0]
    return level_in(first) or level_in(conferrer)


def without_self_reference(text: str) -> str:
    """The text without the body's names for itself (我校积极组队参加: 我校 is the
    winner's own unit, it says nothing of the contest's level)."""
    return vocab().self_ref_re.sub(lambda m: "" if m.group(0)[0] in "我本" else m.group(0), text)


def context_level(norm: str, sent_start: int, clause_start: int) -> str | None:
    """Level from the earlier clauses of the sentence that describe a contest or
    event (参与县卫生局举办的…篮球赛,荣获…), nearest first; clauses that are
    themselves awards say nothing about this one."""
    trig = vocab().trigger
    e = clause_start
    while e > sent_start:
        cut = SUBJECT_STOP.search(norm[sent_start:e - 1][::-1])
        s = (e - 1) - cut.start() if cut else sent_start
        clause = norm[s:e]
        if not trig.search(clause) and _CONTEST_RE.search(clause):
            lv = organiser_level(clause) or level_in(without_self_reference(clause))
            if lv:
                return lv
        e = s
    return None


def event_level(own_clause: str) -> str | None:
    """Level of the contest named inside the winner's own clause."""
    ev = _EVENT_IN_CLAUSE_RE.search(own_clause)
    return (organiser_level(ev.group(0)) or level_in(ev.group(0))) if ev else None


def organiser_level(clause: str) -> str | None:
    """Level of the body that organised the contest of a clause (市教育工会举办…,
    市公司组织的县级…比赛), the winner's own unit (我校) aside."""
    m = _ORGANISER_RE.search(without_self_reference(clause))
    return level_in(m.group("who")) if m else None


def body_level(doc: SourceDoc, ctx: ExtractContext) -> str | None:
    """Level of the reporting body itself, from the report's title (or first
    line): 某镇总工会工作总结 -> town, 某中学工会 -> internal; untitled or with a
    generic title, from how the report names itself (我校, 全行, 本镇)."""
    rep = ctx.report
    line = rep.title_line if rep.title_line else doc.line_of(rep.start)
    ls, le = doc.line_span(line)
    lv = level_in(doc.norm[ls:min(le, ls + 80)], nearest=True)
    if lv is None:
        m = vocab().self_ref_re.search(doc.norm, rep.start, min(rep.end, rep.start + 3000))
        lv = level_in(m.group(0)) if m else None
    if lv is None:  # the unit the opening sentence is about (上半年,五公司工会在…领导下)
        body = doc.line_span(rep.title_line)[1] if rep.title_line else rep.start
        while body < rep.end and doc.norm[body].isspace():
            body += 1
        stop = _SENTENCE_END.search(doc.norm, body, min(rep.end, body + 120))
        lv = first_level(doc.norm[body:stop.start() if stop else min(rep.end, body + 120)])
    return lv


_SENTENCE_END = re.compile(r"[。;；!！?？]")


def first_level(text: str) -> str | None:
    """Level of the marker nearest to the start of text."""
    hits = [(m.start(), level) for level, rx in vocab().levels for m in [rx.search(text)] if m]
    return min(hits)[1] if hits else None
