"""MinHash signatures kept between builds of a run folder, so a re-build after a
few files changed neither re-reads nor re-hashes the unchanged reports.

Keyed by the report's source state (run sha, size, mtime), its span and the
hasher (policy parameters and the code of `minhash.py`); only the signatures
used by the last build are kept. A missing or unreadable cache is rebuilt.
"""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import numpy as np

from pipeline.aggregate.atomic import atomic_path

CACHE_NAME = "aggregate-minhash.npz"  # under the run folder's .cache/


@cache
def _hasher_version() -> bytes:
    """Signatures are recomputed when the code computing them changes."""
    from pipeline.aggregate import minhash

    return hashlib.blake2b(Path(minhash.__file__).read_bytes(), digest_size=8).digest()


class SignatureCache:
    def __init__(self, path: Path, policy, n: int):
        self.path, self.n = Path(path), n
        self.params = f"{policy.shingle}|{policy.permutations}|".encode() + _hasher_version()
        self.old: dict[bytes, np.ndarray | None] = {}
        self.new: dict[bytes, np.ndarray | None] = {}
        try:
            with np.load(self.path) as z:
                keys, sigs, ok = z["keys"], z["sigs"], z["ok"]
            if sigs.ndim == 2 and sigs.shape[1] == n and len(keys) == len(sigs) == len(ok):
                self.old = {bytes(k): (s if o else None) for k, s, o in zip(keys, sigs, ok)}
        except (OSError, ValueError, KeyError):
            pass

    def key(self, source_state: str, start: int, end: int) -> bytes:
        return hashlib.blake2b(f"{source_state}|{start}|{end}|".encode("utf-8", "surrogatepass")
                               + self.params, digest_size=16).digest()

    def get(self, key: bytes):
        """(found, signature or None)."""
        if key in self.old:
            self.new[key] = self.old[key]
            return True, self.old[key]
        return False, None

    def put(self, key: bytes, sig: np.ndarray | None) -> None:
        self.new[key] = sig

    def save(self) -> None:
        if self.new.keys() == self.old.keys():
            return
        keys = np.array(list(self.new), dtype="S16")
        sigs = np.zeros((len(keys), self.n), dtype=np.uint64)
        ok = np.zeros(len(keys), dtype=bool)
        for i, s in enumerate(self.new.values()):
            if s is not None:
                sigs[i], ok[i] = s, True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, keys=keys, sigs=sigs, ok=ok)
