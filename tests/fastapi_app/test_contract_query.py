"""`ContractQuery`: the hot reads' query contract in one validation step, and its OpenAPI
parameters generated from the model (fastapi_app.contract_query)."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request

from fastapi_app.contract_query import ContractQuery, query_parameters
from shared_models.contracts import contract_error
from shared_models.contracts.executions import ExecutionListQuery


def read(query_string: bytes) -> ExecutionListQuery:
    reader = ContractQuery(ExecutionListQuery).dependency
    return asyncio.run(reader(Request({"type": "http", "query_string": query_string, "headers": []})))


def test_the_query_string_is_validated_into_the_model() -> None:
    query = read(b"page=3&status=success,%20failed&limit=x&surprise=1")
    assert (query.page, query.page_size, query.status) == (3, 20, ("success", "failed"))


def test_a_refusal_is_fastapis_validation_error_carrying_the_legacy_answer() -> None:
    with pytest.raises(RequestValidationError) as caught:
        read(b"from=2026-01-02&to=2026-01-01")
    error = contract_error(caught.value.errors())
    assert (error.status, error.body) == (
        400, {"error": "Invalid date range", "message": '"from" must be earlier than "to".'}
    )


def test_parameters_are_the_models_fields_under_their_query_names() -> None:
    parameters = {parameter["name"]: parameter for parameter in query_parameters(ExecutionListQuery)}
    assert set(parameters) == {"from", "to", "page", "limit", "per_page", "job_id", "status", "trigger_type",
                               "execution_type"}
    assert all(parameter["in"] == "query" and not parameter["required"] for parameter in parameters.values())
    assert parameters["from"]["description"].startswith("Inclusive lower bound")
    # Defaults that are not text (1, ()) would contradict the string schema: left out.
    assert "default" not in parameters["page"]["schema"] and "default" not in parameters["status"]["schema"]
