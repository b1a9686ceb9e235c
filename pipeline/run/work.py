"""The task every engine runs on a worker: one file -> `FileOutcome`.

Reports are serialised to JSON on the worker, so the driver only appends
lines (the parallel part does the work, the driver stays light). `warm_worker`
loads every lazy resource (stage imports, vocabularies, jieba) once per worker
process instead of once per file.
"""
from __future__ import annotations

import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Callable

from schemas.report import FileRecord

from .cache import FileOutcome, ReportSignatures, rebase

# A small report in the usual shape: headings, counts, rates, amounts, an award, a
# date. Processing it once touches every stage's lazily loaded data.
WARM_TEXT = """XX街道总工会2023年工作总结

2023年，街道总工会在区总工会的领导下，较好地完成了各项工作任务。现将全年工作总结如下：
一、加强组织建设
全年新建工会组织12个，新发展会员1438人，建会率达到84.7%，入会率达95%以上。
二、维护职工权益
（一）开展困难职工帮扶，走访慰问困难职工56户，发放慰问金5.3万元。
（二）5月1日组织“五一”职工趣味运动会，参与职工300余人次。
三、荣誉
街道总工会被评为2023年度区级“模范职工之家”。
四、存在的问题和明年工作打算
"""


def run_one(path: str | Path, config, process: Callable) -> FileOutcome:
    """Process one file; never raises (a bug becomes the record's reason)."""
    path = Path(path)
    try:
        result = process(path, config)
        lines = [rep.model_dump_json() for rep in result.reports]
        n_facts = sum(len(rep.facts) for rep in result.reports)
        return FileOutcome(result.record, lines, n_facts, _signatures(result))
    except Exception as e:  # process_file should catch everything; this is the last guard
        tb = traceback.extract_tb(e.__traceback__)
        where = f" (at {Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
        from pipeline.ingest import display_name, display_path
        return FileOutcome(FileRecord(path=display_path(path), source=display_name(path),
                                      status="failed",
                                      reason=f"internal error: {type(e).__name__}: {e}{where}"))


def _signatures(result) -> ReportSignatures | None:
    """The reports' near-duplicate signatures, here where the text is at hand: in
    parallel, and the aggregate does not read the files again to compute them.
    An optimisation only: if it fails, the file's result stands and the aggregate
    computes the signatures itself."""
    text = getattr(result, "text", None)
    if not result.reports or text is None:
        return None
    try:
        from pipeline.aggregate.minhash import report_signatures

        spans = [(rep.start, rep.end) for rep in result.reports]
        params, packed = report_signatures(text, spans)
    except Exception:  # e.g. MemoryError on a huge report; never fail the file for this
        return None
    return ReportSignatures(params, spans, packed)


def run_one_data(path: str, data: bytes, config, process: Callable) -> FileOutcome:
    """`run_one` on shipped bytes (a cluster worker without the input file system).

    The bytes are written under the original file name (ingest may look at the
    extension) in a private temporary folder; paths are rebased to the original.
    """
    original = Path(path)
    with tempfile.TemporaryDirectory(prefix="ghminer-") as tmp:
        local = Path(tmp) / original.name
        local.write_bytes(data)
        outcome = run_one(local, config, process)
    return rebase(outcome, original)


_warmed = False


def warm_worker(config=None, process: Callable | None = None) -> bool:
    """Load stage modules, vocabularies and jieba once in this process."""
    global _warmed
    if _warmed:
        return True
    if process is None:
        from pipeline.process import process_file as process
    if config is None:
        from pipeline.process import ProcessConfig
        config = ProcessConfig()
    with tempfile.TemporaryDirectory(prefix="ghminer-warm-") as tmp:
        sample = Path(tmp) / "warm.txt"
        sample.write_text(WARM_TEXT, encoding="utf-8")
        try:
            process(sample, config)
        except Exception:  # warming is an optimisation; the real call reports errors
            pass
    try:  # the near-duplicate hasher (numpy, permutation tables) too
        from pipeline.aggregate.minhash import _bundled_hasher
        _bundled_hasher()
    except Exception:
        pass
    if "jieba" in sys.modules:  # a stage uses jieba: load its dictionary now, not mid-file
        try:
            from pipeline.nlp import jieba_tokenizer
            jieba_tokenizer()
        except Exception:
            pass
    _warmed = True
    return True


def die_with_parent() -> None:
    """Linux: SIGKILL this worker when the driver dies (even by SIGKILL), so no orphan
    keeps running; elsewhere the executor's own shutdown has to do."""
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def exit_text(code: int | None) -> str:
    """A child's exit as words; `code` as `multiprocessing.Process.exitcode` (-N: signal N)."""
    if code is None:
        return "unknown exit status"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def init_pool_worker(config, process: Callable) -> None:
    """ProcessPoolExecutor initializer: Ctrl-C is the driver's business; warm up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        die_with_parent()
    os.environ.setdefault("GHMINER_WORKER", "1")
    warm_worker(config, process)
