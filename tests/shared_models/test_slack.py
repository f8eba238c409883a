"""Slack posts (§5.7): https only unless allowed, 2xx only, failures reported not raised."""

from __future__ import annotations

from datetime import date

from shared_models import slack
from shared_models.models import PicTeam
from tests.conftest import make_settings
from tests.local_http import LocalHTTPServer

SETTINGS = make_settings("sqlite:///unused.db", FRONTEND_BASE_URL="http://localhost:5173/")


def test_post_sends_text_and_channel(http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", method="POST", body="ok")
    target = slack.SlackTarget(http_server.url("/hook"), "#ops")
    assert slack.post(SETTINGS, target, "hello") is True
    [request] = http_server.requests
    assert request.json() == {"text": "hello", "channel": "#ops"}


def test_non_2xx_and_network_errors_are_false(http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", status=500, body="no")
    assert slack.post(SETTINGS, slack.SlackTarget(http_server.url("/hook"), None), "x") is False
    assert slack.post(SETTINGS, slack.SlackTarget("http://127.0.0.1:1/hook", None), "x") is False


def test_plain_http_is_refused_unless_the_host_is_allowed(http_server: LocalHTTPServer) -> None:
    strict = make_settings("sqlite:///unused.db", WEBHOOK_ALLOWED_HOSTS="")
    assert slack.post(strict, slack.SlackTarget(http_server.url("/hook"), None), "x") is False
    assert http_server.requests == []
    assert slack.may_post_to("https://hooks.slack.com/services/x", strict) is True
    assert slack.may_post_to("ftp://hooks.slack.com/x", SETTINGS) is False
    assert slack.may_post_to("https:///nohost", SETTINGS) is False


def test_message_texts() -> None:
    team = PicTeam(slug="qa", name="QA", slack_handle="@qa")
    assert slack.expired_text(SETTINGS, job_id="j1", name="Nightly", end_date=date(2030, 1, 1), team=team) == (
        ":warning: @qa Job auto-paused (end date passed): <http://localhost:5173/jobs/j1/edit|Nightly>"
        " (end_date 2030-01-01 JST)"
    )
    assert slack.ending_soon_text(
        SETTINGS, job_id="j1", name="Nightly", end_date=date(2030, 1, 8), days_left=7, team=None
    ) == ":warning: Job ending soon (7d): <http://localhost:5173/jobs/j1/edit|Nightly> (end_date 2030-01-08 JST)"
    assert slack.mention(PicTeam(slug="x", name="x", slack_handle="  ")) == ""
