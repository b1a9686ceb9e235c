"""The schema is the contract: records validate, bad values are refused."""
import json

import pytest
from pydantic import TypeAdapter, ValidationError

from schemas.report import Fact, Report, json_schema


def _report(**kw):
    base = dict(source="a.txt", path="in/a.txt", report_index=0, start_line=5, end_line=9,
                start=10, end=200, chars=190)
    base.update(kw)
    return Report(**base)


def test_fact_union_dispatches_on_type():
    fact = TypeAdapter(Fact).validate_python(
        {"type": "count", "text": "组建基层工会34家", "start": 1, "end": 10, "line": 1,
         "value": 34, "unit": "家", "metric": "unions"})
    assert type(fact).__name__ == "CountFact" and fact.value == 34


def test_unknown_vocabulary_is_refused():
    with pytest.raises(ValidationError):
        _report(org_type="factory")
    with pytest.raises(ValidationError):
        _report(sections=["sports"])
    with pytest.raises(ValidationError):
        TypeAdapter(Fact).validate_python(
            {"type": "count", "text": "5台", "start": 0, "end": 2, "line": 1, "value": 5, "unit": "台"})


def test_jsonl_round_trip_keeps_contract_fields():
    rep = _report(org="桂园街道总工会", org_type="street", sections=["org_building"], facts=[
        {"type": "rate", "text": "建会率达到84.7%", "start": 20, "end": 30, "line": 6,
         "value": 84.7, "metric": "union_rate"}])
    line = rep.model_dump_json()
    data = json.loads(line)
    for key in ("source", "start_line", "title", "org", "org_type", "sections", "facts"):
        assert key in data
    assert Report.model_validate_json(line) == rep


def test_json_schema_lists_fact_types():
    schema = json_schema()["report"]
    text = json.dumps(schema)
    for t in ("CountFact", "RateFact", "AmountFact", "AwardFact", "ActivityFact", "PlaceholderFact"):
        assert t in text
