"""Training data of the boundary classifier (fitting: `pipeline.training.boundary`).

Data: corpora/annotations/boundaries.jsonl (report start lines and title lines
of the annotated texts) plus synthetic run-together texts: the annotated
reports with their title lines removed, concatenated (within a file and mixed
across files), so every report start becomes an unmarked boundary.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from pipeline.document import SourceDoc

REPO = Path(__file__).resolve().parents[2]
ANNOTATIONS = REPO / "corpora" / "annotations"
SEED_DIRS = [REPO / "corpora" / "seeds", ANNOTATIONS, REPO / "corpora"]
# boundaries.jsonl: seeds and invented texts (hand-annotated);
# boundaries_synthetic.jsonl: the synthetic corpus, generated from its gold
# (corpora/annotations/make_synthetic_boundaries.py)
N_MIXED = 80  # synthetic run-together texts mixed across files
BOUNDARY_FILES = ["boundaries.jsonl", "boundaries_synthetic.jsonl"]


@dataclass
class Annotated:
    source: str
    doc: SourceDoc
    starts: list[int]          # 1-based report start lines
    title_lines: set[int]
    group: str                 # file it comes from (for leave-one-file-out)


def normalise_text(text: str) -> str:
    """The project's normaliser if present, else a length-preserving NFKC stand-in."""
    try:
        from pipeline.normalise import normalise  # type: ignore
        out = normalise(text)
        out = out if isinstance(out, str) else getattr(out, "norm", text)
        if len(out) == len(text):
            return out
    except Exception:
        pass
    import unicodedata
    chars = []
    for c in text:
        n = unicodedata.normalize("NFKC", c)
        chars.append(n if len(n) == 1 else c)
    return "".join(chars)


def make_doc(text: str, source: str) -> SourceDoc:
    """A SourceDoc as the pipeline builds it (normalised, noise marked when the clean
    stage is available), so training sees what run time sees."""
    doc = SourceDoc(path=source, source=source, text=text, norm=normalise_text(text))
    try:
        from pipeline.clean import find_noise  # type: ignore
        doc.noise = list(find_noise(doc.text, doc.norm))
    except ImportError:
        pass
    return doc


def _find(source: str) -> Path | None:
    for d in SEED_DIRS:
        p = d / source
        if p.exists():
            return p
    return None


def load_annotated() -> list[Annotated]:
    out = []
    lines = []
    for name in BOUNDARY_FILES:
        if (ANNOTATIONS / name).exists():
            lines += (ANNOTATIONS / name).read_text(encoding="utf-8").splitlines()
    for line in lines:
        if not line.strip():
            continue
        rec = json.loads(line)
        p = _find(rec["source"])
        if p is None:
            continue
        text = p.read_text(encoding="utf-8")
        reps = rec["reports"]
        out.append(Annotated(rec["source"], make_doc(text, rec["source"]),
                             [r["start_line"] for r in reps],
                             {r["title_line"] for r in reps if r.get("title_line")}, rec["source"]))
    return out


def report_bodies(a: Annotated, with_titles: bool = False):
    """The annotated reports' lines without their title lines (with_titles: pairs of
    (title without its ordinal marker or None, body))."""
    from pipeline.split.vocab import vocab

    lines = a.doc.text.split("\n")
    bodies = []
    for k, s in enumerate(a.starts):
        e = a.starts[k + 1] - 1 if k + 1 < len(a.starts) else len(lines)
        first = s + 1 if s in a.title_lines else s
        body = [ln for ln in lines[first - 1:e]]
        if sum(len(x.strip()) for x in body) > 100:
            title = None
            if s in a.title_lines:
                title = vocab()["title"].sub("", lines[s - 1]).strip(" :：-") or None
                if title and (len(title) < 6 or vocab()["trailing_ordinal"].search(title)):
                    title = None
            bodies.append((title, body) if with_titles else body)
    return bodies


_CN = "〇一二三四五六七八九"


def _ending(rng: random.Random) -> list[str]:
    """Augmentation: many real reports end with a signature and/or a dateline."""
    r = rng.random()
    if r < 0.55:
        return []
    y, m, d = rng.randint(2005, 2024), rng.randint(1, 12), rng.randint(1, 28)
    if rng.random() < 0.5:
        date = f"{y}年{m}月{d}日"
    else:
        date = "".join(_CN[int(c)] for c in str(y)) + "年" + "十" * (m >= 10) + (_CN[m % 10] if m % 10 or m < 10 else "") + "月"
    sig = rng.choice(["xx公司工会委员会", "xxx工会", "xx街道总工会", "xx学校工会委员会", "xx镇总工会", "工会委员会"])
    return [date] if r < 0.8 else [sig, date]


def synthetic(items: list[Annotated], n_mixed: int = 40, seed: int = 13) -> list[Annotated]:
    """Run-together texts from annotated reports with titles removed."""
    rng = random.Random(seed)
    pools = [(a.group, tb) for a in items for tb in report_bodies(a, with_titles=True)]
    docs: list[Annotated] = []

    def build(parts: list, name: str, group: str) -> Annotated:
        lines, starts, titles = [], [], set()
        for part in parts:
            title, body = part if isinstance(part, tuple) else (None, part)
            while body and not body[0].strip():
                body = body[1:]
            if rng.random() < 0.3:
                # augmentation: a report written as one or two long paragraphs
                text_lines = [x.strip() for x in body if x.strip()]
                k = rng.choice([1, 1, 2])
                step = max(1, -(-len(text_lines) // k))
                body = ["".join(text_lines[j:j + step]) for j in range(0, len(text_lines), step)]
            starts.append(len(lines) + 1)
            # augmentation: reports of mixed sites keep their own (distinct) titles
            if title and rng.random() < 0.4:
                titles.add(len(lines) + 1)
                lines.append(title)
            lines.extend(body)
            lines.extend(_ending(rng))
        text = "\n".join(lines)
        return Annotated(name, make_doc(text, name), starts, titles, group)

    for a in items:
        bodies = report_bodies(a)
        if len(bodies) >= 2 and not (set(a.starts) - a.title_lines - {a.starts[0]}):
            docs.append(build(bodies, f"synthetic/{a.source}", a.group))
    for k in range(n_mixed):
        if len(pools) < 3:
            break
        pick = rng.sample(pools, min(len(pools), rng.randint(3, 6)))
        groups = {g for g, _ in pick}
        docs.append(build([b for _, b in pick], f"synthetic/mix{k}", "+".join(sorted(groups))))
    return docs


def examples(items: list[Annotated]):
    """(X, y, groups) over the candidate lines of every segment."""
    from pipeline.split import segments
    from pipeline.split.boundary import segment_examples

    X, y, groups = [], [], []
    for a in items:
        starts = set(a.starts)
        for seg in segments(a.doc):
            body = seg.blocks[1:] if seg.titled else seg.blocks
            xs, ys = segment_examples(body, starts - {body[0].line} if body else starts)
            X += xs
            y += ys
            groups += [a.group] * len(ys)
    return X, y, groups


def train_boundary(exclude: set[str] | frozenset = frozenset(), with_real: bool = True):
    """A boundary classifier trained on every annotated text whose group does not touch
    `exclude` (`pipeline.training.boundary`), with its training-set size."""
    from pipeline.training.boundary import fit

    return fit(frozenset(exclude), with_real)
