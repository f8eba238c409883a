"""The database snapshot every case starts from, and the table dump that measures effects.

`build_snapshot` writes a small, fixed world (users of every role, teams, categories,
jobs of several owners and states, executions, notifications, preferences, a revoked
token) under a frozen clock and a seeded id source, so its ids and timestamps are the
same on every run and every database. Cases name rows by key (`{job_user}`), never by id.

`reset` puts the database back to the snapshot (delete every row, re-insert the fixture
rows: fast on SQLite and PostgreSQL); `dump` reads every table (all small) into plain
JSON-able rows; `effect` is the per-table difference of a dump against the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from shared_models import clock, ids, tokens
from shared_models.models import (
    Base,
    Job,
    JobCategory,
    JobExecution,
    Notification,
    PicTeam,
    User,
    UserNotificationPreferences,
    UserUiPreferences,
)
from shared_models.passwords import hash_password
from shared_models.seed import seed_categories
from shared_models.settings import Settings

FROZEN_AT = datetime(2026, 3, 10, 3, 0, 0, 123000, tzinfo=UTC)  # 12:00 JST, a Tuesday
PASSWORD = "secret123"
# Token signatures are checked against the real clock (PyJWT), so fixture tokens live long.
LONG = 100 * 365 * 86400
FUTURE = date(2026, 12, 31)

Rows = dict[str, list[dict[str, Any]]]

# The tables a case's effect is read from and reset to. Derived tables (the statistics
# rollup) are left out: triggers keep them in step with the rows they derive from.
STATE_TABLES = [table for table in Base.metadata.sorted_tables if not table.info.get("derived")]


@dataclass(frozen=True)
class Snapshot:
    """The fixture rows per table plus the names cases use: row ids and bearer tokens."""

    rows: Rows
    ids: dict[str, str]
    tokens: dict[str, str]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def dump(engine: Engine, tables: set[str] | None = None) -> Rows:
    """Every row of every table (or of `tables`), ordered by primary key, as JSON-able dicts."""
    out: Rows = {}
    with engine.connect() as connection:
        for table in STATE_TABLES:
            if tables is not None and table.name not in tables:
                continue
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [{k: _plain(v) for k, v in row.items()} for row in connection.execute(query).mappings()]
    return out


def _raw_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as connection:
        return {
            table.name: [dict(row) for row in connection.execute(select(table)).mappings()]
            for table in STATE_TABLES
        }


def _with_dependents(names: set[str]) -> set[str]:
    """`names` plus every table whose foreign keys reach them (deleting a parent cascades)."""
    closed = set(names)
    grew = True
    while grew:
        grew = False
        for table in STATE_TABLES:
            if table.name not in closed and any(fk.column.table.name in closed for fk in table.foreign_keys):
                closed.add(table.name)
                grew = True
    return closed


def reset(engine: Engine, raw: dict[str, list[dict[str, Any]]], tables: set[str] | None = None) -> None:
    """Empty the tables (all, or `tables` and their dependents) and insert the snapshot rows."""
    chosen = [t for t in STATE_TABLES if tables is None or t.name in _with_dependents(tables)]
    with engine.begin() as connection:
        for table in reversed(chosen):
            connection.execute(delete(table))
        for table in chosen:
            if raw.get(table.name):
                connection.execute(insert(table), raw[table.name])


def effect(before: Rows, after: Rows) -> dict[str, dict[str, Any]]:
    """Rows inserted, updated (changed columns only) and deleted per table."""
    out: dict[str, dict[str, Any]] = {}
    for table in STATE_TABLES:
        keys = [c.name for c in table.primary_key.columns]
        old = {tuple(r[k] for k in keys): r for r in before.get(table.name, [])}
        new = {tuple(r[k] for k in keys): r for r in after.get(table.name, [])}
        change: dict[str, Any] = {}
        inserted = [new[k] for k in sorted(new.keys() - old.keys())]
        deleted = ["/".join(map(str, k)) for k in sorted(old.keys() - new.keys())]
        updated = {}
        for k in sorted(old.keys() & new.keys()):
            cols = {c: {"from": old[k][c], "to": new[k][c]} for c in new[k] if old[k].get(c) != new[k][c]}
            if cols:
                updated["/".join(map(str, k))] = cols
        if inserted:
            change["inserted"] = inserted
        if updated:
            change["updated"] = updated
        if deleted:
            change["deleted"] = deleted
        if change:
            out[table.name] = change
    return out


def _world(session: Session) -> dict[str, Any]:
    """The fixture rows (clock frozen and ids seeded by the caller)."""
    seed_categories(session)
    pw = hash_password(PASSWORD)
    now = clock.utcnow()

    def user(key: str, role: str, active: bool = True) -> User:
        return User(username=f"{key}_person", email=f"{key}@example.com", password_hash=pw, role=role,
                    is_active=active)

    users = {k: user(k, r, a) for k, r, a in [
        ("admin", "admin", True), ("user", "user", True), ("other", "user", True),
        ("viewer", "viewer", True), ("inactive", "user", False)]}
    session.add_all(users.values())
    session.flush()
    general = session.scalar(select(JobCategory).where(JobCategory.slug == "general"))
    made: dict[str, Any] = {"cat_general": general, **users}
    made["cat_custom"] = JobCategory(slug="data-sync", name="Data Sync", is_active=True)
    made["cat_off"] = JobCategory(slug="old-stuff", name="Old Stuff", is_active=False)
    made["team_qa"] = PicTeam(slug="qa-team", name="QA Team", slack_handle="@qa")
    made["team_ops"] = PicTeam(slug="ops", name="Ops", slack_handle="@ops")
    made["team_old"] = PicTeam(slug="old-team", name="Old Team", slack_handle="@old", is_active=False)
    session.add_all([made[k] for k in ("cat_custom", "cat_off", "team_qa", "team_ops", "team_old")])

    def job(key: str, owner: str | None, **fields: Any) -> Job:
        values: dict[str, Any] = dict(name=key.replace("_", "-"), cron_expression="0 9 * * *",
                                      target_url="https://hooks.example.com/run", category="general",
                                      pic_team="qa-team", end_date=FUTURE, is_active=True,
                                      created_by=users[owner].id if owner else None)
        values.update(fields)
        return Job(**values)

    made["job_user"] = job("job_user", "user", category="data-sync", job_metadata='{"env": "staging"}',
                           enable_email_notifications=True, notification_emails="a@example.com")
    made["job_other"] = job("job_other", "other", cron_expression="*/15 * * * *", pic_team="ops")
    made["job_orphan"] = job("job_orphan", None, target_url=None, github_owner="acme", github_repo="tools",
                             github_workflow_name="nightly.yml")
    made["job_github"] = job("job_github", "user", target_url=None, github_owner="acme", github_repo="app",
                             github_workflow_name="deploy.yml", cron_expression="30 2 * * 1")
    made["job_inactive"] = job("job_inactive", "user", is_active=False)
    made["job_expired"] = job("job_expired", "user", end_date=date(2026, 3, 1))
    for k in ("job_user", "job_other", "job_orphan", "job_github", "job_inactive", "job_expired"):
        session.add(made[k])
        session.flush()
        clock.advance(timedelta(seconds=1))  # distinct created_at: list order is by time

    def execution(key: str, job_key: str, ago: timedelta, status: str, trigger: str, **fields: Any) -> None:
        start = now - ago
        values: dict[str, Any] = dict(job_id=made[job_key].id, status=status, trigger_type=trigger,
                                      started_at=start, execution_type="webhook",
                                      target="https://hooks.example.com/run")
        if status != "running":
            values.update(completed_at=start + timedelta(seconds=3), duration_seconds=3.0,
                          response_status=200 if status == "success" else 500)
        values.update(fields)
        made[key] = JobExecution(**values)
        session.add(made[key])

    execution("exec_1", "job_user", timedelta(days=1), "success", "scheduled")
    execution("exec_2", "job_user", timedelta(days=2), "failed", "manual", error_message="HTTP 500")
    execution("exec_3", "job_user", timedelta(hours=1), "running", "manual")
    execution("exec_4", "job_other", timedelta(days=3), "success", "scheduled", duration_seconds=1.5)
    execution("exec_5", "job_github", timedelta(days=5), "success", "scheduled", execution_type="github_actions",
              target="acme/app/deploy.yml", response_status=204)
    execution("exec_6", "job_user", timedelta(days=20), "failed", "scheduled", duration_seconds=None)
    session.flush()

    def note(key: str, owner: str, ago: timedelta, read: bool, **fields: Any) -> None:
        values: dict[str, Any] = dict(user_id=users[owner].id, title="Job Completed",
                                      message=f"Job \"{key}\" completed.", type="success",
                                      created_at=now - ago, is_read=read,
                                      read_at=now - ago + timedelta(minutes=1) if read else None)
        values.update(fields)
        made[key] = Notification(**values)
        session.add(made[key])

    note("note_unread", "user", timedelta(hours=2), False, related_job_id=made["job_user"].id,
         related_execution_id=made["exec_1"].id)
    note("note_read", "user", timedelta(days=1), True, type="error", title="Job Failed")
    note("note_old", "user", timedelta(days=10), True)
    note("note_old_unread", "user", timedelta(days=12), False, type="info")
    note("note_other", "other", timedelta(hours=3), False)
    note("note_admin", "admin", timedelta(hours=4), True)
    session.add(UserNotificationPreferences(user_id=users["user"].id, daily_digest=True))
    session.add(UserUiPreferences(user_id=users["user"].id,
                                  jobs_table_columns='{"pic_team": false, "end_date": true, "cron_expression": '
                                                     'true, "target_url": false, "last_execution_at": false}'))
    session.flush()
    return made


def build_snapshot(engine: Engine, settings: Settings) -> tuple[Snapshot, dict[str, list[dict[str, Any]]]]:
    """Empty the database, write the fixture world, and return it with its raw rows."""
    secret = settings.JWT_SECRET_KEY or ""
    reset(engine, {})
    clock.freeze(FROZEN_AT - timedelta(minutes=10))
    ids.seed("parity-fixture")
    try:
        with Session(engine) as session:
            made = _world(session)
            clock.freeze(FROZEN_AT)
            users = {k: made[k] for k in ("admin", "user", "other", "viewer", "inactive")}
            issued = {k: tokens.issue(u, "access", secret=secret, expires_in=LONG) for k, u in users.items()}
            issued["refresh_user"] = tokens.issue(users["user"], "refresh", secret=secret, expires_in=LONG)
            issued["refresh_inactive"] = tokens.issue(users["inactive"], "refresh", secret=secret, expires_in=LONG)
            issued["revoked"] = tokens.issue(users["user"], "access", secret=secret, expires_in=LONG)
            issued["refresh_revoked"] = tokens.issue(users["user"], "refresh", secret=secret, expires_in=LONG)
            for name in ("revoked", "refresh_revoked"):
                tokens.revoke(session, tokens.decode(issued[name], secret=secret, refresh=name.startswith("refresh")))
            clock.freeze(FROZEN_AT - timedelta(hours=2))
            issued["expired"] = tokens.issue(users["user"], "access", secret=secret, expires_in=3600)
            issued["refresh_expired"] = tokens.issue(users["user"], "refresh", secret=secret, expires_in=3600)
            names = {k: v.id for k, v in made.items()}
            session.commit()
    finally:
        clock.freeze(None)
        ids.seed(None)
    snapshot = Snapshot(rows=dump(engine), ids=names, tokens=issued)
    return snapshot, _raw_rows(engine)
