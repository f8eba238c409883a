"""Job categories' and PIC teams' answers (API_CONTRACT.md §1.5, §1.6, §3.3); the request
bodies are `shared_models.contracts.catalog`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

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
