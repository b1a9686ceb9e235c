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


@functools.cache
def _char_tables() -> tuple[np.ndarray, np.ndarray]:
    """(is a digit to mask, is kept) for every BMP code point, derived from the two
    regular expressions `MinHasher._clean` applies, so the array path cleans exactly
    as they do (code points beyond the BMP are asked the expressions directly)."""
    every = "".join(map(chr, range(0x10000)))
    digit = np.zeros(0x10000, dtype=bool)
    for m in _MASK_DIGITS.finditer(every):
        digit[[ord(c) for c in m.group()]] = True
    kept = np.ones(0x10000, dtype=bool)
    for m in _DROP.finditer(every):
        kept[m.start():m.end()] = False
    return digit, kept


def _astral(cps: np.ndarray, table: int) -> np.ndarray:
    """`_char_tables()[table]` for code points beyond the BMP (rare: asked one each)."""
    test = ((lambda c: _MASK_DIGITS.fullmatch(c) is not None) if table == 0
            else (lambda c: _DROP.fullmatch(c) is None))
    answer = {int(c): test(chr(int(c))) for c in np.unique(cps)}
    return np.array([answer[int(c)] for c in cps], dtype=bool)


def _clean_code_points(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The code points of `MinHasher._clean(text)` for each text, concatenated, and
    the length of each: a run of digits becomes one "0", spaces, punctuation and "_"
    go. The same as the two substitutions, in array operations (they were two
    thirds of the hashing time)."""
    cp = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    digit_table, kept_table = _char_tables()
    bmp = cp < 0x10000
    low = np.where(bmp, cp, 0)
    digit, kept = digit_table[low], kept_table[low]
    if not bmp.all():
        far = np.flatnonzero(~bmp)
        digit[far], kept[far] = _astral(cp[far], 0), _astral(cp[far], 1)
    bounds = np.cumsum([0] + [len(t) for t in texts])
    after_digit = np.empty_like(digit)  # the previous character, in the same text, is a digit
    after_digit[0:1] = False
    after_digit[1:] = digit[:-1]
    after_digit[bounds[:-1][bounds[:-1] < len(cp)]] = False
    keep = (kept & ~digit) | (digit & ~after_digit)
    out = np.where(digit, np.uint32(ord("0")), cp)[keep].astype(np.uint64)
    n_kept = np.concatenate(([0], np.cumsum(keep)))
    return out, n_kept[bounds[1:]] - n_kept[bounds[:-1]]


MIN_SHINGLES = 20          # fewer (distinct) shingles: too short to compare meaningfully
GROUP_CHARS = 1 << 20      # characters cleaned and hashed together (~8 MB a array)
_EMPTY = np.uint64(1 << 32)  # a bin no shingle fell into (values are 32 bits)


class MinHasher:
    """MinHash signatures of character shingles; deterministic across runs.

    One-permutation hashing with optimal densification (Shrivastava 2017): each
    shingle is hashed once; the hash's high 32 bits choose one of `n` bins, its low
    32 bits are the value, and a bin keeps its minimum. A bin no shingle fell into
    borrows the minimum of another bin, chosen by a probe sequence that depends on
    the bin only, so two texts agree on it as often as on a filled bin. The
    fraction of equal bins estimates the Jaccard similarity of the shingle sets, as
    `n` independent permutations would, at the cost of one hash a shingle instead
    of `n` (the classic scheme was ~10% of the per-file work)."""

    def __init__(self, policy: Policy, seed: int = 1):
        self.k = policy.shingle
        self.n = policy.permutations
        self.seed = np.uint64(seed)
        # probe sequences of the densification: for bin i, attempt j looks at bin
        # probes[i, j] (a bin whose probes all miss: see `_densified`)
        attempts = 4 * self.n
        idx = np.arange(self.n * attempts, dtype=np.uint64) + self.seed * np.uint64(1 << 40)
        self.probes = (_mix64(idx) % np.uint64(self.n)).astype(np.intp).reshape(self.n, attempts)

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
            return _mix64(h ^ self.seed)

    def _shingle_hashes(self, text: str) -> np.ndarray:
        """Hashes of every k-character shingle (repeats included)."""
        return self._window_hashes(self._code_points(self._clean(text)))

    def signature(self, text: str) -> np.ndarray | None:
        """None for a text too short to compare meaningfully."""
        return self.signatures([text])[0]

    def signatures(self, texts: list[str]) -> list[np.ndarray | None]:
        """`signature` of each text (uint32). Texts are cleaned and hashed a group at a
        time, a group through each array operation: one text at a time, numpy's
        per-call cost would be most of the time."""
        sigs: list[np.ndarray | None] = [None] * len(texts)
        start, chars = 0, 0  # the group texts[start:i], of `chars` characters
        for i, text in enumerate(texts):
            if i > start and chars + len(text) > GROUP_CHARS:
                self._group_signatures(texts[start:i], start, sigs)
                start, chars = i, 0
            chars += len(text)
        if start < len(texts):
            self._group_signatures(texts[start:], start, sigs)
        return sigs

    def _group_signatures(self, texts: list[str], offset: int, sigs: list) -> None:
        """Signatures of `texts` into `sigs[offset + i]`: the texts are cleaned together
        (`_clean_code_points`), every window of the concatenation is hashed, the
        windows crossing from one text into the next are dropped and each text's bin
        minima are taken at once (`minimum.at`). A text of fewer than MIN_SHINGLES
        shingles keeps None."""
        cp, lengths = _clean_code_points(texts)
        n_shingles = lengths - self.k + 1
        signed = np.flatnonzero(n_shingles >= MIN_SHINGLES)
        if not len(signed):
            return
        text_start = (np.cumsum(lengths) - lengths)[signed]  # in the cleaned code points
        n_shingles = n_shingles[signed]
        shingle_start = np.cumsum(n_shingles) - n_shingles   # in the kept windows
        windows = self._window_hashes(cp)
        keep = np.arange(n_shingles.sum()) + np.repeat(text_start - shingle_start, n_shingles)
        hs = windows[keep]
        row = np.repeat(np.arange(len(signed), dtype=np.intp), n_shingles)
        # bin: the high 32 bits scaled to [0, n) (n need not be a power of 2)
        bins = ((hs >> np.uint64(32)) * np.uint64(self.n)) >> np.uint64(32)
        minima = np.full((len(signed), self.n), _EMPTY, dtype=np.uint64)
        np.minimum.at(minima.reshape(-1), row * self.n + bins.astype(np.intp),
                      hs & np.uint64(0xFFFFFFFF))
        filled = minima != _EMPTY
        for r, t in enumerate(signed.tolist()):
            if filled[r].sum() < MIN_SHINGLES:  # few bins: count the distinct shingles
                own = hs[shingle_start[r]:shingle_start[r] + n_shingles[r]]
                if len(np.unique(own)) < MIN_SHINGLES:
                    continue
            sigs[offset + t] = self._densified(minima[r], filled[r]).astype(np.uint32)

    def _densified(self, minima: np.ndarray, filled: np.ndarray) -> np.ndarray:
        """Each empty bin takes the minimum of the first filled bin on its probe
        sequence (at least one bin is filled)."""
        if filled.all():
            return minima
        out = minima.copy()
        empty = np.flatnonzero(~filled)
        probes = self.probes[empty]                   # (empty bins x attempts)
        hit = filled[probes]
        first = hit.argmax(axis=1)
        found = hit[np.arange(len(empty)), first]
        out[empty[found]] = minima[probes[found, first[found]]]
        for b in empty[~found]:  # no filled bin among its probes: the next filled bin
            nxt = np.flatnonzero(np.roll(filled, -int(b)))[0]
            out[b] = minima[(b + nxt) % self.n]
        return out


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
    sig = np.stack([signatures[i] for i in ids]).astype(np.uint32, copy=False)
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
