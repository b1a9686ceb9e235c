"""Near-duplicate reports across the whole batch: MinHash over character shingles of
the report text (digits masked, so a template re-used with new numbers matches),
banded LSH for candidate pairs and the signature agreement as the similarity.
Its own module because it needs numpy, which an up-to-date build never loads.
"""
from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import numpy as np

from pipeline.aggregate.flags import Policy, load_policy

_MASK_DIGITS = re.compile(r"[0-9０-９一二三四五六七八九十百千万亿零〇两]+")
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


_POLY = np.uint64(0x100000001B3)  # FNV-64 prime: odd, well spread


def _mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: every input bit affects every output bit."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


MIN_SHINGLES = 20        # fewer (distinct) shingles: too short to compare meaningfully
SHINGLE_BLOCK = 8192     # shingles hashed together: a (permutations x block) matrix of 8 MB


class MinHasher:
    """MinHash signatures of character shingles; deterministic across runs."""

    def __init__(self, policy: Policy, seed: int = 1):
        rng = np.random.default_rng(seed)
        self.k = policy.shingle
        self.n = policy.permutations
        full = np.iinfo(np.uint64).max
        self.a = rng.integers(1, full, self.n, dtype=np.uint64, endpoint=True) | np.uint64(1)
        self.b = rng.integers(0, full, self.n, dtype=np.uint64, endpoint=True)

    def shingles(self, text: str) -> np.ndarray:
        """Distinct 64-bit hashes of the k-character shingles."""
        return np.unique(self._shingle_hashes(text))

    @staticmethod
    def _clean(text: str) -> str:
        """The text as compared: digits masked, spaces and punctuation dropped."""
        return _DROP.sub("", _MASK_DIGITS.sub("0", text))

    @staticmethod
    def _code_points(clean: str) -> np.ndarray:
        return np.frombuffer(clean.encode("utf-32-le", "surrogatepass"),
                             dtype=np.uint32).astype(np.uint64)

    def _window_hashes(self, cp: np.ndarray) -> np.ndarray:
        """Hashes of every k-code-point window of `cp` (one window when it is shorter),
        computed with array ops: a polynomial rolling hash, then a bit mixer."""
        n = max(1, len(cp) - self.k + 1)
        h = np.zeros(n, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(min(self.k, len(cp))):
                h = h * _POLY + cp[j:j + n] + np.uint64(1)
            return _mix64(h)

    def _shingle_hashes(self, text: str) -> np.ndarray:
        """Hashes of every k-character shingle (repeats included)."""
        return self._window_hashes(self._code_points(self._clean(text)))

    def signature(self, text: str) -> np.ndarray | None:
        """None for a text too short to compare meaningfully."""
        return self.signatures([text])[0]

    def signatures(self, texts: list[str]) -> list[np.ndarray | None]:
        """`signature` of each text. Report-sized texts are hashed together, a block of
        texts through each array operation: one text at a time, numpy's per-call cost
        was most of the time."""
        sigs: list[np.ndarray | None] = [None] * len(texts)
        group: list[tuple[int, str]] = []  # (index, cleaned text) hashed together
        group_shingles = 0
        for i, text in enumerate(texts):
            clean = self._clean(text)
            n_shingles = len(clean) - self.k + 1
            if n_shingles < MIN_SHINGLES:
                continue
            if n_shingles > SHINGLE_BLOCK:
                sigs[i] = self._long_signature(clean)
                continue
            if group_shingles + n_shingles > SHINGLE_BLOCK:
                self._group_signatures(group, sigs)
                group, group_shingles = [], 0
            group.append((i, clean))
            group_shingles += n_shingles
        if group:
            self._group_signatures(group, sigs)
        return sigs

    def _permuted(self, hs: np.ndarray) -> np.ndarray:
        """(permutations x shingles) multiply-add hashes (a*h + b) mod 2^64 (uint64 wraps).
        A signature keeps their minima's top 32 bits; the shift is monotonic, so it is
        applied to the minima only."""
        with np.errstate(over="ignore"):
            v = self.a[:, None] * hs[None, :]
            v += self.b[:, None]
        return v

    def _long_signature(self, clean: str) -> np.ndarray | None:
        """A text of more than a block of shingles, in blocks (never a huge matrix)."""
        hs = self._window_hashes(self._code_points(clean))  # repeats do not change a minimum
        out = np.full(self.n, np.iinfo(np.uint64).max, dtype=np.uint64)
        for i in range(0, len(hs), SHINGLE_BLOCK):
            np.minimum(out, self._permuted(hs[i:i + SHINGLE_BLOCK]).min(axis=1), out=out)
        # fewer than 20 distinct shingles: the minima tell when counting them is needed
        if len(np.unique(out)) < MIN_SHINGLES and len(np.unique(hs)) < MIN_SHINGLES:
            return None
        return out >> np.uint64(32)

    def _group_signatures(self, group: list[tuple[int, str]], sigs: list) -> None:
        """Signatures of texts of at least MIN_SHINGLES and at most a block of shingles
        in all, into `sigs`: the texts' code points are concatenated, every window is
        hashed, the windows crossing from one text into the next are dropped and each
        text's minima are taken with `minimum.reduceat`."""
        lengths = np.array([len(clean) for _, clean in group])
        n_shingles = lengths - self.k + 1
        text_start = np.cumsum(lengths) - lengths           # in the concatenated code points
        shingle_start = np.cumsum(n_shingles) - n_shingles  # in the kept windows
        windows = self._window_hashes(self._code_points("".join(c for _, c in group)))
        keep = np.arange(n_shingles.sum()) + np.repeat(text_start - shingle_start, n_shingles)
        hs = windows[keep]
        minima = np.minimum.reduceat(self._permuted(hs), shingle_start, axis=1).T.copy()
        # fewer than 20 distinct shingles: the minima tell when counting them is needed
        ordered = np.sort(minima, axis=1)
        distinct = 1 + (ordered[:, 1:] != ordered[:, :-1]).sum(axis=1)
        minima >>= np.uint64(32)
        for row, (i, _) in enumerate(group):
            if distinct[row] < MIN_SHINGLES:
                own = hs[shingle_start[row]:shingle_start[row] + n_shingles[row]]
                if len(np.unique(own)) < MIN_SHINGLES:
                    continue
            sigs[i] = minima[row]


@functools.cache
def _code_version() -> bytes:
    """Signatures are recomputed when the code computing them changes."""
    return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).digest()


def hasher_params(policy: Policy) -> bytes:
    """What a signature depends on besides the text: the policy's shingle size and
    number of permutations, and this module's code."""
    return f"{policy.shingle}|{policy.permutations}|".encode() + _code_version()


@functools.cache
def _bundled_hasher() -> tuple[MinHasher, bytes]:
    policy = load_policy(None)
    return MinHasher(policy), hasher_params(policy)


def report_signatures(text: str, spans: list[tuple[int, int]]
                      ) -> tuple[bytes, list[bytes | None]]:
    """The signature of each report `text[start:end]`, as the near-duplicate pass would
    compute it under the bundled policy, packed as little-endian uint32 (a signature
    keeps 32 bits per permutation), None for a text too short to compare; and the
    hasher's parameters, which the packed signatures hold for. Run by the per-file
    workers, which have the text at hand, so that the aggregate neither re-reads nor
    re-hashes the reports."""
    hasher, params = _bundled_hasher()
    sigs = hasher.signatures([text[start:end] for start, end in spans])
    return params, [None if sig is None else sig.astype("<u4").tobytes() for sig in sigs]


SIMILARITY_CHUNK = 20_000  # candidate pairs compared at a time: 2 x 10 MB of signatures


def near_duplicates(signatures: dict[str, np.ndarray], policy: Policy
                    ) -> list[tuple[str, str, float]]:
    """Pairs (a, b, similarity) at or above the policy threshold, a < b in input order
    (`iter_near_duplicates`)."""
    return list(iter_near_duplicates(signatures, policy))


def iter_near_duplicates(signatures: dict[str, np.ndarray], policy: Policy):
    """Pairs (a, b, similarity) at or above the policy threshold, a < b in input order,
    made a chunk at a time (a template corpus has hundreds of thousands).

    Banded LSH: two reports are candidates when all rows of one band agree; each
    band's rows are hashed to one 64-bit key and equal keys found by sorting. A
    bucket of up to 2 * max_twins + 1 reports yields all its pairs; a larger one
    (a template copied many times) pairs each report with its next
    2 * max_twins bucket-mates only: enough to flag every copy with up to
    max_twins twins, and linear instead of quadratic in the number of copies."""
    ids = list(signatures)
    if len(ids) < 2:
        return
    # (a signature keeps 32 bits per permutation: half the memory of uint64)
    sig = np.stack([signatures[i] for i in ids]).astype(np.uint32)
    rows = policy.permutations // policy.bands
    weights = _mix64(np.arange(1, rows + 1, dtype=np.uint64))
    reach = 2 * policy.max_twins
    found: list[np.ndarray] = []
    pair_index: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for band in range(policy.bands):
        chunk = sig[:, band * rows:(band + 1) * rows]
        with np.errstate(over="ignore"):
            keys = _mix64((chunk * weights[None, :]).sum(axis=1, dtype=np.uint64)
                          ^ np.uint64(band))
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
        sizes = np.diff(np.r_[starts, len(sk)])
        two = starts[sizes == 2]  # most buckets: their pairs at once, not one by one
        if len(two):
            a, b = order[two], order[two + 1]
            found.append(np.minimum(a, b) * len(ids) + np.maximum(a, b))
        for st, size in zip(starts[sizes > 2], sizes[sizes > 2]):
            members = np.sort(order[st:st + size])
            if size <= reach + 1:
                if size not in pair_index:
                    pair_index[size] = np.triu_indices(size, 1)
                x, y = pair_index[size]
                found.append(members[x] * len(ids) + members[y])
            else:
                for j in range(1, reach + 1):
                    found.append(members[:-j] * len(ids) + members[j:])
    if not found:
        return
    # sorted distinct (x, y) pairs, x < y: sorting and dropping repeats is ~10x faster
    # than np.unique's hash table on the millions of band hits of a template corpus
    cand = np.concatenate(found)
    cand.sort()
    cand = cand[np.r_[True, cand[1:] != cand[:-1]]]
    del found
    for i in range(0, len(cand), SIMILARITY_CHUNK):
        part = cand[i:i + SIMILARITY_CHUNK]
        xs, ys = part // len(ids), part % len(ids)
        sims = (sig[xs] == sig[ys]).mean(axis=1)
        keep = sims >= policy.threshold
        yield from ((ids[x], ids[y], round(float(sim), 3))
                    for x, y, sim in zip(xs[keep].tolist(), ys[keep].tolist(),
                                         sims[keep].tolist()))
