"""Result rows as named tuples (shared_models.rows): same names, same values, same order."""

from __future__ import annotations

from sqlalchemy import Integer, String, column, create_engine, literal, select, table, text

from shared_models.rows import named_first, named_rows


def _engine():  # noqa: ANN202 - a throwaway in-memory SQLite engine
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER, name TEXT)"))
        connection.execute(text("INSERT INTO t VALUES (1, 'a'), (2, 'b')"))
    return engine


T = table("t", column("id", Integer), column("name", String))


def test_named_rows_keep_every_column_by_name_and_position() -> None:
    with _engine().connect() as connection:
        statement = select(T.c.id, T.c.name, literal(7).label("extra")).order_by(T.c.id)
        expected = connection.execute(statement).all()
        rows = named_rows(connection.execute(statement))
    assert [tuple(row) for row in rows] == [tuple(row) for row in expected] == [(1, "a", 7), (2, "b", 7)]
    assert [(row.id, row.name, row.extra) for row in rows] == [(1, "a", 7), (2, "b", 7)]
    assert rows[0]._fields == ("id", "name", "extra")


def test_named_first_is_the_first_row_or_none() -> None:
    with _engine().connect() as connection:
        first = named_first(connection.execute(select(T).order_by(T.c.id.desc())))
        none = named_first(connection.execute(select(T).where(T.c.id == 99)))
        empty = named_rows(connection.execute(select(T).where(T.c.id == 99)))
    assert (first.id, first.name) == (2, "b")
    assert none is None
    assert empty == []


def test_one_row_type_per_column_list() -> None:
    with _engine().connect() as connection:
        a = named_rows(connection.execute(select(T)))
        b = named_rows(connection.execute(select(T)))
        c = named_rows(connection.execute(select(T.c.name)))
    assert type(a[0]) is type(b[1])
    assert type(c[0]) is not type(a[0])
