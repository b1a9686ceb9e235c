"""Award facts: honours and prizes won or conferred (ANNOTATION.md, award).

Three steps, as in textacy's extract/basics.py; every rule is data
(`data/award_rules.yaml`, loaded by `award_rules.py`):

1. candidates: a trigger (荣获, 被<conferrer>评为, 授予, 评选出 …) and its honour
   phrase, which runs to the end of the clause and is split into items at
   、/和/及 outside quotes (`_candidates`, `_items`); and the shapes that need no
   verb after them (此次“X”称号的获得, 进行了优秀护士表彰, 总成绩第一名);
2. filters: nominations and applications (推荐为, 申报, 入围), items that are no
   honour (no honour suffix, quote or 称号), masked names, boilerplate;
3. resolvers: `name` (quotes, 称号 and level/place/year prefixes dropped),
   `level` (award_level.py: the stripped prefix, the conferrer, the contest, the
   reporting body), `recipient` (award_recipient.py, with its span).

Matching runs on a view of the normalised text without pinyin glosses
(award_view.py); facts are mapped back to source offsets. Each fact records
the `rule` id of the trigger that produced it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.document import SourceDoc
from pipeline.extract import award_level as lv
from pipeline.extract import award_recipient as who
from pipeline.extract.award_rules import AwardRule, vocab
from pipeline.extract.award_view import TextView
from pipeline.extract.context import ExtractContext
from pipeline.extract.masks import contains_mask
from schemas.report import AwardFact

Span = tuple[int, int]

_MASK_CHARS = who.MASK_CHARS
_CLAUSE_STOP = re.compile(r"[,，。;；!！?？\n:：()（）]")
_ASIDE_RE = re.compile(r"[(（][^,，。;；!！?？\n:：()（）“”]{1,6}[)）]")
_SENT_STOP = re.compile(r"[。;；!！?？\n]")
_SEPARATORS = "、和及与"
_ITEM_BREAKS = _SEPARATORS + ",，"   # a phrase holds a comma only when a list goes on across it
# words that open with a separator character but join nothing (和谐劳动关系示范企业)
_NOT_SEPARATORS = ("和谐", "和美", "和睦", "和平", "及时", "与时俱进")
_COUNT_RE = re.compile(r"(?P<count>(?:\d+|[一二两三四五六七八九十百]+)(?:名|家|个|位|人|户|支|所|项))")
_RANK_RE_EXTRA = re.compile(r"(?:团体|个人)?(?:[一二三四五六七八九十\d]等奖|特等奖|第[一二三四五六七八九十\d]{1,2}名|冠军|亚军|季军)")
_TRAILING_COUNT_RE = re.compile(r"(?<![第前\d])(?:\d+|[一二两三四五六七八九十]+)(?:个|项|名|人|次|块|枚|座|件|篇|户|家|支|幅|部)$")
_TOP_N_RE = re.compile(r"前(?:\d+|[一二三四五六七八九十]+)名$")
_ORDINAL_RE = re.compile(r"[一二三四五六七八九十\d]")
_SHARED_RANK_RE = re.compile(r"\s*[一二三四五六七八九十\d](?P<suffix>等奖)")
# a paragraph that says a body held a selection (…评选表彰活动): the level of that body
_SELECTION_RE = re.compile(r"评选|表彰|评比|命名")
_WINNER_UNITS = "名位人户家支个"   # (示范单位4个: a count of units; 一等奖3个 counts prizes, see _resolve)
_YEAR_PREFIX_RE = re.compile(r"(?:\d{2,4}|[xX]{2,4})[-—~～]?(?:\d{2,4})?年度?的?")
_NOT_HONOURS = ("奖", "先进", "优秀", "示范", "模范")
PHRASE_REACH = 60   # an honour phrase ends this far after its trigger at most
SENTENCE_REACH = 200


@dataclass
class _Trigger:
    """A candidate: a trigger match, its honour phrase and sentence."""
    rule: AwardRule
    ts: int
    te: int
    phrase_end: int
    sent_start: int
    clause_start: int
    conferrer: str   # 被<conferrer>评为


@dataclass
class _Award:
    """A resolved award in view offsets."""
    start: int
    end: int
    name: str
    level: str
    recipient: Span | None
    rank: str | None
    rule: str


# ---------------------------------------------------------------- candidates

def _trigger_matches(norm: str, start: int, end: int):
    """Trigger matches, trying the full pattern only where a trigger can begin."""
    v = vocab()
    last = start
    for a in v.trigger_anchor.finditer(norm, start, end):
        if a.start() < last:
            continue
        m = v.trigger.match(norm, a.start(), end)
        if m:
            last = m.end()
            yield m


def _phrase_end(norm: str, rule: AwardRule, te: int, end: int) -> int:
    """End of the honour phrase: the clause end, or the next trigger (评为“A”、
    总行授予“B”); after a conferral on counted groups the list goes on across
    commas (评选出10家示范工会,21家先进工会和32家合格工会)."""
    v = vocab()
    pe = _clause_stop(norm, te, min(end, te + PHRASE_REACH))
    counted = rule.kind == "out" and _COUNT_RE.match(norm, te + (norm.startswith("了", te)))
    while counted and pe < end and norm[pe] in ",，" and _COUNT_RE.match(norm, pe + 1):
        pe = _clause_stop(norm, pe + 1, min(end, pe + 1 + PHRASE_REACH))
    nt = next((m for m in v.trigger.finditer(norm, te, pe) if not norm.startswith("的", m.end())), None)
    if nt:  # (X授予的“Y” is an attribute of the honour, not a new trigger)
        pe = nt.start()
        while pe > te and norm[pe - 1] in _SEPARATORS:
            pe -= 1
    return pe


def _clause_stop(norm: str, s: int, e: int) -> int:
    """Where the clause from s ends (e at most); a short aside in brackets does not
    end it (省烟草专卖局(公司)“岗位标兵”: the bureau and its company are one body)."""
    while True:
        cm = _CLAUSE_STOP.search(norm, s, e)
        if not cm:
            return e
        aside = _ASIDE_RE.match(norm, cm.start(), e) if norm[cm.start()] in "(（" else None
        if not aside:
            return cm.start()
        s = aside.end()


def _sentence(norm: str, start: int, ts: int) -> tuple[int, int]:
    """(sentence start, clause start) of the trigger at ts."""
    lo = max(start, ts - SENTENCE_REACH)
    sent = _SENT_STOP.search(norm[lo:ts][::-1])
    sent_start = ts - sent.start() if sent else lo
    cl = lv.SUBJECT_STOP.search(norm[sent_start:ts][::-1])
    return sent_start, (ts - cl.start() if cl else sent_start)


def _candidates(norm: str, start: int, end: int):
    """Every trigger with its honour phrase (the phrase may be empty)."""
    v = vocab()
    for m in _trigger_matches(norm, start, end):
        rule = v.rule_of(m)
        ts, te = m.start(), m.end()
        sent_start, clause_start = _sentence(norm, start, ts)
        yield _Trigger(rule, ts, te, _phrase_end(norm, rule, te, end), sent_start, clause_start,
                       m.group("conf") or "")


def _split_items(norm: str, s: int, e: int) -> list[Span]:
    """Split [s, e) at 、和及与 (and commas) outside quotes, and between two
    quoted names written side by side (“全国模范职工之家”“省五一劳动奖状”)."""
    items, depth, cur = [], 0, s
    for i in range(s, e):
        c = norm[i]
        if c in "“「『《":
            if depth == 0 and i > cur and norm[i - 1] in "”」』》":
                items.append((cur, i))
                cur = i
            depth += 1
        elif c in "”」』》":
            depth = max(0, depth - 1)
        elif c == '"':
            depth = 0 if depth else 1
        elif depth == 0 and c in _ITEM_BREAKS and not norm.startswith(_NOT_SEPARATORS, i):
            if i > cur:
                items.append((cur, i))
            cur = i + 1
    if e > cur:
        items.append((cur, e))
    return items


def _cut_tail(norm: str, s: int, e: int) -> tuple[int, bool]:
    """End of the honour inside [s, e) (before 称号/荣誉称号/的成绩 …), and
    whether a title word (称号, 荣誉) closed it."""
    titled = "称号" in norm[s:e]   # 获优秀选手以上荣誉称号: 称号 may stand after another tail
    m = vocab().tail_re.search(norm, s, e)
    end = m.start() if m else e
    while end > s and norm[end - 1] in "的等 ":
        end -= 1
    return end, titled


# ---------------------------------------------------------------- filters

def _is_nomination(norm: str, t: _Trigger) -> bool:
    """A nomination or application only (被推荐为, 推荐申报, 入围, 候选人). A verb
    that says the honour was won after it (被推荐参评并荣获…) is no nomination."""
    rx = vocab().nomination
    before = t.rule.kind != "win" and rx.search(norm, t.clause_start, t.te)
    return bool(before or rx.search(norm, t.te, t.phrase_end))


def _is_honour(core: str, quoted: bool, free: bool, titled: bool = False, top_n: bool = False,
               strong: bool = False) -> bool:
    """Whether an item names an honour: an honour suffix or rank, a quote, a
    title word (称号) after an honour prefix, or `free` (said by its context)."""
    v = vocab()
    plain = _dequote(core)
    if quoted and (strong or titled) and _masked_quote(core):
        return True   # 被…授予“xx”: a masked honour the verb says was conferred
    if any(c in _MASK_CHARS for c in plain[-3:]):
        return False
    if len(plain) < 2 or len(plain) > 30:
        return False
    if v.vague_re.search(plain):
        return False   # 表彰一批“最美医务工作者”: no one in particular
    if v.suffix_re.search(plain) or v.rank_re.search(plain) or (top_n and _TOP_N_RE.search(plain)):
        return plain not in _NOT_HONOURS
    if quoted:
        # “市级优秀”的评价: after the closing quote only an honour word or token may follow
        after = core[max(core.rfind("”"), core.rfind("」"), core.rfind('"'), core.rfind("》")) + 1:]
        if not after or v.suffix_re.search(after) or v.token_re.search("”" + after):
            return True   # (else a title may go on after its quote: “安康杯”竞赛优秀组织者)
    name = _clean_name(core)[0]
    if v.vague_re.search(name) or v.work_re.search(name):
        return False
    if len(plain) >= 4 and "的" not in plain and \
            ((titled or strong) and name.startswith(v.prefixes) or (titled and v.honour_word_re.search(name))):
        return True   # 荣获优秀共产党员; 被评为市直机关优秀共产党员
    return free


def _masked_quote(core: str) -> bool:
    """A quoted name that is only a placeholder run (“xx”), nothing around it."""
    return bool(re.fullmatch(f"“[{re.escape(_MASK_CHARS)}]{{2,}}”", core.strip()))


def _dequote(s: str) -> str:
    return "".join(c for c in s if c not in who.QUOTES)


# ---------------------------------------------------------------- resolvers: name

def _clean_name(core: str) -> tuple[str, str]:
    """(name, stripped prefix) of an honour phrase as written."""
    v = vocab()
    plain = core
    # 企业“首席员工”, 苏州市教育系统“优秀工会工作者”: what stands before the quote
    # is a level / scope (kept in `stripped`), unless it is an honour word (模范“职工小家”)
    q = plain.find("“")
    lead_honour = plain[:q].rsplit("的", 1)[-1] if q > 0 else ""
    if q > 0 and (v.rank_re.search(lead_honour) or _RANK_RE_EXTRA.search(lead_honour)):
        plain = plain[:q]  # 第三名“季军”: the quote restates the honour before it
        q = -1
    pre = ""
    if q > 0:
        lead = plain[:q]
        keep = next((p for p in v.prefixes if lead.endswith(p)), "")
        plain = keep + plain[q:]
        pre = lead[:len(lead) - len(keep)]
    plain = v.token_re.sub(r"\1", plain)   # “工人先锋号”奖牌: the token is not the name
    plain = re.sub(r"\s+", "", _dequote(plain))
    # 比赛的三联冠 -> 三联冠: what comes before 的 names the contest, not the honour
    if "的" in plain:
        before, after = plain.rsplit("的", 1)
        if len(after) >= 2 and (v.suffix_re.search(after) or v.rank_re.search(after)):
            plain, pre = after, pre + before + "的"
    plain = plain.lstrip(_MASK_CHARS + "-—·. ")
    stripped = ""
    for _ in range(3):
        m = v.strip_re.match(plain)
        if not m or not m.group(0) or any(p in m.group(0) for p in v.prefixes):
            break   # (“先进乡镇工会”: a level word inside an honour is no prefix of it)
        rest = plain[m.end():].lstrip(_MASK_CHARS + "-—·. ")
        if len(rest) < 2 or not (v.suffix_re.search(rest) or v.rank_re.search(rest)
                                 or "“" in core or rest.startswith(v.prefixes)
                                 or _opens_with_honour_word(rest)):
            break
        stripped += plain[:len(plain) - len(rest)]
        plain = rest
    return plain, pre + stripped


def _opens_with_honour_word(rest: str) -> bool:
    """An honour word opens rest, or follows one more prefix (公司金牌工人: 集团 was
    stripped, 公司 is still to go)."""
    v = vocab()
    hw = v.honour_word_re.search(rest)
    if hw is None:
        return False
    if hw.start() == 0:
        return True
    m = v.strip_re.match(rest)
    return bool(m) and m.end() == hw.start()


def _rank_of(name: str) -> str | None:
    m = _RANK_RE_EXTRA.search(name)
    return re.sub(r"^(?:团体|个人)", "", m.group(0)) if m else None


def _shared_rank(norm: str, s: int, e: int, items: list[Span]) -> str | None:
    """`一` in `一、二等奖`: an ordinal whose 等奖 is written once, on the next item."""
    if not _ORDINAL_RE.fullmatch(norm[s:e].strip()):
        return None
    for ls, le in (it for it in items if it[0] >= e):
        if _ORDINAL_RE.fullmatch(norm[ls:le].strip()):
            continue
        m = _SHARED_RANK_RE.match(norm, ls, le)
        return norm[s:e].strip() + m.group("suffix") if m else None
    return None


# ---------------------------------------------------------------- resolvers: who and level

@dataclass
class _Setting:
    """What a trigger's clause says about all its honours."""
    recipient: Span | None
    conferrer: str
    context_level: str | None
    event_level: str | None
    own_contest: bool          # the reporting body held a contest, in this sentence
    own_contest_before: bool   # … in the sentence before
    each_level: list            # 被A和B分别授予X、Y: the level of each conferrer in turn


def _winner(view: TextView, t: _Trigger, earlier: list[_Award]) -> tuple[Span | None, str]:
    """(recipient span, conferrer text) of a trigger."""
    norm = view.norm
    if t.rule.subject_confers:
        # active 评为/授予: the subject confers; the winner is 对X or follows 授予
        r = who.object_of_conferral(norm, t.sent_start, t.ts, t.te)
        done = earlier[-1].end if earlier else 0
        cs = max(t.clause_start, done, norm.rfind("、", t.clause_start, t.ts) + 1)
        conferrer = norm[cs:t.ts]
        if lv.level_in(conferrer) is None:
            conferrer = norm[t.sent_start:t.ts]  # 区总工会召开表彰大会,…,对…授予
        return r, conferrer
    if t.rule.kind == "out":
        return None, norm[t.sent_start:t.ts]  # the body that confers: 学校召开…大会,表彰了…
    if who.masked_subject(norm, t.clause_start, t.ts):
        return None, t.conferrer
    r = who.subject(norm, t.clause_start, t.ts) or who.title_holder(norm, t.te, t.phrase_end)
    if r is None:
        same_sentence = [a.recipient for a in earlier if a.start >= t.sent_start]
        r = who.shared(norm, same_sentence, t.sent_start, t.clause_start)
    if r is None and t.rule.kind in ("win", "title"):
        r = who.performer(norm, t.sent_start, t.clause_start, vocab().performance_re)
    if r is None and (t.rule.kind in ("by", "ranking")) and t.clause_start > t.sent_start:
        r = who.topic(norm, t.sent_start, t.clause_start)
    return r, t.conferrer


def _setting(view: TextView, t: _Trigger, earlier: list[_Award]) -> _Setting:
    norm = view.norm
    recipient, conferrer = _winner(view, t, earlier)
    own = norm[t.clause_start:t.ts]
    if recipient and t.clause_start <= recipient[0] < t.ts:
        # the winner's own unit says nothing of the level
        own = norm[t.clause_start:recipient[0]] + norm[recipient[1]:t.ts]
    ctx_level = ((lv.conferrer_level(conferrer) if t.rule.kind == "by" else lv.level_in(conferrer))
                 if conferrer else None) \
        or lv.level_in(own) or lv.context_level(norm, t.sent_start, t.clause_start)
    # the reporting body's own contest, in this sentence or the one before
    prev = _sentence(norm, 0, t.sent_start - 1)[0] if t.sent_start > 0 else t.sent_start
    own_contest = bool(lv.OWN_CONTEST_RE.search(norm, t.sent_start, t.ts))
    own_contest_before = bool(lv.OWN_CONTEST_RE.search(norm, prev, t.sent_start))
    each = [lv.level_in(c) for c in re.split(r"[和及与、]", conferrer)] \
        if t.rule.kind == "by" and conferrer.endswith("分别") else []
    return _Setting(recipient, conferrer, ctx_level, lv.event_level(norm[t.clause_start:t.ts]),
                    own_contest, own_contest_before, each if len(each) > 1 and all(each) else [])


def _level(view: TextView, t: _Trigger, st: _Setting, name: str, stripped: str,
           counted: bool, earlier: list[_Award], ctx: ExtractContext) -> str:
    """Level of one honour of a trigger."""
    v, norm = vocab(), view.norm
    rank = _rank_of(name)
    is_prize = bool(rank or v.prize_re.search(name) or v.rank_re.search(name))
    if rank and v.scope_re.search(stripped):
        return "internal"  # 名列全省建行系统第一名: a place in a ranking within a system
    if is_prize:
        # a prize takes the level of the contest it was won in, not of the winner's unit
        level = lv.level_in(stripped) or st.event_level \
            or lv.context_level(norm, t.sent_start, t.clause_start) or st.context_level \
            or lv.level_in(name, places_only=True)   # 国家科技进步二等奖: the prize's own words
    else:   # its prefix, its setting, then its own words (济宁市职工信赖的职工之家, 中国钢铁工业劳动模范)
        level = lv.level_in(stripped) or st.context_level or lv.level_in(name[:-2], places_only=True)
    if level is None and (t.rule.kind == "out" or t.rule.subject_confers or (is_prize and st.own_contest)):
        level = lv.body_level(view.doc, ctx)  # the reporting body confers / holds the contest
    line_start = norm.rfind("\n", 0, t.ts) + 1
    if level is None and is_prize:
        # a prize in a contest: the nearest level marker of its paragraph
        level = lv.level_in(norm[line_start:t.ts], nearest=True)
        if level is None and st.own_contest_before:
            level = lv.body_level(view.doc, ctx)
    if level is None and counted:
        # honours of counted groups after the paragraph says who held the
        # selection (开展集团公司…评选表彰活动。有15名同志荣获…): that body's level
        first = next((a.start for a in earlier if a.start >= line_start), t.ts)
        setting = norm[line_start:first]
        if _SELECTION_RE.search(setting):
            level = lv.level_in(setting, nearest=True)
    return level or "unknown"


def _item_level(view: TextView, t: _Trigger, st: _Setting, name: str, stripped: str, counted: bool,
                earlier: list[_Award], ctx: ExtractContext, k: int, list_level: str | None,
                bare_quote: bool = False) -> str:
    """Level of the k-th honour of a list: its own prefix, the k-th of several
    conferrers (被A和B分别授予), a level written on an earlier counted item
    (10家区级示范工会,21家先进工会) or before the first of quoted names
    (荣获市总工会“A”和“B”), or `_level`."""
    own = lv.level_in(stripped)
    if st.each_level and not own:
        return st.each_level[min(k, len(st.each_level) - 1)]
    if list_level and not own and (t.rule.kind == "out" or bare_quote):
        return list_level
    return _level(view, t, st, name, stripped, counted, earlier, ctx)


# ---------------------------------------------------------------- one trigger

def _resolve(view: TextView, t: _Trigger, earlier: list[_Award], ctx: ExtractContext) -> list[_Award]:
    """The awards of one trigger: one per honour item of its phrase."""
    v, norm = vocab(), view.norm
    st = _setting(view, t, earlier)
    begin = t.te
    if st.recipient and st.recipient[0] >= t.te and t.rule.subject_confers:   # 授予X“Y”, 命名X为Y: the honour follows the winner
        begin = st.recipient[1] + norm.startswith("为", st.recipient[1])
    items = _split_items(norm, begin, t.phrase_end)
    cut = [_cut_tail(norm, s, e) for s, e in items]
    list_titled = bool(cut) and cut[-1][1]   # 获A和B荣誉称号: 称号 covers the whole list
    found: list[_Award] = []
    list_level = None   # 10家区级示范工会,21家先进工会: a level written on one item covers the next
    for (s, _), (e, title_tail) in zip(items, cut):
        ct = _TRAILING_COUNT_RE.search(norm, s, e)
        after_count = None
        if ct:  # 获得一等奖1个、二等奖2个
            e = ct.start()
            # 表彰“优秀班主任”14名: the body's count of people or units is who won
            after_count = ct.span() if t.rule.kind == "out" and norm[ct.end() - 1] in _WINNER_UNITS else None
        while s < e and norm[s] in " 了":
            s += 1
        if e <= s:
            continue
        text_start = s if found else (t.ts if not earlier or earlier[-1].end <= t.ts else s)
        ordinal = _shared_rank(norm, s, e, items)
        if ordinal:  # 获得一、二等奖: 一 shares 等奖 with the next item
            level = _level(view, t, st, ordinal, "", False, earlier, ctx)
            found.append(_Award(text_start, e, ordinal, level, st.recipient, ordinal, t.rule.id))
            continue
        count = None
        if t.rule.kind == "out":
            k = s
            cm = _COUNT_RE.match(norm, s, e)
            if cm is None and "“" not in norm[s:e]:
                # 表彰了在…做出突出贡献的36名先进个人: the count follows what describes the group
                k = norm.rfind("的", s, e) + 1 or s
                cm = _COUNT_RE.match(norm, k, e) if k > s else None
            if cm:
                count = (k, cm.end())
                s = cm.end()
        core = norm[s:e]
        quoted = any(c in core for c in "“「\"")
        # 评选出5名文明职工: the count says who; 荣获市十佳青年称号: 称号 says it is an honour
        free = (count is not None) or ((title_tail or list_titled) and t.rule.kind != "out")
        if not _is_honour(core, quoted, free=free, titled=t.rule.object_is_title,
                          top_n=t.rule.top_n, strong=t.rule.strong):
            if found:
                break
            continue
        name, stripped = _clean_name(core)
        if _masked_quote(core):
            name = _dequote(core.strip())   # (the name as masked: “xx”)
        elif not name or contains_mask(name):
            continue
        if view.is_noise(s, e):
            continue
        if after_count and (_rank_of(name) or v.prize_re.search(name)):
            after_count = None   # 一等奖3名 counts prizes given, not a winner
        own_winner = who.item_object(norm, s) if found and t.rule.subject_confers else None
        recipient = count or after_count or own_winner or st.recipient
        counted = bool(recipient and _COUNT_RE.match(norm, *recipient))
        list_level = lv.level_in(stripped) or list_level
        bare_quote = bool(found) and core.lstrip(" 了").startswith("“")   # (“B” after 市总工会“A”和)
        level = _item_level(view, t, st, name, stripped, counted, earlier, ctx, len(found), list_level,
                            bare_quote)
        found.append(_Award(t.ts if (count and not found) else text_start, e, name, level,
                            recipient, _rank_of(name), t.rule.id))
    return found


# ---------------------------------------------------------------- verb-less shapes

def _covered(awards: list[_Award], s: int, e: int) -> bool:
    """Whether [s, e) overlaps an award already found."""
    return any(a.start < e and s < a.end for a in awards)


def _praises(view: TextView, start: int, end: int, awards: list[_Award], ctx: ExtractContext) -> list[_Award]:
    """进行了优秀护士表彰: the reporting body praises a group it names."""
    out = []
    for rule, rx in vocab().praise:
        for m in rx.finditer(view.norm, start, end):
            if _covered(awards, m.start(), m.end()) or view.is_noise(m.start(), m.end()):
                continue
            name, stripped = _clean_name(m.group("name"))
            ls = view.norm.rfind("\n", 0, m.start()) + 1
            level = lv.level_in(stripped) or lv.level_in(view.norm[ls:m.start()]) \
                or lv.body_level(view.doc, ctx) or "unknown"
            out.append(_Award(m.start(), m.end(), name, level, None, None, rule.id))
    return out


def _praised_objects(view: TextView, start: int, end: int, awards: list[_Award],
                     ctx: ExtractContext) -> list[_Award]:
    """对…15家先进单位和…30名优秀工作者进行表彰: one award per listed group that
    is an honour (a counted group or an honour suffix); what stands before its
    last 的 describes it (为…做出突出贡献的)."""
    out = []
    norm = view.norm
    for rule, rx in vocab().praise_object:
        for m in rx.finditer(norm, start, end):
            if _covered(awards, m.start(), m.end()) or view.is_noise(m.start(), m.end()):
                continue
            sent_start, _ = _sentence(norm, start, m.start())
            level = lv.level_in(norm[sent_start:m.start()]) or lv.body_level(view.doc, ctx) or "unknown"
            for s, e in _split_items(norm, *m.span("obj")):
                s = max(s, norm.rfind("的", s, e) + 1)
                y = _YEAR_PREFIX_RE.match(norm, s, e)
                s = y.end() if y else s
                cm = _COUNT_RE.match(norm, s, e)
                core = norm[cm.end() if cm else s:e]
                # a group praised is an honour when counted or of a named year (对2023年度
                # 先进集体…); 对涌现出来的先进集体进行表彰 says only that praise was given
                if not (cm or y or "“" in core) or \
                        not _is_honour(core, "“" in core, free=bool(cm and core.startswith(vocab().prefixes))):
                    continue
                name, _ = _clean_name(core)
                if name and not contains_mask(name):
                    out.append(_Award(s, e, name, level, cm.span() if cm else None, _rank_of(name), rule.id))
    return out


def _obtained(view: TextView, start: int, end: int, awards: list[_Award]) -> list[_Award]:
    """此次“全国模范职工小家”荣誉称号的获得: an honour the text says was won."""
    out = []
    for rule, rx in vocab().obtained:
        for m in rx.finditer(view.norm, start, end):
            if _covered(awards, m.start(), m.end()) or view.is_noise(m.start(), m.end()):
                continue
            name, stripped = _clean_name(m.group("name"))
            if not name or contains_mask(name):
                continue
            level = lv.level_in(stripped) or lv.level_in(m.group("name")) or "unknown"
            out.append(_Award(m.start(), m.end(), name, level, None, None, rule.id))
    return out


def _bare_ranks(view: TextView, start: int, end: int, awards: list[_Award],
                ctx: ExtractContext) -> list[_Award]:
    """八项内容评比总成绩第一名: a place stated without a verb."""
    out = []
    norm = view.norm
    for rule, rx in vocab().bare_rank:
        for m in rx.finditer(norm, start, end):
            if _covered(awards, m.start(), m.end()) or view.is_noise(m.start(), m.end()):
                continue
            rank = _rank_of(m.group(0))
            sent_start, _ = _sentence(norm, start, m.start())
            # the unit the sentence opens with (武广项目部在…竞赛中,…总成绩第一名) wins;
            # the contest after it gives the level
            recipient = who.opening_unit(norm, sent_start, m.start())
            after = recipient[1] if recipient else sent_start
            level = lv.context_level(norm, after, m.start() + 1) or lv.body_level(view.doc, ctx) or "unknown"
            out.append(_Award(m.start(), m.end(), rank, level, recipient, rank, rule.id))
    return out


# ---------------------------------------------------------------- entry point

def _to_fact(view: TextView, a: _Award) -> AwardFact:
    s, e, text = view.source(a.start, a.end)
    rs = re_ = recipient = None
    if a.recipient:
        rs, re_, recipient = view.source(*a.recipient)
    return AwardFact(text=text, start=s, end=e, line=view.doc.line_of(s), name=a.name, level=a.level,
                     recipient=recipient, recipient_start=rs, recipient_end=re_, rank=a.rank, rule=a.rule)


def extract(doc: SourceDoc, start: int, end: int, ctx: ExtractContext) -> list[AwardFact]:
    """Award facts in doc[start:end]."""
    view = TextView(doc, start, end)
    norm, vend = view.norm, len(view.norm)
    awards: list[_Award] = []
    done_until = 0
    for t in _candidates(norm, 0, vend):
        if t.ts < done_until or t.phrase_end <= t.te or _is_nomination(norm, t):
            continue
        found = _resolve(view, t, awards, ctx)
        if found:
            awards.extend(found)
            done_until = found[-1].end
    awards.sort(key=lambda a: a.start)
    extra = _praises(view, 0, vend, awards, ctx) + _praised_objects(view, 0, vend, awards, ctx) \
        + _obtained(view, 0, vend, awards) \
        + _bare_ranks(view, 0, vend, awards, ctx)
    return sorted((_to_fact(view, a) for a in awards + extra), key=lambda f: f.start)
