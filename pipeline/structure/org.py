"""Reporting unit (org), its type and the reporting year."""
from __future__ import annotations

import functools
import re
from collections import Counter

from pipeline.structure.cues import GLOSS, org_cues, unit_names

_MASK = re.compile(r"[xX×＊*_＿\-某]")  # 某: an anonymised name (某局)
_YEAR = re.compile(r"((?:19|20)[0-9]{2}|二[0〇零][0-9〇零一二三四五六七八九]{2})\s*(?:年|局|届|学年|$)")
_CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}
_CN_DIGIT.update({"0": "0", "零": "0"})


# leading words of these kinds (verbs, adverbs, prepositions, conjunctions,
# pronouns, adjectives, idioms...) are the sentence around a name, not the name
_NON_NAME_TAGS = {"v", "vn", "vd", "d", "p", "c", "u", "ud", "uj", "ul", "uz", "r", "a", "ad",
                  "l", "f", "t", "y", "e", "o", "i", "q"}


@functools.lru_cache(maxsize=4096)  # jieba POS is slow; the same names recur
def _strip_left_words(name: str) -> str:
    """Keep the name: the trailing run of name-like words before the unit suffix
    (jieba POS, on this short window only; the suffix itself is always kept)."""
    import jieba.posseg as pseg

    from pipeline.nlp import jieba_tokenizer

    jieba_tokenizer()
    m = re.search("(?:" + org_cues()["suffix_rx"].pattern + ")$", name)
    suffix_from = m.start() if m else len(name)
    words = list(pseg.cut(name))
    ends, pos = [], 0
    for w in words:
        pos += len(w.word)
        ends.append(pos)
    k = len(words)
    while k > 0 and (ends[k - 1] > suffix_from or words[k - 1].flag not in _NON_NAME_TAGS):
        k -= 1
    # a unit has a name: the word right before its suffix is kept even when jieba tags
    # a place name as an adjective (富兴社区, 清安社区)
    if k > 0 and ends[k - 1] == suffix_from and words[k - 1].flag in _NAME_LIKE_TAGS:
        k -= 1
    return "".join(w.word for w in words[k:])


_NAME_LIKE_TAGS = {"a", "an", "j", "nz", "ns", "nr", "nt"}
_NAME_PART_TAGS = {"n", "nr", "ns", "nt", "nz", "nrt", "j", "b", "v", "vn", "eng"}


NAME_WINDOW = 12  # characters cues.unit_names reads before a unit suffix


def _starts_a_clause(raw: str) -> bool:
    """unit_names stopped before the window's end: punctuation or a line start precedes `raw`."""
    m = re.search("(?:" + org_cues()["suffix_rx"].pattern + ")$", raw)
    return m is not None and m.start() < NAME_WINDOW


def _is_bare_kind(name: str) -> bool:
    """医院工会, 公司: a unit kind with no name before it."""
    core = _UNION_SUFFIX.sub("", name)
    return any(core == suffix for suffix, _ in org_cues()["suffixes"])


def _noun_led(name: str) -> bool:
    """Words that can all be part of a name, the first a noun (学院/附属/针灸/推拿/医院):
    the left-trimmed text after a clear boundary (成为|, 的|) is the whole name."""
    import jieba.posseg as pseg

    from pipeline.nlp import jieba_tokenizer

    jieba_tokenizer()
    words = list(pseg.cut(name))
    return len(words) >= 3 and words[0].flag in _PROPER_TAGS and \
        all(w.flag in _NAME_PART_TAGS for w in words)


_FUNCTION_TAGS = {"p", "c", "v", "d", "r", "u", "ud", "uj", "ad", "l"}


@functools.lru_cache(maxsize=4096)  # jieba POS is slow; the same names recur
def _strip_leading_function_words(name: str) -> str:
    """推荐公司工会 -> 公司工会, 根据集团公司工会 -> 集团公司工会 (a verb or preposition
    opening the line is not part of a name; 实验中学 / 供电公司 keep their noun-verbs)."""
    import jieba.posseg as pseg

    from pipeline.nlp import jieba_tokenizer

    jieba_tokenizer()
    words = list(pseg.cut(name))
    k = 0
    # jieba tags the first syllable of some place names as a verb (出/v 江镇): a
    # one-character verb opening a name is kept
    while k < len(words) - 1 and words[k].flag in _FUNCTION_TAGS and \
            not (len(words[k].word) == 1 and words[k].flag == "v"):
        k += 1
    return "".join(w.word for w in words[k:])


@functools.lru_cache(maxsize=20000)
def _clean_name(raw: str, allow_masked: bool = False, opens_sentence: bool = False) -> str | None:
    """The unit name in `raw`; `opens_sentence`: raw starts a title or sentence, so the
    words before the suffix are the name (实验中学工会), not sentence context to strip."""
    c = org_cues()
    name = c["left_trim"].sub("", raw)
    name = re.sub(r"^(?:我们|咱们)", "", name)
    if "我" in name or "本" in name[:1]:
        return None
    if name and not (opens_sentence and name == raw):
        trimmed, name = name, _strip_left_words(name)
        if (trimmed != raw or _starts_a_clause(raw)) and _is_bare_kind(name) and _noun_led(trimmed):
            # 成为|学院附属针灸推拿医院工会, ,|沭阳县供电公司: a verb (推拿, 供电) inside the name
            name = trimmed
    elif name:
        name = _strip_leading_function_words(name)
    # digits, and a web address glued before a title (www.example.com区总工会…)
    name = re.sub(r"^(?:[0-9]+|[a-z][a-z0-9.:/_-]*)+", "", name)
    if not name or len(name) < 3:
        return None
    if _MASK.search(name):
        return name if allow_masked else None
    # the part before the unit suffix must be specific
    base = re.sub(r"(?:工会委员会|工会|委员会)$", "", name) if not name.endswith("总工会") else name
    for suffix, _ in c["suffixes"]:
        if base.endswith(suffix):
            head = base[: -len(suffix)]
            break
    else:
        head = base
    if "工会" in head:  # "工会大力推广企业工会": the name starts after the earlier 工会
        cut = head.rindex("工会") + 2
        name, head = name[cut:], head[cut:]
    if c["numbered_unit"].match(_UNION_SUFFIX.sub("", name) or name):
        return name
    if not head or head in c["generic"] or c["generic_head"].match(head) or c["kind_phrase"].search(head) or \
            c["kind_name"].match(base) or \
            len(head) < 2 and not name.endswith(("一小", "二小", "一中")) and \
            not (opens_sentence and _UNION_SUFFIX.sub("", name)[len(head):] in c["short_name_suffixes"]):
        return None
    # (个/家/所…: the measure word of a count, 6个片区幼儿园, is no name's start)
    if head.startswith(("我", "本", "该", "各", "全", "上级", "基层", "分", "个", "家", "所", "名", "座", "支")):
        return None
    return name


MAX_CANDIDATES = 12
_UNION_SUFFIX = re.compile(r"(?:工会委员会|总工会|工会)$")


_OPENING_LEAD = re.compile(r"^(?:[^,，。]{0,14}(?:以来|年来|年度|年|学期|学年)[,，]\s*)")
_FIRST_SENTENCE = re.compile(r"^[^。!！?？;；]{0,80}")


def _named_unit(src: str, max_pos: int) -> str | None:
    """The first specific unit named in `src` starting within `max_pos` characters, in
    its longest form (农业银行南港支行工会, not 农业银行; 东华纺织集团公司工会, not 东华纺织集团)."""
    best: tuple[int, str] | None = None
    for raw, pos in unit_names(src):
        if best is None and pos > max_pos or (best is not None and pos > best[0] + len(best[1])):
            break
        name = _clean_name(raw, opens_sentence=pos == 0)
        if best is not None and best[0] < pos and pos + len(raw) > best[0] + len(best[1]):
            # a unit of the unit, its name running past the name window (中国水产科学研究院
            # | 长江水产研究所工会): the whole written name
            name = _clean_name(src[best[0]:pos + len(raw)], opens_sentence=best[0] == 0) or name
        if name and (best is None or len(name) > len(best[1])):
            best = (src.find(name, max(0, min(pos, best[0] if best else pos) - 1)), name)
    return best[1] if best else None


def find_org(text: str, title: str | None = None) -> str | None:
    """The reporting unit: the unit named in the report's own title, else the subject of
    its first sentence (今年以来,XX公司工会在…), else the most frequent specific unit."""
    return find_org_with_source(text, title)[0]


SELF_NAMING_LINES = 6   # first lines of a report where it names itself at a line start
LINE_HEAD = 80          # characters of such a line read (leads, a name of up to 30)
_SEGMENT = re.compile(r"[-—]{2,}|丨|\||[!！]")
_GENERIC_UNION = re.compile(r"^(?:[0-9xX_]{2,4}\s*年(?:度)?)?([\u4e00-\u9fa5]{1,3}?)(?:工会委员会|总工会|工会)")


def find_org_with_source(text: str, title: str | None = None,
                         first_lines: list[str] | None = None) -> tuple[str | None, str | None]:
    """(org, where it was found: "title" | "subject" | "kind" | "frequency" | None).

    In order: the unit named in the report's title; a unit named at the start of one
    of its first lines (a headline "酒钢工会以…", the preamble's subject "今年以来,
    XX公司工会在…", a byline); when the subject is only a kind (集团工会在…, a title
    "大学工会工作总结"), the unit of that kind the text names; else the most
    frequent specific unit. `text` and `title` are gloss-free (工会, not 工會(huì));
    `first_lines`: the report's first source lines, bylines and headlines the clean
    stage marks as page furniture included (default: the first lines of `text`)."""
    lines = first_lines if first_lines is not None else text.split("\n")[:SELF_NAMING_LINES]
    lines = [ln for ln in lines if ln != title]
    opening = full_name_opening(lines, text)
    if title:
        name = _named_unit(title, len(title))
        if name:
            return _full_form(name, opening), "title"
    for line in ([title] if title else []) + lines:
        name = _line_subject(line)
        if name:
            return _full_form(name, opening), "subject"
    name = _self_defined(text) or _self_introduced(text)
    if name:
        return name, "alias"
    subject_kind, title_kind = _subject_kind(lines), _title_unit_kind(title)
    # the title's kind is the more specific (街道总工会) unless the subject says another
    kind = title_kind if title_kind and (not subject_kind or _UNION_SUFFIX.sub(
        "", title_kind).endswith(subject_kind)) else subject_kind
    name = _most_frequent_org(text, title, kind)
    if name and kind and _UNION_SUFFIX.sub("", name).endswith(kind):
        return name, "kind"
    return name, ("frequency" if name else None)


FULL_NAME_WINDOW = 300  # characters of the text where a short-named unit is named in full
_SENTENCE_END = re.compile(r"[。!！?？;；]")


def full_name_opening(lines: list[str], text: str) -> str:
    """Where a report spells out the full name of the unit its title or a headline
    names in short: the unit opening the first sentence of one of its first lines (2015年1月9日,
    中国水产科学研究院长江水产研究所工会召开…) and a self-definition (XX集团公司工会
    (以下简称…)). A full name mid-text (a later sentence: …。德化县人民法院工会委员会荣获…)
    is not how the report names itself: the short form stays (德化法院)."""
    subjects = [_line_subject(_SENTENCE_END.split(ln, 1)[0])
                for ln in lines + text[:FULL_NAME_WINDOW].split("\n")]
    return "\n".join(n for n in subjects + [_self_defined(text)] if n)


def _full_form(name: str, opening: str) -> str:
    """The unit's full name when the opening writes it out and `name` is its short
    form (长江所工会 of 中国水产科学研究院长江水产研究所工会, 省商业集团 of
    广东省商业企业集团公司工会): the short form's characters in order in the full one.
    `opening`: the names where a report spells out its own, one a line
    (`full_name_opening`)."""
    best = name
    for full in opening.split("\n"):
        if full and len(full) > len(best) and _abbreviates(name, full):
            best = full
    return best


def _abbreviates(short: str, full: str) -> bool:
    core = _UNION_SUFFIX.sub("", short) or short
    full_core = _UNION_SUFFIX.sub("", full) or full
    if len(core) >= len(full_core) or core[-1] != full_core[-1] and not full_core.endswith(("公司", "集团公司")):
        return False
    it = iter(full_core)
    return all(ch in it for ch in core)


@functools.lru_cache(maxsize=8192)  # the ranker and the rules read the same first lines
def _line_subject(line: str) -> str | None:
    """The unit a line opens with (after tags, dates, time phrases), in its longest form;
    a site's menu bar (首页 | 业界动态 | 品牌中小银行 | …) opens with no unit."""
    c = org_cues()
    if len(_MENU_BAR.findall(line)) >= 3:
        return None
    name = _byline_unit(line)
    if name:
        return name
    for seg in _SEGMENT.split(line[:LINE_HEAD]):
        seg = seg[c["line_lead"].match(seg).end():]
        if not seg:
            continue
        name = _named_unit(seg, 0)
        if name and seg.startswith(name):
            return name
        m = c["unit_year"].match(seg)
        if m and type_of_name(m.group(1)):
            name = _clean_name(m.group(1), opens_sentence=True)
            if name and seg.startswith(name):
                return name
        m = c["bare_union"].match(seg)
        if m and _is_proper_name(m.group(1)) and not c["left_trim"].match(m.group(1)) and \
                not seg[m.end():m.end() + 1].isdigit():  # 新建工会3家: a count, not a name
            return m.group(0)
    return None


_MENU_BAR = re.compile(r"[|丨]")


def _byline_unit(line: str) -> str | None:
    """The unit a byline names (作者:封开法院): a unit suffix ends the token and a
    specific name precedes it (来源:办公室 names no unit)."""
    m = org_cues()["byline_unit"].match(line.strip())
    if not m or not type_of_name(m.group(1)) or _MASK.search(m.group(1)):
        return None
    name = m.group(1)
    head = _UNION_SUFFIX.sub("", name)
    for suffix, _ in org_cues()["suffixes"]:
        if head.endswith(suffix):
            head = head[: -len(suffix)]
            break
    c = org_cues()
    if len(head) < 2 or head in c["generic"] or c["generic_head"].match(head) or \
            head.startswith(("我", "本", "该", "各", "全")):
        return None
    return name


def _self_defined(text: str) -> str | None:
    """The unit that gives itself a short name: 某某集团公司工会(以下简称"集团工会")."""
    c = org_cues()
    for m in c["alias"].finditer(text):
        name = _named_unit(text[max(0, m.start() - 30):m.start()], 30)
        if name and text.endswith(name, 0, m.start()):
            return name
    return None


def _self_introduced(text: str) -> str | None:
    """The unit a speaker reports for: 我代表XX市总工会第十届委员会向大会报告工作."""
    for m in org_cues()["self_intro"].finditer(text):
        name = _named_unit(text[m.end():m.end() + 30], 0)
        if name and text.startswith(name, m.end()):
            return name
    return None


_PROPER_TAGS = {"n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "j", "eng"}


@functools.lru_cache(maxsize=4096)
def _is_proper_name(head: str) -> bool:
    """酒钢, 外教社: nouns only, not a generic word (公司, 车间, 基层) or a kind of unit."""
    import jieba.posseg as pseg

    from pipeline.nlp import jieba_tokenizer

    c = org_cues()
    if head in c["generic"] or c["generic_head"].match(head) or head.endswith("总") or \
            head.startswith(("我", "本", "该", "各", "全", "上级", "基层")) or type_of_name(head):
        return False
    jieba_tokenizer()
    return all(w.flag in _PROPER_TAGS for w in pseg.cut(head))


def _subject_kind(lines: list[str]) -> str | None:
    """The unit kind of a generic subject opening one of the first lines (集团工会在…,
    社区工会在…): the report's author is a unit of that kind."""
    c = org_cues()
    for line in lines:
        seg = line[c["line_lead"].match(line).end():]
        m = _GENERIC_UNION.match(seg)
        if m and m.group(1) in _unit_kinds():
            return m.group(1)
    return None


@functools.cache
def _unit_kinds() -> frozenset[str]:
    return frozenset(_UNION_SUFFIX.sub("", suffix) for suffix, _ in org_cues()["suffixes"]) - {""}


_SUPERIOR_LEAD = re.compile("[在以]")
_GLOSS_GAP = "(?:" + GLOSS.pattern + ")?"


def locate(norm: str, name: str, start: int, end: int) -> tuple[int, int] | None:
    """Span of `name` in norm[start:end], pinyin glosses between its characters allowed
    (the name is found in gloss-free text: 化学公司工会 is 化學(xué)公司工會 in the source)."""
    i = norm.find(name, start, end)
    if i >= 0:  # no gloss inside: the common case
        return i, i + len(name)
    if "(" not in norm[start:end] and "（" not in norm[start:end]:
        return None
    m = _glossed(name).search(norm, start, end)
    return m.span() if m else None


@functools.lru_cache(maxsize=1024)
def _glossed(name: str) -> re.Pattern:
    return re.compile(_GLOSS_GAP.join(map(re.escape, name)))


# The rules and the org ranker ask the same report several times; callers only read
# what is returned.
@functools.lru_cache(maxsize=4)
def unit_mentions(text: str, title: str | None = None) -> tuple[Counter, dict[str, str], dict[str, int]]:
    """The specific units the title and text name: mentions per unit (its name
    without 工会; a title mention counts double), its most frequent written form and
    where the text first names it (-1: only in the title)."""
    raw_counts: Counter = Counter()
    raw_first: dict[str, int] = {}
    for src, w in ((title or "", 2), (text, 1)):
        for raw, pos in unit_names(src):
            if _SUPERIOR_LEAD.search(raw) and _follows_another(src, pos + len(raw)):
                # 在县总工会…会议上, 在区总工会的领导下, 以市教育工会第三届…精神为指导:
                # the host or the superior
                continue
            raw_counts[raw] += w
            raw_first.setdefault(raw, pos if w == 1 else -1)
    # clean (POS-tag) only the most frequent raw candidates: the winner is among them
    top = sorted(raw_counts, key=lambda r: (-raw_counts[r], raw_first[r]))[:MAX_CANDIDATES]
    counts: Counter = Counter()
    forms: dict[str, Counter] = {}
    first: dict[str, int] = {}
    for raw in top:
        name = _clean_name(raw)
        if not name:
            continue
        core = _UNION_SUFFIX.sub("", name) or name
        counts[core] += raw_counts[raw]
        forms.setdefault(core, Counter())[name] += raw_counts[raw]
        first[core] = min(first.get(core, raw_first[raw]), raw_first[raw])
    return counts, {core: form.most_common(1)[0][0] for core, form in forms.items()}, first


def _most_frequent_org(text: str, title: str | None = None, kind: str | None = None) -> str | None:
    """The most frequent specific unit in the title or report (title counts double).
    Variants of one unit (梅园街道 / 梅园街道总工会) are counted together; the most
    frequent written form is returned. A title that opens with a unit kind only
    (街道总工会工作总结) restricts the choice to units of that kind when the text names
    any; a unit named once counts only where a report names itself."""
    counts, name_of, first = unit_mentions(text, title)
    if not counts:
        return None
    # a kind with its union suffix (街道总工会) is matched on the whole name
    of_kind = [c for c in counts if kind and (name_of[c].endswith(kind) if _UNION_SUFFIX.search(kind)
                                               else c.endswith(kind))]
    core = max(of_kind or counts, key=lambda c: (counts[c], -first.get(c, 0)))
    if counts[core] < 2 and not of_kind and \
            not _where_a_unit_names_itself(core, first[core], text, title):
        return None  # one mention mid-report: a unit the report is about, not its author
    return name_of[core]


def _follows_another(src: str, end: int) -> bool:
    c = org_cues()
    return bool(c["superior_after"].match(src, end) or c["host_after"].match(src, end))


def _title_unit_kind(title: str | None) -> str | None:
    """The unit suffix a title opens with, its name left out (街道总工会工作总结: the
    report's author is a 街道总工会, named in the text)."""
    if not title:
        return None
    title = org_cues()["title_lead"].sub("", title)
    # 全区卫生工会工作总结: the area's system union reports (全区 is no name)
    title = re.sub(r"^(?:[0-9xX_]{2,4}\s*(?:年度|学年|年)|最新|精选|全[省市区县镇乡])+", "", title.lstrip())
    for suffix, _ in org_cues()["suffixes"]:
        if title.startswith(suffix):
            return suffix
    return None


# A unit named only once is the reporting unit when it is named where a report names
# itself: its opening lines or its closing part (plans, sign-off), or the title
# names it in short (农发行 … 农发行围场支行). A single mention elsewhere is a
# branch, partner or example the report talks about (二矿中学, 混凝土公司).
SELF_NAMING_OPENING = 60      # characters
SELF_NAMING_CLOSING = 0.15    # the last share of the text


def _where_a_unit_names_itself(core: str, pos: int, text: str, title: str | None) -> bool:
    """`core`: the unit's name without 工会; `pos`: where the text first names it."""
    if pos < SELF_NAMING_OPENING:
        return True
    if title and core[:2] in title:
        return True
    return text.rfind(core) >= (1 - SELF_NAMING_CLOSING) * len(text)


@functools.lru_cache(maxsize=8192)
def type_of_name(name: str | None) -> str | None:
    if not name:
        return None
    base = re.sub(r"(?:工会委员会|工会)$", "", name) if not name.endswith("总工会") else name
    for suffix, t in org_cues()["suffixes"]:
        if base.endswith(suffix) or name.endswith(suffix):
            return t
    return None


# Weights of the org_type vote. A unit named (even masked or generic: 区总工会,
# xxx镇总工会) in the opening lines says who reports; in a title less so, as
# template sites reuse one collection title for reports of many units.
OPENING_WEIGHT = 10.0
TITLE_WEIGHT = 4.0
ORG_WEIGHT = 8.0     # the chosen org name's own type


def type_from_text(text: str, opening: str = "", org: str | None = None, title: str = "",
                   org_is_subject: bool = False) -> str | None:
    """The suffix of the reporting unit when it is named in the title or as the opening
    subject (org_is_subject); else a weighted vote: units named in the opening lines and
    title, the org's suffix, cue words counted in the text (data/org_cues.yaml)."""
    t_org = type_of_name(org)
    if t_org and org_is_subject:
        return t_org
    scores: Counter = Counter()
    if t_org:
        scores[t_org] += ORG_WEIGHT
    ev = type_evidence(text, opening, title)
    for kind, weight in (("opening", OPENING_WEIGHT), ("title", TITLE_WEIGHT)):
        for t, n in ev[kind].items():
            scores[t] += weight * n
    scores.update(ev["cues"])
    if not scores:
        return None
    t, s = scores.most_common(1)[0]
    return t if s >= 2 else None


@functools.lru_cache(maxsize=4)  # asked up to four times a report; callers only read it
def type_evidence(text: str, opening: str = "", title: str = "") -> dict[str, Counter]:
    """What tells the reporting unit's type besides its name: the types of the units
    named in the opening lines and in the title (mentions, a superior's excluded:
    在区总工会的领导下), the weighted cue words of the text, and each cue word's count."""
    c = org_cues()
    out: dict[str, Counter] = {"opening": Counter(), "title": Counter(), "cues": Counter(),
                               "terms": Counter()}
    for src, kind in ((opening, "opening"), (title, "title")):
        for raw, pos in unit_names(src):
            name = c["left_trim"].sub("", raw)
            if c["superior_after"].match(src, pos + len(raw)):
                continue  # 在区总工会的领导下: the unit the reporter follows
            t = type_of_name(name) if name else None
            if t:
                out[kind][t] += 1
    for m in c["type_rx"].finditer(text):
        t, w = c["type_cues"][m.group(0)]
        out["cues"][t] += w
        out["terms"][m.group(0)] += 1
    return out


def find_year(title: str | None, head: str) -> int | None:
    """Reporting year written in the title or the opening lines (masked years give None)."""
    for src in (title or "", head):
        m = _YEAR.search(src)
        if m:
            y = "".join(_CN_DIGIT.get(ch, ch) for ch in m.group(1))
            if y.isdigit() and 1950 <= int(y) <= 2100:
                return int(y)
    return None
