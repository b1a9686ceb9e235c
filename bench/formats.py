"""Reports as they arrive (printed PDF, scan, Word 97 .doc, RTF) vs the clean .txt.

Re-makes a corpus of the given plain-text reports in every format, runs the
per-file pipeline on each and scores it against gold copies whose `source` is
renamed to the new file name (and whose `start_line` is moved to the line where
that report's first line begins in the converted text), then prints facts F1,
split and sections per format next to the clean .txt:

- `pdf`:  a simple HTML page of the text printed by headless Chromium (CJK font
  from `make formats`);
- `scan`: those PDFs rasterised at `--dpi` (150) and rebuilt as image-only PDFs;
- `png`:  the first page of each scan as a .png;
- `doc`, `rtf`: LibreOffice's conversion of the .txt (`make formats-office`).

The files go to `--work` (outside the repo, never committed). OCR is slow:
`--ocr-limit N` scores scans and images on the first N files only (the .txt,
pdf, doc and rtf rows are then given on the same N files too, marked).

    python -m bench.formats                       # tune set r001-r110 (../shared)
    python -m bench.formats --files r001-r020 --formats txt,pdf,doc
    python -m bench.formats --speed               # text-PDF and OCR pages/s
    python -m bench.formats --engines             # PDFium vs pdfminer.six on the PDFs
    python -m bench.formats --doc-converters      # antiword / catdoc / LibreOffice on the .doc files
    python -m bench.formats --ocr-variants --ocr-limit 15   # OCR languages, page layout, CJK spaces
"""
from __future__ import annotations

import argparse
import difflib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"  # ../shared beside the repo (GHMINER_SHARED elsewhere)
if os.environ.get("GHMINER_SHARED"):
    SHARED = Path(os.environ["GHMINER_SHARED"])
FORMATS = ("txt", "pdf", "scan", "png", "doc", "rtf")
SUFFIX = {"txt": ".txt", "pdf": ".pdf", "scan": ".pdf", "png": ".png", "doc": ".doc", "rtf": ".rtf"}
OCR_FORMATS = ("scan", "png")
_WS = re.compile(r"\s+")
_PAGE_CSS = ('body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","WenQuanYi Zen Hei",'
             'sans-serif;font-size:12pt;line-height:1.5} p{margin:0 0 .3em 0;white-space:pre-wrap}')


# ---------------------------------------------------------------- corpus making

def select(corpus: Path, spec: str) -> list[Path]:
    """`r001-r110` or `r001,r005` -> the .txt files of `corpus`."""
    names: list[str] = []
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-")
            prefix = a.rstrip("0123456789")
            lo, hi, width = int(a[len(prefix):]), int(b[len(prefix):]), len(a) - len(prefix)
            names += [f"{prefix}{i:0{width}d}" for i in range(lo, hi + 1)]
        else:
            names.append(part)
    return [corpus / f"{n}.txt" for n in names if (corpus / f"{n}.txt").exists()]


def make_pdf(txt: Path, out: Path) -> None:
    text = txt.read_text(encoding="utf-8")
    body = "\n".join(f"<p>{html.escape(line) or '&nbsp;'}</p>" for line in text.split("\n"))
    page = out.with_suffix(".html")
    page.write_text(f'<!doctype html><html><head><meta charset="utf-8"><style>{_PAGE_CSS}'
                    f'</style></head><body>{body}</body></html>', encoding="utf-8")
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    page.unlink()
    if not out.exists():
        raise SystemExit(f"chromium made no PDF of {txt} (is chromium installed? make browser)")


def make_scan(pdf_path: Path, scan: Path, png: Path | None, dpi: int) -> None:
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(pdf_path))
    images = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(pdf))]
    pdf.close()
    images[0].save(scan, save_all=True, append_images=images[1:], resolution=dpi)
    if png is not None:
        images[0].save(png)


def make_office(txts: list[Path], fmt: str, out_dir: Path) -> None:
    """.txt -> .doc (Word 97) / .rtf with one LibreOffice process for all files."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice not installed: make formats-office (or leave out doc,rtf)")
    target = {"doc": 'doc:"MS Word 97"', "rtf": "rtf"}[fmt]
    todo = [t for t in txts if not (out_dir / (t.stem + SUFFIX[fmt])).exists()]
    for i in range(0, len(todo), 40):
        subprocess.run([soffice, f"-env:UserInstallation=file://{out_dir}/.lo-profile", "--headless",
                        "--infilter=Text (encoded):UTF8,LF,,,", "--convert-to", target.replace('"', ""),
                        "--outdir", str(out_dir), *map(str, todo[i:i + 40])],
                       capture_output=True, timeout=600, check=False)


def make_corpus(txts: list[Path], formats: list[str], work: Path, dpi: int) -> None:
    for fmt in formats:
        (work / fmt).mkdir(parents=True, exist_ok=True)
    for t in txts:
        if "txt" in formats:
            shutil.copyfile(t, work / "txt" / t.name)
        pdf = work / "pdf" / f"{t.stem}.pdf"
        if {"pdf", "scan", "png"} & set(formats) and not pdf.exists():
            pdf.parent.mkdir(parents=True, exist_ok=True)
            make_pdf(t, pdf)
        scan = work / "scan" / f"{t.stem}.pdf"
        if {"scan", "png"} & set(formats) and not scan.exists():
            scan.parent.mkdir(parents=True, exist_ok=True)
            (work / "png").mkdir(parents=True, exist_ok=True)
            make_scan(pdf, scan, work / "png" / f"{t.stem}.png", dpi)
    for fmt in ("doc", "rtf"):
        if fmt in formats:
            make_office(txts, fmt, work / fmt)


# ---------------------------------------------------------------- scoring

def _squash(s: str) -> str:
    return _WS.sub("", s)


def remap_gold(gold: dict, clean: str, converted: str, name: str) -> dict:
    """A gold copy for `name`: `source` renamed; each report's start_line moved to
    the converted text's line where the clean start line begins: the k-th converted
    line starting with the first characters of that line when it is the k-th clean
    line starting with them (a title repeated above its report stays told apart);
    unfound: 0, a sure miss."""
    clean_lines = [_squash(x) for x in clean.split("\n")]
    conv_lines = [_squash(x) for x in converted.split("\n")]
    out = json.loads(json.dumps(gold))
    out["source"] = name
    for rep in out["reports"]:
        line = rep["start_line"]
        head = clean_lines[line - 1][:8]
        k = sum(1 for x in clean_lines[:line] if head and x.startswith(head))
        hits = [i + 1 for i, x in enumerate(conv_lines) if head and x.startswith(head)]
        rep["start_line"] = hits[k - 1] if 0 < k <= len(hits) else 0
    return out


def run_format(fmt: str, files: list[Path], gold_dir: Path, corpus: Path, work: Path) -> dict:
    """Per-file pipeline over `files`, scored; also seconds and failures."""
    from pipeline.process import process_file
    pred_path = work / f"pred-{fmt}-{len(files)}.jsonl"
    gdir = work / "gold" / f"{fmt}-{len(files)}"
    shutil.rmtree(gdir, ignore_errors=True)
    gdir.mkdir(parents=True)
    failed, t0, lines, flagged = [], time.perf_counter(), [], 0
    conf, texts = [], []
    for f in files:
        res = process_file(f)
        if res.record.status != "processed":
            failed.append(f"{f.name}: {res.record.reason}")
            text = ""
            texts.append(text)
        else:
            text = res.text
            texts.append(text)
            if res.record.ocr_confidence is not None:
                conf.append(res.record.ocr_confidence)
        for rep in res.reports:
            flagged += sum(bool(getattr(fa, "low_confidence", False)) for fa in rep.facts)
            lines.append(rep.model_dump_json())
        gold = json.loads((gold_dir / f"{f.stem}.json").read_text(encoding="utf-8"))
        clean = (corpus / f"{f.stem}.txt").read_text(encoding="utf-8")
        (gdir / f"{f.stem}.json").write_text(json.dumps(remap_gold(gold, clean, text, f.name),
                                                        ensure_ascii=False), encoding="utf-8")
    seconds = time.perf_counter() - t0
    pred_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    score = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), "--pred", str(pred_path),
                            "--gold", str(gdir), "--json"], capture_output=True, text=True, check=True)
    res = json.loads(score.stdout)
    return {"facts": res["facts_all"]["f1"], "split": res["split"]["f1"],
            "sections": res["sections"]["f1"], "failed": failed, "seconds": seconds,
            "ocr_confidence": round(sum(conf) / len(conf), 1) if conf else None,
            "flagged_facts": flagged, "texts": texts}


def measure(txts: list[Path], formats: list[str], args) -> None:
    work = Path(args.work)
    gold_dir = Path(args.gold)
    print(f"{'format':6} {'files':>5} {'facts F1':>8} {'Δ txt':>7} {'split':>6} {'sections':>8} "
          f"{'s/file':>7} {'failed':>6} {'OCR conf':>8} {'flagged':>7}")
    base: dict[int, float] = {}
    for fmt in formats:
        subset = txts[:args.ocr_limit] if fmt in OCR_FORMATS and args.ocr_limit else txts
        files = [work / fmt / (t.stem + SUFFIX[fmt]) for t in subset]
        files = [f for f in files if f.exists()]
        r = run_format(fmt, files, gold_dir, Path(args.corpus), work)
        if fmt == "txt":
            base[len(files)] = r["facts"]
        if len(files) not in base and "txt" in formats:
            tx = [work / "txt" / t.name for t in subset]
            base[len(files)] = run_format("txt", tx, gold_dir, Path(args.corpus), work)["facts"]
        delta = r["facts"] - base.get(len(files), float("nan"))
        print(f"{fmt:6} {len(files):5d} {r['facts']:8.3f} {delta:+7.3f} {r['split']:6.3f} "
              f"{r['sections']:8.3f} {r['seconds'] / max(len(files), 1):7.2f} {len(r['failed']):6d} "
              f"{r['ocr_confidence'] if r['ocr_confidence'] is not None else '-':>8} "
              f"{r['flagged_facts']:7d}")
        for why in r["failed"][:5]:
            print("   failed", why)


# ---------------------------------------------------------------- speed and engines

def _pdf_pages(paths: list[Path]) -> int:
    import pypdfium2 as pdfium
    n = 0
    for p in paths:
        doc = pdfium.PdfDocument(str(p))
        n += len(doc)
        doc.close()
    return n


def speed(work: Path, limit: int) -> None:
    from pipeline.ingest import read_file
    pdfs = sorted((work / "pdf").glob("*.pdf"))
    scans = sorted((work / "scan").glob("*.pdf"))[:limit]
    for label, files in (("text PDF (PDFium)", pdfs), ("scanned PDF (Tesseract OCR)", scans)):
        if not files:
            print(f"{label}: no files in {work} (run without --speed first)")
            continue
        pages = _pdf_pages(files)
        t0, c0 = time.perf_counter(), time.process_time() + _child_cpu()
        for f in files:
            read_file(f)
        wall, cpu = time.perf_counter() - t0, time.process_time() + _child_cpu() - c0
        print(f"{label}: {pages} pages in {wall:.2f} s = {pages / wall:.2f} pages/s "
              f"({cpu:.2f} CPU-s incl. children, {pages / max(cpu, 1e-9):.2f} pages per CPU-s)")


def _child_cpu() -> float:
    r = os.times()
    return r.children_user + r.children_system


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _squash(a), _squash(b), autojunk=False).ratio()


def engines(work: Path, corpus: Path) -> None:
    """PDFium vs pdfminer.six (pdfplumber is pdfminer underneath) on the text PDFs:
    characters and order (similarity of the non-space text to the .txt), visual lines,
    pages/s."""
    import pypdfium2 as pdfium
    pdfs = sorted((work / "pdf").glob("*.pdf"))
    try:
        from pdfminer.high_level import extract_text
    except ImportError:
        extract_text = None
        print("pdfminer.six not installed (pip install -e '.[bench]'): PDFium only")

    def pdfium_text(p: Path) -> str:
        doc = pdfium.PdfDocument(str(p))
        out = []
        for i in range(len(doc)):
            tp = doc[i].get_textpage()
            out.append(tp.get_text_range())
            tp.close()
        doc.close()
        return "\n".join(out)

    pages = _pdf_pages(pdfs)
    for name, fn in (("pdfium", pdfium_text), ("pdfminer.six", extract_text)):
        if fn is None:
            continue
        t0 = time.perf_counter()
        texts = [fn(str(p) if name != "pdfium" else p) for p in pdfs]
        wall = time.perf_counter() - t0
        sims = [similarity((corpus / f"{p.stem}.txt").read_text(encoding="utf-8"), t)
                for p, t in zip(pdfs, texts)]
        exact = sum(s == 1.0 for s in sims)
        spaces = sum(len(re.findall(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]", t)) for t in texts)
        print(f"{name:13} {len(pdfs)} PDFs {pages} pages: mean similarity {sum(sims) / len(sims):.4f}, "
              f"identical {exact}/{len(pdfs)}, min {min(sims):.4f}; spaces between hanzi {spaces}; "
              f"{pages / wall:.1f} pages/s")


def doc_converters(work: Path, corpus: Path) -> None:
    from pipeline.ingest.readers.doc import _convert, _Failed, installed_converters
    docs = sorted((work / "doc").glob("*.doc"))
    for name, cmd in installed_converters():
        sims, failed, t0 = [], 0, time.perf_counter()
        tmp = work / ".doc-tmp"
        tmp.mkdir(exist_ok=True)
        for d in docs:
            try:
                text = _convert(cmd, str(d), str(tmp))
            except _Failed:
                failed += 1
                continue
            sims.append(similarity((corpus / f"{d.stem}.txt").read_text(encoding="utf-8"), text))
        wall = time.perf_counter() - t0
        exact = sum(s == 1.0 for s in sims)
        print(f"{name:9} {len(docs)} .doc: failed {failed}, mean similarity "
              f"{(sum(sims) / len(sims)) if sims else 0:.4f}, identical {exact}, "
              f"min {min(sims) if sims else 0:.4f}, {wall / max(len(docs), 1):.2f} s/file")


OCR_VARIANTS = (  # (label, changes to formats.yaml `ocr`)
    ("default", {}),
    ("chi_sim+chi_tra", {"languages": ["chi_sim", "chi_tra"]}),
    ("psm 3 (automatic layout)", {"psm": 3}),
    ("Tesseract's spaces between CJK words", {"cjk_word_spaces": True}),
)


def ocr_variants(txts: list[Path], args) -> None:
    """Scans read with each OCR setting of OCR_VARIANTS: facts F1, split, sections,
    hanzi-space-hanzi count, seconds per page."""
    from pipeline.ingest.data_files import load_formats
    work = Path(args.work)
    files = [work / "scan" / f"{t.stem}.pdf" for t in txts[:args.ocr_limit or None]]
    pages = _pdf_pages(files)
    cfg = load_formats()["ocr"]
    saved = dict(cfg)
    for label, change in OCR_VARIANTS:
        cfg.clear()
        cfg.update(saved, **change)
        t0 = time.perf_counter()
        r = run_format("scan", files, Path(args.gold), Path(args.corpus), work)
        wall = time.perf_counter() - t0
        spaced = sum(len(re.findall(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", x))
                     for x in r["texts"])
        sims = [similarity((Path(args.corpus) / f"{f.stem}.txt").read_text(encoding="utf-8"), x)
                for f, x in zip(files, r["texts"])]
        print(f"{label:38} facts F1 {r['facts']:.3f} split {r['split']:.3f} sections "
              f"{r['sections']:.3f} similarity {sum(sims) / len(sims):.4f} hanzi-space-hanzi "
              f"{spaced:5d} {wall / pages:.2f} s/page ({len(files)} scans, {pages} pages)")
    cfg.clear()
    cfg.update(saved)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(SHARED / "corpus" / "real"))
    ap.add_argument("--gold", default=str(SHARED / "gold" / "real"))
    ap.add_argument("--files", default="r001-r110", help="e.g. r001-r110 or r001,r007")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--work", default="/tmp/ghminer-formats", help="where the files are made")
    ap.add_argument("--dpi", type=int, default=150, help="resolution of the made scans")
    ap.add_argument("--ocr-limit", type=int, default=0, help="score scans/images on the first N only")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--engines", action="store_true")
    ap.add_argument("--doc-converters", action="store_true")
    ap.add_argument("--ocr-variants", action="store_true")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.exists():
        raise SystemExit(f"no corpus at {corpus}")
    txts = select(corpus, args.files)
    formats = [f for f in args.formats.split(",") if f]
    work = Path(args.work)
    needed = set(formats) | ({"pdf", "scan"} if args.speed else set()) | \
        ({"pdf"} if args.engines else set()) | ({"doc"} if args.doc_converters else set()) | \
        ({"scan"} if args.ocr_variants else set())
    make_corpus(txts, sorted(needed | {"txt"}), work, args.dpi)
    if args.speed:
        speed(work, args.ocr_limit or 20)
    if args.engines:
        engines(work, corpus)
    if args.doc_converters:
        doc_converters(work, corpus)
    if args.ocr_variants:
        ocr_variants(txts, args)
    if not (args.speed or args.engines or args.doc_converters or args.ocr_variants):
        measure(txts, formats, args)


if __name__ == "__main__":
    main()
