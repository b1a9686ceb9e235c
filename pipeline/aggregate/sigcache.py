"""MinHash signatures kept between builds of a run folder, so a re-build after a
few files changed neither re-reads nor re-hashes the unchanged reports.

Keyed by the report's source state (run sha, size, mtime), its span and the
hasher (policy parameters and the code of `minhash.py`). The aggregate keeps only
the signatures its last build used; a run adds the signatures its per-file
workers computed (`RunSignatures`), so the first build after a run finds them
too. A missing or unreadable cache is rebuilt.
"""
from __future__ import annotations

import hashlib
import warnings
import zipfile
from pathlib import Path

import numpy as np

from pipeline.runtime.files import atomic_path, tmp_path_for
from pipeline.aggregate.minhash import hasher_params
from pipeline.aggregate.source import source_state

CACHE_NAME = "aggregate-minhash.npz"  # under the run folder's .cache/
KEY_BYTES = 16


def _key(state: str, start: int, end: int, params: bytes) -> bytes:
    return hashlib.blake2b(f"{state}|{start}|{end}|".encode("utf-8", "surrogatepass") + params,
                           digest_size=KEY_BYTES).digest()


def _load(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(keys as (N, 16) uint8, signatures (N, width) uint32, ok (N,) bool) or None (no
    file, or unreadable). Callers check the width against their hasher's. (Older
    versions stored the 32-bit signatures as uint64.)"""
    try:
        with np.load(path) as z:
            keys, sigs, ok = z["keys"], z["sigs"], z["ok"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    # (keys stored as an "S16" array by older versions lost their trailing NUL bytes)
    if (keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != KEY_BYTES
            or sigs.ndim != 2 or not len(keys) == len(sigs) == len(ok)):
        return None
    return keys, sigs.astype(np.uint32, copy=False), ok


def _save(path: Path, keys: np.ndarray, sigs: np.ndarray, ok: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, keys=keys, sigs=sigs, ok=ok)


class SignatureCache:
    """The aggregate's view: signatures found (`get`) or computed (`put`) by this build
    are what `save` keeps."""

    def __init__(self, path: Path, policy, n: int):
        self.path, self.n = Path(path), n
        self.params = hasher_params(policy)
        self.old: dict[bytes, np.ndarray | None] = {}
        self.new: dict[bytes, np.ndarray | None] = {}
        loaded = _load(self.path)
        if loaded is not None and loaded[1].shape[1] == n:
            keys, sigs, ok = loaded
            self.old = {k.tobytes(): (s if o else None) for k, s, o in zip(keys, sigs, ok)}

    def key(self, state: str, start: int, end: int) -> bytes:
        return _key(state, start, end, self.params)

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
        keys = np.frombuffer(b"".join(self.new), dtype=np.uint8).reshape(-1, KEY_BYTES)
        sigs = np.zeros((len(keys), self.n), dtype=np.uint32)  # 32 bits a permutation
        ok = np.zeros(len(keys), dtype=bool)
        for i, s in enumerate(self.new.values()):
            if s is not None:
                sigs[i], ok[i] = s, True
        try:
            _save(self.path, keys, sigs, ok)
        except OSError as e:  # a cache: the next build computes them again
            warnings.warn(f"near-duplicate signature cache not written ({e})")


class RunSignatures:
    """The signatures a run's per-file workers computed (`minhash.report_signatures`),
    gathered by the driver as results arrive, fresh or from the result cache, and
    merged into the run folder's signature cache once the run's outputs are written.

    While the run goes on they are spooled to a temporary file beside the cache (one
    fixed-width record per report: 16-byte key, 4 bytes per permutation, ok byte), so
    the driver's memory does not grow with the corpus; only `save` holds them all.
    Signatures computed under other parameters (a result cached before the hasher's
    code changed) are left to the aggregate."""

    def __init__(self, run_dir: Path, policy=None):
        from pipeline.aggregate.flags import load_policy

        policy = policy or load_policy(None)
        self.path = Path(run_dir) / ".cache" / CACHE_NAME
        self.n = policy.permutations
        self.params = hasher_params(policy)
        self.record = np.dtype([("key", np.uint8, KEY_BYTES), ("sig", "<u4", self.n),
                                ("ok", np.uint8)])
        self._spool = None
        self._count = 0

    def add(self, path: str, sha: str | None, params: bytes,
            spans: list[tuple[int, int]], packed: list[bytes | None]) -> bool:
        """One file's signatures; False (nothing kept) when they do not fit this hasher."""
        width = 4 * self.n
        if (params != self.params or sha is None or len(spans) != len(packed)
                or any(sig is not None and len(sig) != width for sig in packed)):
            return False
        state = source_state(path, sha)
        rows = np.zeros(len(spans), dtype=self.record)
        for i, ((start, end), sig) in enumerate(zip(spans, packed)):
            rows[i]["key"] = np.frombuffer(_key(state, start, end, self.params), np.uint8)
            if sig is not None:
                rows[i]["sig"] = np.frombuffer(sig, "<u4")
                rows[i]["ok"] = 1
        if self._spool is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._spool = open(tmp_path_for(self.path.with_suffix(".spool")), "w+b")
        self._spool.write(rows.tobytes())
        self._count += len(rows)
        return True

    def __len__(self) -> int:
        return self._count

    def save(self) -> None:
        """Merge into the signature cache: this run's signatures, and the cached ones of
        other reports (which the next build may still use; it keeps only those it does).
        A cache holding signatures of another width (the aggregate runs with a policy
        of other `permutations`) is left alone: these would not serve it."""
        if self._spool is None:
            return
        try:
            self._spool.flush()
            rows = np.fromfile(self._spool.name, dtype=self.record)
            keys, ok = rows["key"].copy(), rows["ok"].astype(bool)  # copies: rows freed
            sigs = rows["sig"].astype(np.uint32)
            del rows
            old = _load(self.path)
            if old is not None and old[1].shape[1] != self.n:
                return
            if old is not None:
                old_keys, old_sigs, old_ok = old
                other = ~np.isin(old_keys.view(f"V{KEY_BYTES}").ravel(),
                                 keys.view(f"V{KEY_BYTES}").ravel())
                keys = np.concatenate([keys, old_keys[other]])
                sigs = np.concatenate([sigs, old_sigs[other]])
                ok = np.concatenate([ok, old_ok[other]])
            _save(self.path, keys, sigs, ok)
        finally:
            self.close()

    def close(self) -> None:
        """Remove the spool (also when the run fails before `save`)."""
        if self._spool is not None:
            spool, self._spool = self._spool, None
            try:
                spool.close()  # (flushing what a full disk refused raises again)
            except OSError:
                pass
            finally:
                Path(spool.name).unlink(missing_ok=True)
