"""The category and PIC team contracts (§3.3, D1, D10): the name's own rules, the slug
derived from `slug` or `name`, the types of the other keys, and their order."""

from __future__ import annotations

from typing import Any

import pytest

from shared_models.contracts import parse_body, parse_query
from shared_models.contracts.catalog import (
    CatalogListQuery,
    CategoryCreate,
    CategoryUpdate,
    PicTeamCreate,
    PicTeamUpdate,
)
from shared_models.contracts.fields import checked
from shared_models.errors import ApiError
from tests.shared_models.test_contracts import body, refusal

NAME_REQUIRED = (400, {"error": "Missing required fields", "message": '"name" is required.'})
NAME_TOO_LONG = (400, {"error": "Invalid name", "message": "Name must be at most 255 characters."})
NO_SLUG = (400, {"error": "Invalid slug", "message": "Unable to generate a valid slug from name."})


def invalid(message: str) -> tuple[int, dict[str, str]]:
    return 400, {"error": "Invalid payload", "message": message}


@pytest.mark.parametrize(
    ("payload", "slug"),
    [
        ({"name": "  Prod / Canary "}, "prod-canary"),
        ({"name": "Prod", "slug": " Smoke Tests "}, "smoke-tests"),
        ({"name": "Prod", "slug": "  "}, "prod"),
        ({"name": "Prod", "slug": None}, "prod"),
    ],
)
def test_create_trims_the_name_and_derives_the_slug(payload: dict[str, Any], slug: str) -> None:
    created = parse_body(CategoryCreate, body(payload))
    assert (created.name, created.slug) == (payload["name"].strip(), slug)


@pytest.mark.parametrize(
    ("payload", "answer"),
    [
        ({"slug": 5}, NAME_REQUIRED),  # absent: the first check of all
        ({"name": None, "slug": 5}, NAME_REQUIRED),  # null and blank read as empty
        ({"name": "  ", "slug": 5}, NAME_REQUIRED),
        ({"name": 12, "slug": 5}, invalid('"name" must be a string.')),
        ({"name": "x" * 256, "slug": 5}, NAME_TOO_LONG),
        ({"name": "ok", "slug": 5}, invalid('"slug" must be a string.')),
        ({"name": "!!!", "slack_handle": 5}, NO_SLUG),  # the slug before any later key
        ({"name": "ok", "slug": "s" * 101}, (400, {"error": "Invalid slug", "message": "Slug must be at most 100 characters."})),
    ],
)
def test_create_check_order(payload: dict[str, Any], answer: tuple[int, dict[str, str]]) -> None:
    assert refusal(PicTeamCreate, payload) == answer


def test_the_slack_handle_is_left_to_the_service() -> None:
    # §3.3.6: it is read after the duplicate-slug 409, which needs the database.
    assert parse_body(PicTeamCreate, body({"name": "QA", "slack_handle": " "})).slack_handle == " "
    assert parse_body(PicTeamCreate, body({"name": "QA"})).slack_handle is None
    held = parse_body(PicTeamCreate, body({"name": "QA", "slack_handle": 7})).slack_handle
    with pytest.raises(ApiError) as caught:
        checked(held)
    assert (caught.value.status, caught.value.body) == invalid('"slack_handle" must be a string.')


def test_create_schema_still_requires_the_handle_and_offers_a_sluggable_name() -> None:
    schema = PicTeamCreate.model_json_schema()
    assert schema["required"] == ["name", "slack_handle"]
    assert {"properties": {"slug": {"type": "string", "pattern": "[A-Za-z0-9]", "maxLength": 100}},
            "required": ["slug"]} in schema["anyOf"]


@pytest.mark.parametrize(
    ("payload", "answer"),
    [
        ({"name": None}, (400, {"error": "Invalid name", "message": "Name cannot be empty."})),
        ({"name": " ", "is_active": "x"}, (400, {"error": "Invalid name", "message": "Name cannot be empty."})),
        ({"name": "n" * 256, "slack_handle": 5}, NAME_TOO_LONG),
        ({"name": 3, "is_active": "x"}, invalid('"name" must be a string.')),
    ],
)
def test_update_refuses_the_name_first(payload: dict[str, Any], answer: tuple[int, dict[str, str]]) -> None:
    assert refusal(PicTeamUpdate, payload) == answer


@pytest.mark.parametrize(
    ("payload", "key", "answer"),
    [
        ({"is_active": None}, "is_active", invalid('"is_active" must be a boolean.')),
        ({"is_active": "false"}, "is_active", invalid('"is_active" must be a boolean.')),
        ({"slack_handle": 5}, "slack_handle", invalid('"slack_handle" must be a string.')),
        ({"slack_handle": None}, "slack_handle",
         (400, {"error": "Invalid slack_handle", "message": "slack_handle cannot be empty."})),
        ({"slack_handle": "h" * 256}, "slack_handle",
         (400, {"error": "Invalid slack_handle", "message": "slack_handle must be at most 255 characters."})),
    ],
)
def test_update_holds_the_later_keys_refusals_for_the_service(
    payload: dict[str, Any], key: str, answer: tuple[int, dict[str, str]]
) -> None:
    # §3.3.3/§3.3.7: read after the name's database rules and the `slug` key.
    update = parse_body(PicTeamUpdate, body({"name": "ok", **payload}))
    with pytest.raises(ApiError) as caught:
        checked(getattr(update, key))
    assert (caught.value.status, caught.value.body) == answer


def test_update_reads_good_later_keys() -> None:
    update = parse_body(PicTeamUpdate, body({"is_active": 1, "slack_handle": " @qa "}))
    assert (checked(update.is_active), checked(update.slack_handle)) == (True, "@qa")


def test_update_knows_what_was_sent_and_a_slug_of_any_type_is_left_to_the_service() -> None:
    update = parse_body(CategoryUpdate, body({"name": " Smoke ", "slug": {"any": 1}, "is_active": 0}))
    assert (update.name, checked(update.is_active)) == ("Smoke", False)
    assert update.sent() == {"name", "slug", "is_active"}
    assert "slug" not in CategoryUpdate.model_json_schema()["properties"]  # offered nowhere: always refused


def test_categories_ignore_a_slack_handle() -> None:
    assert parse_body(CategoryUpdate, body({"slack_handle": 5})).sent() == frozenset()


@pytest.mark.parametrize(
    ("value", "on"), [("1", True), (" TRUE ", True), ("yes", True), ("Y", True), ("on", True),
                      ("0", False), ("no", False), ("", False), ("maybe", False)],
)
def test_include_inactive_is_a_switch_never_refused(value: str, on: bool) -> None:
    assert parse_query(CatalogListQuery, {"include_inactive": value}).include_inactive is on
    assert parse_query(CatalogListQuery, {}).include_inactive is False
