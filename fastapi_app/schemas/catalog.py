"""Job categories and PIC teams (API_CONTRACT.md §1.5, §1.6, §3.3)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fastapi_app.schemas.common import (
    SLUG_FROM_NAME_OR_SLUG,
    Flag,
    NonEmptyText,
    OptionalSlugSource,
    SluggableName,
    omittable,
)

_STAMPS = {"created_at": "2026-11-26T12:51:04.775Z", "updated_at": "2026-11-26T12:51:04.775Z"}
_CATEGORY = {"id": "2d0c6f1a-7e3b-4b9a-8c5d-0e1f2a3b4c5d", "slug": "regression", "name": "Regression",
             "is_active": True, **_STAMPS}
_TEAM = {"id": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "slug": "qa-team", "name": "QA Team",
         "slack_handle": "@qa-team", "is_active": True, **_STAMPS}


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


# --- categories ------------------------------------------------------------------------


class CategoryRead(BaseModel):
    id: str
    slug: str
    name: str
    is_active: bool
    created_at: str | None
    updated_at: str | None


class CategoryList(BaseModel):
    """Ordered by lower-cased name, ties by id (D18)."""

    model_config = _examples({"categories": [_CATEGORY]})

    categories: list[CategoryRead]


class CategoryCreated(BaseModel):
    model_config = _examples({"message": "Category created", "category": _CATEGORY})

    message: Literal["Category created"]
    category: CategoryRead


class CategoryUpdated(BaseModel):
    """`jobs_updated`: jobs moved to the new slug by a rename (0 without one)."""

    model_config = _examples({"message": "Category updated", "category": _CATEGORY, "jobs_updated": 0})

    message: Literal["Category updated"]
    category: CategoryRead
    jobs_updated: int


class CategoryDisabled(BaseModel):
    model_config = _examples({"message": "Category disabled", "category": {**_CATEGORY, "is_active": False}})

    message: Literal["Category disabled"]
    category: CategoryRead


class CategoryCreate(BaseModel):
    """POST body (documentation only). `slug` defaults to slugify(name)."""

    model_config = ConfigDict(
        json_schema_extra={
            **SLUG_FROM_NAME_OR_SLUG,
            "examples": [{"name": "Regression"}, {"name": "Prod / Canary", "slug": "prod-canary"}],
        }
    )

    name: str = Field(pattern=r"\S", max_length=255)
    slug: OptionalSlugSource = None


class CategoryUpdate(BaseModel):
    """PUT body (documentation only). A new name re-derives the slug and moves the jobs
    that used the old one; sending `slug` at all is a 400; "general" cannot be renamed."""

    model_config = _examples({"name": "Regression suite"}, {"is_active": False})

    name: SluggableName = omittable()
    is_active: Flag = omittable()


# --- PIC teams -------------------------------------------------------------------------


class PicTeamRead(BaseModel):
    id: str
    slug: str
    name: str
    slack_handle: str | None
    is_active: bool
    created_at: str | None
    updated_at: str | None


class PicTeamList(BaseModel):
    """Ordered by lower-cased name, ties by id (D18)."""

    model_config = _examples({"pic_teams": [_TEAM]})

    pic_teams: list[PicTeamRead]


class PicTeamCreated(BaseModel):
    model_config = _examples({"message": "PIC team created", "pic_team": _TEAM})

    message: Literal["PIC team created"]
    pic_team: PicTeamRead


class PicTeamUpdated(BaseModel):
    model_config = _examples({"message": "PIC team updated", "pic_team": _TEAM, "jobs_updated": 0})

    message: Literal["PIC team updated"]
    pic_team: PicTeamRead
    jobs_updated: int


class PicTeamDisabled(BaseModel):
    model_config = _examples({"message": "PIC team disabled", "pic_team": {**_TEAM, "is_active": False}})

    message: Literal["PIC team disabled"]
    pic_team: PicTeamRead


class PicTeamCreate(BaseModel):
    """POST body (documentation only). `slug` defaults to slugify(name)."""

    model_config = ConfigDict(
        json_schema_extra={**SLUG_FROM_NAME_OR_SLUG, "examples": [{"name": "QA Team", "slack_handle": "@qa-team"}]}
    )

    name: str = Field(pattern=r"\S", max_length=255)
    slack_handle: str = Field(pattern=r"\S", max_length=255)
    slug: OptionalSlugSource = None


class PicTeamUpdate(BaseModel):
    """PUT body (documentation only); same rename rules as categories."""

    model_config = _examples({"name": "QA", "slack_handle": "<!subteam^S123>"}, {"is_active": False})

    name: SluggableName = omittable()
    is_active: Flag = omittable()
    slack_handle: NonEmptyText = omittable("At most 255 characters")
