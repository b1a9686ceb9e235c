"""Activity facts: events with an explicit date (ANNOTATION.md, activity).

A date expression (see `dates.py`) dates an event when an event cue (a verb or
event head, data) follows it in its sentence, and it is not a deadline, a
document date, a dateline, or a plan (a `plan` section or a future cue next to
the date). Fixed solar festivals date an event only when they say when it
happened (`三八节组织…`, `“五一”前夕…`); lunar ones never, nor festivals that
are part of an event's name (`迎国庆文艺演出`) or a list of occasions; a
purpose clause (`为庆“五一”迎“五四”,…`) or an event verb right after a named
festival (`“三八”妇女节组织…`) says when. Also not events: a figure stated at a
date (`6月底,全镇共有…`), a date inside a quoted name. A list of dates
(`4月、9月,…`) gives one event per date. A `plan` section label is trusted only
when its heading does not look back (`2018年工作回顾`).
`activity_type` comes from ordered cue groups (data) over the event phrase
(pinyin glosses removed). A char 1-3-gram logistic regression over the gold
activity spans of seeds+real+synthetic, GroupKFold by file, reached 0.74
(0.65 on real reports) against 0.93 (0.84) for these rules, so typing stays
rule-based (2026-12-06; the rules were fitted on part of those files).
"""
from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

import yaml

from pipeline.document import SourceDoc
from pipeline.extract.context import ExtractContext
from pipeline.extract.dates import (DateExpr, festival_dates, festival_pattern, festival_time_words,
                                    find_dates, full_festival_names, parse_cn_int)
from schemas.report import ActivityFact

_DATA = Path(__file__).with_name("data")

_SENT_END = re.compile(r"[。;；!！?？\n]")
_CLAUSE_END = re.compile(r"[,，。;；!！?？\n:：]")
_BOUNDARY = set("。;；,，:：!！?？\n\r \t\u3000、()（）【】")
_OPEN_QUOTES = set("“\"「『《")
# words that may stand between a clause boundary and a time expression
_LEAD_RE = re.compile(r"(?:在|于|从|自|是|值|逢|值此|每年|今年|同年|当年|本年|去年|今年的|每逢|并于|并在|又于|另外|同时|(?:\d{4}|[〇零一二三四五六七八九0]{4})年(?:的)?"
                      r"|第(?:\d{1,3}|[一二三四五六七八九十百]{1,4})个)$")  # 第100个妇女节: that festival
_YEAR_BEFORE_RE = re.compile(r"(?P<year>\d{4}|[〇零一二三四五六七八九0]{4})年的?[“\"]?$")
# a festival right after these is part of an event name (迎国庆文艺演出)
_NAME_PREFIX = ("庆", "迎", "庆祝", "喜迎", "纪念", "欢度", "过", "共度", "恭贺", "祝贺", "的", "贺")
# a label line of an activity notice: 时间: 3月7日下午
_TIME_LABEL_RE = re.compile(r"^\s*(?:活动|比赛)?时间\s*[:：;；]\s*(?:[\d一二三四五六七八九十]{1,2}月)?$")
# a line of a month-by-month schedule (三月份:三八妇女节活动) is a plan, not an event
_SCHEDULE_LINE_RE = re.compile(
    r"\s*(?:[\d一二三四五六七八九十]{1,2}[、.)）]\s*)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})月份?"
    r"(?:上旬|中旬|下旬|初|底)?\s*[:：]")
_COORDINATED_RE = re.compile(r"\s*(?:并且|并|同时|还|此外|另外|定期|每年|每月|每季|今后|以后|此后)")
# two named events joined in one phrase: 举行“A”大赛和“B”联谊活动
_EVENT_HEAD = r"(?:大赛|比赛|竞赛|赛|活动|晚会|联欢会|联谊会|演出|运动会|讲座|座谈会|大会|会议|展览|培训班|仪式)"
_QUOTED_RE = re.compile(r"“[^“”]*”")
# a pinyin gloss of a traditional-text site (會(huì)議): not part of the words typed
_GLOSS_RE = re.compile(r"\([a-zA-Z\u00c0-\u024f]{1,8}\)")
# 为庆“五一”迎“五四”,…: a purpose clause names the occasion the event was held at
_PURPOSE_RE = re.compile(r"为了?(?:庆祝|庆|迎接|喜迎|迎|纪念|欢度)[“\"]?$")
# a list of dates sharing one event (4月、9月,根据…调整…)
_DATE_LIST_SEPS = ("、", "和", "及", "与")
_TWO_EVENTS_RE = re.compile(rf"(?P<a>[^,，。;；和及]*?”[^,，。;；和及]{{0,8}}?{_EVENT_HEAD})(?:和|及|以及|与)(?P<b>[^,，。;；]*?“[^,，。;；]*?{_EVENT_HEAD})")


@cache
def _vocab() -> dict:
    data = yaml.safe_load((_DATA / "activity_types.yaml").read_text(encoding="utf-8"))
    cues = sorted(set(data["event_cues"]), key=len, reverse=True)
    types = [(g["type"], tuple(g["cues"])) for g in data["types"]]
    cue_kind: dict[str, tuple[str, int]] = {}
    for rank, (kind, kind_cues) in enumerate(types):
        for c in kind_cues:
            cue_kind.setdefault(c, (kind, rank))
    return {
        "types": types,
        "cue_kind": cue_kind,
        "cue_re": re.compile("|".join(map(re.escape, sorted(cue_kind, key=len, reverse=True)))),
        "generic_heads": frozenset(data["generic_heads"]),
        "verb_cues": frozenset(data["verb_cues"]),
        "override_cues": frozenset(data["override_cues"]),
        "qualified_frames": frozenset(data["qualified_frames"]),
        "event_re": re.compile("|".join(map(re.escape, cues))),
        "future_before": re.compile(data["future_before_re"]),
        "future_in_sentence": re.compile(data["future_in_sentence_re"]),
        "plan_title": re.compile(data["plan_title_re"]),
        "future_after": re.compile(data["future_after_re"]),
        "deadline_before": tuple(data["deadline_before"]),
        "deadline_after": re.compile(data["deadline_after_re"]),
        "document_after": re.compile(data["document_after_re"]),
        "dateline_after": re.compile(data["dateline_after_re"]),
        "status_after": re.compile(data["status_after_re"]),
        "participation": re.compile(data["participation_re"]),
        "range_status_after": re.compile(data["range_status_after_re"]),
        "festival_verbs": tuple(data["festival_verbs"]),
        "retrospective_heading": re.compile(data["retrospective_heading_re"]),
        "slogan_after": re.compile(data["slogan_after_re"]),
        "festival_default_type": data["festival_default_type"],
        "festival_celebration": re.compile(data["festival_celebration_re"]),
        "fallback_types": tuple((f["type"], re.compile(f["re"])) for f in data["fallback_types"]),
    }


def activity_type(phrase: str) -> str:
    """Contract activity_type of an event phrase (normalised text)."""
    return _typed(phrase)[0]


@lru_cache(maxsize=8192)  # an event phrase is typed more than once
def _typed(phrase: str) -> tuple[str, bool]:
    """Contract activity_type of an event phrase (normalised text), and whether a
    type cue said so (`other` may be said by a cue: 调研, 要约).

    The event's head decides: the type cue ending nearest the end of the phrase
    (举办文艺骨干培训班 -> training; 座谈并发放慰问品 -> aid_visit); at the same
    end the longer cue, then the earlier group (知识竞赛 over 竞赛). A generic
    contest head (比赛, 大赛) takes the type of the cue that qualifies it when
    there is one (篮球比赛 -> culture_sports, 歌手大赛 -> culture_sports)."""
    v = _vocab()
    phrase = _mask_slogans(_GLOSS_RE.sub("", phrase))
    found: list[tuple[int, int, int, str]] = []  # (end, len, -rank, cue)
    rx, kinds = v["cue_re"], v["cue_kind"]
    i = 0
    while True:
        m = rx.search(phrase, i)
        if m is None:
            break
        c = m.group(0)
        found.append((m.end(), len(c), -kinds[c][1], c))
        # overlapping shorter cues inside a longer one (知识竞赛 / 竞赛) end at the same place
        for sub in (c[k:] for k in range(1, len(c))):
            if sub in kinds:
                found.append((m.end(), len(sub), -kinds[sub][1], sub))
        i = m.start() + 1
    if not found:
        # no cue: who goes where may still tell (组织职工到…, 领导来到…)
        return next((kind for kind, rx in v["fallback_types"] if rx.search(phrase)), "other"), False
    found.sort()
    # a frame (联席会上…, …进行调查) says what the event is wherever it stands
    frames = [f for f in found if f[3] in v["override_cues"]]
    if frames:
        frame = min(frames, key=lambda f: -f[2])
        # …培训会议上: the cue written right before the frame says what kind of meeting
        qualifiers = [f for f in found if f[0] == frame[0] - frame[1] and frame[3] in v["qualified_frames"]
                      and f[3] not in v["override_cues"] and f[3] not in v["verb_cues"]]
        if qualifiers:
            return kinds[max(qualifiers, key=lambda f: f[1])[3]][0], True
        return kinds[frame[3]][0], True
    # a verb (运动会召开) is not the head when the phrase names the event
    nouns = [f for f in found if f[3] not in v["verb_cues"]]
    head = nouns[-1] if nouns else found[-1]
    if head[3] in v["generic_heads"]:
        before = [f for f in found if f[0] - f[1] < head[0] - head[1] and f[3] not in v["generic_heads"]]
        if before:
            return kinds[before[-1][3]][0], True
    return kinds[head[3]][0], True


def _mask_slogans(phrase: str) -> str:
    """Blank the words of quoted slogans and themes (印有“关爱职工”的锦旗,
    以“敬老助老”为主题的活动): they say what the event is about, not what it is."""
    if "“" not in phrase:
        return phrase
    rx = _vocab()["slogan_after"]
    for m in _QUOTED_RE.finditer(phrase):
        if rx.match(phrase, m.end()):
            phrase = phrase[:m.start()] + " " * (m.end() - m.start()) + phrase[m.end():]
    return phrase


def _at_clause_head(norm: str, s: int, floor: int) -> bool:
    """True if only a boundary or a time-lead word (在, 于, 今年 …) precedes s in its clause."""
    i = s
    while i > floor and norm[i - 1] in _OPEN_QUOTES:
        i -= 1
    if i <= floor or norm[i - 1] in _BOUNDARY:
        return True
    left = norm[max(floor, i - 6):i]
    m = _LEAD_RE.search(left)
    if m:
        j = i - len(m.group(0))
        return j <= floor or norm[j - 1] in _BOUNDARY or norm[j - 1] in _OPEN_QUOTES \
            or _LEAD_RE.search(norm[max(floor, j - 4):j]) is not None
    return False


def _in_festival_list(norm: str, d: DateExpr, floor: int, ceil: int) -> bool:
    """`三八、端午、中秋慰问`, `五一、五四组织…`, `“三八”妇女节和元旦`: a list of occasions."""
    pat = festival_pattern()
    j = d.end
    while j < ceil and norm[j] in "”\"」』":
        j += 1
    if j < ceil and norm[j] in "、和及与" and pat.match(norm, j + 1):
        return True
    if j < ceil and pat.match(norm, j):
        return True  # 元旦春节期间: two occasions written together
    g = _GLOSS_RE.match(norm, j, ceil)
    if g:
        j = g.end()  # 國慶節(jié)等: a pinyin gloss stands between
    if j < ceil and norm[j] == "等":
        return True  # 国庆节等重大节日: examples of occasions
    i = d.start
    while i > floor and norm[i - 1] in "“\"「『":
        i -= 1
    if i > floor and norm[i - 1] in "、和及与":
        k = i - 1
        while k > floor and norm[k - 1] in "”\"」』":
            k -= 1
        left = norm[max(floor, k - 8):k]
        return any(left.endswith(n) or left.endswith(n + "节") for n in festival_dates())
    return False


def _festival_dates_event(norm: str, d: DateExpr, floor: int, ceil: int) -> bool:
    if d.lunar:
        return False
    after = norm[d.end:min(ceil, d.end + 3)].lstrip("”\"」』")
    if _in_festival_list(norm, d, floor, ceil):
        return False
    text = norm[d.start:d.end]
    full_names, times = full_festival_names(), festival_time_words()
    if any(text.endswith(t) for t in times):
        return True
    if _PURPOSE_RE.search(norm, max(floor, d.start - 6), d.start):
        # 为庆“五一”迎“五四”,工会组织…: the clause ends soon after the occasion
        b = _CLAUSE_END.search(norm, d.end, min(ceil, d.end + 8))
        return b is not None and norm[b.start()] in ",，"
    if any(norm[max(floor, d.start - len(p)):d.start] == p for p in _NAME_PREFIX):
        return False
    has_jie = text.rstrip("”\"」』").endswith("节") or d.festival in full_names
    quoted = text.startswith(("“", "\"")) and ("”" in text or "\"" in text[1:])
    if (has_jie or quoted) and norm.startswith(_vocab()["festival_verbs"], d.end):
        return True  # “三八”妇女节组织职工参观…: the festival is the time of the verb
    if has_jie and d.start > floor and norm[d.start - 1] in "在于":
        return True  # 女职工委员会在“三八”节举办…: 在 + a named festival is a time
    if not _at_clause_head(norm, d.start, floor):
        return False
    if has_jie:
        return True
    return after[:1] in (",", "，")


def _is_excluded(norm: str, d: DateExpr, floor: int, ceil: int) -> bool:
    v = _vocab()
    left = norm[max(floor, d.start - 4):d.start]
    tail = norm[d.end:min(ceil, d.end + 24)]
    if any(left.endswith(c) for c in v["deadline_before"]):
        return True
    if v["deadline_after"].match(tail) and not tail.startswith(("前往", "前来", "前去")):
        return True
    if v["future_before"].search(norm, max(floor, d.start - 10), d.start):
        return True
    if v["future_after"].match(tail):
        return True
    # 计划于3月启动…,5月举办…: a plan cue earlier in the sentence covers every date after it
    sm = _SENT_END.search(norm[max(floor, d.start - 120):d.start][::-1])
    sent_start = d.start - sm.start() if sm else max(floor, d.start - 120)
    if v["future_in_sentence"].search(norm, sent_start, d.start):
        return True
    if v["document_after"].match(tail) or v["dateline_after"].match(tail):
        return True
    # 今年6月底,全镇共有工会组织3021家: a figure at a date is a status, not an event
    st = v["status_after"].match(tail)
    if st and not v["participation"].search(tail, st.end(), _clause_end(tail, st.end())):
        return True  # (共有200名职工参加了比赛 is an event told by its turnout)
    if d.is_range and v["range_status_after"].match(tail):
        return True  # 1-6月新增工会组织101家: a total over a period
    if _in_quoted_name(norm, d, floor, ceil):
        return True
    # inside brackets: a document date (《…》(2010年4月13日))
    if left[-1:] in ("(", "（") and tail[:1] in (")", "）"):
        return True
    return False


def _clause_end(text: str, pos: int) -> int:
    m = _CLAUSE_END.search(text, pos)
    return m.start() if m else len(text)


def _in_quoted_name(norm: str, d: DateExpr, floor: int, ceil: int) -> bool:
    """`“五月风展靓秀风采”技能表演`: a date inside a quoted name, not its time."""
    left = norm[max(floor, d.start - 12):d.start]
    q = left.rfind("“")
    if q == -1 or "”" in left[q:] or any(c in left[q:] for c in "。;；,，"):
        return False
    if norm.startswith("”", d.end):
        return False  # “3月8日”: the quote holds the date only
    close = norm.find("”", d.end, min(ceil, d.end + 20))
    return close != -1 and not any(c in norm[d.end:close] for c in "。;；")


def _truncated_event(norm: str, d: DateExpr, end: int) -> tuple[int, str] | None:
    """`2月19日,市总工` at the very end of an excerpt: a dated paragraph whose
    text was cut off is still an event."""
    if not norm.startswith((",", "，"), d.end):
        return None
    rest = norm[d.end:end].rstrip()
    if len(rest) > 12 or _SENT_END.search(rest):
        return None
    return d.end + len(rest), norm[d.start:d.end + len(rest)]


def _search_cue(norm: str, lo: int, hi: int) -> int | None:
    """End offset (in norm) of the first event cue in norm[lo:hi] that is a
    predicate: a cue followed by 的 modifies a noun (依据关于劳动竞赛的文件,召开…;
    在市总举行的会议上…), so a later cue names the event when there is one.
    Pinyin glosses of traditional-text sites (評(píng)為, 會(huì)議) are skipped so they
    do not split cues."""
    rx = _vocab()["event_re"]
    if "(" not in norm[lo:hi]:
        first = None
        for m in rx.finditer(norm, lo, hi):
            if not norm.startswith("的", m.end()):
                return m.end()
            first = first or m.end()
        return first
    pieces, ends = [], []  # gloss-free text and, per kept char, its offset in norm
    i = lo
    for g in _GLOSS_RE.finditer(norm, lo, hi):
        pieces.append(norm[i:g.start()])
        ends.extend(range(i + 1, g.start() + 1))
        i = g.end()
    pieces.append(norm[i:hi])
    ends.extend(range(i + 1, hi + 1))
    text = "".join(pieces)
    first = None
    for m in rx.finditer(text):
        if not text.startswith("的", m.end()):
            return ends[m.end() - 1]
        first = first or ends[m.end() - 1]
    return first


def _clause_end_outside_quotes(norm: str, pos: int, hi: int) -> int:
    """End of the clause from pos: a comma inside a quoted name (召开“建功黄金期,
    呈现新作为”动员大会) does not end it."""
    m = _CLAUSE_END.search(norm, pos, hi)
    while m is not None and norm[m.start()] in ",，":
        opened = norm.rfind("“", pos, m.start())
        if opened == -1 or norm.find("”", opened, m.start()) != -1:
            break
        close = norm.find("”", m.start(), hi)
        if close == -1:
            break
        m = _CLAUSE_END.search(norm, close, hi)
    return m.start() if m else hi


def _event_span(norm: str, d: DateExpr, ceil: int) -> tuple[int, str] | None:
    """End offset of the event phrase after a date (the clause of the first event
    cue), and the phrase used for typing: that clause, or the whole sentence when
    the clause alone has no type cue. None if no event cue."""
    m = _SENT_END.search(norm, d.end, ceil)
    sent_end = m.start() if m else ceil
    sent_end = min(sent_end, d.end + 160)
    cue_end = _search_cue(norm, d.end, sent_end)
    if cue_end is None:
        return None
    end = _clause_end_outside_quotes(norm, cue_end, sent_end)
    # the event may be named before its date in the clause (…文艺晚会于9月28日举行)
    cb = _CLAUSE_END.search(norm[max(0, d.start - 30):d.start][::-1])
    pre = norm[d.start - (cb.start() if cb else min(30, d.start)):d.start]
    # typing phrase: the cue's clause, extended clause by clause while it has no
    # type cue (三八节组织了系列活动,看电影), but not into a new coordinated
    # predicate (…,并…, 同时…) which is another action
    phrase_end = end
    if end < sent_end and norm[end] in ":：" and not _typed(norm[d.start:end])[1]:
        # 三八节组织了系列活动:发纪念品,组织踢毽比赛: the enumeration types the series
        return end, pre + norm[d.start:sent_end]
    while not _typed(norm[d.start:phrase_end])[1] and phrase_end < sent_end:
        nxt = phrase_end + 1
        if _COORDINATED_RE.match(norm, nxt):
            break
        m = _CLAUSE_END.search(norm, nxt, sent_end)
        phrase_end = m.start() if m else sent_end
    return end, pre + norm[d.start:phrase_end]


def _on_schedule_line(doc: SourceDoc, offset: int) -> bool:
    ls, le = doc.line_span(doc.line_of(offset))
    return _SCHEDULE_LINE_RE.match(doc.norm, ls, le) is not None


def _label_event(doc: SourceDoc, d: DateExpr, ceil: int) -> tuple[int, str] | None:
    """`时间: 3月7日下午` in an activity notice: the event is described on the
    following lines (内容: …)."""
    ls, _ = doc.line_span(doc.line_of(d.start))
    if not _TIME_LABEL_RE.search(doc.norm[ls:d.start]):
        return None
    le = doc.norm.find("\n", d.end)
    le = ceil if le == -1 or le > ceil else le
    following = doc.norm[le:min(ceil, le + 200)]
    return le, doc.norm[d.end:le] + following


def _start_with_lead(norm: str, s: int, floor: int) -> int:
    left = norm[max(floor, s - 6):s]
    m = re.search(r"(?:在|于|从|自)?(?:今年|本年|同年)?(?:在|于|从|自)?[“\"]?$", left)
    return s - len(m.group(0)) if m else s


def _in_plan_section(doc: SourceDoc, ctx: ExtractContext, offset: int) -> bool:
    """The offset lies in a `plan` section whose heading does not look back
    (a section headed 2018年工作回顾 or 总结2014年工作 谋划2015年工作 reports
    events that happened, whatever label it was given)."""
    if ctx.section_at(offset) != "plan":
        return False
    heading = _plan_span_heading(doc, ctx, offset)
    return heading is None or _vocab()["retrospective_heading"].search(heading) is None


def _plan_span_heading(doc: SourceDoc, ctx: ExtractContext, offset: int) -> str | None:
    """The heading lines (up to 3 short lines) opening the section span covering offset:
    a heading may be broken over lines (下半年 / 工作思路 / …总结及下半年工作思路)."""
    for s, e, _ in ctx.section_spans:
        if s <= offset < e:
            lines = []
            for line in doc.norm[s:min(e, s + 200)].split("\n"):
                line = line.strip()
                if not line:
                    continue
                if len(line) > 40 or len(lines) == 3:
                    break
                lines.append(line)
            return "\n".join(lines)
    return None


def _is_plan_report(doc: SourceDoc, ctx: ExtractContext) -> bool:
    """The report's title names it a plan (2026年工会工作计划), not a summary."""
    line = getattr(ctx.report, "title_line", None)
    if not line:
        return False
    ls, le = doc.line_span(line)
    return _vocab()["plan_title"].search(doc.norm, ls, le) is not None


def extract(doc: SourceDoc, start: int, end: int, ctx: ExtractContext) -> list[ActivityFact]:
    """Activity facts in doc[start:end]."""
    norm = doc.norm
    if _is_plan_report(doc, ctx):
        return []  # a work plan (…年工作计划): its dated events are all still to come
    dates = find_dates(norm, start, end)
    facts: list[ActivityFact] = []
    for i, d in enumerate(dates):
        date = d.iso()
        if date is None:
            continue
        nxt = dates[i + 1] if i + 1 < len(dates) else None
        if d.kind == "date" and d.day is None and d.part is None and nxt is not None \
                and nxt.kind == "date" and nxt.start - d.end <= 1 and nxt.month == d.month:
            continue  # a doubled month (3月3月7日): the next one carries the date
        if doc.is_noise(d.start, d.end) or _in_plan_section(doc, ctx, d.start):
            continue
        if _on_schedule_line(doc, d.start):
            continue
        if i > 0 and dates[i - 1].kind == "date" and d.kind == "date" \
                and d.start - dates[i - 1].end <= 1 and dates[i - 1].month != d.month \
                and norm[dates[i - 1].end:d.start] not in _DATE_LIST_SEPS:
            continue  # 4月下旬5月上旬: a range written without 至, the first one carries it
        lead_start = d.start
        if d.kind == "festival":
            prev = dates[i - 1] if i > 0 else None
            if prev is not None and (prev.month, prev.day) == (d.month, d.day) \
                    and not norm[prev.end:d.start].strip(" “\"「的"):
                continue  # 3月8日“国际妇女节”: the festival restates the date before it
            if not _festival_dates_event(norm, d, start, end):
                continue
            ym = _YEAR_BEFORE_RE.search(norm, max(start, d.start - 6), d.start)
            if ym:  # 2011年元旦: the year is written in the same phrase
                y = parse_cn_int(ym.group("year"))
                if y and 1900 <= y <= 2100:
                    date = f"{y}-{date}"
                    lead_start = ym.start()
        elif _is_excluded(norm, d, start, end):
            continue
        # 4月、9月,…: a list of dates shares the event written after its last one
        last = d
        for later in dates[i + 1:]:
            if later.kind != "date" or norm[last.end:later.start] not in _DATE_LIST_SEPS:
                break
            last = later
        ceil = end
        for later in dates[i + 1:]:
            if later.lunar and any(norm.startswith(t, later.end) or norm[later.start:later.end].endswith(t)
                                   for t in festival_time_words()):
                continue  # 在春节来临之际 only refines the time of the event already dated
            if later.start >= last.end + 2 and _at_clause_head(norm, later.start, last.end):
                ceil = later.start
                break
        found = _label_event(doc, last, end) or _event_span(norm, last, ceil)
        if found is None and ceil == end:
            found = _truncated_event(norm, last, end)
        if found is None:
            continue
        e, phrase = found
        s = _start_with_lead(norm, min(d.start, lead_start), start)
        pieces = [(e, phrase)]
        # a quoted date (“3.12”植树活动和…) holds the closing quote of the first name
        two = _TWO_EVENTS_RE.search(norm, d.start if norm[d.end - 1] in "”\"" else d.end, e)
        if two:
            pieces = [(two.end("a"), norm[d.end:two.end("a")]), (e, phrase)]
            if any(x.start >= two.start("b") for x in dates[i + 1:] if x.start < e):
                pieces = pieces[:1]  # …和“五四”青年节红歌赛: the second event has its own date
        for pe, ph in pieces:
            kind = activity_type(ph)
            if kind == "other" and d.kind == "festival" and _vocab()["festival_celebration"].search(ph) \
                    and "“" not in ph:
                # 三八节组织女职工活动: a bare activity of the festival is its celebration
                # (a themed one, 开展“尊师重教”的活动, is not)
                kind = _vocab()["festival_default_type"]
            facts.append(ActivityFact(text=doc.text[s:pe], start=s, end=pe,
                                      line=doc.line_of(s), date=date, activity_type=kind))
    return facts
