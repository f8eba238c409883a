"""One leader: a file lock on SQLite, a PostgreSQL advisory lock on PostgreSQL.

Both locks belong to the holder's process and vanish with it (the kernel drops an
`flock` when the process dies; PostgreSQL drops a session lock when its connection
closes), so a standby that polls `try_acquire()` takes over after a SIGKILL without
any expiry timeout. Unlike the legacy pid file (§5.1), the lock file is never removed:
unlinking a locked file would let a second process lock a new inode beside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from shared_models.clock import utcnow
from shared_models.db import database_url, is_sqlite
from shared_models.settings import INSTANCE_DIR, Settings

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x63726F6E  # "cron": < 2**32 so pg_locks shows it as objid, classid 0
LEADER_APPLICATION_NAME = "cronjob-scheduler-leader"
CANDIDATE_APPLICATION_NAME = "cronjob-scheduler-candidate"


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


def lock_path(settings: Settings) -> Path:
    """SCHEDULER_LOCK_PATH, or `scheduler.lock` beside the SQLite file (`instance/` by default)."""
    if settings.SCHEDULER_LOCK_PATH.strip():
        return Path(settings.SCHEDULER_LOCK_PATH.strip())
    database = database_url(settings).database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        return Path(database).parent / "scheduler.lock"
    return INSTANCE_DIR / "scheduler.lock"


class FileLock:
    """`flock` on a file that is never deleted; contents "<pid>\\n<UTC time>Z\\n" for operators."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        stamp = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{stamp}Z\n".encode(), 0)
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class AdvisoryLock:
    """`pg_try_advisory_lock` on a dedicated autocommit connection, outside any pool."""

    def __init__(self, settings: Settings) -> None:
        url = database_url(settings)
        self._engine = create_engine(
            url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={
                "application_name": f"{CANDIDATE_APPLICATION_NAME}:{os.getpid()}",
                "connect_timeout": 5,
                # A leader cut off by the network is noticed by the server in ~10 s.
                "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
            },
        )
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = self._engine.connect()
        try:
            acquired = bool(
                connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
            )
            if acquired:
                connection.execute(
                    text("SELECT set_config('application_name', :name, false)"),
                    {"name": f"{LEADER_APPLICATION_NAME}:{os.getpid()}"},
                )
        except Exception:
            connection.close()
            raise
        if not acquired:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        """A round trip on the lock's connection: if it is gone, so is the lock."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except Exception:
            log.warning("scheduler: lost the connection that holds the leader lock")
            with contextlib.suppress(Exception):
                self._connection.invalidate()
            self._connection = None
            return False

    def release(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        with contextlib.suppress(Exception):
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
        with contextlib.suppress(Exception):
            connection.close()

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()


def make_lock(settings: Settings) -> FileLock | AdvisoryLock:
    url = database_url(settings)
    if is_sqlite(url):
        return FileLock(lock_path(settings))
    if make_url(url).get_backend_name() == "postgresql":
        return AdvisoryLock(settings)
    raise RuntimeError(f"no leader lock for database backend {url.get_backend_name()!r}")


def leader_pid(settings: Settings) -> int | None:
    """The pid of the current leader, for operators and tests (None when there is none)."""
    url = database_url(settings)
    if is_sqlite(url):
        path = lock_path(settings)
        if not path.exists():
            return None
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # held: there is a leader
        else:
            return None
        finally:
            os.close(fd)  # also drops the probe's shared lock
        first = path.read_text().split("\n", 1)[0].strip()
        return int(first) if first.isdigit() else None
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            name = connection.execute(
                text(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :key "
                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"key": ADVISORY_LOCK_KEY},
            ).scalar()
    finally:
        engine.dispose()
    if not name or ":" not in name:
        return None
    suffix = name.rsplit(":", 1)[1]
    return int(suffix) if suffix.isdigit() else None
