"""Find the input files under the given paths."""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from pipeline.ingest.data_files import load_formats


def supported_suffixes() -> tuple[str, ...]:
    return tuple(load_formats()["suffixes"])


OUTSIDE_LINK = "symbolic link to {what} outside the input folder (refused)"


def discover(inputs: list[Path], refused: dict[Path, str] | None = None) -> list[Path]:
    """Input files, sorted by path, each once.

    A directory is walked recursively for files with a supported suffix
    (case-insensitive); hidden files and directories (".git", ".~lock") and
    Office lock files ("~$x.docx") are skipped; directory symlinks are
    followed but each real directory is entered once, so symlink loops end.
    An input folder may hold a `.ghminerignore` file: one glob pattern per
    line (`#` comments), matched against paths relative to that folder; a
    pattern ending in `/` excludes a whole subfolder (documentation, gold
    annotations kept beside the reports).
    A folder that cannot be listed (permissions) is returned itself, so the run
    reports it instead of silently missing its files.
    A symlink inside an input folder that leads outside it (a planted link to
    /etc/passwd or ~/.ssh from an unpacked archive) is not followed: it is
    returned, and `refused` (when given) maps it to the reason, so the run
    lists it as failed instead of reading, and publishing, the target.
    A path given explicitly is returned whatever its suffix, and even if it
    does not exist: `read_file` then says why it cannot be read. Broken
    symlinks with a supported suffix are returned for the same reason.
    """
    suffixes = set(supported_suffixes())
    found: dict[str, Path] = {}
    seen_dirs: set[tuple[int, int]] = set()

    def add(p: Path) -> None:
        found.setdefault(os.path.normpath(str(p)), p)

    for given in inputs:
        given = Path(given)
        if given.is_dir():
            ignored = _ignore_rule(given)

            def keep(p: Path, reason: str | None = None, top=given, ignored=ignored) -> None:
                if not ignored(p.relative_to(top)):
                    add(p)
                    if reason and refused is not None:
                        refused[p] = reason
            _walk(given, suffixes, seen_dirs, keep)
        else:
            add(given)
    return [found[k] for k in sorted(found)]


IGNORE_FILE = ".ghminerignore"


def _ignore_rule(top: Path):
    """Predicate over paths relative to `top`, from `top/.ghminerignore`."""
    try:
        lines = (top / IGNORE_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return lambda rel: False
    patterns = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]

    def ignored(rel: Path) -> bool:
        posix = rel.as_posix()
        for pat in patterns:
            if pat.endswith("/"):
                if posix.startswith(pat) or fnmatch.fnmatch(posix.split("/")[0] + "/", pat):
                    return True
            elif fnmatch.fnmatch(posix, pat) or fnmatch.fnmatch(rel.name, pat):
                return True
        return False
    return ignored


def _walk(top: Path, suffixes: set[str], seen_dirs: set[tuple[int, int]], add) -> None:
    home = os.path.realpath(top)
    stack = [top]
    while stack:
        d = stack.pop()
        try:
            st = d.stat()
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            continue
        seen_dirs.add(key)
        try:
            entries = list(os.scandir(d))
        except OSError:
            # A folder that cannot be listed must not vanish silently: it becomes an
            # input of its own, which read_file fails with the reason.
            add(d)
            continue
        for entry in entries:
            name = entry.name
            if name.startswith((".", "~$")):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            wanted = is_dir or os.path.splitext(name)[1].lower() in suffixes
            if wanted and entry.is_symlink() and os.path.exists(path) \
                    and not _within(os.path.realpath(path), home):
                add(path, OUTSIDE_LINK.format(what="a folder" if is_dir else "a file"))
            elif is_dir:
                stack.append(path)
            elif wanted:
                add(path)


def _within(real: str, home: str) -> bool:
    return real == home or real.startswith(home.rstrip(os.sep) + os.sep)
