"""Corrections folders as training data (`ghminer train --corrections DIR`).

A corrections folder is what `ghminer corrections export` writes: gold files of
the annotation contract (one per corrected source file, every report of it as
the analyst left it) and their decoded texts in `texts/`. Each gold file becomes
one training file of every learned model, group `corrections/<folder>/<stem>`,
so a by-file fold keeps it whole.

Weight: as a real report in each model (`sources.REAL_WEIGHT` in the count-metric
model, `boundary.REAL_WEIGHT` rows in the boundary model, 1 in the section model
where every file weighs 1). A corrected file is a real report, the kind the models
serve, and the analyst checked it; it is not weighed above a real gold file because
only what the analyst changed was labelled by hand: the rest of the file is the
pipeline's own output that the analyst let stand (the workbench has no correction
of report boundaries, so the start lines are always the pipeline's), and a higher
weight would make the models repeat their own decisions more firmly.

Replacement: a training text (repo or shared real gold) that is also a corrected
file (same sha256 of the decoded text, or of the input file the run read) is
trained on from the corrected file only: the correction is the newer label. Folders
are given oldest season first; a text in several folders is taken from the last.
Every problem is a `CorrectionsDataError` whose message (Chinese, for the analyst)
names the path.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.training.gold_check import check_gold
from pipeline.training.sources import GoldFile, fingerprint, gold_sets

PREFIX = "corrections"
TEXTS = "texts"


class CorrectionsDataError(ValueError):
    """A corrections folder that cannot be trained on (message for the analyst)."""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_text(path: Path) -> str:
    """A text as the gold offsets count it: UTF-8, line ends as LF."""
    text = path.read_bytes().decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


@dataclass
class CorrectionFile:
    gold: GoldFile            # group corrections/<folder>/<stem>
    keys: frozenset[str]      # sha256 of its text and of the input file the run read


@dataclass
class CorrectionsFolder:
    path: Path
    name: str                 # the group's middle part: corrections/<name>/<stem>
    digest: str               # over the gold files and their texts
    files: list[CorrectionFile] = field(default_factory=list)  # trained on
    superseded: list[tuple[str, str]] = field(default_factory=list)  # (group, by group)
    replaces: list[tuple[str, str]] = field(default_factory=list)    # (training group, by group)


def _load_file(gold_path: Path, group: str) -> tuple[CorrectionFile, Path]:
    from pipeline.process import build_doc

    try:
        doc = json.loads(gold_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CorrectionsDataError(f"{gold_path}：不是 UTF-8 的 JSON 标注文件（{e}）") from None
    source = doc.get("source") if isinstance(doc, dict) else None
    if not isinstance(source, str) or not source:
        raise CorrectionsDataError(f"{gold_path}：缺少原文文件名（source 字段）")
    if Path(source).name != source:
        raise CorrectionsDataError(f"{gold_path}：source 应是 {TEXTS}/ 里原文的文件名，不是 {source!r}")
    text_path = gold_path.parent / TEXTS / source
    if not text_path.is_file():
        raise CorrectionsDataError(
            f"{gold_path} 的原文 {text_path} 不存在：导出时原文写在 {TEXTS}/ 里，"
            "请把整个文件夹一起复制，或重新运行 ghminer corrections export")
    try:
        text = read_text(text_path)
    except UnicodeDecodeError:
        raise CorrectionsDataError(f"{text_path}：原文不是 UTF-8 文本") from None
    problems = check_gold(doc, text)
    if problems:
        shown = "\n  ".join(problems[:10])
        more = f"\n  ……另有 {len(problems) - 10} 处" if len(problems) > 10 else ""
        raise CorrectionsDataError(f"{gold_path} 没有通过标注检查（{len(problems)} 处问题）：\n  "
                                   f"{shown}{more}")
    keys = {text_sha256(text)}
    if isinstance(doc.get("sha256"), str):
        keys.add(doc["sha256"])
    gf = GoldFile(group, build_doc(text_path, text, "utf-8", "txt"), doc["reports"])
    return CorrectionFile(gf, frozenset(keys)), text_path


def load_folder(path: Path, name: str) -> CorrectionsFolder:
    if not path.is_dir():
        raise CorrectionsDataError(f"更正文件夹不存在：{path}")
    gold_paths = sorted(path.glob("*.json"))
    if not gold_paths:
        raise CorrectionsDataError(
            f"{path} 里没有标注文件（*.json）：应是 ghminer corrections export 写出的文件夹")
    loaded = [_load_file(gp, f"{PREFIX}/{name}/{gp.stem}") for gp in gold_paths]
    folder = CorrectionsFolder(path, name, fingerprint(gold_paths + [tp for _, tp in loaded]))
    for cf, _ in loaded:  # the same text twice in one folder: trained on once
        first = next((f for f in folder.files if f.keys & cf.keys), None)
        if first is not None:
            folder.superseded.append((cf.gold.group, first.gold.group))
        else:
            folder.files.append(cf)
    return folder


def _folder_names(paths: list[Path]) -> list[str]:
    """The folder's own name, made unique (two seasons' folders may both be called `gold`)."""
    names: list[str] = []
    for p in paths:
        base = p.name or "corrections"
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}~{n}"
        names.append(name)
    return names


@dataclass
class CorrectionsData:
    folders: list[CorrectionsFolder]

    @property
    def files(self) -> list[GoldFile]:
        return [cf.gold for f in self.folders for cf in f.files]

    @functools.cached_property
    def _by_key(self) -> dict[str, str]:
        return {k: cf.gold.group for f in self.folders for cf in f.files for k in cf.keys}

    def replacing(self, text: str) -> str | None:
        """The correction group that replaces a training text, None when none does."""
        return self._by_key.get(text_sha256(text))

    @functools.cached_property
    def replaced_groups(self) -> dict[str, str]:
        """Training group (`seeds/<stem>`, `synthetic/<stem>`, `real/<stem>`) -> the
        correction group that replaces it."""
        out = {}
        for prefix, _, text_dir in gold_sets():
            for tp in sorted(Path(text_dir).glob("*.txt")):
                data = tp.read_bytes()
                keys = {hashlib.sha256(data).hexdigest()}
                try:
                    keys.add(text_sha256(data.decode("utf-8")))
                except UnicodeDecodeError:
                    pass
                hit = next((self._by_key[k] for k in sorted(keys) if k in self._by_key), None)
                if hit is not None:
                    out[f"{prefix}/{tp.stem}"] = hit
        return out


@functools.cache
def load(dirs: tuple[Path, ...]) -> CorrectionsData:
    """The corrections folders `dirs` (oldest first), checked; a text corrected in
    several folders is kept from the last one."""
    paths = [Path(d) for d in dirs]
    folders = [load_folder(p, n) for p, n in zip(paths, _folder_names(paths))]
    for i, older in enumerate(folders):
        later = [cf for f in folders[i + 1:] for cf in f.files]
        kept = []
        for cf in older.files:
            newer = next((n for n in reversed(later) if n.keys & cf.keys), None)
            if newer is not None:
                older.superseded.append((cf.gold.group, newer.gold.group))
            else:
                kept.append(cf)
        older.files = kept
    data = CorrectionsData(folders)
    by_group = {cf.gold.group: f for f in folders for cf in f.files}
    for old, new in sorted(data.replaced_groups.items()):
        by_group[new].replaces.append((old, new))
    return data


def manifest_entry(folder: CorrectionsFolder) -> dict:
    """What trained_on.json records of a folder (no machine paths: the file is committed)."""
    return {"folder": folder.name, "files": len(folder.files), "digest": folder.digest,
            "replaces": [old for old, _ in folder.replaces]}


def summary(folder: CorrectionsFolder) -> str:
    """One line for `ghminer train`'s output."""
    line = (f"训练数据 {PREFIX}/{folder.name}：{folder.path} 的更正标注 {len(folder.files)} 个文件"
            f"（指纹 {folder.digest}），权重同真实报告")
    if folder.replaces:
        line += f"；同一原文的已有标注改用更正（更正较新）：{_pairs(folder.replaces)}"
    if folder.superseded:
        line += f"；同一原文另有更正文件，只用一个（后给的文件夹为准）：{_pairs(folder.superseded)}"
    return line


def _pairs(pairs: list[tuple[str, str]]) -> str:
    """`old → new` of the first five pairs, and how many there are when more."""
    shown = [f"{old} → {new}" for old, new in pairs]
    return "、".join(shown[:5]) + (f" 等 {len(shown)} 个" if len(shown) > 5 else "")
