"""Slack posts of the end-date maintenance (API_CONTRACT.md §5.7), framework-free.

A post is `{"text": ..., "channel"?: ...}` to the incoming-webhook URL of the
`slack_settings` row. Only https URLs with a host are called, except hosts listed in
WEBHOOK_ALLOWED_HOSTS (tests point those at local servers over plain http). Any failure
is logged and reported as False, never raised: maintenance must go on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.models import PicTeam, SlackSettings
from shared_models.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackTarget:
    webhook_url: str
    channel: str | None


def target(session: Session) -> SlackTarget | None:
    """The configured webhook, or None when Slack is disabled or has no URL."""
    row = session.scalars(select(SlackSettings).order_by(SlackSettings.created_at, SlackSettings.id)).first()
    if row is None or not row.is_enabled or not (row.webhook_url or "").strip():
        return None
    return SlackTarget(webhook_url=row.webhook_url.strip(), channel=(row.channel or "").strip() or None)


def may_post_to(url: str, settings: Settings) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and host in settings.webhook_allowed_hosts


def post(settings: Settings, slack: SlackTarget, text: str, *, client: httpx.Client | None = None) -> bool:
    """POST one message; True on a 2xx answer."""
    if not may_post_to(slack.webhook_url, settings):
        log.info("Slack post skipped: webhook URL is not https")
        return False
    payload: dict[str, str] = {"text": text}
    if slack.channel:
        payload["channel"] = slack.channel
    try:
        if client is not None:
            response = client.post(slack.webhook_url, json=payload, timeout=settings.OUTBOUND_TIMEOUT_SECONDS)
        else:
            response = httpx.post(slack.webhook_url, json=payload, timeout=settings.OUTBOUND_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        log.warning("Slack post failed: %s", exc)
        return False
    if not response.is_success:
        log.warning("Slack post failed: status %s", response.status_code)
        return False
    return True


def mention(team: PicTeam | None) -> str:
    """The PIC team's Slack handle and a space, or nothing."""
    handle = (team.slack_handle or "").strip() if team is not None else ""
    return f"{handle} " if handle else ""


def job_link(settings: Settings, job_id: str) -> str:
    return f"{settings.FRONTEND_BASE_URL.rstrip('/')}/jobs/{job_id}/edit"


def expired_text(settings: Settings, *, job_id: str, name: str, end_date: date, team: PicTeam | None) -> str:
    return (
        f":warning: {mention(team)}Job auto-paused (end date passed): "
        f"<{job_link(settings, job_id)}|{name}> (end_date {end_date.isoformat()} JST)"
    )


def ending_soon_text(
    settings: Settings, *, job_id: str, name: str, end_date: date, days_left: int, team: PicTeam | None
) -> str:
    return (
        f":warning: {mention(team)}Job ending soon ({days_left}d): "
        f"<{job_link(settings, job_id)}|{name}> (end_date {end_date.isoformat()} JST)"
    )
