"""Year folders (`2023/`, `2023年/`, `2023年度/`): a folder naming the reports' year,
at any depth under an input root. Its own module: the branch resolver (which skips
them) and `years` (which reads them) both need it, without importing each other."""
from __future__ import annotations

import re

YEAR_FOLDER = re.compile(r"(19[5-9]\d|20\d\d)(?:年度?)?")


def folder_year(parts) -> int | None:
    """The year of the deepest year folder among path `parts` (folders only)."""
    for part in reversed(list(parts)):
        m = YEAR_FOLDER.fullmatch(part)
        if m:
            return int(m.group(1))
    return None


def is_year_folder(part: str) -> bool:
    return YEAR_FOLDER.fullmatch(part) is not None
