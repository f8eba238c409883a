"""Weekly end-date maintenance (API_CONTRACT.md §5.8), Mondays 09:00 in the scheduler tz.

Notifications are written in one transaction; Slack is posted after the commit, so a
slow Slack never holds the database's write lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import notify, slack
from shared_models.db import begin_write
from shared_models.models import Job, PicTeam
from shared_models.settings import Settings

log = logging.getLogger(__name__)

JOB_ID = "end_date_maintenance"
JOB_NAME = "End date maintenance"
CRON = "0 9 * * 1"  # standard cron: Monday = 1
REMINDER_DAYS = 30


@dataclass
class MaintenanceResult:
    paused: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    slack_posts: int = 0
    slack_failures: int = 0


def run_maintenance(
    *, session_factory: Callable[[], Session], settings: Settings, today: date
) -> MaintenanceResult:
    result = MaintenanceResult()
    messages: list[str] = []
    with session_factory() as session:
        begin_write(session)
        teams = {team.slug: team for team in session.scalars(select(PicTeam))}
        slack_target = slack.target(session)
        expired = session.scalars(
            select(Job).where(Job.is_active.is_(True), Job.end_date < today).order_by(Job.end_date, Job.id)
        ).all()
        for job in expired:
            job.is_active = False
            end = job.end_date.isoformat()
            notify.notify_owner_and_admins(
                session, owner_id=job.created_by, title="Job auto-paused (end date passed)",
                message=(
                    f'Job "{job.name}" passed its end_date ({end} JST) and was auto-paused. '
                    f"PIC Team: {job.pic_team or '-'}"
                ),
                type="warning", related_job_id=job.id,
            )
            result.paused.append(job.id)
            messages.append(slack.expired_text(
                settings, job_id=job.id, name=job.name, end_date=job.end_date, team=teams.get(job.pic_team or ""),
            ))
        ending = session.scalars(
            select(Job)
            .where(Job.end_date >= today, Job.end_date <= today + timedelta(days=REMINDER_DAYS))
            .order_by(Job.end_date, Job.id)
        ).all()
        for job in ending:
            days_left = (job.end_date - today).days
            notify.notify_owner_and_admins(
                session, owner_id=job.created_by, title="Job ending soon",
                message=(
                    f'Job "{job.name}" ends on {job.end_date.isoformat()} JST ({days_left} day(s) left). '
                    f"PIC Team: {job.pic_team or '-'}"
                ),
                type="warning", related_job_id=job.id,
            )
            result.reminded.append(job.id)
            messages.append(slack.ending_soon_text(
                settings, job_id=job.id, name=job.name, end_date=job.end_date, days_left=days_left,
                team=teams.get(job.pic_team or ""),
            ))
        session.commit()
    if slack_target is not None:
        for text in messages:
            if slack.post(settings, slack_target, text):
                result.slack_posts += 1
            else:
                result.slack_failures += 1
    log.info(
        "end-date maintenance: %d paused, %d reminded, %d Slack posts (%d failed)",
        len(result.paused), len(result.reminded), result.slack_posts, result.slack_failures,
    )
    return result
