"""The cutover admin API's contracts: the type refusals, the "is required" rule, the
check order, and what the services receive (cutover/contracts.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cutover.contracts import (
    DEFAULT_HOLD_SECONDS,
    DEFAULT_MIN_REQUESTS,
    DEFAULT_STEPS,
    CaptureUpdate,
    FlagUpdate,
    RolloutAction,
    RolloutStart,
    SwitchUpdate,
)
from shared_models.contracts import Contract, parse_body
from shared_models.errors import ApiError
from shared_models.requests import JsonBody

KEY = "GET /api/jobs"
MISSING = "Missing required fields"
INVALID = "Invalid payload"


def parsed(contract: type[Contract], raw: str) -> Any:
    return parse_body(contract, JsonBody("application/json", raw.encode()))


def refusal(contract: type[Contract], payload: Any) -> tuple[str, str]:
    with pytest.raises(ApiError) as caught:
        parsed(contract, json.dumps(payload))
    assert caught.value.status == 400
    return caught.value.body["error"], caught.value.body["message"]


def test_a_flag_body_is_trimmed_and_typed() -> None:
    body = parsed(FlagUpdate, json.dumps({"route_key": f" {KEY} ", "state": " canary ", "canary_percent": "10",
                                          "force": 1, "reason": " why "}))
    assert (body.route_key, body.state, body.canary_percent, body.force, body.reason) == (
        KEY, "canary", 10, True, " why ")
    assert parsed(FlagUpdate, json.dumps({"route_key": KEY, "state": "shadow"})).model_dump() == {
        "route_key": KEY, "state": "shadow", "reason": None, "canary_percent": None, "force": False}
    assert parsed(FlagUpdate, json.dumps({"route_key": KEY, "state": "canary", "canary_percent": 25.0})
                  ).canary_percent == 25


@pytest.mark.parametrize(("payload", "answer"), [
    ({"state": "legacy"}, (MISSING, '"route_key" is required.')),
    ({"route_key": None, "state": "legacy"}, (MISSING, '"route_key" is required.')),
    ({"route_key": "  ", "state": "legacy"}, (MISSING, '"route_key" is required.')),
    ({"route_key": KEY, "state": ""}, (MISSING, '"state" is required.')),
    ({"route_key": 5, "state": "legacy"}, (INVALID, '"route_key" must be a string.')),
    ({"route_key": KEY, "state": ["legacy"]}, (INVALID, '"state" must be a string.')),
    ({"route_key": KEY, "state": "legacy", "reason": 1}, (INVALID, '"reason" must be a string.')),
    ({"route_key": KEY, "state": "canary", "canary_percent": True}, (INVALID, '"canary_percent" must be a number.')),
    ({"route_key": KEY, "state": "canary", "canary_percent": "ten"}, (INVALID, '"canary_percent" must be a number.')),
    ({"route_key": KEY, "state": "canary", "canary_percent": "inf"}, (INVALID, '"canary_percent" must be a number.')),
    ({"route_key": KEY, "state": "canary", "canary_percent": 2.5},
     (INVALID, '"canary_percent" must be an integer from 0 to 100.')),
    ({"route_key": KEY, "state": "legacy", "force": "yes"}, (INVALID, '"force" must be a boolean.')),
    ({"route_key": KEY, "state": "legacy", "force": None}, (INVALID, '"force" must be a boolean.')),
    ({"route_key": KEY, "state": "legacy", "force": 2}, (INVALID, '"force" must be a boolean.')),
])
def test_flag_body_refusals(payload: dict[str, Any], answer: tuple[str, str]) -> None:
    assert refusal(FlagUpdate, payload) == answer


def test_flag_body_check_order() -> None:
    # Required keys first (absent, null or blank alike, in field order), then types in field order.
    assert refusal(FlagUpdate, {"route_key": 5, "force": "x"}) == (MISSING, '"state" is required.')
    assert refusal(FlagUpdate, {"state": None}) == (MISSING, '"route_key" is required.')
    assert refusal(FlagUpdate, {"route_key": KEY, "state": 1, "reason": 1, "canary_percent": "x", "force": 3})[1] \
        == '"state" must be a string.'
    assert refusal(FlagUpdate, {"route_key": KEY, "state": "canary", "force": 3, "canary_percent": 0.5, "reason": 1})[1] \
        == '"reason" must be a string.'
    assert refusal(FlagUpdate, {"route_key": KEY, "state": "canary", "force": 3, "canary_percent": 0.5})[1] \
        == '"canary_percent" must be an integer from 0 to 100.'


@pytest.mark.parametrize("raw", ['{"route_key": "K", "state": "canary", "canary_percent": Infinity}',
                                 '{"route_key": "K", "state": "canary", "canary_percent": NaN}',
                                 '{"route_key": "K", "state": "canary", "canary_percent": 1e400}'])
def test_a_non_finite_percent_is_a_400_not_a_crash(raw: str) -> None:
    with pytest.raises(ApiError) as caught:
        parsed(FlagUpdate, raw)
    assert caught.value.body["message"] == '"canary_percent" must be an integer from 0 to 100.'


def test_switch_body() -> None:
    assert parsed(SwitchUpdate, '{"enabled": 0}').model_dump() == {"enabled": False, "reason": None, "force": False}
    assert refusal(SwitchUpdate, {}) == (MISSING, '"enabled" is required.')
    assert refusal(SwitchUpdate, {"enabled": None}) == (INVALID, '"enabled" must be a boolean.')
    assert refusal(SwitchUpdate, {"enabled": "on", "reason": 1}) == (INVALID, '"enabled" must be a boolean.')
    assert refusal(SwitchUpdate, {"enabled": True, "reason": 1, "force": "x"}) == (INVALID, '"reason" must be a string.')
    assert refusal(SwitchUpdate, {"reason": 1}) == (MISSING, '"enabled" is required.')


def test_capture_body() -> None:
    assert parsed(CaptureUpdate, json.dumps({"route_key": KEY, "sample_rate": " 0.25 "})).sample_rate == 0.25
    assert parsed(CaptureUpdate, json.dumps({"route_key": KEY, "sample_rate": 1})).sample_rate == 1.0
    # out of range is the service's rule (the CLI shares it), not the contract's
    assert parsed(CaptureUpdate, json.dumps({"route_key": KEY, "sample_rate": 2})).sample_rate == 2.0
    assert refusal(CaptureUpdate, {"route_key": KEY}) == (MISSING, '"sample_rate" is required.')
    assert refusal(CaptureUpdate, {"route_key": KEY, "sample_rate": None}) == (MISSING, '"sample_rate" is required.')
    assert refusal(CaptureUpdate, {"sample_rate": None}) == (MISSING, '"route_key" is required.')
    assert refusal(CaptureUpdate, {"route_key": KEY, "sample_rate": False}) == (
        INVALID, '"sample_rate" must be a number.')
    assert refusal(CaptureUpdate, {"route_key": KEY, "sample_rate": "nan"}) == (
        INVALID, '"sample_rate" must be a number.')
    assert refusal(CaptureUpdate, {"route_key": KEY, "reason": [], "sample_rate": "x"}) == (
        INVALID, '"reason" must be a string.')


def test_rollout_start_defaults_and_readings() -> None:
    body = parsed(RolloutStart, json.dumps({"route_key": KEY}))
    assert (body.steps, body.hold, body.min_requests, body.reason) == (
        DEFAULT_STEPS, DEFAULT_HOLD_SECONDS, DEFAULT_MIN_REQUESTS, None)
    body = parsed(RolloutStart, json.dumps({"route_key": KEY, "steps": "1,100", "hold": 90, "min_requests": "300"}))
    assert (body.steps, body.hold, body.min_requests) == ("1,100", 90.0, 300)
    # list items are read by rollout.parse_steps (shared with the CLI); only booleans and fractions are type errors
    assert parsed(RolloutStart, json.dumps({"route_key": KEY, "steps": ["5", 100]})).steps == ["5", 100]


STEPS_TYPE = '"steps" must be a list of percents or a string such as "1,5,25,50,100".'
HOLD_TYPE = '"hold" must be a duration such as "90s", "10m" or "1h".'


@pytest.mark.parametrize(("payload", "message"), [
    ({"route_key": KEY, "steps": None}, STEPS_TYPE),
    ({"route_key": KEY, "steps": 5}, STEPS_TYPE),
    ({"route_key": KEY, "steps": [1.5, 100]}, STEPS_TYPE),
    ({"route_key": KEY, "steps": [True, 100]}, STEPS_TYPE),
    ({"route_key": KEY, "hold": True}, HOLD_TYPE),
    ({"route_key": KEY, "hold": None}, HOLD_TYPE),
    ({"route_key": KEY, "hold": {}}, HOLD_TYPE),
    ({"route_key": KEY, "min_requests": None}, '"min_requests" must be a positive integer.'),
    ({"route_key": KEY, "min_requests": 2.5}, '"min_requests" must be a positive integer.'),
    ({"route_key": KEY, "min_requests": "x"}, '"min_requests" must be a number.'),
    ({"route_key": 7}, '"route_key" must be a string.'),
    ({"route_key": KEY, "reason": 7}, '"reason" must be a string.'),
    # the options before the route key, as the rollout API always checked them
    ({"route_key": 7, "hold": None, "steps": [True]}, STEPS_TYPE),
    ({"route_key": 7, "reason": 7, "min_requests": 0.5}, '"min_requests" must be a positive integer.'),
])
def test_rollout_start_refusals_in_order(payload: dict[str, Any], message: str) -> None:
    assert refusal(RolloutStart, payload) == (INVALID, message)


def test_rollout_start_and_actions_require_a_route_key_first() -> None:
    assert refusal(RolloutStart, {"steps": None}) == (MISSING, '"route_key" is required.')
    assert refusal(RolloutAction, {"route_key": "", "reason": 1}) == (MISSING, '"route_key" is required.')
    assert refusal(RolloutAction, {"route_key": KEY, "reason": 1}) == (INVALID, '"reason" must be a string.')
    assert parsed(RolloutAction, json.dumps({"route_key": f"\t{KEY}\n"})).route_key == KEY


@pytest.mark.parametrize("contract", [FlagUpdate, SwitchUpdate, CaptureUpdate, RolloutStart, RolloutAction])
def test_the_body_must_be_a_json_object(contract: type[Contract]) -> None:
    assert refusal(contract, [1]) == (INVALID, "JSON body must be an object.")
    with pytest.raises(ApiError) as caught:
        parse_body(contract, JsonBody("text/plain", b"{}"))
    assert caught.value.body == {"error": "Content-Type must be application/json"}
