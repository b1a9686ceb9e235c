"""Award recipient (ANNOTATION.md award.recipient): the winner as written.

Every function returns a span (start, end) of the view's text, or None, so the
fact keeps where its recipient is (`recipient_start/recipient_end`).
"""
from __future__ import annotations

import re

from pipeline.extract.award_level import SUBJECT_STOP

Span = tuple[int, int]

MASK_CHARS = "xX×*_＊"
QUOTES = "“”\"'‘’《》「」『』"
_LEAD = re.compile(r"(?:其中|并且|并|还|同时|另外|另有|此外|今年|去年|全年|当年|近年来|近年|共有|有(?![关效力序的些所])|我们|经过努力|在此基础上|对|如|\s|[\d一二三四五六七八九十]+[、.)）]|[(（][\d一二三四五六七八九十]+[)）])+")
_YEAR_LEAD = re.compile(r"\d{2,4}[-xX]*年(?:度)?")
_TAIL = re.compile(r"(?:将以此次|以此次|将以|此次|连续[一二三四五六七八九十两\d]+年|连续|多年|均|都|也|还|又|已|分别|先后|再次|连续|多次|共同|联合|一起|共|最终|光荣地|光荣的|荣幸地|同时|一举|成功|首次|曾|继)+$")   # (继: 该局工会继获评…后, the time, not the winner)
_HAS_COUNT = re.compile(r"(?:共有|有)(?=(?:\d+|[一二两三四五六七八九十百]+)(?:名|位|个|家|人|支|户|所))")
_IN_EVENT = re.compile(r"(?:在|参加|参与|于)[^,，]*?(?:中|上|里|期间)$")
_NOT_RECIPIENT_END = ("比赛", "竞赛", "评比", "活动", "大赛", "中", "上")
_DUI_RE = re.compile(r"对(?P<who>[^,，。;；对]{1,30}?)[,，]?(?:分别|均|都|一并)?(?:给予|予以)?$")
# 授予30名职工区五一劳动奖章: the counted group right after 授予 is the winner
_GIVE_TO_COUNTED = re.compile(r"(?P<who>(?:\d+|[两三四五六七八九十百]+)(?:名|位|个|家|支)[^“”,，。;；、为]{1,8}?)(?=全国|省|市|区|县|镇|街道|“)")
# 授予我院工会“先进职工之家”: a unit between the verb and the quoted honour
_GIVE_TO_NAMED = re.compile(r"(?P<who>[^“”,，。;；、\s]{2,30}?(?:工会|委员会|公司|集团|学院|学校|医院|支行|分行|社区|街道|中心|车间|班组|部|队|院|局|所|站|厂))(?=“)")
# 授予城南公司等10家单位“市五一劳动奖状”: named units and their count
_GIVE_TO_NAMED_COUNTED = re.compile(r"(?P<who>[^“”,，。;；\s]{2,30}?等(?:\d+|[两三四五六七八九十百]+)(?:名|位|个|家|支)[^“”,，。;；、为]{0,6}?)(?=全国|省|市|区|县|镇|街道|“)")
# 命名10个班组为集团“巾帼文明岗”
_NAMED_AS = re.compile(r"(?P<who>[^,，。;；“”为]{1,20}?)(?=为)")
_PASSIVE_SUBJECT = re.compile(r"(?P<who>[^,，被]{2,24}?)(?:在[^,，被]{0,12})?被")
# 我校积极组队参加,荣获第二名: the unit that fielded a team in the earlier clause
_PARTICIPANT = re.compile(r"(?P<who>[^,，。;；的]{2,12}?)(?:积极|踊跃|主动)?(?:组队|组团|派队)(?:参加|参与|参赛)")
_ORGANISED = re.compile(r"组织(?:了)?(?!的)(?P<who>[^,，。;；]{2,20}?)(?:参加|参与|去|赴|,|，|$)")
# 荣获全市“最美护士”称号的市医院护士李某(说): the holder the honour describes
_TITLE_HOLDER = re.compile(r"(?:称号|荣誉)的(?P<who>[^,，。;；:：“”的有是为将]{2,16}?)(?:(?<![名位个人])同志|老师)?"
                           r"(?:[\u4e00-\u9fff]{2}地)?(?:说|表示|讲|谈到|介绍|坦言|感慨)?(?=[,，。;；:：!！]|$)")
# the sentence's topic (学院工会坚持…,2024年被…授予…): a unit named at a clause head
_TOPIC = re.compile(r"(?P<who>[^,，。;；:：“”]{0,8}?(?:工会|公司|集团|学院|学校|医院|支行|分行|社区|街道|中心|车间|班组|部|队)(?:工会|公司)?)")


def _strip(norm: str, s: int, e: int, chars: str) -> Span:
    while s < e and norm[s] in chars:
        s += 1
    while e > s and norm[e - 1] in chars:
        e -= 1
    return s, e


def subject(norm: str, clause_start: int, trig_start: int) -> Span | None:
    """The clause subject before the trigger, without leads (其中, 今年, 2024年),
    adverbs (连续三年, 均), or the event it was won in (在…比赛中)."""
    s, e = _strip(norm, clause_start, trig_start, " \t\u3000\u00a0")
    m = _LEAD.match(norm, s, e)
    s = m.end() if m else s
    m = _YEAR_LEAD.match(norm, s, e)
    s = m.end() if m else s
    while s < e and norm[s] in "-—年度 ":
        s += 1
    m = _IN_EVENT.search(norm, s, e)
    e = m.start() if m else e
    m = _HAS_COUNT.search(norm, s, e)   # 该局有5人被评为…: the counted group won
    s = m.end() if m else s
    k = norm.find("被", s + 1, e)   # 李某被推荐参评并荣获…: the subject ends at 被
    e = k if k != -1 else e
    m = _TAIL.search(norm[s:e])
    e = s + m.start() if m else e
    s, e = _strip(norm, s, e, " ")
    if e - s > 3:   # 何正民同志, 王晓同志 -> the name, but 12名同志 and 该同志 stay
        m = re.search(r"(?:(?<![名位个人])同志|老师)?(?:均|都|也)?$", norm[s:e])
        e = s + m.start()
    m = re.search(r"在?(?:\d{2,4}|[xX]+)年(?:度)?$", norm[s:e])   # 该同志2023年被…
    if m:   # (该局工会继2021年获评…: an adverb may stand before the year too)
        e = s + m.start()
        m = _TAIL.search(norm[s:e])
        e = s + m.start() if m else e
    s, e = _strip(norm, s, e, " " + QUOTES)
    if e <= s or norm[s:e].endswith(_NOT_RECIPIENT_END) or norm[s] == "的" or e - s > 40:
        return None
    return s, e


def masked_subject(norm: str, clause_start: int, trig_start: int) -> bool:
    """A subject made only of dashes (a deleted name: `-被评为市劳模`); a
    placeholder run (`xx获评…`) is a name written masked and stays the recipient."""
    subj = norm[clause_start:trig_start].strip()
    return bool(subj) and all(c in "-—_ " for c in subj)


def object_of_conferral(norm: str, sent_start: int, ts: int, te: int) -> Span | None:
    """Winner of an active conferral: 对X(授予…), or the group or unit right after
    the verb (授予30名职工区五一劳动奖章, 授予我院工会“先进职工之家”, 命名10个班组为…)."""
    dm = _DUI_RE.search(norm, max(sent_start, ts - 45), ts)
    if dm:
        s, e = dm.span("who")
        m = re.match(r"在[^,，]*?中", norm[s:e])
        return (s + m.end(), e) if m and m.end() < e - s else (s, e)
    gm = _GIVE_TO_COUNTED.match(norm, te) or _GIVE_TO_NAMED_COUNTED.match(norm, te) or _NAMED_AS.match(norm, te) or _GIVE_TO_NAMED.match(norm, te)
    return gm.span("who") if gm else None


def item_object(norm: str, s: int) -> Span | None:
    """Winner at the head of a later item of an active conferral (授予10个单位“A”称号、
    50名职工“B”称号: each item names its own winner before its honour)."""
    gm = _GIVE_TO_COUNTED.match(norm, s) or _GIVE_TO_NAMED_COUNTED.match(norm, s) or _GIVE_TO_NAMED.match(norm, s)
    return gm.span("who") if gm else None


def title_holder(norm: str, te: int, phrase_end: int) -> Span | None:
    """The winner named after the honour it holds (荣获X称号的王某)."""
    m = _TITLE_HOLDER.search(norm, te, phrase_end)
    return m.span("who") if m else None


def shared(norm: str, earlier: list[Span | None], sent_start: int, clause_start: int) -> Span | None:
    """Subjectless award clause: the winner of an earlier award in the same
    sentence (X被…评为…,今年还获得了…), the subject of an earlier passive clause
    (李某被工会推荐,最终被选举为…), or the group the sentence says was organised
    to take part (组织70人的合唱队参加了…比赛,获县三等奖)."""
    for r in reversed(earlier):
        if r is not None:
            return r
    e = clause_start
    while e > sent_start:
        cut = SUBJECT_STOP.search(norm[sent_start:e - 1][::-1])
        s = (e - 1) - cut.start() if cut else sent_start
        pm = _PASSIVE_SUBJECT.match(norm, s, e)
        if pm:
            ws, we = pm.span("who")
            lead = _LEAD.match(norm, ws, we)
            ws = lead.end() if lead else ws
            if ws < we:
                return ws, we
        e = s
    m = None
    for m in _ORGANISED.finditer(norm, sent_start, clause_start):
        pass
    if m:
        return m.span("who")
    prev = SUBJECT_STOP.search(norm[sent_start:clause_start - 1][::-1]) if clause_start > sent_start else None
    ps = clause_start - 1 - prev.start() if prev else sent_start
    lead = _LEAD.match(norm, ps, clause_start)
    pm = _PARTICIPANT.match(norm, lead.end() if lead else ps, clause_start)
    return pm.span("who") if pm and "组织" not in pm.group("who") else None


def performer(norm: str, sent_start: int, clause_start: int, performance: re.Pattern) -> Span | None:
    """The subject of the clause right before a subjectless win when that clause
    says how it did (我段选手发挥出色,获得团体第三名)."""
    if clause_start <= sent_start:
        return None
    cut = SUBJECT_STOP.search(norm[sent_start:clause_start - 1][::-1])
    ps = clause_start - 1 - cut.start() if cut else sent_start
    pm = performance.search(norm, ps, clause_start - 1)
    if pm is None:
        return None
    s, e = subject(norm, ps, pm.start()) or (0, 0)
    return (s, e) if e > s else None


def topic(norm: str, sent_start: int, clause_start: int) -> Span | None:
    """The unit a sentence is about, named at the head of one of its earlier
    clauses (近年来,学院工会坚持…,2024年被…授予…): a subjectless passive
    or ranking clause is about it."""
    s = sent_start
    while s < clause_start:
        tm = _TOPIC.match(norm, s, clause_start)
        if tm:
            return tm.span("who")
        cut = SUBJECT_STOP.search(norm, s, clause_start)
        if cut is None:
            break
        s = cut.end()
    return None


def opening_unit(norm: str, sent_start: int, limit: int) -> Span | None:
    """The unit a sentence opens with, in its first clause (武广项目部在…中,…)."""
    cut = SUBJECT_STOP.search(norm, sent_start, limit)
    tm = _TOPIC.match(norm, sent_start, cut.start() if cut else limit)
    return tm.span("who") if tm else None
