"""Engines and sessions, sync and async, over one absolute database URL.

SQLite is the embedded default and is shared by several processes (two stacks, the
scheduler), so every connection gets WAL, a busy timeout and foreign keys, and a write
transaction begins IMMEDIATE: a deferred transaction that reads and then writes fails at
once with "database is locked" when another writer got in between.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from shared_models.settings import INSTANCE_DIR, Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "write_transaction"
"""Execution option that makes the transaction about to begin a write transaction."""


def database_url(settings: Settings) -> URL:
    """The synchronous URL: SQLite paths made absolute, PostgreSQL through psycopg.

    An empty DATABASE_URL means `instance/cron_jobs.db`; a relative SQLite path is taken
    inside `instance/`, as Flask-SQLAlchemy did for the legacy app.
    """
    raw = settings.DATABASE_URL.strip() or f"sqlite:///{INSTANCE_DIR / 'cron_jobs.db'}"
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    url = make_url(raw)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            if not path.is_absolute():
                path = INSTANCE_DIR / path
            path.parent.mkdir(parents=True, exist_ok=True)
            database = str(path)
        return url.set(drivername="sqlite+pysqlite", database=database)
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    return url


def async_database_url(settings: Settings) -> URL:
    url = database_url(settings)
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql+asyncpg")
    return url


def is_sqlite(url: URL | str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def engine_options(settings: Settings, url: URL) -> dict[str, Any]:
    """Keyword arguments for `create_engine` (also given to Flask-SQLAlchemy)."""
    options: dict[str, Any] = {"echo": settings.SQL_ECHO}
    if is_sqlite(url):
        options["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        options["pool_size"] = settings.DATABASE_POOL_SIZE
        options["max_overflow"] = 2 * settings.DATABASE_POOL_SIZE
    else:
        options["pool_pre_ping"] = True
        options["pool_size"] = settings.DATABASE_POOL_SIZE
        options["max_overflow"] = settings.DATABASE_POOL_SIZE
    return options


def configure_engine(engine: Engine) -> Engine:
    """Install the per-connection SQLite settings and transaction handling on `engine`.

    Works for the sync engine of an AsyncEngine too. A no-op for other databases.
    """
    if engine.dialect.name != "sqlite" or getattr(engine, "_cronjob_configured", False):
        return engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take the transaction boundaries away from the driver; "begin" below emits them.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            begin_deferred(connection)

    engine._cronjob_configured = True  # type: ignore[attr-defined]
    return engine


def begin_deferred(connection: Connection) -> None:
    """Emit SQLite's deferred `BEGIN` on the DBAPI cursor, not through `exec_driver_sql`.

    Every read transaction of both stacks begins here: the full execute path (execution
    context, cursor events, result set-up) costs ~6 µs more than the statement itself,
    per transaction and per stack. A deferred BEGIN takes no lock, so it does not wait;
    should it fail all the same, it is emitted again the full way, which raises what it
    always raised (SQLAlchemy's wrapped error, `handle_error` events). Cursor event
    listeners no longer see this BEGIN (IMMEDIATE, rarer and able to wait for the write
    lock, keeps the full path).
    """
    cursor = connection.connection.cursor()
    try:
        cursor.execute("BEGIN")
    except Exception:
        connection.exec_driver_sql("BEGIN")
    finally:
        cursor.close()


def make_engine(settings: Settings) -> Engine:
    url = database_url(settings)
    return configure_engine(create_engine(url, **engine_options(settings, url)))


def make_async_engine(settings: Settings) -> AsyncEngine:
    url = async_database_url(settings)
    engine = create_async_engine(url, **engine_options(settings, url))
    configure_engine(engine.sync_engine)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_async_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def begin_write(session: Session | scoped_session[Session]) -> None:
    """Start `session`'s transaction as a write transaction (IMMEDIATE on SQLite).

    Call before the first statement of a request or task that will write. A scoped
    session (Flask-SQLAlchemy's `db.session`, as services get it) means its current one.
    """
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        session.connection(execution_options={WRITE_OPTION: True})


async def begin_write_async(session: AsyncSession) -> None:
    if not session.in_transaction():
        await session.connection(execution_options={WRITE_OPTION: True})
