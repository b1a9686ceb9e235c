"""The whole-build stamp, `.aggregate-stamp.json`: what a build's outputs were made from
(a key over reports.jsonl, the run's file list and source states, manifest, roster,
policy, options, corrections journal and the aggregate code) and what it wrote. A
build whose key matches a stamp, and whose outputs are all still there, is skipped."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pipeline.runtime.files import write_text_atomic
from pipeline.aggregate.branches import safe_resolve
from pipeline.aggregate.flags import DEFAULT_POLICY
from pipeline.corrections import journal_digest

STAMP_NAME = ".aggregate-stamp.json"
_AGGREGATE_CODE = Path(__file__).parent


def code_version() -> str:
    """Hash of the aggregate stage's code, data and templates, and of the schema."""
    h = hashlib.blake2b(digest_size=16)
    files = sorted(p for p in _AGGREGATE_CODE.rglob("*")
                   if p.is_file() and p.suffix in (".py", ".toml", ".html", ".css", ".csv", ".yaml"))
    from schemas import report as schema
    for p in [*files, Path(schema.__file__)]:
        h.update(str(p.relative_to(p.parents[1])).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _file_digest(path: Path | None) -> str:
    if path is None:
        return "-"
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return f"{safe_resolve(path)}:{h.hexdigest()}"


def stamp_key(reports_path, run_manifest, roots, manifest_path, roster_path, policy,
              options: dict, source_state) -> str:
    """`options`: the build's options (expected year, review pages...)."""
    files = [(f.get("path"), f.get("sha256"), f.get("status")) for f in run_manifest.get("files", [])]
    parts = {
        "code": code_version(),
        "reports": _file_digest(reports_path),
        "files": files,
        "sources": [source_state(f[0]) for f in files if isinstance(f[0], str)],
        "n_files": run_manifest.get("counts", {}).get("files"),
        "version": run_manifest.get("ghminer_version"),
        "roots": [str(safe_resolve(r)) for r in roots],
        "manifest": _file_digest(manifest_path), "roster": _file_digest(roster_path),
        "policy": _file_digest(Path(policy) if policy else DEFAULT_POLICY),
        "options": options,
        "corrections": journal_digest(reports_path.parent),
    }
    return hashlib.blake2b(json.dumps(parts, sort_keys=True, default=str).encode(),
                           digest_size=20).hexdigest()


def _output_paths(written: dict):
    """Every path a build reported writing (counts aside: they name inputs too)."""
    for key, value in written.items():
        if key == "counts":
            continue
        if isinstance(value, dict):
            yield from _output_paths(value)
        elif isinstance(value, str):
            yield value


def _pages_present(folder: Path) -> set[str] | None:
    try:
        with os.scandir(folder) as it:
            return {e.name for e in it if e.name.endswith(".html")}
    except FileNotFoundError:
        return set()
    except OSError:
        return None


def read_stamp(run_dir: Path, key: str, review_dir: Path) -> dict | None:
    """The previous result if it was built from the same inputs and is all still there
    (review pages: exactly those it wrote, none when it wrote none)."""
    try:
        stamp = json.loads((run_dir / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("key") != key:
        return None
    written, pages = stamp.get("written"), stamp.get("pages")
    if not (isinstance(written, dict) and isinstance(pages, list)
            and isinstance(written.get("counts"), dict)):
        return None
    if not all(Path(p).exists() for p in _output_paths(written)):
        return None
    if _pages_present(review_dir) != set(pages):
        return None
    return {**written, "review_pages_rendered": 0, "unchanged": True}


def write_stamp(run_dir: Path, key: str, written: dict, pages: list[str]) -> None:
    kept = {k: v for k, v in written.items() if k != "review_pages_rendered"}
    write_text_atomic(run_dir / STAMP_NAME, json.dumps(
        {"key": key, "written": kept, "pages": pages}, ensure_ascii=False, default=str))
