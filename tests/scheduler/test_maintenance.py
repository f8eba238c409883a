"""Weekly end-date maintenance (§5.8) with Slack played by a local HTTP server."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import maintenance
from scheduler.runner import today_in
from shared_models import clock
from shared_models.db import make_sessionmaker
from shared_models.models import Job, Notification, SlackSettings
from shared_models.settings import Settings
from tests.helpers import make_job, make_team, make_user
from tests.local_http import LocalHTTPServer

MONDAY_9_JST = datetime(2030, 1, 7, 0, 0, tzinfo=UTC)


def test_weekly_maintenance_pauses_reminds_and_posts(
    db: Session, leader_settings: Settings, engine, http_server: LocalHTTPServer  # noqa: ANN001
) -> None:
    http_server.on("/slack", method="POST", body="ok")
    db.add(SlackSettings(is_enabled=True, webhook_url=http_server.url("/slack"), channel="#ops"))
    make_team(db, "qa-team", slack_handle="@qa")
    owner, admin = make_user(db, "user"), make_user(db, "admin")
    make_user(db, "admin", is_active=False)
    expired = make_job(db, owner, name="old", end_date=date(2030, 1, 1))
    soon = make_job(db, owner, name="soon", end_date=date(2030, 1, 10), pic_team=None)
    paused_soon = make_job(db, owner, name="paused", end_date=date(2030, 2, 6), is_active=False)
    make_job(db, owner, name="later", end_date=date(2030, 2, 7))
    make_job(db, owner, name="gone", end_date=date(2029, 12, 1), is_active=False)
    settings = leader_settings.model_copy(update={"FRONTEND_BASE_URL": "https://app.example.com/"})
    with clock.frozen(MONDAY_9_JST):
        result = maintenance.run_maintenance(
            session_factory=make_sessionmaker(engine), settings=settings, today=today_in(settings)
        )
    assert result.paused == [expired.id]
    assert result.reminded == [soon.id, paused_soon.id]
    assert (result.slack_posts, result.slack_failures) == (3, 0)
    db.expire_all()
    assert db.get(Job, expired.id).is_active is False
    notes = db.scalars(select(Notification).order_by(Notification.message, Notification.user_id)).all()
    by_message: dict[str, set[str]] = {}
    for note in notes:
        by_message.setdefault(note.message, set()).add(note.user_id)
        assert note.type == "warning"
    assert by_message == {
        'Job "old" passed its end_date (2030-01-01 JST) and was auto-paused. PIC Team: qa-team': {owner.id, admin.id},
        'Job "soon" ends on 2030-01-10 JST (3 day(s) left). PIC Team: -': {owner.id, admin.id},
        'Job "paused" ends on 2030-02-06 JST (30 day(s) left). PIC Team: qa-team': {owner.id, admin.id},
    }
    posts = [request.json() for request in http_server.requests]
    assert posts == [
        {"text": f":warning: @qa Job auto-paused (end date passed): <https://app.example.com/jobs/{expired.id}/edit|old>"
                 " (end_date 2030-01-01 JST)", "channel": "#ops"},
        {"text": f":warning: Job ending soon (3d): <https://app.example.com/jobs/{soon.id}/edit|soon>"
                 " (end_date 2030-01-10 JST)", "channel": "#ops"},
        {"text": f":warning: @qa Job ending soon (30d): <https://app.example.com/jobs/{paused_soon.id}/edit|paused>"
                 " (end_date 2030-02-06 JST)", "channel": "#ops"},
    ]


def test_maintenance_is_scheduled_mondays_at_9(leader_settings: Settings) -> None:
    from scheduler.trigger import EngineCronTrigger

    trigger = EngineCronTrigger(maintenance.CRON, leader_settings.timezone)
    first = trigger.get_next_fire_time(None, datetime(2030, 1, 1, tzinfo=UTC))
    assert first == MONDAY_9_JST


def test_disabled_slack_posts_nothing(db: Session, leader_settings: Settings, engine, http_server: LocalHTTPServer) -> None:  # noqa: ANN001
    db.add(SlackSettings(is_enabled=False, webhook_url=http_server.url("/slack")))
    make_job(db, end_date=date(2030, 1, 8))
    db.commit()
    with clock.frozen(MONDAY_9_JST):
        result = maintenance.run_maintenance(
            session_factory=make_sessionmaker(engine), settings=leader_settings, today=today_in(leader_settings)
        )
    assert len(result.reminded) == 1 and result.slack_posts == 0
    assert http_server.requests == []
