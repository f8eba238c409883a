"""The bodies of test-run and execute-now (API_CONTRACT.md §3.4.3, §3.5.7, D1, D7, D11).

Field order is the check order. Test-run's "Missing target configuration" comes
before `timeout_seconds` is read (§3.4.3), so it is checked there, from the target
keys already validated; every later rule is the service's.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo

from shared_models.contracts.base import Contract, refuse
from shared_models.contracts.fields import Held, NumberOrDefault, object_or_nothing, object_or_null
from shared_models.errors import ApiError, bad_request, invalid_payload

DEFAULT_TIMEOUT = 10.0
MISSING_TARGET = ApiError(
    400,
    "Missing target configuration",
    "Provide target_url or GitHub config (github_owner, github_repo, github_workflow_name).",
)


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


def trimmed(value: str | None) -> str | None:
    """A target key as the services read it: trimmed, and empty means absent."""
    return (value or "").strip() or None


def _after_a_target(value: Any, info: ValidationInfo) -> Any:
    github = [trimmed(info.data.get(key)) for key in ("github_owner", "github_repo", "github_workflow_name")]
    if not trimmed(info.data.get("target_url")) and not all(github):
        raise refuse(MISSING_TARGET)
    return value


class TestRunBody(Contract):
    """POST /jobs/test-run. `target_url` (a webhook, POSTed `metadata`) wins over the
    GitHub triple; `timeout_seconds` defaults to 10, clamped to [1, 30]."""

    __test__ = False  # not a pytest class

    model_config = _examples(
        {"target_url": "https://example.com/hook", "metadata": {"env": "staging"}},
        {"github_owner": "acme", "github_repo": "app", "github_workflow_name": "ci.yml",
         "metadata": {"ref": "main"}, "timeout_seconds": 15},
    )

    target_url: str | None = None
    github_owner: str | None = None
    github_repo: str | None = None
    github_workflow_name: str | None = None
    metadata: object_or_nothing(bad_request("Invalid metadata", '"metadata" must be an object.')) = Field(  # type: ignore[valid-type]
        default_factory=dict
    )
    # Validated even when absent: the missing-target rule is checked here, in its place.
    timeout_seconds: Annotated[NumberOrDefault, BeforeValidator(_after_a_target)] = Field(
        DEFAULT_TIMEOUT, validate_default=True
    )


class ExecuteBody(Contract):
    """POST /jobs/{job_id}/execute: optional per-run overrides, never stored. A webhook
    job takes only `target_url`; a GitHub job takes `dispatch_url`, the triple and
    `github_token`. A body sent without a JSON content type is ignored.

    The overrides are `Held`: a key is type-checked when the service reads it, and it
    reads only the keys the job's kind takes (a webhook job ignores a GitHub key,
    whatever its type), after the dispatch URL's own rule (§3.5.7)."""

    model_config = _examples(
        {"metadata": {"branchDetails": "dev"}},
        {"dispatch_url": "https://github.com/acme/app/actions/workflows/ci.yml", "github_token": "ghp_..."},
    )

    # `null` metadata is absent (D1's reading of null), not a wrong type (§3.5.7 step 5).
    metadata: object_or_null(invalid_payload('"metadata" must be a JSON object.')) = None  # type: ignore[valid-type]
    target_url: Held[str | None] = None
    dispatch_url: Held[str | None] = None
    github_owner: Held[str | None] = None
    github_repo: Held[str | None] = None
    github_workflow_name: Held[str | None] = None
    github_token: Held[str | None] = None
