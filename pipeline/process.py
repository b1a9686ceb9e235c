"""Per-file pipeline: ingest -> normalise -> clean -> layout -> split -> structure -> extract.

`process_file` is the unit of work every engine (local, process pool, dask)
runs: it takes one path and returns the file's manifest record and its
reports. It never raises for a bad input file: the failure becomes the
record's `reason`, so nothing is dropped silently.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.document import SourceDoc
from schemas.report import FileFlag, FileRecord, Report


@dataclass(frozen=True)
class ProcessConfig:
    """Knobs of the per-file pipeline; part of the cache key."""
    max_bytes: int = 20 * 1024 * 1024
    # Wall-clock budget per file (None: unlimited): a safety net against a file that
    # would hang its worker, not a speed limit. Fact-dense text costs ~0.35 ms per
    # count (200,000 numbered lines, 3 MB: ~90 s on one core).
    max_seconds: float | None = 300.0


class TimeBudgetExceeded(Exception):
    """Raised inside process_file when a file exceeds ProcessConfig.max_seconds."""


@contextlib.contextmanager
def time_budget(seconds: float | None):
    """Raise TimeBudgetExceeded after `seconds` of wall-clock time (SIGALRM; the
    regex engine checks signals, so a runaway match is interrupted too). Only in the
    main thread of a POSIX process: pool workers and `--workers 0`; elsewhere
    (dask worker threads) it is a no-op."""
    usable = (seconds and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise TimeBudgetExceeded

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class FileResult:
    record: FileRecord
    reports: list[Report] = field(default_factory=list)
    text: str | None = None  # the source text the reports' offsets point into


def build_doc(path: Path, text: str, encoding: str | None, fmt: str,
              low_confidence: list[tuple[int, int]] | None = None) -> SourceDoc:
    """Normalise, take the layout view, mark boilerplate and find the content blocks:
    the doc every later stage reads."""
    from pipeline.clean import find_noise
    from pipeline.ingest import display_name, display_path
    from pipeline.layout.blocks import report_blocks
    from pipeline.layout.reflow import layout_view
    from pipeline.normalise import normalise

    norm = normalise(text)
    view = layout_view(text, norm)
    if view.to_source is None:
        doc = SourceDoc(path=display_path(path), source=display_name(path), text=text, norm=norm,
                        encoding=encoding, format=fmt)
    else:  # hard-wrapped, spaced or run-on: the stages read the view
        doc = SourceDoc(path=display_path(path), source=display_name(path), text=view.text,
                        norm=normalise(view.text), encoding=encoding, format=fmt,
                        original=text, view_to_source=view.to_source)
    doc.low_confidence = low_confidence or []
    doc.noise = find_noise(doc.text, doc.norm)
    doc.blocks = report_blocks(doc)
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
            org_start=st.org_span[0] if st.org_span else None,
            org_end=st.org_span[1] if st.org_span else None,
            sections=st.sections, section_tree=st.section_tree, facts=facts,
            placeholder_count=sum(f.type == "placeholder" for f in facts),
            chars=rs.end - rs.start,
        ))
    if doc.view_to_source is not None:  # positions into the decoded source
        from pipeline.layout.mapping import report_to_source
        reports = [report_to_source(doc, r) for r in reports]
    if doc.low_confidence:  # (source offsets, as the facts' now are)
        for r in reports:
            flag_low_confidence(r.facts, doc.low_confidence)
    return reports


def flag_low_confidence(facts: list, spans: list[tuple[int, int]]) -> None:
    """Set `low_confidence` on the facts overlapping a low-confidence OCR span.
    The spans are OCR words: sorted and disjoint, so their ends are sorted too."""
    import bisect
    ends = [e for _, e in spans]
    for fact in facts:
        i = bisect.bisect_right(ends, fact.start)  # the first span ending after the fact starts
        if i < len(spans) and spans[i][0] < fact.end:
            fact.low_confidence = True


def process_file(path: Path, config: ProcessConfig = ProcessConfig()) -> FileResult:
    """Run every per-file stage on one input; failures become the record's reason."""
    from pipeline.ingest import IngestError, display_name, display_path, read_file

    # Absolute, so `ghminer report` can re-read the source from any working directory.
    path = Path(path).absolute()
    # A name in GBK bytes must not stop the run: records carry a UTF-8-writable name.
    shown, name = display_path(path), display_name(path)
    try:
        ing = read_file(path, max_bytes=config.max_bytes)
    except IngestError as e:
        return FileResult(FileRecord(path=shown, source=name, status="failed",
                                     reason=e.reason))
    record = FileRecord(path=shown, source=name, status="processed",
                        format=ing.format, encoding=ing.encoding, bytes=ing.n_bytes,
                        chars=len(ing.text), sha256=ing.sha256, ocr=ing.ocr,
                        ocr_confidence=ing.ocr_confidence)
    try:
        with time_budget(config.max_seconds):
            doc = build_doc(path, ing.text, ing.encoding, ing.format, ing.low_confidence)
            reports = analyse_doc(doc)
    except TimeBudgetExceeded:
        record.status = "failed"
        record.reason = (f"time budget exceeded: more than {config.max_seconds:g} s "
                         f"for {len(ing.text):,} characters")
        return FileResult(record)
    except Exception as e:  # a bug on one file must not stop the run: record it
        tb = traceback.extract_tb(e.__traceback__)[-1]
        record.status = "failed"
        record.reason = (f"internal error: {type(e).__name__}: {e} "
                         f"(at {Path(tb.filename).name}:{tb.lineno})")
        return FileResult(record)
    record.reports = len(reports)
    if not reports:  # never silent: say why the text gave nothing
        record.flags = [FileFlag(code="no_report", message=no_report_reason(doc))]
    return FileResult(record, reports, ing.text)


def no_report_reason(doc: SourceDoc) -> str:
    """Why a decoded text yielded no report, in the analyst's words."""
    lines = [doc.line_span(n) for n in range(1, doc.n_lines + 1)]
    content = [(s, e) for s, e in lines if doc.text[s:e].strip()]
    if not content:
        return "文本为空白（没有非空行）"
    noisy = sum(1 for s, e in content if doc.is_noise(s, e))
    kinds = sorted({n.kind for n in doc.noise})
    if noisy == len(content):
        return (f"全部 {len(content)} 个非空行都被识别为网站模板或页面杂项"
                f"（{'、'.join(kinds) or '未知类型'}），没有正文")
    return (f"{len(content)} 个非空行中 {noisy} 行为网站模板或页面杂项，"
            "其余文字不足以构成一份报告")
