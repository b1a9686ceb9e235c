"""`ghminer corrections export`: the analyst's corrections as gold files.

One gold file per source file that has a correction (shared/spec/ANNOTATION.md:
`{"source", "reports": [{start_line, title, org, org_type, sections, facts}]}`),
holding every report of that file as corrected, so that corrected reports can be
scored against and trained on. The source texts, decoded as the run decoded them,
go to `texts/` beside them (a .docx or GBK file is not readable as UTF-8 text by the
gold validator). Entries whose file changed (stale) are not exported; they are
counted.
"""
from __future__ import annotations

import json
from pathlib import Path

from pipeline.corrections import apply_corrections, read_journal, stale_entries

GOLD_REPORT_FIELDS = ("start_line", "title", "org", "org_type", "sections")
# a masked count, rate or amount is not a fact of the contract (its mask is a placeholder)
_VALUED = ("count", "rate", "amount")
_DROP = ("line", "provenance")


def gold_report(rep: dict) -> dict:
    out = {k: rep.get(k) for k in GOLD_REPORT_FIELDS}
    out["facts"] = [{k: v for k, v in f.items() if k not in _DROP}
                    for f in rep.get("facts", [])
                    if not (f.get("type") in _VALUED and f.get("value") is None)]
    return out


def export_gold(run_dir, out_dir) -> dict:
    from pipeline.aggregate import AggregateError, _run_manifest
    from pipeline.runtime.files import write_text_atomic
    from pipeline.aggregate.source import read_source

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    reports_path = run_dir / "reports.jsonl"
    if not reports_path.is_file():
        raise AggregateError(f"{reports_path} not found: is {run_dir} a ghminer run folder?")
    manifest = _run_manifest(run_dir)
    files = manifest.get("files", [])
    sha_by_path = {f["path"]: f.get("sha256") for f in files}
    encoding = {f["path"]: f.get("encoding") for f in files}
    journal = read_journal(run_dir)
    stale = stale_entries(journal.entries, {s for s in sha_by_path.values() if s})
    live = [e for e in journal.entries if e not in stale]
    wanted = {(e["target"]["sha256"], e["target"]["report_start"]) for e in live}
    wanted_sha = {sha for sha, _ in wanted}

    by_path: dict[str, list[dict]] = {}
    with open(reports_path, "rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            rep = json.loads(line)
            if sha_by_path.get(rep["path"]) in wanted_sha:
                by_path.setdefault(rep["path"], []).append(rep)

    texts = out_dir / "texts"
    texts.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    n_files = n_reports = 0
    for path, reps in sorted(by_path.items()):
        sha = sha_by_path[path]
        if not any((sha, r["start"]) in wanted for r in reps):
            continue  # the entries aim at reports no longer found in this file
        src = read_source(path, sha, encoding.get(path))
        if src.text is None:
            raise AggregateError(f"{path}: {src.problem}")
        source = reps[0]["source"]
        stem, dot, ext = source.rpartition(".")
        if not dot:
            stem, ext = source, ""
        n = 1
        while names.get(source, path) != path:  # two inputs of the same name
            n += 1
            source = f"{stem}~{n}{dot}{ext}"
        names[source] = path
        corrected = [gold_report(apply_corrections(r, sha, live)) for r in
                     sorted(reps, key=lambda r: r["report_index"])]
        doc = {"source": source, "path": path, "sha256": sha, "reports": corrected}
        write_text_atomic(texts / source, src.text)
        gold_stem = source.rsplit(".", 1)[0] if "." in source else source
        write_text_atomic(out_dir / f"{gold_stem}.json",
                          json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        n_files += 1
        n_reports += len(corrected)
    return {"files": n_files, "reports": n_reports, "entries": len(live), "stale": len(stale),
            "bad_lines": journal.bad_lines}
