"""Build a synthetic benchmark corpus by resampling and mixing paragraphs of `corpora/`.

Each generated file looks like a real input: a title line, then runs of
consecutive paragraphs taken from one source report (so headings, numbered
lists and facts keep their context), mixed with single paragraphs from other
reports; some files hold two reports; ~5% are GB18030-encoded, as web
downloads are. Sizes follow the source files' sizes. The same (size, seed)
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
SOURCES = [ROOT / "corpora" / "seeds", ROOT / "corpora" / "synthetic"]
DATA = Path(__file__).resolve().parent / "data"
VERSION = 1  # bump when the generator changes: cached corpora are rebuilt


def load_sources() -> list[list[str]]:
    """Each source report as its list of non-empty lines (paragraphs)."""
    docs = []
    for d in SOURCES:
        for p in sorted(d.glob("*.txt")):
            lines = [ln.rstrip() for ln in p.read_text("utf-8").splitlines() if ln.strip()]
            if len(lines) >= 5:
                docs.append(lines)
    if not docs:
        raise SystemExit(f"no source texts under {', '.join(map(str, SOURCES))}")
    return docs


def make_report(rng: random.Random, docs: list[list[str]], target_chars: int) -> list[str]:
    base = rng.choice(docs)
    out = [base[0]]  # a title-like first line
    n = len("".join(out))
    while n < target_chars:
        if rng.random() < 0.7:  # a run of consecutive paragraphs from one report
            doc = rng.choice(docs)
            i = rng.randrange(1, len(doc))
            run = doc[i:i + rng.randint(3, 12)]
        else:  # a stray paragraph from anywhere
            doc = rng.choice(docs)
            run = [doc[rng.randrange(1, len(doc))]]
        out.extend(run)
        n += sum(len(x) for x in run)
    return out


def make_corpus(mb: float, seed: int = 20240601, data_dir: Path = DATA) -> Path:
    """Generate (or reuse) a corpus of about `mb` MB (UTF-8 bytes); return its folder."""
    label = f"{mb:g}mb"
    folder = data_dir / label
    params = {"version": VERSION, "mb": mb, "seed": seed}
    marker = folder / ".done"
    if marker.exists() and json.loads(marker.read_text()) == params:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    docs = load_sources()
    sizes = sorted(len("\n".join(d)) for d in docs)
    rng = random.Random(seed)
    target, total, i = int(mb * 1024 * 1024), 0, 0
    while total < target:
        chars = rng.choice(sizes) * rng.uniform(0.6, 1.6)
        parts = [make_report(rng, docs, int(chars))]
        if rng.random() < 0.15:  # a collection page: two reports in one file
            parts.append(make_report(rng, docs, int(chars * 0.6)))
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
    args = ap.parse_args(argv)
    folder = make_corpus(args.mb, args.seed)
    files = [p for p in folder.rglob("*.txt")]
    print(f"{folder}: {len(files)} files, {sum(p.stat().st_size for p in files) / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
