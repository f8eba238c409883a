"""Builders for rows and tokens, shared by every test module."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from shared_models import tokens
from shared_models.clock import utcnow
from shared_models.models import Job, JobExecution, Notification, PicTeam, User
from shared_models.passwords import hash_password
from shared_models.settings import Settings

_counter = itertools.count(1)
PASSWORD = "secret123"
_HASH = hash_password(PASSWORD)  # hashing is slow on purpose; reuse one hash


def make_user(db: Session, role: str = "user", **fields: Any) -> User:
    n = next(_counter)
    values: dict[str, Any] = {
        "username": f"{role}_{n}",
        "email": f"{role}{n}@example.com",
        "password_hash": _HASH,
        "role": role,
        "is_active": True,
    }
    values.update(fields)
    user = User(**values)
    db.add(user)
    db.commit()
    return user


def make_team(db: Session, slug: str = "qa-team", **fields: Any) -> PicTeam:
    values: dict[str, Any] = {"slug": slug, "name": slug.replace("-", " ").title(), "slack_handle": "@qa"}
    values.update(fields)
    team = PicTeam(**values)
    db.add(team)
    db.commit()
    return team


def make_job(db: Session, created_by: User | None = None, **fields: Any) -> Job:
    n = next(_counter)
    values: dict[str, Any] = {
        "name": f"job-{n}",
        "cron_expression": "0 9 * * *",
        "target_url": "https://hooks.example.com/run",
        "category": "general",
        "pic_team": "qa-team",
        "end_date": date.today() + timedelta(days=60),
        "created_by": created_by.id if created_by else None,
        "is_active": True,
    }
    values.update(fields)
    job = Job(**values)
    db.add(job)
    db.commit()
    return job


def make_execution(db: Session, job: Job, **fields: Any) -> JobExecution:
    values: dict[str, Any] = {
        "job_id": job.id,
        "status": "success",
        "trigger_type": "scheduled",
        "started_at": utcnow() - timedelta(minutes=5),
        "completed_at": utcnow() - timedelta(minutes=5) + timedelta(seconds=2),
        "duration_seconds": 2.0,
        "execution_type": "webhook",
        "target": job.target_url,
        "response_status": 200,
    }
    values.update(fields)
    execution = JobExecution(**values)
    db.add(execution)
    db.commit()
    return execution


def make_notification(db: Session, user: User, **fields: Any) -> Notification:
    values: dict[str, Any] = {
        "user_id": user.id,
        "title": "Job Completed",
        "message": "Job \"x\" completed successfully.",
        "type": "success",
        "created_at": utcnow(),
    }
    values.update(fields)
    notification = Notification(**values)
    db.add(notification)
    db.commit()
    return notification


def token_for(settings: Settings, user: User, token_type: str = "access", expires_in: int = 3600) -> str:
    return tokens.issue(user, token_type, secret=settings.JWT_SECRET_KEY or "", expires_in=expires_in)


def bearer(settings: Settings, user: User, token_type: str = "access") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(settings, user, token_type)}"}


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    from datetime import UTC

    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def committed(db: Session, model: Any) -> list[Any]:
    """Every `model` instance as committed right now (cached state expired, re-read), with
    the session's transaction ended afterwards, as `table_rows` does for plain dicts."""
    from sqlalchemy import select

    db.expire_all()
    rows = list(db.scalars(select(model)))
    db.rollback()
    return rows


def table_rows(db: Session, model: Any) -> list[dict[str, Any]]:
    """Every row of `model`'s table as committed right now (fresh read, ordered by id).

    Ends the session's transaction before and after, so a SQLite snapshot taken earlier
    does not hide what a request committed since; ORM instances are expired by this.
    """
    from sqlalchemy import select

    db.rollback()
    table = model.__table__
    rows = [dict(row) for row in db.execute(select(table).order_by(*table.primary_key.columns)).mappings()]
    db.rollback()
    return rows


def make_executions(db: Session, job: Job, starts: list[datetime], **fields: Any) -> list[JobExecution]:
    """Many executions of `job` in one commit, one per start time (paging and order tests)."""
    rows = []
    for started_at in starts:
        values: dict[str, Any] = {
            "job_id": job.id,
            "status": "success",
            "trigger_type": "scheduled",
            "started_at": started_at,
            "duration_seconds": 1.0,
            "execution_type": "webhook",
        }
        values.update(fields)
        rows.append(JobExecution(**values))
    db.add_all(rows)
    db.commit()
    return rows


def make_notifications(db: Session, user: User, created: list[datetime], **fields: Any) -> list[Notification]:
    """Many notifications of `user` in one commit, one per creation time."""
    rows = []
    for created_at in created:
        values: dict[str, Any] = {
            "user_id": user.id,
            "title": "Job Completed",
            "message": "done",
            "type": "info",
            "created_at": created_at,
        }
        values.update(fields)
        rows.append(Notification(**values))
    db.add_all(rows)
    db.commit()
    return rows


class SmtpSink:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives.

    Accepts AUTH without TLS for `login`/`password` only, so a wrong password is a real
    login failure. Use as a context manager; `messages` are parsed `email` messages.
    """

    def __init__(self, login: str = "mailer", password: str = "mail-secret") -> None:
        import socket

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.login, self.password = login, password
        self.envelopes: list[Any] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink.envelopes.append(envelope)
                return "250 OK"

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
            ok = auth_data.login == login.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok, handled=False)

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port,
            authenticator=authenticate, auth_require_tls=False, auth_exclude_mechanism=["LOGIN"],
        )

    def settings_overrides(self, **extra: Any) -> dict[str, Any]:
        """Settings values that send mail to this sink."""
        values: dict[str, Any] = {
            "MAIL_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False, "MAIL_USE_SSL": False,
            "MAIL_USERNAME": self.login, "MAIL_PASSWORD": self.password,
            "MAIL_DEFAULT_SENDER": "cron@example.com",
        }
        values.update(extra)
        return values

    @property
    def messages(self) -> list[Any]:
        from email import message_from_bytes, policy

        return [message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
