"""The account contracts: register, login, logout (§3.1.1, §3.1.2, D1, D17)."""

from __future__ import annotations

from typing import Any

import pytest

from shared_models.contracts import parse_body
from shared_models.contracts.auth import Login, Logout, Register
from shared_models.errors import ApiError
from shared_models.requests import JsonBody
from tests.shared_models.test_contracts import body, refusal

USER = {"username": "bob", "email": "bob@example.com", "password": "s3cret!"}


def typed(field: str, expected: str = "a string") -> tuple[int, dict[str, Any]]:
    return 400, {"error": "Invalid payload", "message": f'"{field}" must be {expected}.'}


def test_register_reads_role_null_as_absent_and_keeps_an_empty_one() -> None:
    assert parse_body(Register, body({**USER, "role": None, "extra": 1})).role is None
    assert parse_body(Register, body({**USER, "role": ""})).role == ""  # the service: "Invalid role"


@pytest.mark.parametrize(
    ("payload", "missing"),
    [
        ({}, ["username", "email", "password"]),
        ({"username": "bob"}, ["email", "password"]),
        ({**USER, "email": None, "password": ""}, ["email", "password"]),  # falsy is missing
        ({**USER, "username": ""}, ["username"]),
    ],
)
def test_register_lists_every_falsy_required_key_in_order(payload: dict, missing: list[str]) -> None:
    assert refusal(Register, payload) == (400, {"error": "Missing required fields", "missing": missing})


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # the three types come before the presence test ...
        ({"username": 5}, typed("username")),
        ({"username": "bob", "email": True}, typed("email")),
        ({"password": 123456}, typed("password")),
        ({"email": [], "username": 1}, typed("username")),
        # ... and role's after it
        ({"role": 5}, (400, {"error": "Missing required fields", "missing": ["username", "email", "password"]})),
        ({**USER, "role": ["admin"]}, typed("role")),
    ],
)
def test_register_check_order(payload: dict, expected: tuple) -> None:
    assert refusal(Register, payload) == expected


def test_register_schema_keeps_what_schemathesis_accepts() -> None:
    schema = Register.model_json_schema()
    assert schema["required"] == ["username", "email", "password"]
    assert schema["properties"]["password"] == {"type": "string", "minLength": 6, "title": "Password"}
    assert schema["properties"]["role"]["default"] == "viewer"


def test_login_leaves_presence_to_the_service() -> None:
    login = parse_body(Login, body({"email": "a@example.com", "ignored": 1}))
    assert (login.username, login.email, login.password) == (None, "a@example.com", None)
    assert Login.model_json_schema()["required"] == ["password"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": 5, "password": "x"}, "username"),
        ({"username": "a", "email": ["a"], "password": 1}, "email"),
        ({"username": "a", "password": 123456}, "password"),
    ],
)
def test_login_types_in_order(payload: dict, field: str) -> None:
    assert refusal(Login, payload) == typed(field)


def test_logout_body_is_optional() -> None:
    assert parse_body(Logout, JsonBody(None, b""), optional=True).refresh_token is None
    assert parse_body(Logout, body({"refresh_token": None}), optional=True).refresh_token is None
    with pytest.raises(ApiError) as caught:
        parse_body(Logout, body({"refresh_token": 5}), optional=True)
    assert (caught.value.status, caught.value.body) == typed("refresh_token")
