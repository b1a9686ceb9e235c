"""Per-report flags an analyst can act on, each with a reason in plain words.

Policy (required sections per org_type, thresholds) is data:
`data/required_sections.toml`, replaceable with `--policy`. Near-duplicates
are found across the whole batch with MinHash over character shingles of the
report text (digits masked, so a template re-used with new numbers matches),
banded LSH for candidates and the signature agreement as the similarity.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel

from pipeline.aggregate.branches import Branch
from pipeline.aggregate.labels import zh
from schemas.report import SECTION_LABELS, Report

DEFAULT_POLICY = Path(__file__).parent / "data" / "required_sections.toml"
Severity = Literal["error", "warning", "info"]


class Flag(BaseModel):
    """One problem found in one report; a row of the `flags` table."""
    report_id: str
    code: str
    severity: Severity
    message: str
    detail: str | None = None
    twin_report_id: str | None = None
    similarity: float | None = None


@dataclass(frozen=True)
class Policy:
    required_default: tuple[str, ...]
    required_by_org_type: dict[str, tuple[str, ...]]
    shingle: int = 5
    permutations: int = 128
    bands: int = 32
    threshold: float = 0.8
    max_twins: int = 5
    max_amount_cny: float = 1e8
    amount_exempt: tuple[str, ...] = ()
    blocking_flags: tuple[str, ...] = ("missing_sections", "placeholders", "no_facts")
    capped_rates: tuple[str, ...] = ("union_rate", "membership_rate", "coverage_rate", "pass_rate")

    def required_for(self, org_type: str | None) -> tuple[str, ...]:
        return self.required_by_org_type.get(org_type or "", self.required_default)


class PolicyError(ValueError):
    pass


def load_policy(path: Path | None = None) -> Policy:
    path = Path(path) if path else DEFAULT_POLICY
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise PolicyError(f"{path}: cannot read policy: {e}") from None
    req = data.get("required", {})
    default = tuple(req.get("default", ()))
    by_type = {k: tuple(v) for k, v in req.get("org_type", {}).items()}
    for name, labels in [("default", default), *by_type.items()]:
        bad = [x for x in labels if x not in SECTION_LABELS]
        if bad:
            raise PolicyError(f"{path}: [required] {name}: unknown section label(s) "
                              f"{', '.join(bad)}; known: {', '.join(SECTION_LABELS)}")
    nd, am, cp = data.get("near_duplicate", {}), data.get("amount", {}), data.get("complete", {})
    pol = Policy(
        required_default=default, required_by_org_type=by_type,
        shingle=int(nd.get("shingle", 5)), permutations=int(nd.get("permutations", 128)),
        bands=int(nd.get("bands", 32)), threshold=float(nd.get("threshold", 0.8)),
        max_twins=int(nd.get("max_twins", 5)),
        max_amount_cny=float(am.get("max_cny", 1e8)),
        amount_exempt=tuple(am.get("exempt_org_types", ())),
        blocking_flags=tuple(cp.get("blocking_flags", Policy.blocking_flags)),
        capped_rates=tuple(data.get("rates", {}).get("capped", Policy.capped_rates)),
    )
    if pol.max_twins < 1:
        raise PolicyError(f"{path}: near_duplicate.max_twins must be at least 1")
    if pol.permutations % pol.bands:
        raise PolicyError(f"{path}: near_duplicate.permutations must be a multiple of bands")
    return pol


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def report_flags(rep: Report, report_id: str, branch: Branch, policy: Policy,
                 expected_year: int | None = None, org_type: str | None = None) -> list[Flag]:
    """Every per-report flag (near-duplicates are found later, across the batch)."""
    flags: list[Flag] = []
    org_type = rep.org_type or org_type

    def add(code: str, severity: Severity, message: str, detail: str | None = None):
        flags.append(Flag(report_id=report_id, code=code, severity=severity,
                          message=message, detail=detail))

    required = policy.required_for(org_type)
    missing = [s for s in required if s not in rep.sections]
    if missing:
        scope = zh("org_type", org_type) if org_type in policy.required_by_org_type else "默认"
        add("missing_sections", "warning",
            f"缺少必备板块：{'、'.join(zh('section', s) for s in missing)}"
            f"（{scope}要求），请补报或说明",
            ",".join(missing))
    placeholders = [f for f in rep.facts if f.type == "placeholder"]
    n_ph = max(rep.placeholder_count, len(placeholders))
    if n_ph:
        shown = "、".join(dict.fromkeys(f.text for f in placeholders[:20]))[:60]
        add("placeholders", "error",
            f"模板未填写：留有 {n_ph} 处占位符" + (f"（如 {shown}）" if shown else "")
            + "，请退回补填", str(n_ph))
    quant = [f for f in rep.facts if f.type in ("count", "rate", "amount") and f.value is not None]
    if not quant:
        add("no_facts", "warning", "无量化数据：全文没有可核对的数量、比率或金额，请要求补充数据")
    for f in rep.facts:
        if f.type == "rate" and f.value is not None and f.value > 100 \
                and f.metric in policy.capped_rates:
            add("inconsistent_value", "error",
                f"比率超过100%：“{f.text}”（第{f.line}行），请核实", f"rate>{100}:{f.line}")
    members = [f.value for f in rep.facts if f.type == "count" and f.metric == "members"
               and f.value is not None and f.unit in ("人", "名")]
    new = [f for f in rep.facts if f.type == "count" and f.metric == "new_members"
           and f.value is not None and f.unit in ("人", "名")]
    if members and new:
        top_new = max(new, key=lambda f: f.value)
        if top_new.value > max(members):
            add("inconsistent_value", "error",
                f"新发展会员多于会员总数：“{top_new.text}”（第{top_new.line}行）"
                f" > 会员 {_fmt(max(members))} 人，请核实", "new_members>members")
    if org_type not in policy.amount_exempt:
        for f in rep.facts:
            if f.type == "amount" and f.value is not None and f.currency == "CNY" \
                    and f.value >= policy.max_amount_cny:
                add("inconsistent_value", "warning",
                    f"金额过大：“{f.text}”（第{f.line}行）对基层工会而言不合常理，"
                    "请核实单位（万/亿）", f"amount>={_fmt(policy.max_amount_cny)}")
    want = branch.expected_year or expected_year
    if want:
        if rep.year is None:
            add("year_missing", "info", f"报告未写明年度（应为 {want} 年）")
        elif rep.year != want:
            add("wrong_year", "warning", f"报告年度为 {rep.year} 年，应为 {want} 年，"
                "可能交错了年份的总结", f"{rep.year}!={want}")
    if branch.district is None:
        why = ("文中单位名不在名册中" if branch.branch_source == "org"
               else "不在清单中，目录和正文也无法判断")
        add("branch_unknown", "warning", f"归属区县不明：{why}；请在 manifest.csv 中登记该文件")
    return flags


# --- near-duplicates ---------------------------------------------------------

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


SIMILARITY_CHUNK = 200_000  # candidate pairs compared at a time (bounded memory)


def near_duplicates(signatures: dict[str, np.ndarray], policy: Policy
                    ) -> list[tuple[str, str, float]]:
    """Pairs (a, b, similarity) at or above the policy threshold, a < b in input order.

    Banded LSH: two reports are candidates when all rows of one band agree; each
    band's rows are hashed to one 64-bit key and equal keys found by sorting. A
    bucket of up to 2 * max_twins + 1 reports yields all its pairs; a larger one
    (a template copied many times) pairs each report with its next
    2 * max_twins bucket-mates only: enough to flag every copy with up to
    max_twins twins, and linear instead of quadratic in the number of copies."""
    ids = list(signatures)
    if len(ids) < 2:
        return []
    sig = np.stack([signatures[i] for i in ids])
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
        for st, size in zip(starts[sizes > 1], sizes[sizes > 1]):
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
        return []
    cand = np.unique(np.concatenate(found))  # sorted (x, y) pairs, x < y
    out = []
    for i in range(0, len(cand), SIMILARITY_CHUNK):
        part = cand[i:i + SIMILARITY_CHUNK]
        xs, ys = part // len(ids), part % len(ids)
        sims = (sig[xs] == sig[ys]).mean(axis=1)
        keep = sims >= policy.threshold
        out.extend((ids[x], ids[y], round(float(sim), 3))
                   for x, y, sim in zip(xs[keep].tolist(), ys[keep].tolist(), sims[keep].tolist()))
    return out


def duplicate_flags(pairs: list[tuple[str, str, float]], names: dict[str, str],
                    max_twins: int = 5) -> list[Flag]:
    """Flags on each side of each near-duplicate pair, naming the twin: per report the
    `max_twins` most similar twins (ties: first in input order); the last of them
    says how many more similar reports there are."""
    twins: dict[str, list[tuple[float, int, str]]] = {}
    order: dict[str, int] = {}
    for k, (a, b, sim) in enumerate(pairs):
        for me, twin in ((a, b), (b, a)):
            order.setdefault(me, k)
            twins.setdefault(me, []).append((-sim, k, twin))
    out = []
    for me in sorted(twins, key=order.get):
        ranked = sorted(twins[me])
        kept, more = ranked[:max_twins], len(ranked) - max_twins
        for i, (neg_sim, _, twin) in enumerate(kept):
            sim = -neg_sim
            extra = (f"；另有 {more} 份报告与之相似度达标，未逐一列出"
                     if more > 0 and i == len(kept) - 1 else "")
            out.append(Flag(
                report_id=me, code="near_duplicate", severity="warning",
                message=f"与“{names.get(twin, twin)}”高度相似（相似度 {sim:.0%}）{extra}，"
                        "疑似套用模板或抄袭，请核实",
                twin_report_id=twin, similarity=sim))
    return out
