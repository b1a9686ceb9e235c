"""Regenerate section_examples.jsonl: invented headings (invented_sections.tsv) +
seed headings and synthetic-corpus headings labelled by the cue vocabulary, kept
when the gold (dev gold for the seeds, corpora/gold/synthetic for the synthetic
texts) agrees.
usage: python corpora/annotations/make_section_examples.py [DEV_GOLD_DIR]"""
import json, sys
from pathlib import Path
HERE = Path(__file__).resolve().parent
GOLD = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "gold" / "dev"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pipeline.split import split_reports
from pipeline.split.training import make_doc
from pipeline.structure import _report_blocks
from pipeline.structure.headings import build_tree
from pipeline.structure.cues import best_label
out = []
for line in open(HERE / "invented_sections.tsv", encoding="utf-8"):
    lab, text = line.rstrip("\n").split("\t")
    out.append({"text": text, "label": None if lab == "none" else lab, "source": "invented"})
CORPORA = [(HERE.parent / "seeds", GOLD, ""), (HERE.parent / "synthetic", HERE.parent / "gold" / "synthetic", "synthetic/")]
for p, gold_dir, prefix in [(p, g, pre) for d, g, pre in CORPORA for p in sorted(d.glob("*.txt"))]:
    gold = json.load(open(gold_dir / f"{p.stem}.json"))["reports"]
    gsec = {r["start_line"]: set(r["sections"]) for r in gold}
    doc = make_doc(p.read_text(encoding="utf-8"), p.name)
    for rs in split_reports(doc):
        if rs.start_line not in gsec:
            continue
        blocks = _report_blocks(doc, rs)
        def walk(nodes):
            for n in nodes:
                lab, _ = best_label(n.heading)
                if lab is not None:
                    out.append({"text": n.heading, "label": lab if lab in gsec[rs.start_line] else None, "source": prefix + p.name})
                walk(n.children)
        walk(build_tree(blocks))
(HERE / "section_examples.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out))
from collections import Counter
print(len(out), Counter(r["label"] for r in out), Counter(r["source"] for r in out))
