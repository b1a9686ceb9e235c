"""Pydantic models of ghminer's output: the single source of truth."""
from schemas.report import (  # noqa: F401
    ACTIVITY_TYPES, FACT_TYPES, ORG_TYPES, SECTION_LABELS, ActivityFact, AmountFact, AwardFact,
    CountFact, Fact, FileRecord, PlaceholderFact, RateFact, Report, RunManifest, Section,
    json_schema,
)
