"""Category and PIC team bodies, and their list query (API_CONTRACT.md §3.3, D1, D10).

Field order is the check order. The legacy read `name` whole (type, then blank, then
length) and derived the slug before it read any later key, so those rules, which need
no database, are the fields' own. The rules that need a row (the "General" rename, a
duplicate slug) stay in `services.catalog`, and the keys the legacy read after them
are `Held`: their refusals wait for the service to reach them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from shared_models.contracts.base import Contract, QueryContract, refuse
from shared_models.contracts.fields import Flag, Held, QueryTruthy, omittable
from shared_models.errors import bad_request
from shared_models.slugs import checked_slug

NAME_MAX_LENGTH = 255
SLACK_HANDLE_MAX_LENGTH = 255

SLUGGABLE_NAME = {"type": "string", "pattern": "[A-Za-z0-9]", "maxLength": 100}
"""A catalog name: its slug (ASCII letters and digits joined by hyphens, D10) must not be empty."""

SLUG_FROM_NAME_OR_SLUG = {
    "anyOf": [
        {"properties": {"slug": SLUGGABLE_NAME}, "required": ["slug"]},
        {"properties": {"name": SLUGGABLE_NAME}},
    ]
}
"""A created entry's slug comes from `slug` when it is given, else from `name`."""


def _examples(*examples: dict[str, Any], **schema: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={**schema, "examples": list(examples)})


def _trimmed_text(*, empty: Any, max_length: int, too_long: Any) -> Any:
    """A string (`null` reads as empty), trimmed; empty answers `empty`, longer than
    `max_length` answers `too_long`."""

    def read(value: str | None) -> str:
        text = (value or "").strip()
        if not text:
            raise refuse(empty)
        if len(text) > max_length:
            raise refuse(too_long)
        return text

    return AfterValidator(read)


NAME_TOO_LONG = bad_request("Invalid name", f"Name must be at most {NAME_MAX_LENGTH} characters.")
HANDLE_TOO_LONG = bad_request(
    "Invalid slack_handle", f"slack_handle must be at most {SLACK_HANDLE_MAX_LENGTH} characters."
)

NewName = Annotated[
    str | None,
    _trimmed_text(
        empty=bad_request("Missing required fields", '"name" is required.'),
        max_length=NAME_MAX_LENGTH,
        too_long=NAME_TOO_LONG,
    ),
    WithJsonSchema({"type": "string", "pattern": r"\S", "maxLength": NAME_MAX_LENGTH}),
]
"""A created entry's name, trimmed (null or blank: "name is required")."""

Rename = Annotated[
    str | None,
    _trimmed_text(
        empty=bad_request("Invalid name", "Name cannot be empty."), max_length=NAME_MAX_LENGTH, too_long=NAME_TOO_LONG
    ),
    WithJsonSchema(SLUGGABLE_NAME),
]
"""A new name on update, trimmed (null or blank cannot clear a name)."""

NewHandle = Annotated[
    str | None,
    _trimmed_text(
        empty=bad_request("Invalid slack_handle", "slack_handle cannot be empty."),
        max_length=SLACK_HANDLE_MAX_LENGTH,
        too_long=HANDLE_TOO_LONG,
    ),
    WithJsonSchema({"type": "string", "pattern": r"\S", "description": "At most 255 characters"}),
]
"""A new Slack handle on update, trimmed (null or blank cannot clear it)."""


def _slug_of(value: str | None, info: ValidationInfo) -> str | None:
    name = info.data.get("name")
    if name is None:  # the name was refused: that error comes first
        return None
    return checked_slug((value or "").strip() or name)


SlugSource = Annotated[
    str | None,
    AfterValidator(_slug_of),
    WithJsonSchema({
        "anyOf": [SLUGGABLE_NAME, {"type": "null"}, {"type": "string", "pattern": r"^\s*$"}],
        "description": "Slugified as given; blank or null → derived from name",
    }),
]


# --- bodies ------------------------------------------------------------------------------


class CategoryCreate(Contract):
    """POST /job-categories. After validation `slug` is the slug to store:
    slugify(`slug`) when given, else slugify(`name`) (400 "Invalid slug" when empty or
    over 100 characters)."""

    model_config = _examples({"name": "Regression"}, {"name": "Prod / Canary", "slug": "prod-canary"},
                             **SLUG_FROM_NAME_OR_SLUG)

    name: NewName
    slug: SlugSource = Field(None, validate_default=True)


class PicTeamCreate(CategoryCreate):
    """POST /pic-teams. `slack_handle` is required, but it is read after the
    duplicate-slug 409 (§3.3.6): its type is held, its absence checked by the service."""

    model_config = _examples({"name": "QA Team", "slack_handle": "@qa-team"},
                             **SLUG_FROM_NAME_OR_SLUG, required=["name", "slack_handle"])

    slack_handle: Held[
        Annotated[str | None, WithJsonSchema({"type": "string", "pattern": r"\S", "maxLength": SLACK_HANDLE_MAX_LENGTH})]
    ] = omittable()


class CategoryUpdate(Contract):
    """PUT /job-categories/{id}: only the keys sent change. A new name re-derives the
    slug and moves the jobs that used the old one; sending `slug` at all is a 400
    (after the name's rules, §3.3.3 step 4); "general" cannot be renamed."""

    model_config = _examples({"name": "Regression suite"}, {"is_active": False})

    name: Rename = omittable()
    slug: SkipJsonSchema[Any] = Field(None, description="Refused whatever its value: only its presence counts")
    # Read after the name's database rules and the `slug` key (§3.3.3 step 5).
    is_active: Held[Flag] = omittable()


class PicTeamUpdate(CategoryUpdate):
    """PUT /pic-teams/{id}: as categories (no "general" guard), plus `slack_handle`."""

    model_config = _examples({"name": "QA", "slack_handle": "<!subteam^S123>"}, {"is_active": False})

    slack_handle: Held[NewHandle] = omittable()  # last of all (§3.3.7 step 6)


# --- list query ----------------------------------------------------------------------------


class CatalogListQuery(QueryContract):
    """GET /job-categories, GET /pic-teams."""

    include_inactive: QueryTruthy = Field(
        False, description="Admins only: 1, true, yes, y or on (any case) also lists disabled rows."
    )
