"""Small pure helpers of the console's page data."""

from __future__ import annotations

from datetime import UTC, datetime

from cutover.console.pages import age, resource_of, state_label


def test_resource_of_a_route_key_is_its_first_segment_after_api() -> None:
    assert resource_of("GET /api/jobs/<job_id>/executions") == "jobs"
    assert resource_of("POST /api/auth/login") == "auth"
    assert resource_of("GET /api") == "api"


def test_age_reads_like_a_person_would_say_it() -> None:
    now = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)
    assert age("2026-12-06T11:59:30.000Z", now) == "30s ago"
    assert age("2026-12-06T11:15:00.000Z", now) == "45m ago"
    assert age("2026-12-06T08:55:00.000Z", now) == "3h 5m ago"
    assert age("2026-12-03T12:00:00.000Z", now) == "3d ago"
    assert age("2026-12-06T12:00:05.000Z", now) == "0s ago"  # a clock a little ahead is not "in the future"
    assert age(None, now) is None


def test_state_label_names_the_canary_share() -> None:
    assert state_label("canary", 25) == "canary 25%" and state_label("fastapi", 0) == "fastapi"
