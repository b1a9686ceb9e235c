"""The output contract of ghminer: reports, sections, facts and the run manifest.

This module is the single source of truth: the JSON Lines output, the JSON
Schema (`ghminer schema`) and the DataFrame columns of the aggregate stage all
derive from these models. Field names and meanings follow
`shared/spec/ANNOTATION.md`; extra fields are ours.

Offsets (`start`/`end`) are 0-based character offsets into the decoded source
text of the input file, end exclusive, so `source[start:end] == text` holds.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

OrgType = Literal[
    "street", "town", "community", "village", "district_federation", "enterprise",
    "school", "agency", "bank", "hospital", "other",
]
SectionLabel = Literal[
    "org_building", "democratic_mgmt", "rights", "aid", "skills", "culture_sports",
    "women", "finance", "publicity", "problems", "plan",
]
SECTION_LABELS: tuple[str, ...] = SectionLabel.__args__  # type: ignore[attr-defined]
ORG_TYPES: tuple[str, ...] = OrgType.__args__  # type: ignore[attr-defined]

CountUnit = Literal["人", "名", "人次", "户", "家", "个", "份", "场", "场次", "期", "次",
                    "条", "件", "项", "所", "支", "对", "篇"]
CountMetric = Literal[
    "members", "new_members", "employees", "unions", "units_covered", "contracts",
    "workers_covered", "aided", "trainees", "insured", "participants", "events",
    "proposals", "other",
]
RateMetric = Literal["union_rate", "membership_rate", "coverage_rate", "completion_rate",
                     "pass_rate", "other"]
Currency = Literal["CNY", "USD"]
Provenance = Literal["extracted", "corrected", "added"]
AwardLevel = Literal["national", "provincial", "municipal", "district", "town", "internal",
                     "unknown"]
ActivityType = Literal["culture_sports", "training", "aid_visit", "competition", "meeting",
                       "publicity", "outing", "other"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FactBase(_Model):
    text: str = Field(description="the shortest span carrying the fact, exactly as in the source")
    start: int = Field(ge=0, description="0-based char offset in the source text")
    end: int = Field(ge=0, description="end offset, exclusive")
    line: int = Field(ge=1, description="1-based source line of `start`")
    low_confidence: bool = Field(default=False, description=(
        "the span overlaps words OCR read with low confidence: check the figure "
        "against the scan before using it"))
    # Where the fact comes from: the extractor, an analyst's correction of an extracted
    # fact, or a fact an analyst added (pipeline/corrections.py). Left out of the JSON
    # when `extracted`, so uncorrected output is unchanged.
    provenance: Provenance = Field(default="extracted", exclude_if=lambda v: v == "extracted",
                                   description="extracted | corrected | added")


class CountFact(FactBase):
    type: Literal["count"] = "count"
    value: float | None = Field(description="None only when the number is masked")
    unit: CountUnit
    approx: bool = False
    metric: CountMetric = "other"


class RateFact(FactBase):
    type: Literal["rate"] = "rate"
    value: float | None = Field(description="in percent (84.7 for 84.7%)")
    metric: RateMetric = "other"


class AmountFact(FactBase):
    type: Literal["amount"] = "amount"
    value: float | None = Field(description="in the currency's base unit (53万元 -> 530000)")
    currency: Currency = "CNY"
    approx: bool = False


class AwardFact(FactBase):
    type: Literal["award"] = "award"
    name: str = Field(description="the honour without quotes or 荣誉称号/称号")
    level: AwardLevel = "unknown"
    recipient: str | None = None
    recipient_start: int | None = Field(default=None, ge=0,
                                        description="source offset of `recipient` when found in the text")
    recipient_end: int | None = Field(default=None, ge=0, description="its end offset, exclusive")
    rank: str | None = Field(default=None, description="一等奖, 第三名 ... when stated")
    rule: str | None = Field(default=None, description="id of the award rule that found it "
                                                       "(pipeline/extract/data/award_rules.yaml)")


class ActivityFact(FactBase):
    type: Literal["activity"] = "activity"
    date: str = Field(description="MM-DD, MM, or YYYY-MM-DD / YYYY-MM when the year is written")
    activity_type: ActivityType = "other"


class PlaceholderFact(FactBase):
    type: Literal["placeholder"] = "placeholder"


Fact = Annotated[
    Union[CountFact, RateFact, AmountFact, AwardFact, ActivityFact, PlaceholderFact],
    Field(discriminator="type"),
]
ACTIVITY_TYPES: tuple[str, ...] = ActivityType.__args__  # type: ignore[attr-defined]
FACT_TYPES: tuple[str, ...] = ("count", "rate", "amount", "award", "activity", "placeholder")


class Section(_Model):
    """A node of the heading tree of one report."""
    heading: str = Field(description="the heading text as in the source")
    level: int = Field(ge=1, description="1 = top level (一、), deeper levels nest")
    marker: str | None = Field(default=None, description="the numbering, e.g. 一、 (一) 1. 一是")
    label: SectionLabel | None = Field(default=None, description="canonical topic, if any")
    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1, description="last line of the section, inclusive")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    children: list["Section"] = Field(default_factory=list)


class Report(_Model):
    """One report found in one source file; one JSON Lines record."""
    source: str = Field(description="input file name (the contract's key)")
    path: str = Field(description="input path as given / discovered")
    report_index: int = Field(ge=0, description="position of the report in its file")
    start_line: int = Field(ge=1, description="1-based line where the report begins")
    end_line: int = Field(ge=1, description="last line of the report, inclusive")
    start: int = Field(ge=0, description="char offset of the report start in the source")
    end: int = Field(ge=0)
    title: str | None = None
    org: str | None = Field(default=None, description="reporting unit as written, or None")
    org_start: int | None = Field(default=None, ge=0,
                                  description="char offset of `org` in the source (where it was found)")
    org_end: int | None = Field(default=None, ge=0, description="end offset of `org`, exclusive")
    org_type: OrgType | None = None
    year: int | None = Field(default=None, description="reporting year when written")
    sections: list[SectionLabel] = Field(default_factory=list,
                                         description="canonical topics covered")
    section_tree: list[Section] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    placeholder_count: int = 0
    chars: int = Field(ge=0, description="length of the report text")


YearMetric = Literal["members", "new_members", "union_rate", "membership_rate",
                     "aided_households", "aided_people", "aid_spending", "units_covered"]
YEAR_METRICS: tuple[str, ...] = YearMetric.__args__  # type: ignore[attr-defined]


class BranchYear(_Model):
    """One metric of one branch in one year of a multi-year run (table `branch_years`)."""
    branch_id: str
    branch_name: str | None = None
    district: str | None = None
    year: int
    metric: YearMetric
    value: float
    how: str = Field(description="how the value was aggregated, e.g. "
                                 "max_in_report+sum_over_reports")
    n_reports: int = Field(ge=1, description="the branch's reports of that year stating it")
    report_ids: list[str]
    fact_ids: list[str] = Field(description="report_id:fact_no of each fact behind the value")
    fact_texts: list[str]


class YearOverYear(_Model):
    """A change between two years of a branch or a district (table `year_over_year`)."""
    level: Literal["branch", "district"]
    district: str | None = None
    branch_id: str | None = None
    branch_name: str | None = None
    metric: YearMetric | None = Field(default=None, description="None on new/stopped rows")
    status: Literal["compared", "only_previous", "only_current", "new", "stopped"]
    previous_year: int | None = None
    current_year: int
    previous_value: float | None = None
    current_value: float | None = None
    change: float | None = None
    change_pct: float | None = Field(default=None, description="in percent of the previous value")
    previous_branches: int | None = Field(default=None, description="district rows: branches "
                                          "stating the metric in the previous year")
    current_branches: int | None = None


FileStatusLiteral = Literal["processed", "failed"]


class FileFlag(_Model):
    """Something an analyst must know about a processed file (e.g. it gave no report)."""
    code: Literal["no_report"]
    message: str = Field(description="why, in plain words")


class RefusedManifestRow(_Model):
    """A row of the branch manifest (manifest.csv) that was refused; the rest are used."""
    manifest: str
    line: int = Field(ge=1, description="1-based line of the CSV file")
    file: str = Field(description="the row's `file` as written")
    reason: str


class FileRecord(_Model):
    """What happened to one input file."""
    path: str
    source: str
    status: FileStatusLiteral
    reason: str | None = Field(default=None, description="why it failed; None when processed")
    format: str | None = None
    encoding: str | None = None
    bytes: int | None = None
    chars: int | None = None
    reports: int = 0
    sha256: str | None = None
    cached: bool = False
    flags: list[FileFlag] = Field(default_factory=list,
                                  description="e.g. no_report: processed, but no report found")
    ocr: bool = Field(default=False, description="text recognised from images (scan, photo)")
    ocr_confidence: float | None = Field(default=None, description=(
        "mean OCR word confidence, 0-100; None when not OCR'd"))


class RunManifest(_Model):
    ghminer_version: str
    config_hash: str
    inputs: list[str]
    started: str
    finished: str
    files: list[FileRecord]
    counts: dict[str, int] = Field(
        description="files, processed, failed, cached, no_report, reports, facts")
    refused_manifest_rows: list[RefusedManifestRow] = Field(
        default_factory=list, description="rows of manifest.csv refused (the rest are used)")


def json_schema() -> dict:
    """JSON Schema of one JSON Lines record (a Report) and of the manifest."""
    return {
        "report": Report.model_json_schema(),
        "manifest": RunManifest.model_json_schema(),
    }
