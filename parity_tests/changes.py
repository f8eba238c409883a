"""Which tables a request touched, read from a change log kept by database triggers.

Dumping every table after every request (the corpus's way) costs more than the request
itself; a fuzz of thousands of requests can't pay it. `ChangeLog.install` adds one row
trigger per state table and operation that records the table's name in `parity_changes`
(SQLite: an insert that skips logged names; PostgreSQL: one plpgsql function, `ON
CONFLICT DO NOTHING`).
After a request the harness reads that one small table: empty means no effect at all,
otherwise only the named tables are dumped and compared. `uninstall` removes the triggers
and the table (the harness's scratch database may be a test database other tests reuse).
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from parity_tests.fixture import STATE_TABLES

LOG_TABLE = "parity_changes"
_OPERATIONS = {"i": "INSERT", "u": "UPDATE", "d": "DELETE"}


def _trigger(table: str, op: str) -> str:
    return f"parity_chg_{table}_{op}"


class ChangeLog:
    """Trigger-fed set of changed table names on one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def install(self) -> None:
        self.uninstall()
        with self.engine.begin() as connection:
            # No key on SQLite: a trigger's conflict clause is overridden by the outer
            # statement's (a cascade), so the trigger itself skips names already logged.
            key = " PRIMARY KEY" if self.postgres else ""
            connection.execute(text(f"CREATE TABLE {LOG_TABLE} (tbl VARCHAR(100){key})"))
            if self.postgres:
                connection.execute(text(
                    "CREATE OR REPLACE FUNCTION parity_note_change() RETURNS trigger AS $$ BEGIN "
                    f"INSERT INTO {LOG_TABLE}(tbl) VALUES (TG_TABLE_NAME) ON CONFLICT DO NOTHING; "
                    "RETURN NULL; END $$ LANGUAGE plpgsql"))
            for table in STATE_TABLES:
                for op, event in _OPERATIONS.items():
                    name = _trigger(table.name, op)
                    if self.postgres:
                        connection.execute(text(f'CREATE TRIGGER {name} AFTER {event} ON "{table.name}" '
                                                "FOR EACH ROW EXECUTE FUNCTION parity_note_change()"))
                    else:
                        connection.execute(text(
                            f'CREATE TRIGGER {name} AFTER {event} ON "{table.name}" BEGIN '
                            f"INSERT INTO {LOG_TABLE}(tbl) SELECT '{table.name}' WHERE NOT EXISTS "
                            f"(SELECT 1 FROM {LOG_TABLE} WHERE tbl = '{table.name}'); END"))

    def uninstall(self) -> None:
        with self.engine.begin() as connection:
            for table in STATE_TABLES:
                for op in _OPERATIONS:
                    suffix = f' ON "{table.name}"' if self.postgres else ""
                    connection.execute(text(f"DROP TRIGGER IF EXISTS {_trigger(table.name, op)}{suffix}"))
            connection.execute(text(f"DROP TABLE IF EXISTS {LOG_TABLE}"))
            if self.postgres:
                connection.execute(text("DROP FUNCTION IF EXISTS parity_note_change()"))

    def take(self) -> set[str]:
        """The tables changed since the last `take` (and forget them)."""
        with self.engine.connect() as connection:
            names = {row[0] for row in connection.execute(text(f"SELECT tbl FROM {LOG_TABLE}"))}
        if names:
            with self.engine.begin() as connection:
                connection.execute(text(f"DELETE FROM {LOG_TABLE}"))
        return names
