"""The request contracts and their one translator into the legacy 400s (D1, §3.5.1, §3.5.3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared_models.contracts import contract_error, parse_body, parse_query
from shared_models.contracts.jobs import JobCreate, JobListQuery, JobUpdate
from shared_models.errors import ApiError
from shared_models.requests import JsonBody
from shared_models.services.jobs import SORT_COLUMNS

VALID = {"name": "n", "cron_expression": "* * * * *", "end_date": "2099-01-01"}


def body(value: Any, content_type: str = "application/json") -> JsonBody:
    return JsonBody(content_type, json.dumps(value).encode())


def refusal(contract: type, payload: Any, content_type: str = "application/json") -> tuple[int, dict[str, Any]]:
    with pytest.raises(ApiError) as caught:
        parse_body(contract, body(payload, content_type))
    return caught.value.status, caught.value.body


def test_update_keeps_the_types_and_knows_what_was_sent() -> None:
    update = parse_body(JobUpdate, body({"name": " x ", "target_url": None, "metadata": None, "is_active": 0,
                                         "notification_emails": ["a@example.com"]}))
    assert update.name == " x "  # trimmed by the value rules, not here
    assert (update.target_url, update.metadata, update.is_active) == (None, None, False)
    assert update.notification_emails == ["a@example.com"]
    assert update.sent() == {"name", "target_url", "metadata", "is_active", "notification_emails"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"name": None}, '"name" must be a string.'),
        ({"cron_expression": 5}, '"cron_expression" must be a string.'),
        ({"pic_team_slug": []}, '"pic_team_slug" must be a string.'),
        ({"metadata": 1}, '"metadata" must be an object.'),
        ({"metadata": []}, '"metadata" must be an object.'),
        ({"is_active": "true"}, '"is_active" must be a boolean.'),
        ({"is_active": 2}, '"is_active" must be a boolean.'),
        ({"is_active": 1.0}, '"is_active" must be a boolean.'),
        ({"is_active": None}, '"is_active" must be a boolean.'),
        ({"notification_emails": {"a": 1}}, '"notification_emails" must be a list of strings or a string.'),
        ({"notification_emails": ["a", 1]}, '"notification_emails" must be a list of strings or a string.'),
    ],
)
def test_wrong_types_are_the_d1_400(payload: dict, message: str) -> None:
    assert refusal(JobUpdate, payload) == (400, {"error": "Invalid payload", "message": message})


def test_the_first_wrong_type_in_field_order_is_reported() -> None:
    assert refusal(JobUpdate, {"is_active": "x", "metadata": [], "name": 1})[1]["message"] == '"name" must be a string.'


def test_missing_keys_come_before_wrong_types_and_are_all_listed_in_order() -> None:
    assert refusal(JobCreate, {"end_date": "x", "metadata": 5}) == (
        400, {"error": "Missing required fields", "missing_fields": ["name", "cron_expression"]}
    )
    # null is present (the legacy's presence test), so only the absent key is missing
    assert refusal(JobCreate, {"name": "n", "end_date": None}) == (
        400, {"error": "Missing required fields", "missing_fields": ["cron_expression"]}
    )


def test_the_body_must_be_a_json_object_first() -> None:
    assert refusal(JobCreate, VALID, "text/plain") == (400, {"error": "Content-Type must be application/json"})
    assert refusal(JobCreate, [VALID])[1] == {"error": "Invalid payload", "message": "JSON body must be an object."}
    with pytest.raises(ApiError) as caught:
        parse_body(JobCreate, JsonBody("application/json", b"{nope"))
    assert caught.value.body["error"] == "Invalid JSON"


def test_unknown_keys_are_ignored() -> None:
    assert "surprise" not in parse_body(JobCreate, body({**VALID, "surprise": 1})).model_dump()


def test_the_list_query_reads_text_as_werkzeug_did() -> None:
    query = parse_query(JobListQuery, {"page": "x", "sort_order": " ASC ", "is_active": "0", "search": "  "})
    assert (query.page, query.per_page, query.paged) == (1, 20, True)  # a bad page still asks for paging
    assert (query.sort_by, query.sort_order, query.is_active, query.search) == ("created_at", "asc", False, None)
    assert parse_query(JobListQuery, {}).paged is False


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"sort_by": "size", "sort_order": "up", "is_active": "maybe"}, "sort_by must be one of: name, created_at, updated_at, end_date."),
        ({"sort_order": "up", "is_active": "maybe"}, "sort_order must be asc or desc."),
        ({"is_active": "maybe"}, "is_active must be true or false."),
    ],
)
def test_list_query_refusals_in_check_order(query: dict[str, str], message: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_query(JobListQuery, query)
    assert (caught.value.status, caught.value.body) == (400, {"error": "Invalid query", "message": message})


def test_the_sort_words_are_the_sortable_columns() -> None:
    assert JobListQuery.model_json_schema()["properties"]["sort_by"]["pattern"] == rf"^\s*({'|'.join(SORT_COLUMNS)})?\s*$"


def test_translator_wording_of_fastapi_errors() -> None:
    assert contract_error([{"type": "int_parsing", "loc": ("query", "page")}]).body == {
        "error": "Invalid payload", "message": '"page" must be an integer.'
    }
    assert contract_error([{"type": "missing", "loc": ("body", "name")}]).body == {
        "error": "Missing required fields", "message": '"name" is required.'
    }
