"""The cutover admin API's request bodies as contracts (`shared_models.contracts`).

The routes read them through `ContractBody` (after the admin check); the services take
them (`flags.apply_flag`, `flags.apply_switch`, `captures.apply_capture`,
`rollout.start_from`); the CLI calls the scalar services underneath with the same
rules. Field order is the check order: wrong types in field order, after any required
key that is absent, `null` or blank ("is required", as everywhere in the API). Value
rules (a known state or route, a percent within 0..100, a rate within 0..1, parseable
steps and hold) stay in the services, which the CLI shares.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema

from shared_models.contracts import Contract, refuse
from shared_models.contracts.fields import Flag, RequiredText, number, whole_number
from shared_models.errors import invalid_payload
from shared_models.models.ops import CUTOVER_STATES

DEFAULT_STEPS = (1, 5, 25, 50, 100)
DEFAULT_HOLD_SECONDS = 600.0
DEFAULT_MIN_REQUESTS = 500
"""What a rollout takes when the operator does not say (API, CLI and console alike)."""


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


RouteKey = Annotated[RequiredText, Field(examples=["GET /api/jobs"])]
State = Annotated[RequiredText, WithJsonSchema({"type": "string", "enum": list(CUTOVER_STATES)})]
Percent = whole_number(invalid_payload('"canary_percent" must be an integer from 0 to 100.'), minimum=0, maximum=100)
Force = Annotated[Flag, Field(description="move past shadow without a green parity result (audited)")]


class FlagUpdate(Contract):
    """PUT /flags: move one route to a state (audited)."""

    model_config = _examples(
        {"route_key": "GET /api/jobs", "state": "canary", "canary_percent": 10, "reason": "parity green"},
    )

    route_key: RouteKey
    state: State
    reason: str | None = None
    canary_percent: Percent | None = Field(None, description="required for canary")
    force: Force = False


class SwitchUpdate(Contract):
    """PUT /switches/{name}: turn a global switch on or off (audited)."""

    model_config = _examples({"enabled": True, "reason": "every route green"})

    enabled: Flag
    reason: str | None = None
    force: Force = False


class CaptureUpdate(Contract):
    """PUT /capture: record a share of one route's requests (audited)."""

    model_config = _examples({"route_key": "GET /api/jobs", "sample_rate": 0.1, "reason": "record traffic for replay"})

    route_key: RouteKey
    reason: str | None = None
    sample_rate: number(required=True, minimum=0, maximum=1) = Field(
        description="share of the route's requests recorded; 0 turns it off")


STEPS_TYPE = invalid_payload('"steps" must be a list of percents or a string such as "1,5,25,50,100".')
HOLD_TYPE = invalid_payload('"hold" must be a duration such as "90s", "10m" or "1h".')


def _steps(value: Any) -> Any:
    """A string, or a list without booleans or fractions (`rollout.parse_steps` reads the rest)."""
    if isinstance(value, str) or (isinstance(value, list) and not any(isinstance(s, bool | float) for s in value)):
        return value
    raise refuse(STEPS_TYPE)


def _hold(value: Any) -> Any:
    """A number of seconds or a duration text (`rollout.parse_duration` reads it)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    raise refuse(HOLD_TYPE)


Steps = Annotated[
    str | list[Any],
    BeforeValidator(_steps),
    WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "string"}],
                    "description": "increasing percents ending at 100"}),
]
Hold = Annotated[
    float | str,
    BeforeValidator(_hold),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}],
                    "description": "seconds, or a duration such as 90s, 10m, 1h"}),
]
MinRequests = whole_number(invalid_payload('"min_requests" must be a positive integer.'), minimum=1)


class RolloutStart(Contract):
    """POST /rollouts: start a progressive rollout (audited). The options are checked
    before the route key, as this API always did."""

    model_config = _examples(
        {"route_key": "GET /api/jobs", "steps": [1, 5, 25, 50, 100], "hold": "10m", "min_requests": 500},
    )

    steps: Steps = DEFAULT_STEPS
    hold: Hold = DEFAULT_HOLD_SECONDS
    min_requests: MinRequests = Field(DEFAULT_MIN_REQUESTS, description="requests each arm needs in a step's window")
    route_key: RouteKey
    reason: str | None = None


class RolloutAction(Contract):
    """POST /rollouts/pause, /resume, /abort."""

    route_key: RouteKey
    reason: str | None = None
