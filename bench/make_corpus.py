"""Build a synthetic benchmark corpus by resampling and mixing paragraphs of `corpora/`.

Two mixes:
- `real` (default): paragraphs of the five real report collections
  (`corpora/seeds/`), each source drawn in proportion to its length, so the
  corpus has the fact density of real reports (about 9 facts per 1,000 chars);
- `dense`: our own fact-dense test texts as well (`corpora/synthetic/`,
  `corpora/heldout/`, written to exercise every extractor, 30-45 facts per
  1,000 chars), every source drawn equally often: a stress test, about 25
  facts per 1,000 chars.
Throughput depends on fact density (extraction costs per fact, not per char).

Each generated file looks like a real input: a title line, then runs of
consecutive paragraphs taken from one source report (so headings, numbered
lists and facts keep their context), mixed with single paragraphs from other
reports; some files hold two reports; ~5% are GB18030-encoded, as web
downloads are. Report sizes follow those of the real reports. The same (size, seed)
always gives the same bytes; a finished corpus is reused (`.done` marker).

    python -m bench.make_corpus --mb 10          # -> bench/data/10mb/
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIXES = {
    # sources, and whether a source is drawn in proportion to its length
    "real": ([ROOT / "corpora" / "seeds"], True),
    "dense": ([ROOT / "corpora" / "seeds", ROOT / "corpora" / "synthetic",
               ROOT / "corpora" / "heldout"], False),
}
DATA = Path(__file__).resolve().parent / "data"
VERSION = 2  # bump when the generator changes: cached corpora are rebuilt


def load_sources(sources: list[Path]) -> list[list[str]]:
    """Each source file as its list of non-empty lines (paragraphs)."""
    docs = []
    for d in sources:
        for p in sorted(d.glob("*.txt")):
            lines = [ln.rstrip() for ln in p.read_text("utf-8").splitlines() if ln.strip()]
            if len(lines) >= 5:
                docs.append(lines)
    if not docs:
        raise SystemExit(f"no source texts under {', '.join(map(str, sources))}")
    return docs


def real_report_sizes() -> list[int]:
    """Characters of each real report: a seed file holds several, delimited by the
    `start_line` of its gold annotation (corpora/gold/seeds)."""
    sizes = []
    for gold in sorted((ROOT / "corpora" / "gold" / "seeds").glob("*.json")):
        text = ROOT / "corpora" / "seeds" / (gold.stem + ".txt")
        if not text.exists():
            continue
        lines = text.read_text("utf-8").splitlines()
        starts = sorted(r["start_line"] for r in json.loads(gold.read_text("utf-8"))["reports"])
        for a, b in zip(starts, starts[1:] + [len(lines) + 1]):
            sizes.append(len("\n".join(lines[a - 1:b - 1])))
    if not sizes:
        raise SystemExit("no gold annotations under corpora/gold/seeds to size reports by")
    return sorted(sizes)


def make_report(rng: random.Random, docs: list[list[str]], target_chars: int,
                weights: list[int] | None = None) -> list[str]:
    def pick() -> list[str]:
        return rng.choices(docs, weights)[0] if weights else rng.choice(docs)

    base = pick()
    out = [base[0]]  # a title-like first line
    n = len("".join(out))
    while n < target_chars:
        if rng.random() < 0.7:  # a run of consecutive paragraphs from one report
            doc = pick()
            i = rng.randrange(1, len(doc))
            run = doc[i:i + rng.randint(3, 12)]
        else:  # a stray paragraph from anywhere
            doc = pick()
            run = [doc[rng.randrange(1, len(doc))]]
        out.extend(run)
        n += sum(len(x) for x in run)
    return out


def make_corpus(mb: float, seed: int = 20240601, data_dir: Path = DATA,
                mix: str = "real") -> Path:
    """Generate (or reuse) a corpus of about `mb` MB (UTF-8 bytes); return its folder."""
    if mix not in MIXES:
        raise ValueError(f"unknown mix {mix!r}; expected one of {sorted(MIXES)}")
    label = f"{mb:g}mb" + ("" if mix == "real" else f"-{mix}")
    folder = data_dir / label
    params = {"version": VERSION, "mb": mb, "seed": seed, "mix": mix}
    marker = folder / ".done"
    if marker.exists() and json.loads(marker.read_text()) == params:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    sources, by_length = MIXES[mix]
    docs = load_sources(sources)
    weights = [len("".join(d)) for d in docs] if by_length else None
    sizes = real_report_sizes()
    rng = random.Random(seed)
    target, total, i = int(mb * 1024 * 1024), 0, 0
    while total < target:
        chars = rng.choice(sizes) * rng.uniform(0.6, 1.6)
        parts = [make_report(rng, docs, int(chars), weights)]
        if rng.random() < 0.15:  # a collection page: two reports in one file
            parts.append(make_report(rng, docs, int(chars * 0.6), weights))
        text = "\n\n".join("\n\n".join(p) for p in parts) + "\n"
        gbk = rng.random() < 0.05
        data = text.encode("gb18030" if gbk else "utf-8")
        sub = folder / f"d{i // 500:03d}"  # districts: 500 files a folder
        sub.mkdir(exist_ok=True)
        (sub / f"r{i:06d}{'_gbk' if gbk else ''}.txt").write_bytes(data)
        total += len(data)
        i += 1
    marker.write_text(json.dumps(params))
    return folder


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--mix", choices=sorted(MIXES), default="real")
    args = ap.parse_args(argv)
    folder = make_corpus(args.mb, args.seed, mix=args.mix)
    files = [p for p in folder.rglob("*.txt")]
    print(f"{folder}: {len(files)} files, {sum(p.stat().st_size for p in files) / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
