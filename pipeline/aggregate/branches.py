"""Which branch and district each report belongs to, and which branches should report.

Two optional CSV files, picked up from the root of an input folder or named on
the command line:

- `manifest.csv` (file, branch_id, branch_name, district, year): `file` is
  relative to the input folder (or to the manifest's own folder when that
  folder contains the input folders) and must stay inside it.
- `roster.csv` (branch_id, branch_name, district, org_type): the branches
  expected to report; the denominator of submission rates.

A file not in the manifest falls back to the folder convention
`DISTRICT/BRANCH/...` under its input root, then to the `org` found in the
text (matched against the roster's names to find its district). What cannot
be told stays unknown, and `branch_source` always says which rule decided,
so nothing is guessed silently.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pipeline.aggregate.years_folder import is_year_folder
from schemas.report import ORG_TYPES, RefusedManifestRow

MANIFEST_COLUMNS = ("file", "branch_id", "branch_name", "district", "year")
ROSTER_COLUMNS = ("branch_id", "branch_name", "district", "org_type")
MANIFEST_NAME = "manifest.csv"
ROSTER_NAME = "roster.csv"


class BranchFileError(ValueError):
    """A manifest or roster that cannot be trusted; the message names file and row."""


@dataclass(frozen=True)
class Branch:
    branch_id: str | None
    branch_name: str | None
    district: str | None
    branch_source: str           # manifest | folder | org | unknown
    expected_year: int | None = None


@dataclass(frozen=True)
class RosterEntry:
    branch_id: str
    branch_name: str
    district: str
    org_type: str | None


def _read_rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()):
    """(line number, row dict) of a UTF-8 CSV (BOM tolerated); lines starting
    with '#' are comments, blank lines are skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as e:
        raise BranchFileError(f"{path}: not UTF-8 text ({e.reason})") from None
    numbered = [(n, line) for n, line in enumerate(lines, 1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise BranchFileError(f"{path}: empty file; expected columns "
                              f"{', '.join(required + optional)}")
    parsed = list(csv.reader([line for _, line in numbered]))
    header = [h.strip() for h in parsed[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise BranchFileError(f"{path}: missing column(s) {', '.join(missing)}; "
                              f"expected {', '.join(required + optional)}")
    rows = []
    for (n, _), cells in zip(numbered[1:], parsed[1:]):
        if len(cells) > len(header):
            raise BranchFileError(f"{path}, line {n}: {len(cells)} fields for "
                                  f"{len(header)} columns")
        cells = cells + [""] * (len(header) - len(cells))
        rows.append((n, {h: c.strip() for h, c in zip(header, cells)}))
    return rows


def safe_resolve(path) -> Path:
    """Path.resolve() that does not raise on a symlink loop (RuntimeError before
    Python 3.13): a looping input is in the run as a failed file, and re-rendering
    must not crash on it; the lexical absolute path is the best name it has."""
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(path))


def resolve_file(path: str, folders: dict[str, Path]) -> Path:
    """`safe_resolve(path)`, resolving each folder once (`folders` caches them): the
    files of a run share a few folders, and resolving a path stats every component.
    A file that is a symlink (or an odd name) is resolved in full."""
    head, name = os.path.split(path)
    if name in ("", ".", "..") or os.path.islink(path):
        return safe_resolve(path)
    folder = folders.get(head)
    if folder is None:
        folder = folders[head] = safe_resolve(head or ".")
    return folder / name


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


class BranchManifest(NamedTuple):
    branches: dict[Path, Branch]       # resolved input file -> its branch
    refused: list[RefusedManifestRow]  # rows pointing outside the input folder


def load_manifest(path: Path, input_roots: list[Path],
                  known_files: set[Path] | None = None) -> BranchManifest:
    """Map resolved input file -> Branch; every row is checked, errors name the row.

    A row whose file points outside the input folder is refused (listed in
    `refused` with its reason) and the other rows are used: one bad row must not
    stop a season's run. Other faults (a missing column, an unknown file, a
    duplicate row, a bad year) make the whole manifest untrustworthy: they raise.
    `known_files` (resolved) are the run's input files: a row naming one of
    them is accepted even if the file has since been removed (re-rendering).
    """
    known = known_files or set()
    path = Path(path)
    roots = [safe_resolve(r) for r in input_roots if Path(r).is_dir()]
    # The manifest's own folder also counts when it holds the input folders
    # (corpora/manifest.csv naming seeds/x.txt for inputs corpora/seeds ...).
    home = safe_resolve(path).parent
    if not roots or any(_inside(r, home) for r in roots):
        roots.append(home)
    out: dict[Path, Branch] = {}
    refused: list[RefusedManifestRow] = []
    seen_branch: dict[str, tuple[str, str, int]] = {}
    for line, row in _read_rows(path, MANIFEST_COLUMNS[:4], ("year",)):
        where = f"{path}, line {line}"
        rel = row["file"]
        if not rel or not row["branch_id"]:
            raise BranchFileError(f"{where}: empty 'file' or 'branch_id'")
        rel_path = Path(rel)
        if rel_path.is_absolute() or rel.startswith(("/", "\\")) or ":" in rel_path.parts[0] \
                or ".." in rel_path.parts or ".." in rel.replace("\\", "/").split("/"):
            refused.append(RefusedManifestRow(
                manifest=str(path), line=line, file=rel,
                reason=f"file {rel!r} must be a path relative to the input folder, without "
                       "'..' (refused: it points outside the input folder)"))
            continue
        target = outside = None
        for root in roots:
            cand = safe_resolve(root / rel_path)
            if not _inside(cand, root):  # e.g. a symlink leading out of the folder
                outside = root
                break
            if cand.is_file() or cand in known:
                target = cand
                break
        if outside is not None:
            refused.append(RefusedManifestRow(
                manifest=str(path), line=line, file=rel,
                reason=f"file {rel!r} resolves outside the input folder {outside} (refused)"))
            continue
        if target is None:
            raise BranchFileError(f"{where}: unknown file {rel!r}: not found in "
                                  f"{', '.join(map(str, roots))}")
        if target in out:
            raise BranchFileError(f"{where}: duplicate row for file {rel!r}")
        year = None
        if row.get("year"):
            try:
                year = int(row["year"])
            except ValueError:
                raise BranchFileError(f"{where}: year {row['year']!r} is not a number") from None
            if not 1949 <= year <= 2100:
                raise BranchFileError(f"{where}: year {year} is out of range")
        bid, name, district = row["branch_id"], row["branch_name"] or None, row["district"] or None
        prev = seen_branch.get(bid)
        if prev and (prev[0], prev[1]) != (name or "", district or ""):
            raise BranchFileError(
                f"{where}: duplicate branch_id {bid!r} with a different name/district "
                f"than line {prev[2]} ({prev[0]!r}, {prev[1]!r})")
        seen_branch.setdefault(bid, (name or "", district or "", line))
        out[target] = Branch(bid, name, district, "manifest", year)
    return BranchManifest(out, refused)


def load_roster(path: Path) -> list[RosterEntry]:
    path = Path(path)
    entries: list[RosterEntry] = []
    seen: dict[str, int] = {}
    for line, row in _read_rows(path, ROSTER_COLUMNS[:3], ("org_type",)):
        where = f"{path}, line {line}"
        bid = row["branch_id"]
        if not bid or not row["district"]:
            raise BranchFileError(f"{where}: empty 'branch_id' or 'district'")
        if bid in seen:
            raise BranchFileError(f"{where}: duplicate branch {bid!r} (first on line {seen[bid]})")
        seen[bid] = line
        org_type = row.get("org_type") or None
        if org_type and org_type not in ORG_TYPES:
            raise BranchFileError(f"{where}: org_type {org_type!r} is not one of "
                                  f"{', '.join(ORG_TYPES)}")
        entries.append(RosterEntry(bid, row["branch_name"] or bid, row["district"], org_type))
    return entries


def find_default(input_roots: list[Path], name: str) -> Path | None:
    """`manifest.csv` / `roster.csv` at the root of the first input folder having one."""
    for root in input_roots:
        cand = Path(root) / name
        if Path(root).is_dir() and cand.is_file():
            return cand
    return None


class BranchResolver:
    """Decide the branch of each report: manifest, then folder, then org text."""

    def __init__(self, input_roots: list[Path], manifest: dict[Path, Branch] | None = None,
                 roster: list[RosterEntry] | None = None):
        self.roots = sorted({safe_resolve(r) for r in input_roots if Path(r).is_dir()},
                            key=lambda p: -len(p.parts))  # deepest root first
        self.manifest = manifest or {}
        self.roster = roster or []
        self._by_name = {e.branch_name: e for e in self.roster}
        self._by_id = {e.branch_id: e for e in self.roster}
        self._folders: dict[str, Path] = {}
        self._by_path: dict[str, Branch | None] = {}

    def resolve(self, path: str, org: str | None) -> Branch:
        if path not in self._by_path:  # a file's reports share what its path tells
            self._by_path[path] = self._from_path(path)
        hit = self._by_path[path]
        if hit:
            return hit
        if org:
            entry = self._by_name.get(org)
            if entry:
                return Branch(entry.branch_id, entry.branch_name, entry.district, "org")
            return Branch(None, org, None, "org")
        return Branch(None, None, None, "unknown")

    def _from_path(self, path: str) -> Branch | None:
        """The branch the manifest or the folder convention gives a file, if any."""
        p = resolve_file(path, self._folders)
        hit = self.manifest.get(p)
        if hit:
            return hit
        for root in self.roots:
            if _inside(p, root):
                parts = p.relative_to(root).parts
                # year folders (2023/东城区/… or 东城区/x/2023/…) say the year, not the branch
                parts = (*(q for q in parts[:-1] if not is_year_folder(q)), parts[-1])
                if len(parts) >= 3:  # DISTRICT/BRANCH/file
                    district, branch = parts[0], parts[1]
                    entry = self._by_name.get(branch) or self._by_id.get(branch)
                    if entry and entry.district == district:
                        return Branch(entry.branch_id, entry.branch_name, district, "folder")
                    return Branch(f"{district}/{branch}", branch, district, "folder")
                break
        return None
