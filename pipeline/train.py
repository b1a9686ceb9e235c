"""`ghminer train`: train every learned model (see `pipeline.training`)."""
from __future__ import annotations

from pipeline.training import train_all

__all__ = ["train_all"]

if __name__ == "__main__":
    import json

    print(json.dumps(train_all(), ensure_ascii=False, indent=1))
