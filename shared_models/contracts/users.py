"""User and preference bodies (§3.1.7, §3.1.10, §3.1.12, D1).

Field order is the check order. A user update checks each key's type only when the
service reaches the key (`Held`): the legacy answered an earlier key's value rule, and a
non-admin's 403 on `role` / `is_active`, before a later key's wrong type.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict

from shared_models.contracts.auth import Role
from shared_models.contracts.base import Contract, refuse
from shared_models.contracts.fields import Flag, Held, omittable


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class UserUpdate(Contract):
    """PUT /auth/users/{user_id}: every key optional; `role` and `is_active` are admin-only.

    `email` and `password` apply only when truthy, `role` when not null, `is_active`
    whenever sent.
    """

    model_config = _examples({"email": "bob@example.org", "password": "n3w-secret"}, {"role": "admin", "is_active": False})

    # Each value is `Held`: the service reads it through `fields.checked` at its turn.
    email: Held[str | None] = None
    password: Held[str | None] = None
    role: Held[Role] = None
    is_active: Held[Flag] = omittable()


class PreferencesUpdate(Contract):
    """PUT /auth/users/{user_id}/preferences: each flag present is set; absent flags keep
    their value; unknown keys are ignored. Field order = `serializers.PREFERENCE_FLAGS`."""

    model_config = _examples({"daily_digest": True, "weekly_report": False})

    email_on_job_success: Flag = omittable()
    email_on_job_failure: Flag = omittable()
    email_on_job_disabled: Flag = omittable()
    browser_notifications: Flag = omittable()
    daily_digest: Flag = omittable()
    weekly_report: Flag = omittable()


class JobsTableColumns(Contract):
    """Which optional columns the jobs table shows. Keys left out go back to their defaults
    (not to the stored values); unknown keys are dropped."""

    pic_team: Flag = omittable()
    end_date: Flag = omittable()
    cron_expression: Flag = omittable()
    target_url: Flag = omittable()
    last_execution_at: Flag = omittable()


def _null_is_missing(value: Any) -> Any:
    if value is None:
        raise refuse(Contract.missing_error(["jobs_table_columns"]))
    return value


class UiPreferencesUpdate(Contract):
    """PUT /auth/users/{user_id}/ui-preferences (§3.1.12 steps 6-7): `jobs_table_columns`
    absent or null is missing; not an object, or a value not a boolean, is D1's 400."""

    model_config = _examples({"jobs_table_columns": {"cron_expression": True, "end_date": False}})

    jobs_table_columns: Annotated[JobsTableColumns, BeforeValidator(_null_is_missing)]
