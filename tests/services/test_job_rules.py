"""The job field rules shared by create, update and bulk upload (D1, D10, D11, D13)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from shared_models import clock
from shared_models.errors import ApiError, bad_request
from shared_models.services import job_rules as rules
from shared_models.services.ownership import can_modify_job, get_job_or_404, require_job_owner
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import at, make_job, make_user

SETTINGS = make_settings("sqlite://")
MISSING_DATE = bad_request("Missing", "missing")


def error_of(call, *args, **kwargs) -> dict:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    assert caught.value.status == 400
    return caught.value.body


def refusal_of(call, *args, **kwargs) -> dict | None:
    """The 400 body `call` raises, or None when it accepts its input."""
    try:
        call(*args, **kwargs)
    except ApiError as exc:
        return exc.body
    return None


def test_name_rules() -> None:
    assert rules.require_name("  Job  ") == "Job"
    assert rules.require_name("x" * 255) == "x" * 255
    assert error_of(rules.require_name, " \t ") == {"error": "Job name cannot be empty"}
    assert error_of(rules.require_name, "x" * 256)["error"] == "Invalid name"


def test_cron_rules() -> None:
    assert rules.clean_cron("  0 9 * * 1-5 ") == "0 9 * * 1-5"
    assert error_of(rules.clean_cron, "0 9 * *") == {
        "error": "Invalid cron expression",
        "message": "Cron expression must have exactly 5 fields (minute hour day month day-of-week).",
    }
    assert error_of(rules.clean_cron, "0 9 * * 8")["message"] == "Invalid value for day of week: 8 (allowed 0-6)."


def test_end_date_is_judged_in_the_scheduler_zone() -> None:
    clock.freeze(at(2030, 6, 30, 15, 30))  # 2030-07-01 00:30 in Tokyo
    assert rules.today_in_zone(SETTINGS) == date(2030, 7, 1)
    assert rules.parse_end_date(" 2030-07-01 ", SETTINGS, missing=MISSING_DATE) == date(2030, 7, 1)
    assert error_of(rules.parse_end_date, "2030-06-30", SETTINGS, missing=MISSING_DATE) == {
        "error": "Invalid end_date", "message": "end_date must be today or in the future (JST).",
    }
    utc = make_settings("sqlite://", SCHEDULER_TIMEZONE="UTC")
    assert rules.parse_end_date("2030-06-30", utc, missing=MISSING_DATE) == date(2030, 6, 30)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_end_date_missing_uses_the_callers_error(raw: str | None) -> None:
    assert error_of(rules.parse_end_date, raw, SETTINGS, missing=MISSING_DATE) == {"error": "Missing", "message": "missing"}


@pytest.mark.parametrize("raw", ["2030-13-01", "2030-1-1", "20300101", "tomorrow", "2030-01-01T00:00:00"])
def test_end_date_format(raw: str) -> None:
    assert error_of(rules.parse_end_date, raw, SETTINGS, missing=MISSING_DATE) == {
        "error": "Invalid end_date", "message": "Invalid end_date. Use YYYY-MM-DD.",
    }
    production = make_settings("sqlite://", EXPOSE_ERROR_DETAILS=False)
    assert error_of(rules.parse_end_date, raw, production, missing=MISSING_DATE)["message"] == "Invalid end_date"


def test_default_owner_d13() -> None:
    target = rules.Target(github_repo="r", github_workflow_name="w.yml")
    assert target.with_default_owner(SETTINGS).github_owner is None
    with_owner = make_settings("sqlite://", DEFAULT_GITHUB_OWNER=" acme ")
    assert target.with_default_owner(with_owner).github_owner == "acme"
    assert target.with_default_owner(with_owner).complete
    webhook = rules.Target(target_url="https://x.example.com", github_repo="r", github_workflow_name="w.yml")
    assert webhook.with_default_owner(with_owner).github_owner is None  # never with a target_url
    assert rules.Target(github_owner="me", github_repo="r", github_workflow_name="w").with_default_owner(with_owner).github_owner == "me"


@pytest.mark.parametrize("workflow", ["deploy.yml", "deploy.yaml", "CI.YML", "12345"])
def test_workflow_accepted(workflow: str) -> None:
    target = rules.Target(github_owner="o", github_repo="r", github_workflow_name=workflow)
    assert refusal_of(rules.check_target, target, SETTINGS) is None
    # The same target with a workflow no rule accepts is refused: the check ran.
    refused = rules.Target(github_owner="o", github_repo="r", github_workflow_name=workflow + "/x")
    assert refusal_of(rules.check_target, refused, SETTINGS)["error"] == "Invalid GitHub configuration"


@pytest.mark.parametrize("workflow", ["deploy", ".yml.txt", "a/b.yml", "12a", "yml"])
def test_workflow_rejected(workflow: str) -> None:
    body = error_of(rules.check_target_field, "github_workflow_name", workflow, SETTINGS)
    assert body["error"] == "Invalid GitHub configuration"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com", "Webhook URL must be an https:// URL with a host."),
        ("https://", "Webhook URL must be an https:// URL with a host."),
        ("https://127.0.0.2/x", "Webhook URL must not point to a loopback, private, link-local or multicast address."),
        ("https://[::1]/x", "Webhook URL must not point to a loopback, private, link-local or multicast address."),
        ("https://169.254.169.254/latest", "Webhook URL must not point to a loopback, private, link-local or multicast address."),
        ("https://x.example.com/" + "a" * 490, "Webhook URL must be at most 500 characters."),
    ],
)
def test_target_url_rules(url: str, message: str) -> None:
    assert error_of(rules.check_target_field, "target_url", url, SETTINGS) == {"error": "Invalid target_url", "message": message}


def test_allowed_hosts_are_exempt() -> None:
    # WEBHOOK_ALLOWED_HOSTS (localhost in the tests) may be plain http and loopback.
    assert refusal_of(rules.check_target_field, "target_url", "http://localhost:8080/hook", SETTINGS) is None
    assert refusal_of(rules.check_target_field, "target_url", "https://8.8.8.8/hook", SETTINGS) is None
    # A loopback host not in the list is refused.
    assert refusal_of(rules.check_target_field, "target_url", "http://127.0.0.2:8080/hook", SETTINGS) is not None


def test_emails() -> None:
    assert rules.clean_emails(" a@example.com , ,b@example.org") == "a@example.com,b@example.org"
    assert rules.clean_emails(["a@example.com"]) == "a@example.com"
    assert rules.clean_emails([]) is None
    assert rules.clean_emails(None) is None
    assert error_of(rules.clean_emails, ["a@example.com", "b@"])["message"] == (
        '"notification_emails" contains an invalid e-mail address: "b@".'
    )


def test_name_taken(db: Session) -> None:
    job = make_job(db, name="Taken")
    assert rules.name_taken(db, "Taken")
    assert not rules.name_taken(db, "taken")  # exact, case-sensitive
    assert not rules.name_taken(db, "Taken", exclude_id=job.id)


def test_ownership(db: Session, settings: Settings) -> None:
    admin, owner, other, viewer = (make_user(db, role) for role in ("admin", "user", "user", "viewer"))
    mine, orphan, viewers = make_job(db, owner), make_job(db, None), make_job(db, viewer)
    assert [can_modify_job(admin, job) for job in (mine, orphan, viewers)] == [True, True, True]
    assert [can_modify_job(owner, job) for job in (mine, orphan, viewers)] == [True, False, False]
    assert [can_modify_job(other, job) for job in (mine, orphan, viewers)] == [False, False, False]
    assert [can_modify_job(viewer, job) for job in (mine, orphan, viewers)] == [False, False, False]
    owner.is_active = False
    assert not can_modify_job(owner, mine)
    assert not can_modify_job(None, mine)
    with pytest.raises(ApiError) as caught:
        require_job_owner(other, mine, "execute")
    assert (caught.value.status, caught.value.body) == (
        403, {"error": "Insufficient permissions", "message": "You can only execute your own jobs"},
    )
    assert get_job_or_404(db, mine.id) is mine
    with pytest.raises(ApiError) as caught:
        get_job_or_404(db, "nope")
    assert (caught.value.status, caught.value.body) == (404, {"error": "Job not found", "message": "No job found with ID: nope"})
