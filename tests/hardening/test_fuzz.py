"""Schemathesis fuzz of `/api` and `/api/v2` (see tests/hardening/fuzz.py)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from shared_models.settings import Settings
from tests.hardening.conftest import World
from tests.hardening.fuzz import examples_target, fuzz, fuzz_seed, stack_schema
from tests.hardening.routes import LEGACY_BASE, V2_BASE
from tests.helpers import token_for


def _identity(settings: Settings, user: Any) -> Any:
    """Headers per operation: a fresh token where the call may consume one (refresh may rotate,
    logout revokes), the user's one access token elsewhere."""
    access = {"Authorization": f"Bearer {token_for(settings, user)}"}

    def headers_for(operation: Any) -> dict[str, str]:
        if operation.path.endswith("/auth/refresh"):
            return {"Authorization": f"Bearer {token_for(settings, user, 'refresh')}"}
        if operation.path.endswith("/auth/logout"):
            return {"Authorization": f"Bearer {token_for(settings, user)}"}
        return access

    return headers_for


def known_values(world: World) -> dict[str, list[str]]:
    return {
        "user_id": [world.other.id],
        "job_id": [world.job_id],
        "execution_id": [world.execution_id],
        "team_id": [world.team_id],
        "category_id": world.category_ids[:2],
        "notification_id": list(world.notification_ids.values()),
    }


@pytest.mark.parametrize("base", [V2_BASE, LEGACY_BASE], ids=["v2", "legacy"])
def test_fuzz_stack(base: str, api: TestClient, settings: Settings, world: World) -> None:
    document = api.get(f"{V2_BASE}/openapi.json").json()
    report = fuzz(
        stack_schema(document, base),
        api.app,
        identities={"admin": _identity(settings, world.admin), "viewer": _identity(settings, world.viewer)},
        known_path_values=known_values(world),
        requests=examples_target(),
        seed_value=fuzz_seed(),
    )
    print(f"fuzz {base}: {report.requests} requests in {report.seconds:.1f}s, statuses {sorted(report.statuses.items())}")
    assert not report.failures, report.summary()
    assert report.requests >= examples_target()


@pytest.mark.parametrize("base", [V2_BASE, LEGACY_BASE], ids=["v2", "legacy"])
def test_planted_fault_is_found(
    base: str, api: TestClient, settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness can fail: a shared service made to raise on some inputs gives a 500
    that the fuzzer reports."""
    from shared_models.services import cron_tools

    real = cron_tools.validate_cron

    def faulty(*, body: Any) -> dict[str, Any]:
        if len(body.text) > 3:
            raise ZeroDivisionError("planted fault")
        return real(body=body)

    monkeypatch.setattr(cron_tools, "validate_cron", faulty)
    document = api.get(f"{V2_BASE}/openapi.json").json()
    label = f"POST {base}/jobs/validate-cron"
    report = fuzz(
        stack_schema(document, base),
        api.app,
        identities={"admin": _identity(settings, world.admin)},
        known_path_values=known_values(world),
        requests=60,
        seed_value=fuzz_seed(),
        only=label,
    )
    assert report.statuses.get(500, 0) > 0
    assert f"admin positive {label}: Server error" in report.failures, sorted(report.failures)
