"""v2 twins of the job category and PIC team routes (API_CONTRACT.md §3.3).

Both resources are one shared service (`services.catalog`) parametrised by a `Catalog`;
the routes only pick the catalog. Listing is open to every signed-in user (admins may
ask `include_inactive`); writes are admin-only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from fastapi_app.deps import AdminUser, CurrentUser, JsonBodyDep, SessionDep, call
from fastapi_app.openapi_bodies import json_body_doc, query_doc
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.catalog import (
    CategoryCreate,
    CategoryCreated,
    CategoryDisabled,
    CategoryList,
    CategoryUpdate,
    CategoryUpdated,
    PicTeamCreate,
    PicTeamCreated,
    PicTeamDisabled,
    PicTeamList,
    PicTeamUpdate,
    PicTeamUpdated,
)
from fastapi_app.schemas.common import AUTH_RESPONSES, ROLE_RESPONSES, ErrorBody
from shared_models.services import catalog
from shared_models.services.catalog import CATEGORIES, PIC_TEAMS

router = APIRouter(tags=["catalog"])

INCLUDE_INACTIVE_DOC = query_doc(
    ("include_inactive", "Admins only: 1, true, yes, y or on (any case) also lists disabled rows."),
)


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


def _body_400(description: str) -> dict[int | str, dict[str, Any]]:
    return {**BODY_ERRORS, 400: _error(f"Not JSON, invalid JSON, a field of the wrong type, or {description}")}


DUPLICATE = {409: _error("Another row already has this slug")}
# The URL guard refuses NUL in any query value before routing (found by the fuzzer).
QUERY_NUL = {400: _error("A query value contains NUL")}


# --- job categories (§3.3.1–§3.3.4) ----------------------------------------------------


@router.get(
    "/job-categories",
    response_model=None,
    summary="Job categories (active ones; admins may include disabled ones)",
    responses={**AUTH_RESPONSES, **QUERY_NUL, 200: {"model": CategoryList}},
    openapi_extra=INCLUDE_INACTIVE_DOC,
)
async def list_categories(request: Request, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, catalog.list_entries, catalog=CATEGORIES, actor=user, query=request.query_params)


@router.post(
    "/job-categories",
    status_code=201,
    response_model=None,
    summary="Create a category (admin)",
    responses={
        **ROLE_RESPONSES,
        **_body_400("name missing or too long, or no valid slug"),
        **DUPLICATE,
        201: {"model": CategoryCreated},
    },
    openapi_extra=json_body_doc(CategoryCreate),
)
async def create_category(session: SessionDep, _admin: AdminUser, body: JsonBodyDep) -> dict[str, Any]:
    return await call(session, catalog.create_entry, catalog=CATEGORIES, body=body)


@router.put(
    "/job-categories/{category_id}",
    response_model=None,
    summary="Update a category (admin); a rename moves its jobs to the new slug",
    responses={
        **ROLE_RESPONSES,
        **_body_400('an empty name, renaming "General", no valid slug, or a "slug" key'),
        404: _error("No category with this id"),
        **DUPLICATE,
        200: {"model": CategoryUpdated},
    },
    openapi_extra=json_body_doc(CategoryUpdate),
)
async def update_category(
    category_id: str, session: SessionDep, _admin: AdminUser, body: JsonBodyDep
) -> dict[str, Any]:
    return await call(session, catalog.update_entry, catalog=CATEGORIES, entry_id=category_id, body=body)


@router.delete(
    "/job-categories/{category_id}",
    response_model=None,
    summary="Disable a category (admin; soft delete, jobs keep it)",
    responses={**ROLE_RESPONSES, 404: _error("No category with this id"), 200: {"model": CategoryDisabled}},
)
async def disable_category(category_id: str, session: SessionDep, _admin: AdminUser) -> dict[str, Any]:
    return await call(session, catalog.disable_entry, catalog=CATEGORIES, entry_id=category_id)


# --- PIC teams (§3.3.5–§3.3.8) ---------------------------------------------------------


@router.get(
    "/pic-teams",
    response_model=None,
    summary="PIC teams (active ones; admins may include disabled ones)",
    responses={**AUTH_RESPONSES, **QUERY_NUL, 200: {"model": PicTeamList}},
    openapi_extra=INCLUDE_INACTIVE_DOC,
)
async def list_pic_teams(request: Request, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, catalog.list_entries, catalog=PIC_TEAMS, actor=user, query=request.query_params)


@router.post(
    "/pic-teams",
    status_code=201,
    response_model=None,
    summary="Create a PIC team (admin)",
    responses={
        **ROLE_RESPONSES,
        **_body_400("name or slack_handle missing or too long, or no valid slug"),
        **DUPLICATE,
        201: {"model": PicTeamCreated},
    },
    openapi_extra=json_body_doc(PicTeamCreate),
)
async def create_pic_team(session: SessionDep, _admin: AdminUser, body: JsonBodyDep) -> dict[str, Any]:
    return await call(session, catalog.create_entry, catalog=PIC_TEAMS, body=body)


@router.put(
    "/pic-teams/{team_id}",
    response_model=None,
    summary="Update a PIC team (admin); a rename moves its jobs to the new slug",
    responses={
        **ROLE_RESPONSES,
        **_body_400('an empty name or slack_handle, no valid slug, or a "slug" key'),
        404: _error("No PIC team with this id"),
        **DUPLICATE,
        200: {"model": PicTeamUpdated},
    },
    openapi_extra=json_body_doc(PicTeamUpdate),
)
async def update_pic_team(team_id: str, session: SessionDep, _admin: AdminUser, body: JsonBodyDep) -> dict[str, Any]:
    return await call(session, catalog.update_entry, catalog=PIC_TEAMS, entry_id=team_id, body=body)


@router.delete(
    "/pic-teams/{team_id}",
    response_model=None,
    summary="Disable a PIC team (admin; soft delete, jobs can no longer choose it)",
    responses={**ROLE_RESPONSES, 404: _error("No PIC team with this id"), 200: {"model": PicTeamDisabled}},
)
async def disable_pic_team(team_id: str, session: SessionDep, _admin: AdminUser) -> dict[str, Any]:
    return await call(session, catalog.disable_entry, catalog=PIC_TEAMS, entry_id=team_id)
