"""Scheduler e-mail end to end: scheduled runs' mail reaches a real SMTP server (aiosmtpd).

The failure-streak policy (shared_models.alerts) through the scheduler's own path,
`Runner.fire` (claim the slot, commit, run): one alert at the threshold, none for the
failures after it, one recovery notice, and a new alert for a new streak. Then a real
leader on a fast clock fires a job whose e-mails arrive in order.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import start_candidate
from scheduler.runner import Runner
from shared_models.db import make_sessionmaker
from shared_models.models import Job, JobExecution
from shared_models.settings import Settings
from tests.helpers import SmtpSink, make_job
from tests.local_http import LocalHTTPServer, Reply

SLOT0 = datetime(2030, 1, 7, 0, 0, tzinfo=UTC)


class Switchable:
    """A webhook whose status code the test flips between runs."""

    def __init__(self, http_server: LocalHTTPServer, status: int = 500) -> None:
        self.status = status
        http_server.on("/hook", handler=lambda _request: Reply(self.status, "reply"))
        self.url = http_server.url("/hook")


def _mail_job(db: Session, url: str, **fields: object) -> Job:
    values: dict[str, object] = {
        "target_url": url, "end_date": None, "enable_email_notifications": True,
        "notification_emails": "ops@example.com",
    }
    values.update(fields)
    return make_job(db, **values)


def _subjects(sink: SmtpSink) -> list[str]:
    return [m["Subject"] for m in sink.messages]


def test_streak_alert_and_recovery_through_the_scheduler_path(
    db: Session, engine, leader_settings: Settings, http_server: LocalHTTPServer  # noqa: ANN001
) -> None:
    hook = Switchable(http_server, 500)
    with SmtpSink() as sink:
        settings = leader_settings.model_copy(update=sink.settings_overrides())
        runner = Runner(settings, make_sessionmaker(engine))
        job = _mail_job(db, hook.url)
        slots = (SLOT0 + timedelta(minutes=n) for n in range(100))
        after: list[int] = []

        def fire(times: int) -> None:
            for _ in range(times):
                assert runner.fire(job.id, next(slots)) is not None
                after.append(len(sink.envelopes))

        fire(7)  # failures 1..7: one alert, at the 3rd
        hook.status = 200
        fire(2)  # the first success ends the streak: one recovery notice; the next is quiet
        hook.status = 500
        fire(3)  # a new streak: a new alert
    name = job.name
    assert after == [0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3]
    assert _subjects(sink) == [
        f"🔴 Job failing: {name} (3 consecutive failures)",
        f"✅ Job recovered: {name}",
        f"🔴 Job failing: {name} (3 consecutive failures)",
    ]
    assert all(e.rcpt_tos == ["ops@example.com"] for e in sink.envelopes)
    assert all(m["From"] == "cron@example.com" for m in sink.messages)
    assert len(http_server.requests) == 12
    rows = db.scalars(select(JobExecution).where(JobExecution.job_id == job.id)).all()
    assert len(rows) == 12 and {r.trigger_type for r in rows} == {"scheduled"}


def test_a_scheduled_run_mails_through_a_real_leader(
    db: Session, leader_settings: Settings, http_server: LocalHTTPServer, scaled_clock  # noqa: ANN001
) -> None:
    """A leader on a clock 30x fast (a slot every 2 s) fires a job: failure, then successes."""
    hook = Switchable(http_server, 500)
    with SmtpSink() as sink:
        settings = leader_settings.model_copy(
            update=sink.settings_overrides(SCHEDULER_FAILURE_ALERT_THRESHOLD=1)
        )
        scaled_clock(datetime(2030, 1, 7, 0, 0, 40, tzinfo=UTC), 30.0)
        job = _mail_job(db, hook.url, cron_expression="* * * * *", notify_on_success=True)
        handle = start_candidate(settings)
        try:
            assert handle.wait_until_leader(5)
            deadline = time.monotonic() + 15
            while len(sink.envelopes) < 3 and time.monotonic() < deadline:
                if sink.envelopes:
                    hook.status = 200  # the alert came: the target is fixed
                time.sleep(0.02)
        finally:
            handle.stop()
    name = job.name
    assert _subjects(sink)[:3] == [
        f"🔴 Job failing: {name} (1 consecutive failure)",
        f"✅ Job recovered: {name}",
        f"✅ Job Success: {name}",
    ]
    text = sink.messages[0].get_body(("plain",)).get_content()
    assert "Webhook returned status 500" in text and job.id in text
    db.expire_all()
    rows = db.scalars(
        select(JobExecution).where(JobExecution.job_id == job.id).order_by(JobExecution.scheduled_for)
    ).all()
    assert {r.trigger_type for r in rows} == {"scheduled"} and rows[0].status == "failed"
    assert all(r.scheduled_for is not None for r in rows)
