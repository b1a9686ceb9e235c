"""Quality of ghminer on the same texts in the layouts real submissions arrive in.

    python -m bench.layouts CORPUS GOLD [--sources a.txt,b.txt | --part tune|heldout|all]
                            [--layouts clean,wrap38,oneline,spaced] [--summary]

Each text is re-made as
- `clean`: as it is;
- `wrapN` (e.g. `wrap38`): a line break every N characters regardless of words,
  as a copy out of a PDF viewer (dates and figures broken across lines);
- `oneline`: no line breaks at all, lines joined with nothing (a web page's text);
- `oneline_sp`: the same, lines joined with a space;
- `spaced`: a space between a digit run and a CJK character and vice versa
  (`2011 年 9 月 20 日`, `500 元`), as PDF readers and OCR write them;
with a gold copy whose `source` is renamed and whose `start_line` and fact
offsets are mapped to the new text (`oneline`: every report starts on line 1).
ghminer runs on each layout (in-process worker count from --workers) and the
referee scorer compares; the table prints facts F1 and the other figures per
layout, and the files that gave no report at all. (With `oneline` every
report starts on line 1, so its split F1 says nothing.)
"""
from __future__ import annotations

import argparse
import bisect
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

# the referee (--scorer): ../shared beside the repo, or GHMINER_SHARED
SCORER = Path(os.environ.get("GHMINER_SHARED") or Path(__file__).resolve().parents[2] / "shared") \
    / "eval" / "score.py"
_SPACED = re.compile(r"(?<=[0-9])(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])(?=[0-9])")


def wrap(text: str, width: int) -> tuple[str, list[int]]:
    """Break every line after each `width` characters; (new text, old offset -> new)."""
    out: list[str] = []
    pos = [0] * (len(text) + 1)
    n = 0
    i = 0
    for line in text.split("\n"):
        for k in range(0, max(len(line), 1), width):
            chunk = line[k:k + width]
            if k:
                out.append("\n")
                n += 1
            for j in range(len(chunk)):
                pos[i + k + j] = n + j
            out.append(chunk)
            n += len(chunk)
        pos[i + len(line)] = n  # the line's own newline (or the end)
        out.append("\n")
        n += 1
        i += len(line) + 1
    new = "".join(out)[:-1]  # no newline added after the last line
    pos[len(text)] = len(new)
    return new, pos


def join(text: str, sep: str) -> tuple[str, list[int]]:
    """All lines on one line (blank lines dropped), joined with `sep`."""
    out: list[str] = []
    pos = [0] * (len(text) + 1)
    n = 0
    i = 0
    for line in text.split("\n"):
        if line.strip():
            if out:
                out.append(sep)
                n += len(sep)
            for j in range(len(line)):
                pos[i + j] = n + j
            out.append(line)
            n += len(line)
        pos[i + len(line)] = n  # the dropped newline (or the end)
        i += len(line) + 1
    pos[len(text)] = n
    return "".join(out), pos


def spaced(text: str) -> tuple[str, list[int]]:
    """A space between digits and CJK characters (both ways)."""
    pos = []
    out = []
    n = 0
    cuts = {m.start() for m in _SPACED.finditer(text)}
    for i, c in enumerate(text):
        if i in cuts:
            out.append(" ")
            n += 1
        pos.append(n)
        out.append(c)
        n += 1
    pos.append(n)
    return "".join(out), pos


def remake(text: str, layout: str) -> tuple[str, list[int]]:
    if layout == "clean":
        return text, list(range(len(text) + 1))
    if layout.startswith("wrap"):
        return wrap(text, int(layout[4:]))
    if layout == "oneline":
        return join(text, "")
    if layout == "oneline_sp":
        return join(text, " ")
    if layout == "spaced":
        return spaced(text)
    raise SystemExit(f"unknown layout {layout}")


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def remap_gold(gold: dict, old: str, new: str, pos: list[int], name: str) -> dict:
    old_starts, new_starts = line_starts(old), line_starts(new)
    out = json.loads(json.dumps(gold))
    out["source"] = name
    for rep in out["reports"]:
        ln = rep.get("start_line")
        if ln and ln <= len(old_starts):
            rep["start_line"] = bisect.bisect_right(new_starts, pos[old_starts[ln - 1]])
        for f in rep.get("facts") or []:
            if "start" in f and "end" in f and f["end"] <= len(old):
                s, e = pos[f["start"]], pos[f["end"] - 1] + 1 if f["end"] > f["start"] else pos[f["start"]]
                f["start"], f["end"], f["text"] = s, e, new[s:e]
    return out


def run_layout(layout: str, sources: list[Path], gold_dir: Path, work: Path, workers: int,
               scorer: Path) -> dict:
    corpus, gold = work / layout / "corpus", work / layout / "gold"
    corpus.mkdir(parents=True)
    gold.mkdir(parents=True)
    for src in sources:
        text = src.read_text(encoding="utf-8")
        new, pos = remake(text, layout)
        (corpus / src.name).write_text(new, encoding="utf-8")
        g = json.loads((gold_dir / (src.stem + ".json")).read_text(encoding="utf-8"))
        (gold / (src.stem + ".json")).write_text(
            json.dumps(remap_gold(g, text, new, pos, src.name), ensure_ascii=False), encoding="utf-8")
    out = work / layout / "out"
    subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(corpus), "--out", str(out),
                    "--no-report", "--no-cache", "--workers", str(workers)],
                   check=True, capture_output=True)
    res = json.loads(subprocess.run(
        [sys.executable, str(scorer), "--pred", str(out / "reports.jsonl"), "--gold", str(gold), "--json"],
        check=True, capture_output=True, text=True).stdout)
    got = {json.loads(l)["source"] for l in (out / "reports.jsonl").read_text(encoding="utf-8").splitlines() if l}
    res["empty_files"] = sorted(s.name for s in sources if s.name not in got)
    return res


ROWS = ["facts_all", "split", "sections", "count", "rate", "amount", "award", "activity", "placeholder"]


def table(results: dict[str, dict]) -> str:
    names = list(results)
    lines = [f"{'F1':<12}" + "".join(f"{n:>12}" for n in names)]
    for row in ROWS:
        lines.append(f"{row:<12}" + "".join(f"{results[n][row]['f1']:>12.3f}" for n in names))
    lines.append(f"{'org_type':<12}" + "".join(f"{results[n]['org_type_acc'] or 0:>12.3f}" for n in names))
    lines.append(f"{'0 reports':<12}" + "".join(f"{len(results[n]['empty_files']):>12}" for n in names))
    return "\n".join(lines)


def pick_sources(corpus: Path, gold: Path, part: str | None, names: str | None) -> list[Path]:
    files = sorted(p for p in corpus.glob("*.txt") if (gold / (p.stem + ".json")).exists())
    if names:
        keep = set(names.split(","))
        return [p for p in files if p.name in keep]
    if part == "tune":
        return [p for p in files if re.fullmatch(r"r(0\d\d|10\d|110)\.txt", p.name)]
    if part == "heldout":
        return [p for p in files if re.fullmatch(r"r(11[1-9]|1[2-9]\d)\.txt", p.name)]
    return files


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("gold", type=Path)
    ap.add_argument("--part", choices=["tune", "heldout", "all"])
    ap.add_argument("--sources")
    ap.add_argument("--layouts", default="clean,wrap38,oneline,spaced")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--summary", action="store_true", help="the table only (no file names)")
    ap.add_argument("--scorer", type=Path, default=SCORER)
    ap.add_argument("--keep", type=Path, help="keep the re-made corpora and runs here")
    a = ap.parse_args(argv)
    sources = pick_sources(a.corpus, a.gold, a.part, a.sources)
    if not sources:
        raise SystemExit("no sources with gold")
    work = a.keep or Path(tempfile.mkdtemp(prefix="layouts."))
    results = {lay: run_layout(lay, sources, a.gold, work, a.workers, a.scorer) for lay in a.layouts.split(",")}
    print(f"{len(sources)} files from {a.corpus}")
    print(table(results))
    if not a.summary:
        for lay, res in results.items():
            if res["empty_files"]:
                print(f"{lay}: no report from {', '.join(res['empty_files'])}")
    print(f"(work folder: {work})")


if __name__ == "__main__":
    main()
