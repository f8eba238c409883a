"""Job e-mail (API_CONTRACT.md §5.5, D14), free of any web framework.

One builder per message kind (failure-streak alert, recovery, success); a `Mailer`
only transports it. The legacy per-failure "Job Failure Alert" is replaced by the
streak alert (shared_models.alerts). The scheduler sends
through `SmtpMailer`; the legacy stack plugs Flask-Mail in (legacy_flask/mailer.py).
`deliver` never raises: a failed send is logged (without the password) and its text is
returned, so the caller can record it.
"""

from __future__ import annotations

import html
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from shared_models.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailContent:
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    def send(self, to: list[str], subject: str, text: str, html: str) -> None:
        """Send one message to `to`; raise on failure."""
        ...


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def alert_message(*, job_name: str, job_id: str, failures: int, error: str) -> MailContent:
    """The one alert of a failure streak (shared_models.alerts), sent at its `failures`-th run."""
    streak = _plural(failures, "consecutive failure")
    times = _plural(failures, "time")
    text = (
        f"A job has failed {times} in a row. You will get no further e-mail for this\n"
        "failure streak; a recovery notice follows on its next successful run.\n\n"
        f"Job name: {job_name}\n"
        f"Job ID: {job_id}\n"
        f"Latest error: {error}\n"
    )
    body = (
        "<h2>Job failing</h2>"
        f"<p>A job has failed {times} in a row. You will get no further e-mail for this "
        "failure streak; a recovery notice follows on its next successful run.</p>"
        f"<p><strong>Job name:</strong> {html.escape(job_name)}<br>"
        f"<strong>Job ID:</strong> {html.escape(job_id)}<br>"
        f"<strong>Latest error:</strong> {html.escape(error)}</p>"
    )
    return MailContent(subject=f"🔴 Job failing: {job_name} ({streak})", text=text, html=body)


def recovery_message(*, job_name: str, job_id: str, failures: int, duration_seconds: float) -> MailContent:
    """The first success after an alerted streak of at least `failures` failed runs."""
    duration = f"{duration_seconds:.2f}"
    times = _plural(failures, "time")
    text = (
        f"A job that had failed at least {times} in a row has run successfully again.\n\n"
        f"Job name: {job_name}\n"
        f"Job ID: {job_id}\n"
        f"Duration: {duration} seconds\n"
    )
    body = (
        "<h2>Job recovered</h2>"
        f"<p>A job that had failed at least {times} in a row has run successfully again.</p>"
        f"<p><strong>Job name:</strong> {html.escape(job_name)}<br>"
        f"<strong>Job ID:</strong> {html.escape(job_id)}<br>"
        f"<strong>Duration:</strong> {duration} seconds</p>"
    )
    return MailContent(subject=f"✅ Job recovered: {job_name}", text=text, html=body)


def success_message(*, job_name: str, job_id: str, duration_seconds: float) -> MailContent:
    duration = f"{duration_seconds:.2f}"
    text = (
        "A job completed successfully.\n\n"
        f"Job name: {job_name}\n"
        f"Job ID: {job_id}\n"
        f"Duration: {duration} seconds\n"
    )
    body = (
        "<h2>Job Success</h2>"
        "<p>A job completed successfully.</p>"
        f"<p><strong>Job name:</strong> {html.escape(job_name)}<br>"
        f"<strong>Job ID:</strong> {html.escape(job_id)}<br>"
        f"<strong>Duration:</strong> {duration} seconds</p>"
    )
    return MailContent(subject=f"✅ Job Success: {job_name}", text=text, html=body)


class SmtpMailer:
    """smtplib transport: SSL when MAIL_USE_SSL, else STARTTLS when MAIL_USE_TLS."""

    def __init__(self, settings: Settings, *, timeout: float | None = None) -> None:
        self.settings = settings
        self.timeout = settings.OUTBOUND_TIMEOUT_SECONDS if timeout is None else timeout

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.MAIL_USE_SSL:
            return smtplib.SMTP_SSL(
                s.MAIL_SERVER, s.MAIL_PORT, timeout=self.timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(s.MAIL_SERVER, s.MAIL_PORT, timeout=self.timeout)
        if s.MAIL_USE_TLS:
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, to: list[str], subject: str, text: str, html: str) -> None:
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.settings.MAIL_DEFAULT_SENDER
        message["To"] = ", ".join(to)
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        with self._connect() as smtp:
            if self.settings.MAIL_USERNAME:
                smtp.login(self.settings.MAIL_USERNAME, self.settings.MAIL_PASSWORD)
            smtp.send_message(message, to_addrs=to)


def deliver(mailer: Mailer, settings: Settings, to: list[str], content: MailContent) -> str | None:
    """Send `content`; return None on success (or when mail is off), else the error text.

    Skipped when mail is not configured (MAIL_ENABLED false or no MAIL_USERNAME).
    """
    if not settings.mail_configured or not to:
        return None
    try:
        mailer.send(list(to), content.subject, content.text, content.html)
    except Exception as exc:  # any transport fault is recorded, never raised (D14)
        reason = _describe(exc, settings)
        log.warning("E-mail %r to %s failed: %s", content.subject, ", ".join(to), reason)
        return reason
    return None


def _describe(exc: Exception, settings: Settings) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if settings.MAIL_PASSWORD:
        text = text.replace(settings.MAIL_PASSWORD, "***")
    return text
