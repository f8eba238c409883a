"""The cron tools' contracts (§3.4.1, §3.4.2, D1): which key is read, `count`'s reading,
and the check order (types of what is read, then the expression, then `count`)."""

from __future__ import annotations

from typing import Any

import pytest

from shared_models.contracts import parse_body
from shared_models.contracts.cron_tools import CronExpression, CronPreviewBody
from tests.shared_models.test_contracts import body, refusal

EVERY_MINUTE = "* * * * *"


def invalid(message: str) -> tuple[int, dict[str, str]]:
    return 400, {"error": "Invalid payload", "message": message}


def test_expression_wins_and_cron_expression_is_then_not_even_type_checked() -> None:
    parsed = parse_body(CronExpression, body({"expression": EVERY_MINUTE, "cron_expression": {"x": 1}}))
    assert (parsed.text, parsed.cron_expression) == (EVERY_MINUTE, None)


@pytest.mark.parametrize("empty", [None, "", "absent"])
def test_cron_expression_is_read_and_checked_when_expression_is_empty(empty: Any) -> None:
    payload = {} if empty == "absent" else {"expression": empty}
    assert parse_body(CronExpression, body({**payload, "cron_expression": "0 9 * * *"})).text == "0 9 * * *"
    assert refusal(CronExpression, {**payload, "cron_expression": 5}) == invalid('"cron_expression" must be a string.')


def test_neither_key_is_the_empty_expression() -> None:
    assert parse_body(CronExpression, body({})).text == ""


def test_a_wrong_expression_type_is_refused_first() -> None:
    assert refusal(CronPreviewBody, {"expression": 1, "count": "x"}) == invalid('"expression" must be a string.')


@pytest.mark.parametrize(
    ("count", "read"),
    [(None, 5.0), (0, 5.0), ("", 5.0), (False, 5.0), ([], 5.0), ({}, 5.0), (3, 3.0), (" 2.9 ", 2.9), ("-1", -1.0)],
)
def test_count_reads_a_false_like_value_as_the_default(count: Any, read: float) -> None:
    assert parse_body(CronPreviewBody, body({"expression": EVERY_MINUTE, "count": count})).count == read


@pytest.mark.parametrize("count", [True, "x", "inf", "nan", [1], {"a": 1}])
def test_count_that_is_no_number_is_refused(count: Any) -> None:
    assert refusal(CronPreviewBody, {"expression": EVERY_MINUTE, "count": count}) == invalid('"count" must be a number.')


def test_a_bad_expression_is_reported_before_a_bad_count() -> None:
    status, answer = refusal(CronPreviewBody, {"expression": "61 * * * *", "count": "x"})
    assert (status, answer["error"]) == (400, "Invalid cron expression")
    # with no count at all, the expression is still checked
    assert refusal(CronPreviewBody, {})[1]["error"] == "Invalid cron expression"
