#!/usr/bin/env python3
"""Build corpora/gold/heldout2/<stem>.json from the hand-written span lists in this folder.

Each <stem>.spec names the reports and, in reading order, every fact's exact text and
labels; offsets are found by search (cursor = previous fact's start, so nested facts
work) and checked. Values are parsed from the span unless given (v=...), and are
printed for review. Placeholders are found by pattern inside each report's lines.
usage: build.py [stem ...]   (run from anywhere; writes ../<stem>.json)
"""
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLD = HERE.parent
TEXTS = HERE.parents[2] / "heldout2"

CN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CNU = {"十": 10, "百": 100, "千": 1000}
NUM = re.compile(r"\d[\d,]*(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿点]+")
APPROX = ("余", "多", "近", "约", "左右", "逾", "超过", "突破", "以上", "不足", "不超过", "至少",
          "上百", "近百", "几", "十几", "不少于", "不低于")
MASK = re.compile(r"\d*(?:[xX]+|×+|_+|\*+)\d*")
UNITS = ["人次", "场次"] + list("人名户家个份场期次条件项所支对篇位间")


def cn2num(s):
    if "点" in s:
        a, b = s.split("点", 1)
        return cn2num(a) + float("0." + "".join(str(CN[c]) for c in b))
    total, section, digit = 0, 0, 0
    for c in s:
        if c in CN:
            digit = CN[c]
        elif c in CNU:
            section += (digit or 1) * CNU[c]
            digit = 0
        elif c == "万":
            total += (section + digit) * 10000
            section, digit = 0, 0
        elif c == "亿":
            total += (section + digit) * 100000000
            section, digit = 0, 0
    return total + section + digit


def parse_number(span):
    # Arabic digits win when present (一线, 一等奖 are words, not numbers)
    ms = list(NUM.finditer(span))
    arabic = [m for m in ms if m.group()[0].isdigit()]
    for m in arabic or ms:
        tok = m.group()
        if tok[0].isdigit():
            v = float(tok.replace(",", ""))
            rest = span[m.end():]
            if rest.startswith("万"):
                v *= 10000
            elif rest.startswith("亿"):
                v *= 100000000
            return (int(v) if v == int(v) else v), m.end()
        if all(c in "万亿点" for c in tok):
            continue
        return cn2num(tok), m.end()
    raise ValueError(f"no number in {span!r}")


def norm(v):
    return int(v) if isinstance(v, float) and v == int(v) else v


def kv(parts):
    out = {}
    for p in parts:
        for item in p.split():
            if "=" in item:
                k, v = item.split("=", 1)
                out[k] = v
    return out


def build(stem):
    spec = (HERE / f"{stem}.spec").read_text(encoding="utf-8").splitlines()
    head = dict(l[1:].split(" ", 1) for l in spec if l.startswith("@") and not l.startswith("@report"))
    src = TEXTS / head["source"]
    text = src.read_bytes().decode(head.get("encoding", "utf-8")).replace("\r\n", "\n")
    lines = text.split("\n")
    line_start = [0]
    for l in lines:
        line_start.append(line_start[-1] + len(l) + 1)
    reports, cur = [], None
    for raw in spec:
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith("@report"):
            f = [x.strip() for x in raw[len("@report"):].split("|")]
            sl = int(f[0])
            title = None if f[1] == "null" else (lines[sl - 1].strip() if f[1] == "L" else f[1])
            cur = {"start_line": sl, "title": title, "org": None if f[2] == "null" else f[2],
                   "org_type": None if f[3] == "null" else f[3],
                   "sections": [s for s in f[4].split(",") if s], "facts": [],
                   "_end_line": int(f[5]) if len(f) > 5 and f[5] else None}
            reports.append(cur)
            cursor = line_start[sl - 1]
            continue
        if raw.startswith("@"):
            continue
        t, rest = raw.split(" ", 1)
        parts = [x.strip() for x in rest.split("|")]
        span = parts[0]
        pos = text.find(span, cursor)
        if pos < 0:
            raise SystemExit(f"{stem}: not found after {cursor}: {span!r}")
        cursor = pos
        fact = {"text": span}
        opts = kv(parts[1:])
        if t == "c":
            v, end = parse_number(span)
            unit = opts.get("u")
            if not unit:
                tail = span[end:].lstrip("万亿余多")
                unit = next((u for u in UNITS if tail.startswith(u)), None)
                assert unit, (span, tail)
            unit = {"位": "人", "间": "家"}.get(unit, unit)
            fact.update(type="count", value=norm(float(opts["v"])) if "v" in opts else v, unit=unit,
                        metric=parts[1].split()[0],
                        approx=(opts["approx"] == "1") if "approx" in opts else any(a in span for a in APPROX))
        elif t == "r":
            v = float(opts["v"]) if "v" in opts else parse_number(span.split("百分之")[-1])[0]
            fact.update(type="rate", value=norm(v), metric=parts[1].split()[0])
        elif t == "m":
            v = float(opts["v"]) if "v" in opts else parse_number(span)[0]
            fact.update(type="amount", value=norm(v), currency=opts.get("cur", "CNY"),
                        approx=(opts["approx"] == "1") if "approx" in opts
                        else any(a in span for a in APPROX + ("至",)))
        elif t == "a":
            fact.update(type="award", name=parts[1], level=parts[2],
                        recipient=None if parts[3] == "null" else parts[3])
        elif t == "d":
            fact.update(type="activity", date=parts[1], activity_type=parts[2])
        else:
            raise SystemExit(f"bad fact line {raw!r}")
        fact["start"], fact["end"] = pos, pos + len(span)
        cur["facts"].append(fact)
    # placeholders: every masked run inside each report's lines
    for i, rep in enumerate(reports):
        lo = line_start[rep["start_line"] - 1]
        end_line = rep.pop("_end_line") or (reports[i + 1]["start_line"] - 1 if i + 1 < len(reports) else len(lines))
        hi = line_start[end_line]
        for m in MASK.finditer(text, lo, hi):
            rep["facts"].append({"type": "placeholder", "text": m.group(), "start": m.start(), "end": m.end()})
        rep["facts"].sort(key=lambda f: (f["start"], -f["end"]))
        for f in rep["facts"]:
            assert text[f["start"]:f["end"]] == f["text"]
            if f["type"] in ("count", "rate", "amount"):
                assert not MASK.search(f["text"]), f
    doc = {"source": head["source"], "reports": [{k: r[k] for k in
           ("start_line", "title", "org", "org_type", "sections", "facts")} for r in reports]}
    (GOLD / f"{stem}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for r in doc["reports"]:
        print(f"== {stem} L{r['start_line']} {r['title']!r} org={r['org']} {r['org_type']} {r['sections']}")
        for f in r["facts"]:
            extra = {k: v for k, v in f.items() if k not in ("type", "text", "start", "end")}
            print(f"  {f['type'][:5]:5} {f['text']:<40} {extra}")


if __name__ == "__main__":
    stems = sys.argv[1:] or [p.stem for p in sorted(HERE.glob("*.spec"))]
    for s in stems:
        build(s)
