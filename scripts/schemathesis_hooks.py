"""Schemathesis hooks for scripts/schemathesis_check.sh.

Authentication as the check's admin (a fresh token pair where the call consumes one:
refresh, logout), and the admin's own account kept out of reach of the generated
writes (a generated PUT on it could demote or deactivate the caller mid-run).
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import schemathesis

ORIGIN = os.environ["CHECK_ORIGIN"]
USERNAME = os.environ["CHECK_USERNAME"]
PASSWORD = os.environ["CHECK_PASSWORD"]
ADMIN_ID = os.environ["CHECK_ADMIN_ID"]
STAND_IN_ID = os.environ["CHECK_STAND_IN_ID"]


def _login() -> dict[str, str]:
    answer = httpx.post(f"{ORIGIN}/api/v2/auth/login", json={"username": USERNAME, "password": PASSWORD})
    answer.raise_for_status()
    return answer.json()


@schemathesis.auth()
class AdminTokens:
    def get(self, case: Any, ctx: Any) -> dict[str, str]:
        return _login()

    def set(self, case: Any, data: dict[str, str], ctx: Any) -> None:
        path = case.operation.path
        if path.endswith("/auth/refresh"):
            token = _login()["refresh_token"]
        elif path.endswith("/auth/logout"):
            token = _login()["access_token"]
        else:
            token = data["access_token"]
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    if case.path_parameters and case.path_parameters.get("user_id") == ADMIN_ID:
        case.path_parameters["user_id"] = STAND_IN_ID
