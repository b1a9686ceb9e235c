"""The analyst's corrections journal: `corrections.jsonl` in the run folder.

An append-only JSON Lines file, one correction a line. The aggregate build
(`pipeline.aggregate`) applies it to every report it reads, the server
(`pipeline.serve`) appends to it and applies it at once, `ghminer corrections
export` turns it into gold files. A correction is keyed by what does not change
when a run is repeated on the same inputs: the source file's sha256, the report's
start offset and, for a fact, its type and character offsets; never by report ids
or line numbers of reports.jsonl.

Entry: `{"id", "who", "when", "action", "target": {"sha256", "report_start"[, "type",
"start", "end"]}, "before", "after"[, "file"]}` (`file`: the source's path when the
entry was made, shown to the analyst, e.g. for a stale entry; never a key); actions:

- `reject_fact` (target: a fact): the fact is dropped;
- `edit_fact` (target: a fact; after: the fields changed): `provenance` `corrected`;
- `add_fact` (target: a report; after: the whole fact, `source[start:end] == text`):
  `provenance` `added`;
- `set_section` (after: `{"label", "present"}`): the label is added to or removed
  from the report's `sections`;
- `set_report_field` (after: `{"field": org|branch|district, "value"}`): `org` is the
  report's; `branch` and `district` its assignment (`branch_overrides`).

Applying is idempotent (an added fact already there is not added twice), so a
journal can be applied to reports that already carry some of it. Appends are
atomic: one `write` of one line to a file opened O_APPEND, under an exclusive
`flock`, then fsync'd; a corrupt line (a torn write, a hand edit) is reported
with its line number and skipped, never fatal.
"""
from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import os
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from schemas.report import SECTION_LABELS, Fact

JOURNAL_NAME = "corrections.jsonl"
ACTIONS = ("reject_fact", "edit_fact", "add_fact", "set_section", "set_report_field")
FACT_ACTIONS = ("reject_fact", "edit_fact")
REPORT_FIELDS = ("org", "branch", "district")
# fields an edit may not change: a fact's identity is its type and offsets
_FIXED = ("type", "start", "end", "text", "line", "provenance")


class CorrectionError(ValueError):
    """A correction that cannot be made (malformed, or its target is not there)."""


class CorruptJournalWarning(UserWarning):
    """Lines of corrections.jsonl that are not valid entries (skipped)."""


class UnappliedCorrectionWarning(UserWarning):
    """Entries a build could not apply: stale (their file changed) or their target gone."""



_FACT_ADAPTER = TypeAdapter(Fact)


def journal_path(run_dir) -> Path:
    return Path(run_dir) / JOURNAL_NAME


# --- reading -----------------------------------------------------------------

@dataclass
class Journal:
    """The valid entries of a journal, in order, and the line numbers skipped."""
    entries: list[dict] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)

    def by_sha(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for e in self.entries:
            out.setdefault(e["target"]["sha256"], []).append(e)
        return out


def check_entry(e) -> None:
    """Raises CorrectionError when `e` is not a well-formed entry."""
    if not isinstance(e, dict):
        raise CorrectionError("an entry is a JSON object")
    for key in ("id", "who", "when", "action", "target"):
        if key not in e:
            raise CorrectionError(f"entry without {key!r}")
    action, target, after = e["action"], e["target"], e.get("after")
    if action not in ACTIONS:
        raise CorrectionError(f"unknown action {action!r}")
    if not (isinstance(target, dict) and isinstance(target.get("sha256"), str)
            and _is_int(target.get("report_start"))):
        raise CorrectionError("target needs sha256 and report_start")
    if action in FACT_ACTIONS and not (isinstance(target.get("type"), str)
                                       and _is_int(target.get("start"))
                                       and _is_int(target.get("end"))):
        raise CorrectionError(f"{action}: target needs the fact's type, start and end")
    if action == "edit_fact":
        if not isinstance(after, dict) or not after:
            raise CorrectionError("edit_fact: after holds the fields changed")
        fixed = [k for k in after if k in _FIXED]
        if fixed:
            raise CorrectionError(f"edit_fact cannot change {', '.join(fixed)}: reject the "
                                  "fact and add another")
    elif action == "add_fact":
        try:
            _FACT_ADAPTER.validate_python({**(after or {}), "provenance": "added"})
        except ValidationError as err:
            raise CorrectionError(f"add_fact: not a valid fact: {_first_error(err)}") from None
    elif action == "set_section":
        if not (isinstance(after, dict) and after.get("label") in SECTION_LABELS
                and isinstance(after.get("present"), bool)):
            raise CorrectionError("set_section: after is {label: a section label, present: bool}")
    elif action == "set_report_field":
        if not (isinstance(after, dict) and after.get("field") in REPORT_FIELDS
                and (after.get("value") is None or isinstance(after.get("value"), str))):
            raise CorrectionError(f"set_report_field: after is {{field: one of "
                                  f"{'/'.join(REPORT_FIELDS)}, value: text or null}}")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    return f"{first.get('msg')} at {'.'.join(map(str, first.get('loc', ())))}"


def read_journal(run_dir, warn: bool = True) -> Journal:
    """Every valid entry of the run's journal (none when there is no journal); lines
    that are not valid entries are skipped and listed in `bad_lines` (and in a
    CorruptJournalWarning when `warn`)."""
    path = journal_path(run_dir)
    journal = Journal()
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        return journal
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                check_entry(entry)
            except (ValueError, CorrectionError):  # (JSONDecodeError, UnicodeDecodeError)
                journal.bad_lines.append(n)
                continue
            journal.entries.append(entry)
    if journal.bad_lines and warn:
        bad = journal.bad_lines
        what = f"line {bad[0]} is not a valid correction" if len(bad) == 1 else \
            f"lines {', '.join(map(str, bad))} are not valid corrections"
        warnings.warn(f"{path} {what}: skipped, left in the file", CorruptJournalWarning,
                      stacklevel=2)
    return journal


def journal_digest(run_dir) -> str:
    """Hash of the journal's content ('-' when there is none): part of the aggregate's
    up-to-date stamp, so that a new correction triggers a rebuild."""
    try:
        data = journal_path(run_dir).read_bytes()
    except FileNotFoundError:
        return "-"
    return hashlib.blake2b(data, digest_size=20).hexdigest()


# --- writing -----------------------------------------------------------------

def new_entry(action: str, target: dict, after=None, before=None, who: str = "analyst",
              file: str | None = None) -> dict:
    """A checked entry with a fresh id and the time now (UTC)."""
    entry = {"id": uuid.uuid4().hex, "who": str(who or "analyst")[:80],
             "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "action": action, "target": target, "before": before, "after": after}
    if file:
        entry["file"] = str(file)
    check_entry(entry)
    return entry


def append_entry(run_dir, entry: dict) -> dict:
    """Append one entry: a single write of one line to the file opened O_APPEND, under an
    exclusive lock (two writers at once interleave whole lines), fsync'd. A torn last
    line (a crash mid-write) is ended first, so it stays one corrupt line."""
    check_entry(entry)
    line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    path = journal_path(run_dir)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            size = os.fstat(fd).st_size
            if size:
                with open(path, "rb") as fh:
                    fh.seek(size - 1)
                    if fh.read(1) != b"\n":
                        line = b"\n" + line
            os.write(fd, line)
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    if created:
        from pipeline.runtime.files import fsync_dir
        fsync_dir(path.parent)
    return entry


# --- applying ----------------------------------------------------------------

def fact_key(f: dict) -> tuple:
    return (f.get("type"), f.get("start"), f.get("end"))


def target_key(target: dict) -> tuple:
    return (target.get("type"), target.get("start"), target.get("end"))


def entries_for_report(report: dict, sha256: str | None, entries: list[dict]) -> list[dict]:
    """The entries aimed at this report (same file, same start offset)."""
    start = report.get("start")
    return [e for e in entries
            if e["target"]["sha256"] == sha256 and e["target"]["report_start"] == start]


def apply_corrections(report: dict, sha256: str | None, entries: list[dict],
                      problems: list | None = None) -> dict:
    """The report (a dict as in reports.jsonl) with the entries aimed at it applied in
    journal order; the input is not changed. Corrected facts carry `provenance`
    `corrected`, added ones `added`. An entry whose fact is not in the report, or whose
    result is not a valid fact, is skipped and appended to `problems` as (entry,
    reason) when given."""
    mine = entries_for_report(report, sha256, entries)
    if not mine:
        return report
    rep = copy.deepcopy(report)
    facts: list[dict] = rep.setdefault("facts", [])
    for e in mine:
        action, after = e["action"], e.get("after")
        reason = None
        if action in FACT_ACTIONS:
            key = target_key(e["target"])
            i = next((i for i, f in enumerate(facts) if fact_key(f) == key), None)
            if i is None:
                reason = "该事实已不在报告中"
            elif action == "reject_fact":
                del facts[i]
            else:
                edited = {**facts[i], **after}
                if facts[i].get("provenance", "extracted") == "extracted":
                    edited["provenance"] = "corrected"
                try:
                    _FACT_ADAPTER.validate_python(edited)
                    facts[i] = edited
                except ValidationError as err:
                    reason = f"修改后不是有效事实：{_first_error(err)}"
        elif action == "add_fact":
            fact = {**after, "provenance": "added"}
            if not (rep.get("start", 0) <= fact["start"] < fact["end"] <= rep.get("end", 0)):
                reason = "新增事实不在报告范围内"
            elif not any(fact_key(f) == fact_key(fact) for f in facts):
                facts.append(fact)
                facts.sort(key=lambda f: (f["start"], f["end"]))
        elif action == "set_section":
            sections = rep.setdefault("sections", [])
            label = after["label"]
            if after["present"] and label not in sections:
                sections.append(label)
            elif not after["present"] and label in sections:
                sections.remove(label)
        elif action == "set_report_field" and after["field"] == "org":
            rep["org"] = after["value"]
        if reason and problems is not None:
            problems.append((e, reason))
    rep["placeholder_count"] = max(
        0, rep.get("placeholder_count", 0)
        - sum(1 for f in report.get("facts", []) if f.get("type") == "placeholder")
        + sum(1 for f in facts if f.get("type") == "placeholder"))
    return rep


def branch_overrides(report: dict, sha256: str | None, entries: list[dict]) -> dict:
    """{"branch": name, "district": name} set for this report (the last entry wins)."""
    out = {}
    for e in entries_for_report(report, sha256, entries):
        after = e.get("after") or {}
        if e["action"] == "set_report_field" and after.get("field") in ("branch", "district"):
            out[after["field"]] = after.get("value")
    return out


def stale_entries(entries: list[dict], known_sha256: set[str]) -> list[dict]:
    """The entries whose source file is no longer among the run's inputs with that
    content (the file changed or is gone): kept in the journal, listed, never applied."""
    return [e for e in entries if e["target"]["sha256"] not in known_sha256]


def add_fact_after(source_text: str, fact: dict) -> dict:
    """The `after` of an add_fact: the fact with its `line` from the source text, checked
    against it (`source[start:end] == text`). Raises CorrectionError."""
    start, end, text = fact.get("start"), fact.get("end"), fact.get("text")
    if not (_is_int(start) and _is_int(end) and start < end <= len(source_text)):
        raise CorrectionError("新增事实的位置超出原文")
    if text is None:
        text = source_text[start:end]
    if source_text[start:end] != text:
        raise CorrectionError("新增事实的文字与原文该位置不符")
    after = {k: v for k, v in fact.items() if k != "provenance"}
    after.update(text=text, line=source_text.count("\n", 0, start) + 1)
    try:
        _FACT_ADAPTER.validate_python(after)
    except ValidationError as err:
        raise CorrectionError(f"不是有效事实：{_first_error(err)}") from None
    return after


class Corrections:
    """A journal ready to apply to a build's reports (pydantic `Report`s), by file."""

    def __init__(self, journal: Journal, sha_by_path: dict[str, str | None]):
        self.journal = journal
        self.by_sha = journal.by_sha()
        self.sha_by_path = sha_by_path
        self.applied: set[str] = set()       # ids of the entries applied
        self.problems: dict[str, str] = {}   # id -> why an entry aimed at a report was not

    def warn_unapplied(self) -> None:
        """After a build has read every report: warn about the entries not applied (their
        file changed or is gone, their report or fact is no longer found). They stay in
        the journal; `ghminer serve` lists the stale ones."""
        known = {s for s in self.sha_by_path.values() if s}
        stale = [e["id"] for e in stale_entries(self.journal.entries, known)]
        missing = [e["id"] for e in self.journal.entries
                   if e["id"] not in self.applied and e["id"] not in self.problems
                   and e["target"]["sha256"] in known]
        def n(count: int) -> str:
            return f"{count} correction{'s' if count > 1 else ''}"

        parts = []
        if stale:
            parts.append(f"{n(len(stale))} stale (source file changed or gone): "
                         f"{', '.join(stale[:10])}")
        if missing:
            parts.append(f"{n(len(missing))} whose report is no longer found: "
                         f"{', '.join(missing[:10])}")
        if self.problems:
            parts.append(f"{n(len(self.problems))} whose fact is no longer found or invalid: "
                         + ", ".join(f"{i} ({why})" for i, why in list(self.problems.items())[:10]))
        if parts:
            warnings.warn("; ".join(parts) + f" — not applied, kept in {JOURNAL_NAME} "
                          "(listed on the workbench's 更正记录 page)",
                          UnappliedCorrectionWarning, stacklevel=2)

    @classmethod
    def load(cls, run_dir, sha_by_path: dict[str, str | None]) -> "Corrections":
        return cls(read_journal(run_dir), sha_by_path)

    def __bool__(self) -> bool:
        return bool(self.by_sha)

    def correct(self, rep, branch):
        """(report, branch, tag): the corrected report and branch, and a hash of the
        entries applied ('' when none, and then the same objects)."""
        sha = self.sha_by_path.get(rep.path)
        entries = self.by_sha.get(sha) if sha else None
        if not entries:
            return rep, branch, ""
        d = rep.model_dump()
        mine = entries_for_report(d, sha, entries)
        if not mine:
            return rep, branch, ""
        from dataclasses import replace

        problems: list = []
        rep = type(rep).model_validate(apply_corrections(d, sha, mine, problems))
        for e, why in problems:
            self.problems[e["id"]] = why
        self.applied.update(e["id"] for e in mine if e["id"] not in self.problems)
        over = branch_overrides(d, sha, mine)
        if "branch" in over:
            branch = replace(branch, branch_id=over["branch"], branch_name=over["branch"],
                             branch_source="corrected")
        if "district" in over:
            branch = replace(branch, district=over["district"], branch_source="corrected")
        tag = hashlib.blake2b("\0".join(e["id"] for e in mine).encode(),
                              digest_size=10).hexdigest()
        return rep, branch, tag
