"""Write boundaries_synthetic.jsonl: the report boundaries of the team's synthetic
corpus (corpora/synthetic), read off its gold (corpora/gold/synthetic), in the
format of boundaries.jsonl. Re-run after the synthetic gold changes:

    .venv/bin/python corpora/annotations/make_synthetic_boundaries.py
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLD = HERE.parent / "gold" / "synthetic"


def main() -> None:
    rows = []
    for p in sorted(GOLD.glob("*.json")):
        g = json.loads(p.read_text(encoding="utf-8"))
        reps = [{"start_line": r["start_line"], "title_line": r["start_line"] if r.get("title") else None}
                for r in g["reports"]]
        rows.append({"source": "synthetic/" + g["source"], "reports": reps})
    (HERE / "boundaries_synthetic.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} files")


if __name__ == "__main__":
    main()
