"""The cron tools' bodies (API_CONTRACT.md §3.4.1, §3.4.2, D1, D3).

The expression is `expression`, else `cron_expression` (the legacy `a or b`): the
second key is read, and so type-checked, only when the first is empty. The preview
parses the expression before it reads `count` (§3.4.2), so that rule is checked there.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo

from shared_models import cron
from shared_models.contracts.base import Contract, refuse
from shared_models.contracts.fields import NumberOrDefault, read_only_without
from shared_models.errors import bad_request

DEFAULT_PREVIEW_COUNT = 5


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class CronExpression(Contract):
    """POST /jobs/validate-cron: `expression`, else `cron_expression`."""

    model_config = _examples({"expression": "0 9 * * 1-5"})

    expression: str | None = None
    cron_expression: read_only_without("expression") = None  # type: ignore[valid-type]

    @property
    def text(self) -> str:
        """The expression to check ("" when neither key holds one)."""
        return self.expression or self.cron_expression or ""


def _after_a_valid_expression(value: Any, info: ValidationInfo) -> Any:
    text = info.data.get("expression") or info.data.get("cron_expression") or ""
    try:
        cron.parse(text)
    except cron.CronError as error:
        raise refuse(bad_request("Invalid cron expression", str(error))) from None
    return value


class CronPreviewBody(CronExpression):
    """POST /jobs/cron-preview. `count`: a false-like value → 5; numbers and numeric
    strings are truncated, then capped at 20 (the service's rule)."""

    model_config = _examples({"expression": "0 9 * * 1-5", "count": 3})

    # Validated even when absent: the expression must parse before `count` is read.
    count: Annotated[NumberOrDefault, BeforeValidator(_after_a_valid_expression)] = Field(
        float(DEFAULT_PREVIEW_COUNT), validate_default=True
    )
