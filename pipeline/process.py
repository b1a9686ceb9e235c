"""Per-file pipeline: ingest -> normalise -> clean -> split -> structure -> extract.

`process_file` is the unit of work every engine (local, process pool, dask)
runs: it takes one path and returns the file's manifest record and its
reports. It never raises for a bad input file: the failure becomes the
record's `reason`, so nothing is dropped silently.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.document import SourceDoc
from schemas.report import FileRecord, Report


@dataclass(frozen=True)
class ProcessConfig:
    """Knobs of the per-file pipeline; part of the cache key."""
    max_bytes: int = 20 * 1024 * 1024


@dataclass
class FileResult:
    record: FileRecord
    reports: list[Report] = field(default_factory=list)


def build_doc(path: Path, text: str, encoding: str | None, fmt: str) -> SourceDoc:
    """Normalise and mark boilerplate: the doc every later stage reads."""
    from pipeline.clean import find_noise
    from pipeline.normalise import normalise

    norm = normalise(text)
    doc = SourceDoc(path=str(path), source=path.name, text=text, norm=norm,
                    encoding=encoding, format=fmt)
    doc.noise = find_noise(text, norm)
    return doc


def analyse_doc(doc: SourceDoc) -> list[Report]:
    """Split a doc into reports, structure them and extract their facts."""
    from pipeline.extract import extract_facts
    from pipeline.extract.context import ExtractContext
    from pipeline.split import split_reports
    from pipeline.structure import structure_report

    reports: list[Report] = []
    for index, rs in enumerate(split_reports(doc)):
        st = structure_report(doc, rs)
        ctx = ExtractContext(doc=doc, report=rs, year=st.year, section_spans=st.section_spans)
        facts = extract_facts(doc, rs.start, rs.end, ctx)
        reports.append(Report(
            source=doc.source, path=doc.path, report_index=index,
            start_line=rs.start_line, end_line=rs.end_line, start=rs.start, end=rs.end,
            title=rs.title, org=st.org, org_type=st.org_type, year=st.year,
            sections=st.sections, section_tree=st.section_tree, facts=facts,
            placeholder_count=sum(f.type == "placeholder" for f in facts),
            chars=rs.end - rs.start,
        ))
    return reports


def process_file(path: Path, config: ProcessConfig = ProcessConfig()) -> FileResult:
    """Run every per-file stage on one input; failures become the record's reason."""
    from pipeline.ingest import IngestError, read_file

    # Absolute, so `ghminer report` can re-read the source from any working directory.
    path = Path(path).absolute()
    try:
        ing = read_file(path, max_bytes=config.max_bytes)
    except IngestError as e:
        return FileResult(FileRecord(path=str(path), source=path.name, status="failed",
                                     reason=e.reason))
    record = FileRecord(path=str(path), source=path.name, status="processed",
                        format=ing.format, encoding=ing.encoding, bytes=ing.n_bytes,
                        chars=len(ing.text), sha256=ing.sha256)
    try:
        doc = build_doc(path, ing.text, ing.encoding, ing.format)
        reports = analyse_doc(doc)
    except Exception as e:  # a bug on one file must not stop the run: record it
        tb = traceback.extract_tb(e.__traceback__)[-1]
        record.status = "failed"
        record.reason = (f"internal error: {type(e).__name__}: {e} "
                         f"(at {Path(tb.filename).name}:{tb.lineno})")
        return FileResult(record)
    record.reports = len(reports)
    return FileResult(record, reports)
