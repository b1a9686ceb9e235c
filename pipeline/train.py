"""`ghminer train`: train every learned model (see `pipeline.training`)."""
from __future__ import annotations

from pipeline.training import train_all

__all__ = ["train_all"]

if __name__ == "__main__":
    import json
    import sys

    metrics = train_all(echo=lambda line: print(line, file=sys.stderr))
    print(json.dumps(metrics, ensure_ascii=False, indent=1))
