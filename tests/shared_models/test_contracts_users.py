"""The user and preference contracts (§3.1.7, §3.1.10, §3.1.12, D1)."""

from __future__ import annotations

from typing import Any

import pytest

from shared_models.contracts import parse_body
from shared_models.contracts.fields import Refusal, checked
from shared_models.contracts.users import JobsTableColumns, PreferencesUpdate, UiPreferencesUpdate, UserUpdate
from shared_models.errors import ApiError
from shared_models.serializers import PREFERENCE_FLAGS
from shared_models.services.users import DEFAULT_JOBS_TABLE_COLUMNS
from tests.shared_models.test_contracts import body, refusal


def invalid(message: str) -> tuple[int, dict[str, Any]]:
    return 400, {"error": "Invalid payload", "message": message}


def test_user_update_holds_wrong_types_for_the_service() -> None:
    update = parse_body(UserUpdate, body({"email": 42, "password": ["x"], "role": 7, "is_active": None}))
    assert all(isinstance(value, Refusal) for value in (update.email, update.password, update.role, update.is_active))
    for field, expected in (("email", "a string"), ("password", "a string"), ("role", "a string"),
                            ("is_active", "a boolean")):
        with pytest.raises(ApiError) as caught:
            checked(getattr(update, field))
        assert (caught.value.status, caught.value.body) == invalid(f'"{field}" must be {expected}.')
    assert update.sent() == {"email", "password", "role", "is_active"}


def test_user_update_reads_good_values_as_they_are() -> None:
    update = parse_body(UserUpdate, body({"email": " A@example.com", "role": None, "is_active": 0}))
    assert (checked(update.email), update.role, checked(update.is_active)) == (" A@example.com", None, False)
    assert update.password is None and update.sent() == {"email", "role", "is_active"}
    assert parse_body(UserUpdate, body({})).sent() == frozenset()


def test_preference_flags_are_the_contract_fields_in_order() -> None:
    assert tuple(PreferencesUpdate.model_fields) == PREFERENCE_FLAGS
    assert tuple(JobsTableColumns.model_fields) == tuple(DEFAULT_JOBS_TABLE_COLUMNS)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"daily_digest": "true"}, '"daily_digest" must be a boolean.'),
        ({"weekly_report": None}, '"weekly_report" must be a boolean.'),
        ({"weekly_report": 2, "daily_digest": 1.5}, '"daily_digest" must be a boolean.'),  # field order
    ],
)
def test_preferences_flags_are_booleans(payload: dict, message: str) -> None:
    assert refusal(PreferencesUpdate, payload) == invalid(message)


def test_preferences_accept_0_and_1_and_ignore_unknown_keys() -> None:
    update = parse_body(PreferencesUpdate, body({"daily_digest": 1, "weekly_report": 0, "junk": "x"}))
    assert (update.daily_digest, update.weekly_report, update.sent()) == (True, False, {"daily_digest", "weekly_report"})


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, (400, {"error": "Missing required fields", "message": '"jobs_table_columns" is required.'})),
        ({"jobs_table_columns": None}, (400, {"error": "Missing required fields", "message": '"jobs_table_columns" is required.'})),
        ({"jobs_table_columns": [True]}, invalid('"jobs_table_columns" must be an object.')),
        ({"jobs_table_columns": {"target_url": "yes", "end_date": None}}, invalid('"jobs_table_columns.end_date" must be a boolean.')),
    ],
)
def test_ui_preferences_refusals(payload: dict, expected: tuple) -> None:
    assert refusal(UiPreferencesUpdate, payload) == expected


def test_ui_preferences_know_the_columns_sent() -> None:
    columns = parse_body(UiPreferencesUpdate, body({"jobs_table_columns": {"target_url": 1, "unknown": True}})).jobs_table_columns
    assert (columns.target_url, columns.sent()) == (True, {"target_url"})
    assert UiPreferencesUpdate.model_json_schema()["required"] == ["jobs_table_columns"]
