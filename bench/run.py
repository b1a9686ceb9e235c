"""Benchmark `ghminer run` against plain `jieba.lcut` on the same synthetic text.

    python -m bench.run               # 10 MB and 100 MB corpora
    python -m bench.run --quick       # 1 MB, for development
    python -m bench.run --sizes 10    # one size

For each size it builds (or reuses) `bench/data/<size>mb/` and prints:
- the reference: plain `jieba.lcut` (HMM on, default dictionary) over every
  file's decoded text, in this process, after `jieba.initialize()`;
- `ghminer run` end to end (a fresh `python -m pipeline.cli run ... --force`
  process: start-up, discovery, hashing, processing, writing) with 1 and 2
  workers: wall time, characters/second, ratio to jieba, peak memory of the
  whole process tree (sum of RSS over driver + workers, sampled every 0.1 s:
  an upper bound, forked workers share pages);
- an unchanged incremental re-run (same run folder, cache warm) and its share
  of the full 2-worker run;
- time per stage (ingest, normalise+clean, split, structure, extract, and the
  near-duplicate signatures the workers compute for the aggregate) measured
  in this process by calling the stage functions on the corpus (up to
  --stage-mb), and the aggregate (`pipeline.aggregate.build_outputs`) on the
  2-worker run folder, by default (no review pages) and with review pages;
- the issue's targets, met or not. Results also go to bench/results/*.json.
Not a test: figures depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.make_corpus import make_corpus

ROOT = Path(__file__).resolve().parents[1]
CODE = ROOT  # where `pipeline` and `schemas` are imported from (a snapshot by default)
RESULTS = Path(__file__).resolve().parent / "results"
WORK = Path(__file__).resolve().parent / "data" / "runs"


# ---------------------------------------------------------------- measurement
class TreeMemory:
    """Peak memory of a process tree. The RSS sum counts the pages a forked child shares
    with its parent (copy-on-write) twice; the PSS sum shares them out: it is the
    tree's actual footprint. Sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.1):
        import psutil

        self.proc = psutil.Process(pid)
        self.every = every
        self.peak_sum = self.peak_one = self.peak_pss = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.proc] + self.proc.children(recursive=True)
                rss, pss = [], []
                for p in procs:
                    try:
                        rss.append(p.memory_info().rss)
                        pss.append(_pss(p.pid))
                    except (psutil.Error, OSError):
                        pass
                if rss:
                    self.peak_sum = max(self.peak_sum, sum(rss))
                    self.peak_one = max(self.peak_one, max(rss))
                    self.peak_pss = max(self.peak_pss, sum(pss))
            except psutil.Error:
                pass
            self._stop.wait(self.every)

    def stop(self):
        self._stop.set()
        self._t.join()


def _pss(pid: int) -> int:
    """Proportional set size in bytes (Linux), 0 where the kernel does not tell."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    return 0


def ghminer_run(corpus: Path, out: Path, workers: int, force: bool, extra: list[str] = ()) -> dict:
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(corpus), "--out", str(out),
           "--workers", str(workers), *(["--force"] if force else []), *extra]
    env = {**os.environ, "PYTHONPATH": str(CODE) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errf:
        proc = subprocess.Popen(cmd, cwd=CODE, env=env, stdout=subprocess.DEVNULL, stderr=errf,
                                text=True)
        mem = TreeMemory(proc.pid)
        # wait4: the CPU time of the run and of all its (waited-for) workers
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        mem.stop()
        errf.seek(0)
        stderr = errf.read()
    cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    return {"workers": workers, "force": force, "wall_s": wall, "cpu_s": cpu,
            "config_hash": manifest["config_hash"], "peak_rss_sum_mb": mem.peak_sum / 2**20,
            "peak_rss_one_mb": mem.peak_one / 2**20, "peak_pss_sum_mb": mem.peak_pss / 2**20,
            "counts": manifest["counts"]}


def with_ratios(run: dict, chars: int, jieba: dict) -> dict:
    """`run` (a `ghminer_run` result) with its throughput and its ratios to jieba's,
    by wall time and by CPU time."""
    run["chars_per_s"] = chars / run["wall_s"]
    run["vs_jieba"] = run["chars_per_s"] / (jieba["chars"] / jieba["wall_s"])
    run["cpu_vs_jieba"] = (chars / run["cpu_s"]) / (jieba["chars"] / jieba["cpu_s"])
    return run


def corpus_texts(corpus: Path) -> list[str]:
    from pipeline.ingest import discover, read_file

    return [read_file(p).text for p in discover([corpus])]


def jieba_reference(texts: list[str]) -> dict:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    t0, c0 = time.perf_counter(), time.process_time()
    for t in texts:
        jieba.lcut(t)  # HMM on (the default)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"wall_s": wall, "cpu_s": cpu, "chars": sum(map(len, texts))}


def stage_times(corpus: Path, max_mb: float) -> dict:
    """Per-stage seconds over the corpus files (up to max_mb), in this process."""
    from pipeline.clean import find_noise
    from pipeline.document import SourceDoc
    from pipeline.extract import extract_facts
    from pipeline.extract.context import ExtractContext
    from pipeline.ingest import discover, read_file
    from pipeline.normalise import normalise
    from pipeline.run.work import warm_worker
    from pipeline.split import split_reports
    from pipeline.structure import structure_report

    warm_worker()  # models and vocabularies loaded before the clock starts
    try:  # older snapshots: the aggregate computed the signatures itself
        from pipeline.aggregate.minhash import report_signatures
    except ImportError:
        report_signatures = None
    t = dict.fromkeys(["ingest", "normalise+clean", "split", "structure", "extract",
                       "signatures"], 0.0)
    clock = time.perf_counter
    n_bytes = n_chars = n_files = 0
    for path in discover([corpus]):
        if n_bytes > max_mb * 2**20:
            break
        t0 = clock()
        ing = read_file(path)
        t1 = clock()
        norm = normalise(ing.text)
        doc = SourceDoc(path=str(path), source=path.name, text=ing.text, norm=norm,
                        encoding=ing.encoding, format=ing.format)
        doc.noise = find_noise(ing.text, norm)
        t2 = clock()
        slices = split_reports(doc)
        t3 = clock()
        structs = [structure_report(doc, rs) for rs in slices]
        t4 = clock()
        for rs, st in zip(slices, structs):
            ctx = ExtractContext(doc=doc, report=rs, year=st.year, section_spans=st.section_spans)
            extract_facts(doc, rs.start, rs.end, ctx)
        t5 = clock()
        if report_signatures is not None:
            report_signatures(ing.text, [(rs.start, rs.end) for rs in slices])
        t6 = clock()
        for k, a, b in (("ingest", t0, t1), ("normalise+clean", t1, t2), ("split", t2, t3),
                        ("structure", t3, t4), ("extract", t4, t5), ("signatures", t5, t6)):
            t[k] += b - a
        n_bytes += ing.n_bytes
        n_chars += len(ing.text)
        n_files += 1
    return {"seconds": t, "chars": n_chars, "files": n_files}


def aggregate_time(run_dir: Path, corpus: Path, review_pages: bool = False) -> float | None:
    """Seconds of `build_outputs` on a copy of the run folder, from scratch (no earlier
    outputs, no review pages on disk); `review_pages`: with a page per report."""
    try:
        from pipeline.aggregate import build_outputs
    except ImportError:
        return None
    scratch = run_dir.with_name(run_dir.name + "-agg")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    # what a run hands to the aggregate: its outputs and the reports' signatures
    for name in ("reports.jsonl", "manifest.json", ".cache/aggregate-minhash.npz"):
        if (run_dir / name).exists():
            (scratch / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(run_dir / name, scratch / name)
    kw = {"review_pages": True} if review_pages else {}  # (the default: none)
    t0 = time.perf_counter()
    build_outputs(scratch, [corpus], **kw)
    return time.perf_counter() - t0


def snapshot_code() -> Path:
    """Copy `pipeline/` and `schemas/` aside and import them from there, so edits made
    to the working tree during the benchmark neither skew it nor invalidate its cache."""
    snap = Path(__file__).resolve().parent / "data" / "snapshot"
    shutil.rmtree(snap, ignore_errors=True)
    snap.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pipeline", "schemas"):
        shutil.copytree(ROOT / name, snap / name, ignore=ignore)
    (snap / "corpora").symlink_to(ROOT / "corpora")  # training data, if a model is missing
    return snap


# ---------------------------------------------------------------- one size
def bench_size(mb: float, workers: list[int], stage_mb: float, skip_stages: bool,
               mix: str = "real", incremental: bool = True, phase: bool = True) -> dict:
    corpus = make_corpus(mb, mix=mix)
    texts = corpus_texts(corpus)
    chars = sum(map(len, texts))
    n_files = len(texts)
    tag = f"{mb:g}mb" + ("" if mix == "real" else f"-{mix}")
    print(f"\n== {mb:g} MB corpus, {mix} mix: {corpus} ({n_files} files, {chars:,} chars)",
          flush=True)
    ref = jieba_reference(texts)
    del texts
    jieba_cps = ref["chars"] / ref["wall_s"]
    jieba_cpu_cps = ref["chars"] / ref["cpu_s"]
    print(f"jieba.lcut (HMM on), 1 process: {ref['wall_s']:.1f} s, {jieba_cps:,.0f} chars/s "
          f"(CPU {ref['cpu_s']:.1f} s, {jieba_cpu_cps:,.0f} chars/CPU-s)", flush=True)

    runs = {}
    for w in workers:
        out = WORK / f"{tag}-w{w}"
        shutil.rmtree(out, ignore_errors=True)
        r = runs[w] = with_ratios(ghminer_run(corpus, out, w, force=True), chars, ref)
        print(f"ghminer run, {w} worker(s): {r['wall_s']:.1f} s, {r['chars_per_s']:,.0f} chars/s "
              f"= {r['vs_jieba']:.2f}x jieba (CPU {r['cpu_s']:.1f} s: {r['cpu_vs_jieba']:.2f}x "
              f"jieba per CPU-second); peak RSS {r['peak_rss_sum_mb']:,.0f} MB (tree sum), "
              f"{r['peak_rss_one_mb']:,.0f} MB (largest process), PSS "
              f"{r['peak_pss_sum_mb']:,.0f} MB (tree sum, shared pages counted once); "
              f"{r['counts']['processed']} processed, {r['counts']['failed']} failed, "
              f"{r['counts']['reports']} reports, {r['counts']['facts']} facts "
              f"({1000 * r['counts']['facts'] / chars:.1f} per 1,000 chars)", flush=True)
    wmax = max(workers)
    cores = os.cpu_count() or 1
    if len(runs) > 1 and min(workers) == 1:
        # On C cores a run that spends CPU seconds X takes at least X / C seconds, so
        # the speed-up over the 1-worker run cannot exceed T1 * C / X, however well
        # the work is spread: what the 1-worker run already does on a second core
        # (the driver, the page writer) is no longer there to gain.
        for w in workers[1:]:
            runs[w]["speedup_ceiling"] = runs[1]["wall_s"] * cores / runs[w]["cpu_s"]
            print(f"  {w} workers vs 1: {runs[1]['wall_s'] / runs[w]['wall_s']:.2f}x; ceiling "
                  f"from CPU time on {cores} cores: {runs[w]['speedup_ceiling']:.2f}x "
                  f"(1-worker wall x cores / {w}-worker CPU)", flush=True)
    result = {"mb": mb, "mix": mix, "files": n_files, "chars": chars, "jieba": ref,
              "jieba_cps": jieba_cps, "runs": runs, "incremental": None, "startup": None,
              "stages": None, "per_file_phase": None}
    if phase:
        # the same runs without the report build (`--no-report`): what the per-file
        # pipeline and the driver cost alone, and how they scale
        phase_runs = {}
        for w in workers:
            out = WORK / f"{tag}-noreport-w{w}"
            shutil.rmtree(out, ignore_errors=True)
            r = phase_runs[w] = with_ratios(
                ghminer_run(corpus, out, w, force=True, extra=["--no-report"]), chars, ref)
            print(f"per-file phase only (--no-report), {w} worker(s): {r['wall_s']:.1f} s = "
                  f"{r['vs_jieba']:.2f}x jieba (CPU {r['cpu_s']:.1f} s); the report build "
                  f"adds {runs[w]['wall_s'] - r['wall_s']:.1f} s", flush=True)
            shutil.rmtree(out, ignore_errors=True)
        if 1 in phase_runs and len(phase_runs) > 1:
            print(f"  per-file phase, {wmax} workers vs 1: "
                  f"{phase_runs[1]['wall_s'] / phase_runs[wmax]['wall_s']:.2f}x", flush=True)
        result["per_file_phase"] = phase_runs
    if not incremental:
        return result
    inc = ghminer_run(corpus, WORK / f"{tag}-w{wmax}", wmax, force=False)
    inc["share_of_full"] = inc["wall_s"] / runs[wmax]["wall_s"]
    print(f"unchanged incremental re-run ({wmax} workers): {inc['wall_s']:.2f} s = "
          f"{100 * inc['share_of_full']:.1f}% of the full run; "
          f"{inc['counts'].get('cached', 0)}/{inc['counts']['files']} from cache", flush=True)
    if inc["config_hash"] != runs[wmax]["config_hash"]:
        print("  WARNING: the pipeline's code or data changed between the two runs "
              "(fingerprint differs): the cache was rightly not used", flush=True)
    startup = ghminer_run(sorted(corpus.rglob("*.txt"))[0], WORK / f"{tag}-startup", 1,
                          force=True)
    print(f"start-up + one file, 1 worker: {startup['wall_s']:.2f} s", flush=True)

    stages = None
    if not skip_stages:
        stages = stage_times(corpus, stage_mb)
        total = sum(stages["seconds"].values())
        agg = aggregate_time(WORK / f"{tag}-w{wmax}", corpus)
        agg_pages = aggregate_time(WORK / f"{tag}-w{wmax}", corpus, review_pages=True)
        stages["aggregate_s"], stages["aggregate_review_pages_s"] = agg, agg_pages
        print(f"per stage, 1 process, {stages['files']} files / {stages['chars']:,} chars:")
        for k, v in stages["seconds"].items():
            print(f"  {k:16s} {v:7.2f} s  {100 * v / total:5.1f}%  "
                  f"{stages['chars'] / v if v else float('inf'):>12,.0f} chars/s")
        print(f"  {'(sum)':16s} {total:7.2f} s         {stages['chars'] / total:>12,.0f} chars/s")
        print(f"  aggregate        " + (f"{agg:7.2f} s (build_outputs on the whole run folder); "
                                        f"{agg_pages:.2f} s with --review-pages"
                                        if agg is not None else "n/a (pipeline.aggregate missing)"))
    result.update(incremental=inc, startup=startup, stages=stages)
    return result


def check_targets(results: list[dict]) -> list[tuple[str, bool | None, str]]:
    """The issue's targets, on the real-mix corpora (the dense stress run is reported,
    not judged: real reports carry a third of its facts per character)."""
    out = []
    results = [r for r in results if r.get("mix", "real") == "real"]
    for res in results:
        tag = f"{res['mb']:g} MB"
        runs = res["runs"]
        if 1 in runs:
            v = runs[1]["vs_jieba"]
            out.append((f"{tag}: 1 worker >= 1.0x jieba", v >= 1.0, f"{v:.2f}x"))
        if 1 in runs and 2 in runs:
            s = runs[1]["wall_s"] / runs[2]["wall_s"]
            ceiling = runs[2].get("speedup_ceiling")
            out.append((f"{tag}: 2 workers >= 1.7x 1 worker", s >= 1.7, f"{s:.2f}x" + (
                f" (ceiling from CPU time: {ceiling:.2f}x)" if ceiling else "")))
        share = res["incremental"]["share_of_full"]
        out.append((f"{tag}: unchanged re-run <= 5% of full", share <= 0.05, f"{100 * share:.1f}%"))
    big = [r for r in results if r["mb"] >= 100]
    small = [r for r in results if r["mb"] == 10]
    if big:
        peak = max(r["peak_rss_sum_mb"] for r in big[0]["runs"].values())
        out.append(("100 MB: peak RSS <= 1.5 GB", peak <= 1536, f"{peak:,.0f} MB"))
        if small:
            p10 = max(r["peak_rss_sum_mb"] for r in small[0]["runs"].values())
            out.append(("100 MB peak RSS within 10% of 10 MB", peak <= 1.1 * p10,
                        f"{peak:,.0f} vs {p10:,.0f} MB ({100 * (peak / p10 - 1):+.1f}%)"))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Benchmark ghminer run against jieba.lcut")
    ap.add_argument("--sizes", default="10,100", help="corpus sizes in MB, comma-separated")
    ap.add_argument("--quick", action="store_true", help="one 1 MB corpus (development)")
    ap.add_argument("--workers", default="1,2", help="worker counts to time")
    ap.add_argument("--stage-mb", type=float, default=10.0,
                    help="per-stage timing over at most this many MB of the corpus")
    ap.add_argument("--no-stages", action="store_true", help="skip the per-stage timing")
    ap.add_argument("--no-dense", action="store_true",
                    help="skip the stress run on the fact-dense mix (10 MB, 1 worker)")
    ap.add_argument("--no-phase", action="store_true",
                    help="skip the per-file phase runs (`ghminer run --no-report`)")
    ap.add_argument("--no-snapshot", action="store_true",
                    help="run the working tree itself instead of a copy taken at start")
    args = ap.parse_args(argv)
    global CODE
    if not args.no_snapshot:
        CODE = snapshot_code()
        sys.path.insert(0, str(CODE))  # the in-process stage timings use the snapshot too
    sizes = [1.0] if args.quick else [float(s) for s in args.sizes.split(",")]
    workers = sorted({int(w) for w in args.workers.split(",")})
    load = os.getloadavg()[0]
    print(f"ghminer benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, load average {load:.1f}")
    if load > 0.5 * (os.cpu_count() or 1):
        print("WARNING: the machine is busy; wall-clock figures are inflated "
              "(CPU-second ratios are less affected)")
    # per-stage timing (capped at --stage-mb) and the aggregate: on the smallest size only
    results = [bench_size(mb, workers, args.stage_mb, args.no_stages or i > 0,
                          phase=not args.no_phase)
               for i, mb in enumerate(sizes)]
    if not args.no_dense:  # stress: our fact-dense test texts, ~3x the facts per char
        results.append(bench_size(min(sizes), [1], args.stage_mb, True, mix="dense",
                                  incremental=False, phase=False))
    print("\n== targets")
    for name, ok, value in check_targets(results):
        print(f"  [{'ok' if ok else 'MISS'}] {name}: {value}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    dest = RESULTS / f"bench-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}.json"
    dest.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nresults: {dest}")


if __name__ == "__main__":
    main()
