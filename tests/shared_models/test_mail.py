"""Job e-mail: one builder, SMTP transport to a real local server, failures recorded."""

from __future__ import annotations

import logging

from shared_models import mail
from tests.conftest import make_settings
from tests.helpers import SmtpSink


def test_alert_message_names_job_id_streak_and_error() -> None:
    content = mail.alert_message(job_name="Nightly <backup>", job_id="job-1", failures=3, error="boom & bust")
    assert content.subject == "🔴 Job failing: Nightly <backup> (3 consecutive failures)"
    assert "Nightly <backup>" in content.text and "job-1" in content.text and "boom & bust" in content.text
    assert "failed 3 times in a row" in content.text
    assert "Nightly &lt;backup&gt;" in content.html and "boom &amp; bust" in content.html
    assert "<backup>" not in content.html


def test_alert_message_singular_streak() -> None:
    content = mail.alert_message(job_name="J", job_id="j", failures=1, error="e")
    assert content.subject == "🔴 Job failing: J (1 consecutive failure)"
    assert "failed 1 time in a row" in content.text


def test_recovery_message_has_job_streak_and_duration() -> None:
    content = mail.recovery_message(job_name="Sync <eu>", job_id="job-3", failures=3, duration_seconds=0.5)
    assert content.subject == "✅ Job recovered: Sync <eu>"
    assert "job-3" in content.text and "at least 3 times in a row" in content.text
    assert "0.50 seconds" in content.text and "Sync &lt;eu&gt;" in content.html


def test_success_message_has_two_decimal_duration() -> None:
    content = mail.success_message(job_name="Report", job_id="job-2", duration_seconds=1.23456)
    assert content.subject == "✅ Job Success: Report"
    assert "1.23 seconds" in content.text and "1.23 seconds" in content.html
    assert "job-2" in content.text


def test_smtp_mailer_delivers_text_and_html(database_url: str) -> None:
    with SmtpSink() as sink:
        settings = make_settings(database_url, **sink.settings_overrides())
        content = mail.success_message(job_name="Report", job_id="j", duration_seconds=2)
        error = mail.deliver(mail.SmtpMailer(settings), settings, ["a@example.com", "b@example.com"], content)
    assert error is None
    assert len(sink.envelopes) == 1
    assert sorted(sink.envelopes[0].rcpt_tos) == ["a@example.com", "b@example.com"]
    message = sink.messages[0]
    assert message["Subject"] == "✅ Job Success: Report"
    assert message["From"] == "cron@example.com"
    parts = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html"} <= parts


def test_skipped_when_mail_not_configured(database_url: str) -> None:
    with SmtpSink() as sink:
        for overrides in ({"MAIL_ENABLED": False}, {"MAIL_USERNAME": ""}):
            settings = make_settings(database_url, **sink.settings_overrides(**overrides))
            content = mail.alert_message(job_name="x", job_id="y", failures=3, error="z")
            assert mail.deliver(mail.SmtpMailer(settings), settings, ["a@example.com"], content) is None
    assert sink.envelopes == []


def test_login_failure_is_returned_logged_and_hides_password(database_url: str, caplog) -> None:
    with SmtpSink(password="right-password") as sink:
        settings = make_settings(
            database_url, **sink.settings_overrides(MAIL_PASSWORD="wrong-password-123")
        )
        content = mail.alert_message(job_name="x", job_id="y", failures=3, error="z")
        with caplog.at_level(logging.WARNING, logger="shared_models.mail"):
            error = mail.deliver(mail.SmtpMailer(settings), settings, ["a@example.com"], content)
    assert error is not None and "SMTPAuthenticationError" in error
    assert sink.envelopes == []
    assert "wrong-password-123" not in caplog.text and "wrong-password-123" not in error
    assert "failed" in caplog.text


def test_unreachable_server_is_returned_not_raised(database_url: str) -> None:
    settings = make_settings(
        database_url, MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False,
        MAIL_USERNAME="u", MAIL_PASSWORD="p",
    )
    content = mail.alert_message(job_name="x", job_id="y", failures=3, error="z")
    error = mail.deliver(mail.SmtpMailer(settings, timeout=2), settings, ["a@example.com"], content)
    assert error is not None and "ConnectionRefusedError" in error
