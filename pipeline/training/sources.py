"""Where the training data is, and how one annotated file is loaded.

Repo data (always): corpora/annotations (boundaries, section examples), the
seed and synthetic texts with their gold (corpora/gold/seeds, corpora/gold/synthetic).
`corpora/heldout` is never read: it is the team's blind test.

Shared real gold (when present): `../shared/gold/real/*.json` with the texts in
`../shared/corpus/real/` (third-party pages: read here, never copied into the
repo; only models derived from them are committed). `../shared` is the folder
beside the repo root; `GHMINER_SHARED` points elsewhere (a git worktree), and
`GHMINER_SHARED=none` trains from repo data only.

Corrections folders (`ghminer train --corrections DIR`): the analyst's corrected
reports, see `corrections_data.py`; the training modules take them as a tuple of
folder paths (`corrections=`), () when there are none.

Every example carries a group: the file it comes from (`seeds/<stem>`,
`synthetic/<stem>`, `invented/<stem>`, `real/<stem>`, `corrections/<folder>/<stem>`),
for by-file folds.
"""
from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPORA = REPO / "corpora"
ANNOTATIONS = CORPORA / "annotations"
# (group prefix, gold folder, text folder) of the repo's annotated texts
REPO_GOLD = (
    ("synthetic", CORPORA / "gold" / "synthetic", CORPORA / "synthetic"),
    ("seeds", CORPORA / "gold" / "seeds", CORPORA / "seeds"),
)


# A real report's example weighs twice a team-written one in the count-metric model:
# the model serves real reports, and the synthetic corpus follows the team's own
# reading of the spec (by-file CV on r001-r110: 0.831 -> 0.843, 3x: 0.839; seeds
# unchanged). The section model gains nothing end to end from it (sections F1 of
# the leave-fold-out runs on r001-r110: 0.727 -> 0.728), so it weighs all alike.
REAL_WEIGHT = 2.0
# an analyst's corrected file is a real report too: it weighs as one (corrections_data.py)
REAL_PREFIXES = ("real/", "corrections/")


def weights(groups) -> list[float]:
    """Sample weight of each example by its file group."""
    return [REAL_WEIGHT if g.startswith(REAL_PREFIXES) else 1.0 for g in groups]


def shared_dir() -> Path | None:
    env = os.environ.get("GHMINER_SHARED")
    if env:
        return None if env.lower() == "none" else Path(env)
    return REPO.parent / "shared"


def real_gold() -> tuple[str, Path, Path] | None:
    """("real", gold folder, text folder) of the shared real reports, None when absent."""
    base = shared_dir()
    if base is None:
        return None
    gold, texts = base / "gold" / "real", base / "corpus" / "real"
    if gold.is_dir() and texts.is_dir() and any(gold.glob("*.json")):
        return ("real", gold, texts)
    return None


def gold_sets() -> tuple[tuple[str, Path, Path], ...]:
    real = real_gold()
    return REPO_GOLD + ((real,) if real else ())


@dataclass
class GoldFile:
    group: str          # e.g. "real/r001"
    doc: object         # SourceDoc as the pipeline builds it
    reports: list[dict]  # the gold reports


@functools.cache
def load_gold_file(prefix: str, gold_path: Path, text_path: Path) -> GoldFile:
    from pipeline.ingest import read_file
    from pipeline.process import build_doc

    ing = read_file(text_path)
    doc = build_doc(text_path, ing.text, ing.encoding, ing.format)
    reports = json.loads(gold_path.read_text(encoding="utf-8")).get("reports", [])
    return GoldFile(f"{prefix}/{gold_path.stem}", doc, reports)


def gold_file_pairs(gold_dir: Path, text_dir: Path) -> list[tuple[Path, Path]]:
    """(gold, text) of each gold file of a folder with its text, in a fixed order."""
    pairs = [(gp, Path(text_dir) / (gp.stem + ".txt")) for gp in sorted(Path(gold_dir).glob("*.json"))]
    return [(gp, tp) for gp, tp in pairs if tp.exists()]


def gold_files(sets=None) -> list[GoldFile]:
    """Every annotated file with a text beside its gold, in a fixed order."""
    return [load_gold_file(prefix, gp, tp)
            for prefix, gold_dir, text_dir in (sets if sets is not None else gold_sets())
            for gp, tp in gold_file_pairs(gold_dir, text_dir)]


def fingerprint(paths) -> str:
    """sha256 over the given files' names and bytes (what a model was trained on)."""
    import hashlib

    h = hashlib.sha256()
    for p in sorted(Path(p) for p in paths):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def load_corrections(corrections: tuple):
    """The checked corrections folders `corrections` (`corrections_data.CorrectionsData`)."""
    from pipeline.training.corrections_data import load

    return load(tuple(Path(c) for c in corrections))


def with_corrections(files, corrections: tuple = ()) -> list[GoldFile]:
    """`files` and the corrected files of the folders `corrections`; a file whose text
    a correction holds is dropped (the correction is the newer label)."""
    if not corrections:
        return list(files)
    data = load_corrections(corrections)
    kept = [f for f in files if f.group not in data.replaced_groups
            and data.replacing(f.doc.source_text) is None]
    return kept + data.files
