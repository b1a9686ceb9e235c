"""Static review pages, `review/*.html`: one self-contained page per report, its source
text with every fact highlighted in place (`html.review`). Opt-in (`--review-pages`):
`ghminer serve` shows the same and more, live.

Rendered in the build's own process as each report is read (`add`). Incremental: a
page is named by a hash of what it shows (`page_name`), so only pages not on disk are
rendered, and pages no report of the build names are removed. A build without the
option removes an earlier build's pages (the reports table then names none and the
dashboard links to none: pages left would go stale unnoticed); a file in review/
that is not a page is left alone, and the folder with it.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pipeline.runtime.files import fsync_dir, write_text_replace
from pipeline.aggregate.build import Build, OutputWriter, ReportItem

REVIEW_DIR = "review"


def page_name(line: bytes, tag: str, rep, report_id: str, branch, flags: list,
              source_state: str) -> str:
    """The page's file name: the report's file, index and a hash of everything the page
    shows (its reports.jsonl `line`, the corrections applied to it, `tag`, its id,
    branch, flags and the state of its source file)."""
    from pipeline.aggregate.html.review import page_key, review_filename

    digest = hashlib.blake2b(line + tag.encode(), digest_size=20).hexdigest()
    return review_filename(rep, page_key(digest, report_id, branch, flags, source_state))


def _pages_on_disk(folder: Path) -> set[str]:
    out = set()
    with os.scandir(folder) as it:
        for entry in it:
            # an empty page is what a crash can leave of an unsynced write: redo it
            if entry.name.endswith(".html") and entry.is_file() and entry.stat().st_size > 0:
                out.add(entry.name)
    return out


def remove_pages(folder: Path) -> int:
    """Delete the review pages (and temporary files) in `folder`, then the folder if
    that empties it; the number of pages deleted."""
    from pipeline.runtime.files import remove_stale_tmp

    if not folder.is_dir():
        return 0
    remove_stale_tmp(folder)
    n = 0
    for p in folder.iterdir():
        if p.name.endswith(".html") and p.is_file():
            p.unlink(missing_ok=True)
            n += 1
    try:
        folder.rmdir()
    except OSError:  # something else is kept there
        fsync_dir(folder)
    return n


class ReviewPages(OutputWriter):
    name = "review_pages"

    def __init__(self):
        self.folder: Path | None = None
        self.enabled = False
        self.existing: set[str] = set()  # pages on disk when the build started
        self.wanted: dict[str, None] = {}  # the build's pages, in report order
        self.rendered = 0

    def open(self, build: Build) -> None:
        self.folder, self.enabled = build.run_dir / REVIEW_DIR, build.review_pages
        self.sources = build.sources
        if self.enabled:
            self.folder.mkdir(exist_ok=True)
            self.existing = _pages_on_disk(self.folder)

    def add(self, item: ReportItem) -> None:
        if not self.enabled or item.page_name in self.wanted:
            return
        self.wanted[item.page_name] = None
        if item.page_name in self.existing:
            return
        from pipeline.aggregate.html import render_review

        rep = item.report
        write_text_replace(self.folder / item.page_name, render_review(
            rep, item.report_id, item.branch, item.page_flags, self.sources.get(rep.path)))
        self.rendered += 1

    @property
    def pages(self) -> list[str]:
        return list(self.wanted)

    def write(self, build: Build) -> dict:
        if not self.enabled:
            remove_pages(self.folder)
            return {"review_dir": None, "review_pages_rendered": 0}
        for name in self.existing - self.wanted.keys():  # reports gone, or pages outdated
            (self.folder / name).unlink(missing_ok=True)
        fsync_dir(self.folder)
        return {"review_dir": str(self.folder), "review_pages_rendered": self.rendered}

    def abandon(self) -> None:
        from pipeline.runtime.files import remove_stale_tmp

        if self.folder is not None:
            remove_stale_tmp(self.folder)
