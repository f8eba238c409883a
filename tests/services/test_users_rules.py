"""The shared account rules (D10) and the operator's `create-admin` command that uses them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from shared_models import __main__ as cli
from shared_models.contracts.auth import Register
from shared_models.db import begin_write
from shared_models.errors import ApiError
from shared_models.models import User
from shared_models.passwords import verify_password
from shared_models.seed import create_admin
from shared_models.services import auth, users
from shared_models.settings import Settings, get_settings
from tests.conftest import TEST_SECRET
from tests.helpers import make_user, table_rows


@pytest.mark.parametrize("raw", ["abc", "  abc  ", "A_b_9", "x" * 80, "___"])
def test_username_accepted(raw: str) -> None:
    assert users.normalize_username(raw) == raw.strip()


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        ("ab", {"error": "Username must be at least 3 characters long"}),
        ("", {"error": "Username must be at least 3 characters long"}),
        ("x" * 81, {"error": "Invalid username", "message": "Username must be at most 80 characters long."}),
        ("a.b.c", {"error": "Invalid username", "message": "Username may contain only letters, digits and underscores."}),
        ("abc\n", None),  # trimmed, so fine
        ("ab\u0661", {"error": "Invalid username", "message": "Username may contain only letters, digits and underscores."}),
    ],
)
def test_username_rules(raw: str, body: dict | None) -> None:
    if body is None:
        assert users.normalize_username(raw) == "abc"
        return
    with pytest.raises(ApiError) as caught:
        users.normalize_username(raw)
    assert (caught.value.status, caught.value.body) == (400, body)


def test_email_is_trimmed_and_lowercased() -> None:
    assert users.normalize_email("  Mixed.Case@Example.ORG ") == "mixed.case@example.org"


@pytest.mark.parametrize("raw", ["plain", "a@b", "a b@example.com", "a@localhost", "@example.com", "a@@example.com"])
def test_email_syntax_is_checked(raw: str) -> None:
    with pytest.raises(ApiError) as caught:
        users.normalize_email(raw)
    assert caught.value.status == 400 and caught.value.body["error"] == "Invalid email"
    assert isinstance(caught.value.body["message"], str) and caught.value.body["message"]


def test_email_length_limit_counts_the_stored_value() -> None:
    too_long = "a" * 64 + "@" + "b" * 52 + ".com"  # 121 characters
    with pytest.raises(ApiError) as caught:
        users.normalize_email(f"  {too_long.upper()} ")
    assert caught.value.body == {"error": "Invalid email", "message": "Email must be at most 120 characters long."}
    exactly = "a" * 60 + "@" + "b" * 55 + ".com"
    assert len(exactly) == 120 and users.normalize_email(exactly) == exactly


def test_password_and_role_rules() -> None:
    assert users.check_password("123456") == "123456"
    with pytest.raises(ApiError, match="Password must be at least 6"):
        users.check_password("12345")
    assert users.check_role("viewer") == "viewer"
    with pytest.raises(ApiError) as caught:
        users.check_role("Admin")
    assert caught.value.body == {"error": "Invalid role", "message": "Role must be one of: admin, user, viewer"}


def test_create_user_flushes_but_does_not_commit(db: Session) -> None:
    begin_write(db)
    user = users.create_user(session=db, username=" svc_user ", email="Svc@Example.com", password="abcdef", role="user")
    assert (user.username, user.email, user.role, user.is_active) == ("svc_user", "svc@example.com", "user", True)
    assert db.get(User, user.id) is user
    db.rollback()
    assert table_rows(db, User) == []


def test_create_user_duplicates(db: Session) -> None:
    existing = make_user(db, "viewer")
    for username, email, error in (
        (existing.username, "fresh@example.com", "Username already exists"),
        ("fresh_name", existing.email.upper(), "Email already exists"),
    ):
        with pytest.raises(ApiError) as caught:
            users.create_user(session=db, username=username, email=email, password="abcdef", role="viewer")
        assert (caught.value.status, caught.value.body) == (409, {"error": error})
    db.rollback()
    assert len(table_rows(db, User)) == 1


def test_register_service_returns_the_body(db: Session) -> None:
    body = Register(username=" svc ", email="SVC@example.com", password="abcdef")
    result = auth.register(session=db, body=body)
    assert result["message"] == "User registered successfully" and result["user"]["role"] == "viewer"
    assert (result["user"]["username"], result["user"]["email"]) == ("svc", "svc@example.com")


def test_create_admin_validates(db: Session) -> None:
    admin = create_admin(db, username="root_admin", email="Root@Example.com", password="s3cret!")
    db.commit()
    assert (admin.role, admin.email) == ("admin", "root@example.com")
    assert verify_password("s3cret!", admin.password_hash)
    for kwargs, error in (
        ({"username": "no spaces", "email": "x@example.com", "password": "abcdef"}, "Invalid username"),
        ({"username": "good_name", "email": "nope", "password": "abcdef"}, "Invalid email"),
        ({"username": "good_name", "email": "x@example.com", "password": "123"}, "Password must be at least 6 characters long"),
        ({"username": "root_admin", "email": "x@example.com", "password": "abcdef"}, "Username already exists"),
    ):
        with pytest.raises(ApiError) as caught:
            create_admin(db, **kwargs)
        assert caught.value.body["error"] == error
    db.rollback()
    assert [row["username"] for row in table_rows(db, User)] == ["root_admin"]


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, engine: object) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", settings.DATABASE_URL)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("JWT_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("ALLOW_DEFAULT_ADMIN", "false")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_create_admin(cli_env: None, db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["create-admin", "--username", "ops_admin", "--email", "Ops@Example.com", "--password", "abcdef"])
    assert code == 0 and "created admin ops_admin" in capsys.readouterr().out
    (row,) = table_rows(db, User)
    assert (row["username"], row["email"], row["role"]) == ("ops_admin", "ops@example.com", "admin")


def test_cli_create_admin_rejects_bad_input(cli_env: None, db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["create-admin", "--username", "ops admin", "--email", "ops@example.com", "--password", "abcdef"])
    assert code == 2
    assert capsys.readouterr().err.strip() == "error: Username may contain only letters, digits and underscores."
    assert table_rows(db, User) == []
