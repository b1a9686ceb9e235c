"""Per-report flags an analyst can act on, each with a reason in plain words.

Policy (required sections per org_type, thresholds) is data:
`data/required_sections.toml`, replaceable with `--policy`. Near-duplicate
pairs are found by `minhash`; `DuplicateFlags` turns them into flags.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

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
class YearPolicy:
    """Thresholds of the flags comparing a branch's report with its previous year's
    (`[years]` of the policy file; see `years`)."""
    copy_threshold: float = 0.9          # text shared, digits kept: only the year changed
    wording_threshold: float = 0.95      # text shared, digits masked: wording reused
    figures_share: float = 0.6           # share of figures equal to last year's
    figures_min: int = 5                 # figures a report needs for that share to count
    change_pct: float = 50.0             # larger change (in %) is implausible
    change_min_base: float = 20.0        # previous values below this are not judged
    change_metrics: tuple[str, ...] = ("members",)


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
    years: YearPolicy = YearPolicy()

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
        years=_year_policy(path, data.get("years", {})),
    )
    if pol.max_twins < 1:
        raise PolicyError(f"{path}: near_duplicate.max_twins must be at least 1")
    if pol.permutations % pol.bands:
        raise PolicyError(f"{path}: near_duplicate.permutations must be a multiple of bands")
    return pol


def _year_policy(path: Path, yd: dict) -> YearPolicy:
    """The `[years]` table, checked: shares in (0, 1], counts and percentages positive,
    metrics among the compared ones."""
    from schemas.report import YEAR_METRICS

    known = set(YearPolicy.__dataclass_fields__)
    unknown = sorted(set(yd) - known)
    if unknown:
        raise PolicyError(f"{path}: [years]: unknown key(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(known))}")
    base = YearPolicy()
    try:
        yp = YearPolicy(
            copy_threshold=float(yd.get("copy_threshold", base.copy_threshold)),
            wording_threshold=float(yd.get("wording_threshold", base.wording_threshold)),
            figures_share=float(yd.get("figures_share", base.figures_share)),
            figures_min=int(yd.get("figures_min", base.figures_min)),
            change_pct=float(yd.get("change_pct", base.change_pct)),
            change_min_base=float(yd.get("change_min_base", base.change_min_base)),
            change_metrics=tuple(yd.get("change_metrics", base.change_metrics)))
    except (TypeError, ValueError) as e:
        raise PolicyError(f"{path}: [years]: {e}") from None
    for name in ("copy_threshold", "wording_threshold", "figures_share"):
        if not 0 < getattr(yp, name) <= 1:
            raise PolicyError(f"{path}: [years] {name} must be in (0, 1]")
    if yp.figures_min < 1 or yp.change_pct <= 0 or yp.change_min_base < 0:
        raise PolicyError(f"{path}: [years] figures_min must be at least 1, change_pct "
                          "positive and change_min_base not negative")
    bad = [m for m in yp.change_metrics if m not in YEAR_METRICS]
    if bad:
        raise PolicyError(f"{path}: [years] change_metrics: unknown metric(s) {', '.join(bad)}; "
                          f"known: {', '.join(YEAR_METRICS)}")
    return yp


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


class DuplicateFlags:
    """The near-duplicate flags of a batch, made when asked for: per report the
    `max_twins` most similar twins (ties: first in input order), the last of them
    saying how many more similar reports there are. Holds per report at most twice
    `max_twins` twins, not the flags (a template copied thousands of times gives
    hundreds of thousands of pairs)."""

    def __init__(self, pairs, names: dict[str, str], max_twins: int = 5):
        """`pairs`: (a, b, similarity) in input order of the pairs, consumed once."""
        self.names, self.max_twins = names, max_twins
        self.twins: dict[str, list[tuple[float, int, str]]] = {}  # in order of first pair
        self.more: dict[str, int] = {}  # twins ranked out (beyond the kept ones)
        self.n_pairs = 0
        keep = max(1, max_twins)
        for k, (a, b, sim) in enumerate(pairs):
            self.n_pairs += 1
            for me, twin in ((a, b), (b, a)):
                ranked = self.twins.setdefault(me, [])
                ranked.append((-sim, k, twin))
                if len(ranked) >= 2 * keep:  # rank now and then: bounded per report
                    ranked.sort()
                    self.more[me] = self.more.get(me, 0) + len(ranked) - keep
                    del ranked[keep:]

    def __len__(self) -> int:
        """Number of flags."""
        return sum(min(len(t), self.max_twins) for t in self.twins.values())

    def of(self, report_id: str) -> list[Flag]:
        """The flags of one report (none: not a near-duplicate)."""
        ranked = self.twins.get(report_id)
        if not ranked:
            return []
        ranked = sorted(ranked)
        kept = ranked[:self.max_twins]
        more = len(ranked) - len(kept) + self.more.get(report_id, 0)
        out = []
        for i, (neg_sim, _, twin) in enumerate(kept):
            sim = -neg_sim
            extra = (f"；另有 {more} 份报告与之相似度达标，未逐一列出"
                     if more > 0 and i == len(kept) - 1 else "")
            out.append(Flag(
                report_id=report_id, code="near_duplicate", severity="warning",
                message=f"与“{self.names.get(twin, twin)}”高度相似（相似度 {sim:.0%}）{extra}，"
                        "疑似套用模板或抄袭，请核实",
                twin_report_id=twin, similarity=sim))
        return out

    def __iter__(self):
        """Every flag: reports in order of their first pair."""
        for report_id in self.twins:
            yield from self.of(report_id)


def duplicate_flags(pairs: list[tuple[str, str, float]], names: dict[str, str],
                    max_twins: int = 5) -> list[Flag]:
    """Flags on each side of each near-duplicate pair, naming the twin (`DuplicateFlags`)."""
    return list(DuplicateFlags(pairs, names, max_twins))
