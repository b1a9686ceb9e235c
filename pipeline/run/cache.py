"""Per-file result cache for incremental runs.

An entry holds one input file's `FileRecord` and its report JSON lines,
exactly as they are written to `reports.jsonl`. It is keyed by the sha256 of
the file's bytes, inside a folder named by the pipeline fingerprint (version,
`ProcessConfig`, and the bytes of the per-file code and its vocabulary/model
data files), so editing a cue file or a rule invalidates every entry, while a
changed or new input file misses alone.

Layout: `CACHE/<fingerprint>/<sha[:2]>/<sha>.entry` (not `.jsonl`: tools that
glob a run folder for `*.jsonl` must not read entries as predictions); line 1 is a header
(record, number of facts, number of report lines, and the reports' near-duplicate
signatures with the hasher parameters they hold for: the aggregate's code is not
part of the fingerprint, so it checks those), then one report per line.
A torn entry (line count differs from the header) is a miss.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import __version__
from pipeline.ingest.model import missing_tool
from schemas.report import FileRecord, Report

from pipeline.runtime.files import write_atomic

PIPELINE_DIR = Path(__file__).resolve().parent.parent
# Parts of the package that do not change per-file results: editing them must not
# invalidate the cache (the aggregate is rebuilt from cached results every run).
_NOT_PER_FILE = {"run", "aggregate", "cli.py", "evaluate.py", "train.py", "__pycache__",
                 "__init__.py"}
_HASH_CHUNK = 1 << 20


@dataclass
class ReportSignatures:
    """Near-duplicate signatures of a file's reports, computed where the text is at hand
    (`aggregate.minhash.report_signatures`) and handed to the aggregate."""
    params: bytes                   # the hasher they hold for
    spans: list[tuple[int, int]]    # each report's (start, end)
    packed: list[bytes | None]      # each report's signature; None: too short to compare

    def to_json(self) -> dict:
        return {"params": self.params.hex(), "spans": self.spans,
                "packed": [None if p is None else base64.b64encode(p).decode() for p in self.packed]}

    @classmethod
    def from_json(cls, data: dict) -> "ReportSignatures":
        return cls(bytes.fromhex(data["params"]), [tuple(s) for s in data["spans"]],
                   [None if p is None else base64.b64decode(p) for p in data["packed"]])


@dataclass
class FileOutcome:
    """One file's result as the driver writes it: record + serialised reports."""
    record: FileRecord
    lines: list[str] = field(default_factory=list)  # Report JSON, no trailing newline
    n_facts: int = 0
    signatures: ReportSignatures | None = None

    @property
    def cacheable(self) -> bool:
        # Crashes and internal errors may be transient (memory, a killed worker): retry
        # them next run; a processed file or a rejected input is deterministic, unless
        # it failed for a tool missing on this machine (Tesseract, a .doc converter).
        reason = self.record.reason or ""
        return self.record.status == "processed" or not (
            reason.startswith("internal error") or reason.startswith("worker")
            or missing_tool(reason))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_HASH_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _per_file_sources() -> list[Path]:
    out = []
    for p in sorted(PIPELINE_DIR.rglob("*")):
        rel = p.relative_to(PIPELINE_DIR)
        if not p.is_file() or rel.parts[0] in _NOT_PER_FILE:
            continue
        if "__pycache__" in rel.parts or p.suffix in {".pyc", ".tmp"} or p.name.startswith("."):
            continue
        out.append(p)
    out.append(PIPELINE_DIR.parent / "schemas" / "report.py")
    return out


@functools.cache
def code_and_data_hash() -> str:
    """sha256 over the per-file pipeline's code and data files (paths and bytes)."""
    h = hashlib.sha256()
    for p in _per_file_sources():
        if p.is_file():
            h.update(str(p.relative_to(PIPELINE_DIR.parent)).encode())
            h.update(b"\0")
            h.update(p.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


def pipeline_fingerprint(config) -> str:
    """Key of everything besides the input bytes that determines a file's result."""
    key = f"{__version__}|{config!r}|{code_and_data_hash()}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _json_str(value: str) -> str:
    from pydantic_core import to_json

    return to_json(value).decode()  # encoded exactly as model_dump_json encodes it


def rebase(outcome: FileOutcome, path: Path) -> FileOutcome:
    """The same result for identical bytes found under another path.

    A report line starts with its `source` and `path` fields (the model's field
    order), so they are swapped as text; a line that does not start as expected
    is re-serialised through the model (slower, same bytes).
    """
    from pipeline.ingest import display_name, display_path

    # A name in GBK bytes is recorded readable (UTF-8-writable), as process_file does.
    shown, name = display_path(path), display_name(path)
    old = outcome.record
    if old.path == shown:
        return outcome
    record = old.model_copy(update={"path": shown, "source": name})
    old_head = f'{{"source":{_json_str(old.source)},"path":{_json_str(old.path)},'
    new_head = f'{{"source":{_json_str(name)},"path":{_json_str(shown)},'
    lines = []
    for line in outcome.lines:
        if line.startswith(old_head):
            lines.append(new_head + line[len(old_head):])
        else:
            lines.append(Report.model_validate_json(line).model_copy(
                update={"path": shown, "source": name}).model_dump_json())
    return FileOutcome(record, lines, outcome.n_facts, outcome.signatures)


class ResultCache:
    """Cache entries of one pipeline fingerprint under `root`."""

    def __init__(self, root: Path, fingerprint: str):
        self.root = Path(root)
        self.dir = self.root / fingerprint

    def _entry(self, sha: str) -> Path:
        return self.dir / sha[:2] / f"{sha}.entry"

    def get(self, sha: str, path: Path) -> FileOutcome | None:
        entry = self._entry(sha)
        try:
            with open(entry, encoding="utf-8") as fh:
                header = json.loads(fh.readline())
                lines = [line.rstrip("\n") for line in fh]
            if len(lines) != header["n_lines"]:
                return None
            record = FileRecord.model_validate(header["record"])
            signatures = header.get("signatures")
            if signatures is not None:
                signatures = ReportSignatures.from_json(signatures)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        record.cached = True
        return rebase(FileOutcome(record, lines, header["n_facts"], signatures), path)

    def put(self, sha: str, outcome: FileOutcome) -> None:
        entry = self._entry(sha)
        entry.parent.mkdir(parents=True, exist_ok=True)
        record = outcome.record.model_dump(mode="json")
        record["cached"] = False
        header = {"record": record, "n_facts": outcome.n_facts, "n_lines": len(outcome.lines)}
        if outcome.signatures is not None:
            header["signatures"] = outcome.signatures.to_json()
        body = "".join(line + "\n" for line in outcome.lines)
        write_atomic(entry, json.dumps(header, ensure_ascii=False) + "\n" + body)
