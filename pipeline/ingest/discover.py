"""Find the input files under the given paths."""
from __future__ import annotations

import os
from pathlib import Path

from pipeline.ingest.data_files import load_formats


def supported_suffixes() -> tuple[str, ...]:
    return tuple(load_formats()["suffixes"])


def discover(inputs: list[Path]) -> list[Path]:
    """Input files, sorted by path, each once.

    A directory is walked recursively for files with a supported suffix
    (case-insensitive); hidden files and directories (".git", ".~lock") and
    Office lock files ("~$x.docx") are skipped; directory symlinks are
    followed but each real directory is entered once, so symlink loops end.
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
            _walk(given, suffixes, seen_dirs, add)
        else:
            add(given)
    return [found[k] for k in sorted(found)]


def _walk(top: Path, suffixes: set[str], seen_dirs: set[tuple[int, int]], add) -> None:
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
            if is_dir:
                stack.append(path)
            elif os.path.splitext(name)[1].lower() in suffixes:
                add(path)
