"""Secrets never reach the logs: every record at DEBUG (SQL echo off) is captured during
a battery of requests that handle each kind of secret, and none of the values appear."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from shared_models import mail
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import _HASH, PASSWORD, SmtpSink, make_user, token_for
from tests.local_http import LocalHTTPServer

GITHUB_TOKEN = "ghp_SECRET0github0token0value0123456789"
SMTP_PASSWORD = "smtp-SECRET-password-987"


@pytest.fixture
def github(http_server: LocalHTTPServer) -> LocalHTTPServer:
    http_server.on("/repos/acme/app/actions/workflows/ci.yml/dispatches", status=401, body="boom")
    return http_server


@pytest.fixture
def leaky(database_url: str, engine: Engine, github: LocalHTTPServer) -> Iterator[tuple[Settings, SmtpSink]]:
    with SmtpSink(password="the-right-one") as sink:
        yield make_settings(
            database_url,
            GITHUB_TOKEN=GITHUB_TOKEN,
            GITHUB_API_URL=github.url(),
            SQL_ECHO=False,
            **sink.settings_overrides(MAIL_PASSWORD=SMTP_PASSWORD),
        ), sink


def test_no_secret_in_any_log_record(
    leaky: tuple[Settings, SmtpSink], make_api: Callable[[Settings], Any], db: Session,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, _sink = leaky
    admin = make_user(db, "admin")
    access = token_for(settings, admin)
    refresh = token_for(settings, admin, "refresh")
    secrets: list[str] = [GITHUB_TOKEN, SMTP_PASSWORD, PASSWORD, _HASH, access, refresh, settings.JWT_SECRET_KEY or ""]
    auth = {"Authorization": f"Bearer {access}"}

    from shared_models.services import cron_tools

    def fault(**_: object) -> None:
        raise RuntimeError("planted fault")

    caplog.set_level(logging.DEBUG)
    with TestClient(make_api(settings), raise_server_exceptions=False) as client:
        for base in ("/api", "/api/v2"):
            login = client.post(f"{base}/auth/login", json={"username": admin.username, "password": PASSWORD})
            assert login.status_code == 200
            secrets += [login.json()["access_token"], login.json()["refresh_token"]]
            assert client.post(f"{base}/auth/login", json={"username": admin.username, "password": PASSWORD + "x"}).status_code == 401
            dispatch = client.post(
                f"{base}/jobs/test-run",
                json={"github_owner": "acme", "github_repo": "app", "github_workflow_name": "ci.yml"},
                headers=auth,
            )
            assert dispatch.status_code == 200 and dispatch.json()["ok"] is False
            assert client.post(f"{base}/auth/refresh", headers={"Authorization": f"Bearer {refresh}"}).status_code in (200, 401)
            with monkeypatch.context() as patch:
                patch.setattr(cron_tools, "validate_cron", fault)
                crashed = client.post(f"{base}/jobs/validate-cron", json={"cron_expression": "0 9 * * *"}, headers=auth)
            assert crashed.status_code == 500
    content = mail.alert_message(job_name="x", job_id="y", failures=3, error="z")
    assert mail.deliver(mail.SmtpMailer(settings), settings, ["a@example.com"], content) is not None

    text = caplog.text + "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert len(caplog.records) >= 3  # the 500s and the mail failure were logged
    leaked = [secret[:12] for secret in secrets if secret and secret in text]
    assert not leaked
