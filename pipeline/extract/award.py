"""Award facts: honours and prizes won or conferred (ANNOTATION.md, award).

Candidates start at a trigger (荣获, 获得, 被…评为, 授予 …; data), or at a
conferral by the reporting body (评选出5名文明职工, 进行了优秀护士表彰). The
honour phrase after the trigger runs to the end of its clause; it is split into
items at 、/和/及 outside quotes, and each item that ends with an honour suffix
(奖章, 先进集体, 工人先锋号, 第三名 …; data) or is quoted is one fact.
`name` drops quotes, 称号/荣誉称号 and level/place/year prefixes; `level` comes
from the first of: the stripped prefix, the conferrer (被市总工会评为), the
sentence before the trigger, the line (nearest marker; geographic markers
before internal ones); `recipient` is the clause subject before the trigger (or
the 对X of 对X授予, or the count of 评选出N名X).
"""
from __future__ import annotations

import bisect
import re
from functools import cache
from pathlib import Path

import yaml

from pipeline.document import SourceDoc
from pipeline.extract.context import ExtractContext
from pipeline.extract.masks import contains_mask
from schemas.report import AwardFact

_DATA = Path(__file__).with_name("data")

_MASK_CHARS = "xX×*_＊"
_QUOTES = "“”\"'‘’《》「」『』"
_CLAUSE_STOP = re.compile(r"[,，。;；!！?？\n:：()（）]")
_SENT_STOP = re.compile(r"[。;；!！?？\n]")
_SEPARATORS = "、和及与"
_COUNT_RE = re.compile(r"^(?P<count>(?:\d+|[一二两三四五六七八九十百]+)(?:名|家|个|位|人|户|支|所|项))")
_RANK_RE_EXTRA = re.compile(r"(?:团体|个人)?(?:[一二三四五六七八九十\d]等奖|特等奖|第[一二三四五六七八九十\d]{1,2}名|冠军|亚军|季军)")
_TRAILING_COUNT_RE = re.compile(r"(?<![第前])(?:\d+|[一二两三四五六七八九十]+)(?:个|项|名|人|次|块|枚|座)$")
_SUBJECT_STOP = re.compile(r"[,，。;；!！?？\n:：]")
_CONTEST_RE = re.compile(r"比赛|竞赛|评比|大赛|赛|举办|开展|活动|评选|考核|运动会|节|展|汇演|论坛|参加|参与")
# the contest a prize was won in, inside the winner's own clause (学院教师在省…竞赛中2名教师获一等奖)
_EVENT_IN_CLAUSE_RE = re.compile(r"(?:在|参加|参与)[^,，]{1,40}?(?:赛|节|展|评比|评选|活动|汇演|论坛|运动会)(?:中|上|里)?")
# how a report names its own body: 我校, 本行, 全局, 我镇 (its level when the title says nothing)
_SELF_REF_RE = re.compile(r"(?:我|本|全)(?:校|院|局|行|公司|集团|厂|矿|镇|乡|街道|区|县)(?!长|级|内外|外)")
# the reporting body's own contest: 举办…比武,…,评出一等奖3名
_OWN_CONTEST_RE = re.compile(r"(?:举办|举行|组织|开展)(?:了)?[^,，。;；]{0,30}?(?:赛|比武|评比|评选|竞赛|活动|展示)")
_ORGANISED_RE = re.compile(r"组织(?:了)?(?P<who>[^,，。;；]{2,20}?)(?:参加|参与|去|赴|,|，|$)")
# triggers after which the whole object is a title (被评为先进女职工委员会)
_TITLE_TRIGGERS = ("被评为", "评为", "被评选为", "评选为", "被表彰为", "表彰为", "当选为", "当选",
                   "被选举为", "被选为")
_PASSIVE_SUBJECT_RE = re.compile(r"(?P<who>[^,，被]{2,24}?)(?:在[^,，被]{0,12})?被")
_ACTIVE_CONFER = ("评为", "授予", "授予了", "命名为", "表彰为", "评选为")
_RECIPIENT_LEAD = re.compile(r"^(?:其中|并且|并|还|同时|另外|此外|今年|去年|全年|当年|近年来|近年|共有|有|我们|经过努力|在此基础上|\s|[\d一二三四五六七八九十]+[、.)）])+")
_RECIPIENT_TAIL = re.compile(r"(?:连续[一二三四五六七八九十两\d]+年|连续|多年|均|都|也|还|又|已|分别|先后|再次|连续|多次|共|最终|光荣地|光荣的|荣幸地|同时|一举|成功|首次|曾)+$")
_IN_EVENT = re.compile(r"(?:在|参加|参与|于)[^,，]*?(?:中|上|里|期间)$")
_NOT_RECIPIENT_END = ("比赛", "竞赛", "评比", "活动", "大赛", "中", "上")
_DUI_RE = re.compile(r"对(?P<who>[^,，。;；对]{1,30}?)[,，]?(?:分别|均|都|一并)?(?:给予|予以)?$")
# 授予30名职工区五一劳动奖章: the counted group right after 授予 is the winner
_GIVE_TO_RE = re.compile(r"(?P<who>(?:\d+|[两三四五六七八九十百]+)(?:名|位|个|家|支)[^“”,，。;；、]{1,8}?)(?=全国|省|市|区|县|镇|街道|“)")
# the sentence's topic (学院工会坚持…,2024年被…授予…): a unit named at a clause head
_TOPIC_RE = re.compile(r"(?P<who>[^,，。;；:：“”]{0,8}?(?:工会|公司|集团|学院|学校|医院|支行|分行|社区|街道|中心|车间|班组|部|队)(?:工会|公司)?)")
_PRAISE_RE = re.compile(r"(?:进行了?|开展了?|予以)(?P<name>(?:优秀|先进|模范|十佳|最美|十大)[^,，。;；、]{1,10}?)的?表彰")


@cache
def _vocab() -> dict:
    cues = yaml.safe_load((_DATA / "award_cues.yaml").read_text(encoding="utf-8"))
    lv = yaml.safe_load((_DATA / "award_levels.yaml").read_text(encoding="utf-8"))
    trig = sorted(cues["triggers"], key=len, reverse=True)
    by = "|".join(map(re.escape, sorted(cues["by_verbs"], key=len, reverse=True)))
    not_huo = "|".join(map(re.escape, cues["not_after_huo"]))
    trig_alt = "|".join(re.escape(t) if t != "获" else rf"获(?!{not_huo})" for t in trig)
    out_alt = "|".join([*map(re.escape, sorted(cues["conferral_out"], key=len, reverse=True)),
                        *cues.get("conferral_out_re", [])])
    suffixes = sorted(cues["suffixes"], key=len, reverse=True)
    levels = []
    for item in lv["levels"]:
        levels.append((item["level"], re.compile("|".join(f"(?:{m})" for m in item["markers"]))))
    return {
        "trigger": re.compile(
            rf"(?P<by>被(?P<conf>[^,，。;；被]{{1,15}}?)(?:{by}))|(?P<out>{out_alt})|(?<![收捕俘查破斩缴])(?P<trig>{trig_alt})"),
        "trigger_anchor": re.compile("[被" + "".join(sorted({t[0] for t in trig} | {o[0] for o in cues["conferral_out"]})) + "]"),
        "suffix_re": re.compile("(?:" + "|".join(map(re.escape, suffixes)) + r")$"),
        "rank_re": re.compile(cues["rank_re"]),
        "prize_re": re.compile(cues["prize_re"]),
        "prefixes": tuple(cues["honour_prefixes"]),
        "tails": sorted(cues["tails"], key=len, reverse=True),
        "levels": levels,
        "strip_re": re.compile(lv["strip_prefix_re"]),
        "scope_re": re.compile(lv["internal_scope_re"]),
    }


def _dequote(s: str) -> str:
    return "".join(c for c in s if c not in _QUOTES)


def _split_items(norm: str, s: int, e: int) -> list[tuple[int, int]]:
    """Split [s, e) at 、和及与 outside quotes."""
    items, depth, cur = [], 0, s
    for i in range(s, e):
        c = norm[i]
        if c in "“「『《":
            depth += 1
        elif c in "”」』》":
            depth = max(0, depth - 1)
        elif c == '"':
            depth = 0 if depth else 1
        elif depth == 0 and c in _SEPARATORS:
            if i > cur:
                items.append((cur, i))
            cur = i + 1
    if e > cur:
        items.append((cur, e))
    return items


def _cut_tail(norm: str, s: int, e: int) -> tuple[int, bool]:
    """End of the honour inside [s, e) (before 称号/荣誉称号/的成绩 …), and
    whether a title word (称号, 荣誉) closed it."""
    seg = norm[s:e]
    best, titled = len(seg), False
    for t in _vocab()["tails"]:
        k = seg.find(t)
        if k != -1 and k < best:
            best, titled = k, "称号" in t
    end = s + best
    while end > s and norm[end - 1] in "的等 ":
        end -= 1
    return end, titled


def _is_honour(core: str, quoted: bool, free: bool, titled: bool = False) -> bool:
    v = _vocab()
    plain = _dequote(core)
    if any(c in _MASK_CHARS for c in plain[-3:]):
        return False
    if len(plain) < 2 or len(plain) > 30:
        return False
    if v["suffix_re"].search(plain) or v["rank_re"].search(plain):
        return plain not in ("奖", "先进", "优秀", "示范", "模范")
    if quoted:
        # “市级优秀”的评价: after the closing quote only an honour word may follow
        after = core[max(core.rfind("”"), core.rfind("」"), core.rfind('"')) + 1:]
        return not after or bool(v["suffix_re"].search(after))
    if titled and len(plain) >= 4 and "的" not in plain \
            and _clean_name(core)[0].startswith(v["prefixes"]):
        return True
    return free


def _clean_name(core: str) -> tuple[str, str]:
    """(name, stripped prefix) of an honour phrase as written."""
    v = _vocab()
    plain = core
    # 企业“首席员工”, 苏州市教育系统“优秀工会工作者”: what stands before the quote
    # is a level / scope (kept in `stripped`), unless it is an honour word (模范“职工小家”)
    q = plain.find("“")
    lead_honour = plain[:q].rsplit("的", 1)[-1] if q > 0 else ""
    if q > 0 and (_vocab()["rank_re"].search(lead_honour) or _RANK_RE_EXTRA.search(lead_honour)):
        plain = plain[:q]  # 第三名“季军”: the quote restates the honour before it
        q = -1
    if q > 0:
        lead = plain[:q]
        keep = next((p for p in _vocab()["prefixes"] if lead.endswith(p)), "")
        plain = keep + plain[q:]
        pre = lead[:len(lead) - len(keep)]
    else:
        pre = ""
    # “工人先锋号”奖牌: the token of the honour is not part of its name
    plain = re.sub(r"([”」\"])(?:奖牌|奖杯|牌匾|证书|锦旗)$", r"\1", plain)
    plain = re.sub(r"\s+", "", _dequote(plain))
    # 比赛的三联冠 -> 三联冠: what comes before 的 names the contest, not the honour
    if "的" in plain:
        after = plain.rsplit("的", 1)[1]
        if len(after) >= 2 and (v["suffix_re"].search(after) or v["rank_re"].search(after)):
            plain = after
    plain = plain.lstrip(_MASK_CHARS + "-—·. ")
    stripped = ""
    for _ in range(3):
        m = v["strip_re"].match(plain)
        if not m or not m.group(0):
            break
        rest = plain[m.end():].lstrip(_MASK_CHARS + "-—·. ")
        if len(rest) < 2 or not (v["suffix_re"].search(rest) or v["rank_re"].search(rest)
                                 or "“" in core or rest.startswith(v["prefixes"])):
            break
        stripped += plain[:len(plain) - len(rest)]
        plain = rest
    return plain, pre + stripped


def _body_level(doc: SourceDoc, ctx: ExtractContext) -> str | None:
    """Level of the reporting body itself, from the report's title (or first
    line): 某镇总工会工作总结 -> town, 某中学工会 -> internal. A contest it holds
    (评出一等奖3名) or an honour it confers without naming a level has its level."""
    rep = ctx.report
    line = rep.title_line if rep.title_line else doc.line_of(rep.start)
    ls, le = doc.line_span(line)
    lv = _level_in(doc.norm[ls:min(le, ls + 80)], nearest=True)
    if lv is None:  # untitled / generic title: how the report names itself (我校, 全行, 本镇)
        m = _SELF_REF_RE.search(doc.norm, rep.start, min(rep.end, rep.start + 3000))
        lv = _level_in(m.group(0)) if m else None
    return lv


def _context_level(norm: str, sent_start: int, clause_start: int) -> str | None:
    """Level from the earlier clauses of the sentence that describe a contest or
    event (参与县卫生局举办的…篮球赛,荣获…), nearest first; clauses that are
    themselves awards say nothing about this one."""
    trig = _vocab()["trigger"]
    e = clause_start
    while e > sent_start:
        cut = _SUBJECT_STOP.search(norm[sent_start:e - 1][::-1])
        s = (e - 1) - cut.start() if cut else sent_start
        clause = norm[s:e]
        if not trig.search(clause) and _CONTEST_RE.search(clause):
            lv = _level_in(clause)
            if lv:
                return lv
        e = s
    return None


def _shared_recipient(doc: SourceDoc, facts: list[AwardFact], sent_start: int,
                      clause_start: int) -> str | None:
    """Subjectless award clause: the winner of an earlier award in the same
    sentence (X被…评为…,今年还获得了…), or the group the sentence says was
    organised to take part (组织70人的合唱队参加了…比赛,获县三等奖)."""
    for f in reversed(facts):
        if f.start < sent_start:
            break
        if f.recipient:
            return f.recipient
    # …李明亮被办事处工会推荐,最终光荣的被选举为县劳动模范
    e = clause_start
    while e > sent_start:
        cut = _SUBJECT_STOP.search(doc.norm[sent_start:e - 1][::-1])
        s = (e - 1) - cut.start() if cut else sent_start
        pm = _PASSIVE_SUBJECT_RE.match(doc.norm, s, e)
        if pm:
            who = _RECIPIENT_LEAD.sub("", pm.group("who"))
            if who:
                return doc.text[pm.end("who") - len(who):pm.end("who")]
        e = s
    m = None
    for m in _ORGANISED_RE.finditer(doc.norm, sent_start, clause_start):
        pass
    if m:
        return doc.text[m.start("who"):m.end("who")]
    return None


_RANKING_TRIGGERS = ("名列", "位列", "位居")


def _topic(doc: SourceDoc, sent_start: int, clause_start: int) -> str | None:
    """The unit a sentence is about, named at the head of one of its earlier
    clauses (近年来,学院工会坚持…,2024年被…授予…): a subjectless passive
    or ranking clause is about it."""
    s = sent_start
    while s < clause_start:
        tm = _TOPIC_RE.match(doc.norm, s, clause_start)
        if tm:
            return doc.text[tm.start("who"):tm.end("who")]
        cut = _SUBJECT_STOP.search(doc.norm, s, clause_start)
        if cut is None:
            break
        s = cut.end()
    return None


def _level_in(text: str, nearest: bool = False) -> str | None:
    """Level of the marker nearest to the end of text: geographic before internal
    (or simply the nearest one when `nearest`)."""
    best: tuple[int, str] | None = None
    internal: tuple[int, str] | None = None
    for level, rx in _vocab()["levels"]:
        for m in rx.finditer(text):
            if level == "internal":
                if internal is None or m.start() > internal[0]:
                    internal = (m.start(), level)
            elif best is None or m.start() > best[0]:
                best = (m.start(), level)
    if nearest and best and internal:
        return best[1] if best[0] > internal[0] else internal[1]
    if best:
        return best[1]
    return internal[1] if internal else None


def _rank_of(name: str) -> str | None:
    m = _RANK_RE_EXTRA.search(name)
    if not m:
        return None
    return re.sub(r"^(?:团体|个人)", "", m.group(0))


def _recipient(norm: str, clause_start: int, trig_start: int) -> str | None:
    subj = norm[clause_start:trig_start].strip()
    subj = _RECIPIENT_LEAD.sub("", subj)
    subj = re.sub(r"\d{2,4}[-xX]*年(?:度)?", "", subj) if re.match(r"^\d{2,4}[-xX]*年", subj) else subj
    subj = subj.lstrip("-—年度 ")
    m = _IN_EVENT.search(subj)
    if m:
        subj = subj[:m.start()]
    subj = _RECIPIENT_TAIL.sub("", subj).strip()
    subj = re.sub(r"(?:同志|老师)?(?:均|都|也)?$", "", subj) if len(subj) > 4 else subj
    subj = re.sub(r"在(?:\d{2,4}|[xX]+)年(?:度)?$", "", subj).strip()
    subj = subj.strip(_QUOTES)
    if not subj or subj.endswith(_NOT_RECIPIENT_END) or len(subj) > 40:
        return None
    return subj


def _norm_of(doc: SourceDoc, written: str, s: int, e: int) -> str:
    k = doc.text.rfind(written, s, e)
    return doc.norm[k:k + len(written)] if k != -1 else written


def _masked_subject(norm: str, clause_start: int, trig_start: int) -> bool:
    """A subject made only of masks/dashes (a deleted name: `-被评为市劳模`)."""
    subj = norm[clause_start:trig_start].strip()
    return bool(subj) and all(c in _MASK_CHARS + "-—_ " for c in subj)


def _recipient_as_written(doc: SourceDoc, clause_start: int, trig_start: int) -> str | None:
    """The recipient in source characters (the norm span located back in text)."""
    r = _recipient(doc.norm, clause_start, trig_start)
    if r is None:
        return None
    k = doc.norm.rfind(r, clause_start, trig_start)
    return doc.text[k:k + len(r)] if k != -1 else r


_ORDINAL_RE = re.compile(r"[一二三四五六七八九十\d]")
_SHARED_RANK_RE = re.compile(r"\s*[一二三四五六七八九十\d](?P<suffix>等奖)")


def _shared_rank(norm: str, s: int, e: int, items: list[tuple[int, int]]) -> str | None:
    """`一` in `一、二等奖`: an ordinal whose 等奖 is written once, on the next item."""
    if not _ORDINAL_RE.fullmatch(norm[s:e].strip()):
        return None
    later = [it for it in items if it[0] >= e]
    for ls, le in later:
        if _ORDINAL_RE.fullmatch(norm[ls:le].strip()):
            continue
        m = _SHARED_RANK_RE.match(norm, ls, le)
        return norm[s:e].strip() + m.group("suffix") if m else None
    return None


def _trigger_matches(norm: str, start: int, end: int):
    """Trigger matches, trying the full pattern only where a trigger can begin."""
    v = _vocab()
    rx = v["trigger"]
    last = start
    for a in v["trigger_anchor"].finditer(norm, start, end):
        if a.start() < last:
            continue
        m = rx.match(norm, a.start(), end)
        if m:
            last = m.end()
            yield m


def extract(doc: SourceDoc, start: int, end: int, ctx: ExtractContext) -> list[AwardFact]:
    """Award facts in doc[start:end]."""
    v = _vocab()
    norm = doc.norm
    facts: list[AwardFact] = []
    done_until = start
    for m in _trigger_matches(norm, start, end):
        if m.start() < done_until:
            continue
        ts, te = m.start(), m.end()
        cm = _CLAUSE_STOP.search(norm, te, min(end, te + 60))
        phrase_end = cm.start() if cm else min(end, te + 60)
        nt = v["trigger"].search(norm, te, phrase_end)
        if nt:  # 评为“A”、总行授予“B”: the next trigger starts its own honour
            phrase_end = nt.start()
            while phrase_end > te and norm[phrase_end - 1] in _SEPARATORS:
                phrase_end -= 1
        if phrase_end <= te:
            continue
        sent = _SENT_STOP.search(norm[max(start, ts - 200):ts][::-1])
        sent_start = ts - sent.start() if sent else max(start, ts - 200)
        cl = _SUBJECT_STOP.search(norm[sent_start:ts][::-1])
        clause_start = ts - cl.start() if cl else sent_start
        conferral_out = m.group("out") is not None
        conferrer = m.group("conf") or ""
        trig = m.group("trig") or ""
        if trig in _ACTIVE_CONFER:
            # active 评为/授予: the subject confers; the winner is 对X (对…职工,授予…)
            dm = _DUI_RE.search(norm, max(sent_start, ts - 45), ts)
            recipient = None
            gm = _GIVE_TO_RE.match(norm, te) if trig.startswith("授予") and not dm else None
            if gm:
                recipient = doc.text[gm.start("who"):gm.end("who")]
            if dm:
                r = re.sub(r"^在[^,，]*?中", "", dm.group("who")) or dm.group("who")
                recipient = doc.text[dm.end("who") - len(r):dm.end("who")]
            cs = max(clause_start, done_until, norm.rfind("、", clause_start, ts) + 1)
            conferrer = norm[cs:ts]
            if _level_in(conferrer) is None:
                conferrer = norm[sent_start:ts]  # 区总工会召开表彰大会,…,对…授予
        elif conferral_out:
            recipient = None
        elif _masked_subject(norm, clause_start, ts):
            recipient = None
        else:
            recipient = _recipient_as_written(doc, clause_start, ts)
            if recipient is None:
                recipient = _shared_recipient(doc, facts, sent_start, clause_start)
            if recipient is None and (m.group("by") is not None or trig in _RANKING_TRIGGERS) \
                    and clause_start > sent_start:
                recipient = _topic(doc, sent_start, clause_start)
        own = norm[clause_start:ts]
        ev = _EVENT_IN_CLAUSE_RE.search(own)
        event_level = _level_in(ev.group(0)) if ev else None
        if recipient and not conferral_out and trig not in _ACTIVE_CONFER:
            own = own.replace(_norm_of(doc, recipient, clause_start, ts), "")  # the winner's own unit says nothing
        if conferral_out:
            conferrer = norm[sent_start:ts]  # the body that confers: 学校召开…大会,表彰了…
        context_level = (_level_in(conferrer) if conferrer else None) \
            or _level_in(own) or _context_level(norm, sent_start, clause_start)
        emitted = False
        items = _split_items(norm, te, phrase_end)
        for s, e in items:
            e, title_tail = _cut_tail(norm, s, e)
            ct = _TRAILING_COUNT_RE.search(norm, s, e)
            if ct:  # 获得一等奖1个、二等奖2个
                e = ct.start()
            while s < e and norm[s] in " 了":
                s += 1
            if e <= s:
                continue
            core = norm[s:e]
            count = None
            ordinal = _shared_rank(norm, s, e, items)
            if ordinal:  # 获得一、二等奖: 一 shares 等奖 with the next item
                facts.append(AwardFact(
                    text=doc.text[ts if not emitted else s:e], start=ts if not emitted else s, end=e,
                    line=doc.line_of(ts if not emitted else s), name=ordinal, level=context_level or "unknown",
                    recipient=recipient, rank=ordinal))
                emitted, last_end = True, e
                continue
            if conferral_out:
                cmt = _COUNT_RE.match(core)
                if cmt:
                    count = cmt.group("count")
                    s += len(count)
                    core = norm[s:e]
            quoted = any(c in core for c in "“「\"")
            titled = trig in _TITLE_TRIGGERS or m.group("by") is not None or conferral_out
            # 评选出5名文明职工: the count says who; 荣获市十佳青年称号: 称号 says it is an honour
            free = (conferral_out and count is not None) or (title_tail and not conferral_out)
            if not _is_honour(core, quoted, free=free,
                              titled=titled):
                if emitted:
                    break
                continue
            name, stripped = _clean_name(core)
            if not name or contains_mask(name):
                continue
            if doc.is_noise(s, e):
                continue
            is_prize = bool(_rank_of(name) or v["prize_re"].search(name))
            if _rank_of(name) and v["scope_re"].search(stripped):
                level = "internal"  # 名列全省建行系统第一名: a place in a ranking within a system
            elif is_prize:
                # a prize takes the level of the contest it was won in, not of the winner's unit
                level = _level_in(stripped) or event_level \
                    or _context_level(norm, sent_start, clause_start) or context_level
            else:
                level = _level_in(stripped) or context_level
            if level is None and (conferral_out or trig in _ACTIVE_CONFER
                                  or (is_prize and _OWN_CONTEST_RE.search(norm, sent_start, ts))):
                level = _body_level(doc, ctx)  # the reporting body confers / holds the contest
            if level is None and is_prize:
                # a prize in a contest: the nearest level marker of its paragraph
                level = _level_in(norm[doc.line_span(doc.line_of(ts))[0]:ts], nearest=True)
            level = level or "unknown"
            text_start = ts if not facts or facts[-1].end <= ts else s
            if emitted:
                text_start = s
            elif count is not None:
                text_start = ts
            fact_recipient = doc.text[s - len(count):s] if count else recipient
            facts.append(AwardFact(
                text=doc.text[text_start:e], start=text_start, end=e, line=doc.line_of(text_start),
                name=name, level=level, recipient=fact_recipient, rank=_rank_of(name)))
            emitted = True
            last_end = e
        if emitted:
            done_until = last_end
    trigger_facts = sorted(facts, key=lambda f: f.start)
    trigger_starts = [f.start for f in trigger_facts]
    for m in _PRAISE_RE.finditer(norm, start, end):
        k = bisect.bisect_right(trigger_starts, m.start()) - 1
        if (k >= 0 and trigger_facts[k].end > m.start()) or doc.is_noise(m.start(), m.end()):
            continue
        name, stripped = _clean_name(m.group("name"))
        ls = doc.line_span(doc.line_of(m.start()))[0]
        level = _level_in(stripped) or _level_in(norm[ls:m.start()]) or _body_level(doc, ctx) or "unknown"
        facts.append(AwardFact(text=doc.text[m.start():m.end()], start=m.start(), end=m.end(),
                               line=doc.line_of(m.start()), name=name, level=level,
                               recipient=None, rank=None))
    facts.sort(key=lambda f: f.start)
    return facts
