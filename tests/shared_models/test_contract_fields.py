"""Field types of the contracts: required text, legacy numbers and whole numbers (D1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared_models.contracts import Contract, parse_body
from shared_models.contracts.fields import RequiredText, number, whole_number
from shared_models.errors import ApiError, invalid_payload
from shared_models.requests import JsonBody

WHOLE_ERROR = invalid_payload('"count" must be a whole number.')
SIZE_ERROR = invalid_payload('"size" must be a positive integer.')


class Sample(Contract):
    name: RequiredText
    rate: number(required=True, minimum=0)
    count: whole_number(WHOLE_ERROR, minimum=1) | None = None
    size: whole_number(SIZE_ERROR) = 3


def parsed(payload: Any) -> Sample:
    return parse_body(Sample, JsonBody("application/json", json.dumps(payload).encode()))


def message(payload: Any) -> str:
    with pytest.raises(ApiError) as caught:
        parsed(payload)
    return caught.value.body["message"]


def test_readings() -> None:
    sample = parsed({"name": "  a b ", "rate": "1e2", "count": "7", "size": 4.0})
    assert (sample.name, sample.rate, sample.count, sample.size) == ("a b", 100.0, 7, 4)
    assert parsed({"name": "a", "rate": 0, "count": None}).count is None
    assert parsed({"name": "a", "rate": -1.5}).rate == -1.5  # bounds are the service's rule


@pytest.mark.parametrize(("payload", "expected"), [
    ({"rate": 1}, '"name" is required.'),
    ({"name": None, "rate": 1}, '"name" is required.'),
    ({"name": " \t", "rate": 1}, '"name" is required.'),
    ({"name": "a", "rate": None}, '"rate" is required.'),
    ({"name": 1, "rate": 1}, '"name" must be a string.'),
    ({"name": "a", "rate": True}, '"rate" must be a number.'),
    ({"name": "a", "rate": "1,5"}, '"rate" must be a number.'),
    ({"name": "a", "rate": "-inf"}, '"rate" must be a number.'),
    ({"name": "a", "rate": [1]}, '"rate" must be a number.'),
    ({"name": "a", "rate": 1, "count": "x"}, '"count" must be a number.'),
    ({"name": "a", "rate": 1, "count": "1.5"}, '"count" must be a whole number.'),
    ({"name": "a", "rate": 1, "size": None}, '"size" must be a positive integer.'),  # null unless allowed
])
def test_refusals(payload: dict[str, Any], expected: str) -> None:
    assert message(payload) == expected


def test_schemas_document_the_bounds_the_services_check() -> None:
    properties = Sample.model_json_schema()["properties"]
    assert properties["name"]["pattern"] == r"\S"
    assert (properties["rate"]["type"], properties["rate"]["minimum"]) == ("number", 0)
    assert properties["count"]["anyOf"][0] == {"type": "integer", "minimum": 1}
    assert Sample.model_json_schema()["required"] == ["name", "rate"]
