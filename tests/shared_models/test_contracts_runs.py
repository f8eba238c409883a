"""The test-run and execute-now contracts (§3.4.3, §3.5.7, D1): types, the false-like
readings of `metadata` and `timeout_seconds`, and test-run's check order."""

from __future__ import annotations

from typing import Any

import pytest

from shared_models.contracts import parse_body
from shared_models.contracts.fields import checked
from shared_models.contracts.runs import ExecuteBody, TestRunBody
from shared_models.errors import ApiError
from shared_models.requests import JsonBody
from tests.shared_models.test_contracts import body, refusal

HOOK = {"target_url": "https://example.com/hook"}
MISSING_TARGET = (400, {
    "error": "Missing target configuration",
    "message": "Provide target_url or GitHub config (github_owner, github_repo, github_workflow_name).",
})


def invalid(message: str) -> tuple[int, dict[str, str]]:
    return 400, {"error": "Invalid payload", "message": message}


@pytest.mark.parametrize("key", ["target_url", "github_owner", "github_repo", "github_workflow_name"])
def test_target_keys_must_be_strings_and_null_is_absent(key: str) -> None:
    assert refusal(TestRunBody, {key: 5, "metadata": 5}) == invalid(f'"{key}" must be a string.')
    assert getattr(parse_body(TestRunBody, body({**HOOK, key: None} if key != "target_url" else {
        "target_url": None, "github_owner": "a", "github_repo": "b", "github_workflow_name": "c.yml"})), key) is None


@pytest.mark.parametrize("metadata", [None, 0, "", [], False, {}])
def test_false_like_metadata_is_none(metadata: Any) -> None:
    assert parse_body(TestRunBody, body({**HOOK, "metadata": metadata})).metadata == {}


@pytest.mark.parametrize("metadata", [1, "x", [1], True])
def test_other_non_object_metadata_has_its_own_error(metadata: Any) -> None:
    assert refusal(TestRunBody, {**HOOK, "metadata": metadata}) == (
        400, {"error": "Invalid metadata", "message": '"metadata" must be an object.'}
    )


@pytest.mark.parametrize(
    ("payload", "answer"),
    [
        ({"metadata": 1, "timeout_seconds": "x"}, (400, {"error": "Invalid metadata", "message": '"metadata" must be an object.'})),
        ({"timeout_seconds": "x"}, MISSING_TARGET),  # no target is reported before the timeout
        ({"github_owner": " ", "github_repo": "r", "github_workflow_name": "w"}, MISSING_TARGET),  # blanks are absent
        ({**HOOK, "timeout_seconds": "x"}, invalid('"timeout_seconds" must be a number.')),
        ({**HOOK, "timeout_seconds": True}, invalid('"timeout_seconds" must be a number.')),
    ],
)
def test_test_run_check_order(payload: dict[str, Any], answer: tuple[int, dict[str, str]]) -> None:
    assert refusal(TestRunBody, payload) == answer


@pytest.mark.parametrize(("timeout", "read"), [(None, 10.0), (0, 10.0), ("", 10.0), ("45", 45.0), (0.5, 0.5)])
def test_timeout_reads_false_like_as_ten_and_leaves_clamping_to_the_service(timeout: Any, read: float) -> None:
    assert parse_body(TestRunBody, body({**HOOK, "timeout_seconds": timeout})).timeout_seconds == read


def test_execute_body_is_optional_and_ignored_without_a_json_type() -> None:
    assert parse_body(ExecuteBody, JsonBody(None, b""), optional=True).sent() == frozenset()
    assert parse_body(ExecuteBody, JsonBody("text/plain", b"{nope"), optional=True).sent() == frozenset()
    with pytest.raises(ApiError) as caught:
        parse_body(ExecuteBody, JsonBody("application/json", b"[1]"), optional=True)
    assert caught.value.body == {"error": "Invalid payload", "message": "JSON body must be an object."}


@pytest.mark.parametrize("metadata", [5, "x", [], 0, False])
def test_execute_metadata_must_be_an_object_or_null(metadata: Any) -> None:
    assert refusal(ExecuteBody, {"metadata": metadata}) == invalid('"metadata" must be a JSON object.')
    assert parse_body(ExecuteBody, body({"metadata": None})).metadata is None


def test_execute_overrides_hold_a_wrong_type_until_the_service_reads_the_key() -> None:
    parsed = parse_body(ExecuteBody, body({"github_owner": 5, "target_url": " https://x.example "}))
    assert checked(parsed.target_url) == " https://x.example "
    with pytest.raises(ApiError) as caught:
        checked(parsed.github_owner)
    assert caught.value.body == {"error": "Invalid payload", "message": '"github_owner" must be a string.'}
