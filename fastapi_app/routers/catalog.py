"""v2 twins of the job category and PIC team routes (API_CONTRACT.md §3.3).

Both resources are one shared service (`services.catalog`) parametrised by a `Catalog`;
the routes only pick the catalog. Listing is open to every signed-in user (admins may
ask `include_inactive`); writes are admin-only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from fastapi_app.contract_body import ContractBody, ContractRoute
from fastapi_app.contract_query import ContractQuery
from fastapi_app.deps import AdminUser, CurrentUser, JsonBodyDep, SessionDep, call
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.catalog import (
    CategoryCreated,
    CategoryDisabled,
    CategoryList,
    CategoryUpdated,
    PicTeamCreated,
    PicTeamDisabled,
    PicTeamList,
    PicTeamUpdated,
)
from fastapi_app.schemas.common import AUTH_RESPONSES, ROLE_RESPONSES, ErrorBody
from shared_models.contracts.catalog import (
    CatalogListQuery,
    CategoryCreate,
    CategoryUpdate,
    PicTeamCreate,
    PicTeamUpdate,
)
from shared_models.services import catalog
from shared_models.services.catalog import CATEGORIES, PIC_TEAMS, Catalog, CategoryOrTeam

router = APIRouter(tags=["catalog"], route_class=ContractRoute)
ListQuery = Annotated[CatalogListQuery, ContractQuery(CatalogListQuery)]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


def _body_400(description: str) -> dict[int | str, dict[str, Any]]:
    return {**BODY_ERRORS, 400: _error(f"Not JSON, invalid JSON, a field of the wrong type, or {description}")}


DUPLICATE = {409: _error("Another row already has this slug")}
# The URL guard refuses NUL in any query value before routing (found by the fuzzer).
QUERY_NUL = {400: _error("A query value contains NUL")}


async def _entry_to_update(
    catalog_: Catalog, entry_id: str, session: SessionDep, body: JsonBodyDep
) -> CategoryOrTeam:
    """The JSON checks, then the 404 (§3.3.3 steps 1-2), before the body's types."""
    body.object()
    return await call(session, catalog.get_entry, catalog=catalog_, entry_id=entry_id)


async def category_to_update(category_id: str, session: SessionDep, body: JsonBodyDep) -> CategoryOrTeam:
    return await _entry_to_update(CATEGORIES, category_id, session, body)


async def team_to_update(team_id: str, session: SessionDep, body: JsonBodyDep) -> CategoryOrTeam:
    return await _entry_to_update(PIC_TEAMS, team_id, session, body)


# --- job categories (§3.3.1–§3.3.4) ----------------------------------------------------


@router.get(
    "/job-categories",
    response_model=CategoryList,
    summary="Job categories (active ones; admins may include disabled ones)",
    responses={**AUTH_RESPONSES, **QUERY_NUL},
)
async def list_categories(session: SessionDep, user: CurrentUser, query: ListQuery) -> dict[str, Any]:
    return await call(session, catalog.list_entries, catalog=CATEGORIES, actor=user, query=query)


@router.post(
    "/job-categories",
    status_code=201,
    response_model=CategoryCreated,
    summary="Create a category (admin)",
    responses={
        **ROLE_RESPONSES,
        **_body_400("name missing or too long, or no valid slug"),
        **DUPLICATE,
    },
)
async def create_category(
    session: SessionDep, _admin: AdminUser, body: Annotated[CategoryCreate, ContractBody(CategoryCreate)]
) -> dict[str, Any]:
    return await call(session, catalog.create_entry, catalog=CATEGORIES, body=body)


@router.put(
    "/job-categories/{category_id}",
    response_model=CategoryUpdated,
    summary="Update a category (admin); a rename moves its jobs to the new slug",
    responses={
        **ROLE_RESPONSES,
        **_body_400('an empty name, renaming "General", no valid slug, or a "slug" key'),
        404: _error("No category with this id"),
        **DUPLICATE,
    },
)
async def update_category(
    session: SessionDep,
    _admin: AdminUser,
    entry: Annotated[CategoryOrTeam, Depends(category_to_update)],
    body: Annotated[CategoryUpdate, ContractBody(CategoryUpdate)],
) -> dict[str, Any]:
    return await call(session, catalog.update_entry, catalog=CATEGORIES, entry=entry, body=body)


@router.delete(
    "/job-categories/{category_id}",
    response_model=CategoryDisabled,
    summary="Disable a category (admin; soft delete, jobs keep it)",
    responses={**ROLE_RESPONSES, 404: _error("No category with this id")},
)
async def disable_category(category_id: str, session: SessionDep, _admin: AdminUser) -> dict[str, Any]:
    return await call(session, catalog.disable_entry, catalog=CATEGORIES, entry_id=category_id)


# --- PIC teams (§3.3.5–§3.3.8) ---------------------------------------------------------


@router.get(
    "/pic-teams",
    response_model=PicTeamList,
    summary="PIC teams (active ones; admins may include disabled ones)",
    responses={**AUTH_RESPONSES, **QUERY_NUL},
)
async def list_pic_teams(session: SessionDep, user: CurrentUser, query: ListQuery) -> dict[str, Any]:
    return await call(session, catalog.list_entries, catalog=PIC_TEAMS, actor=user, query=query)


@router.post(
    "/pic-teams",
    status_code=201,
    response_model=PicTeamCreated,
    summary="Create a PIC team (admin)",
    responses={
        **ROLE_RESPONSES,
        **_body_400("name or slack_handle missing or too long, or no valid slug"),
        **DUPLICATE,
    },
)
async def create_pic_team(
    session: SessionDep, _admin: AdminUser, body: Annotated[PicTeamCreate, ContractBody(PicTeamCreate)]
) -> dict[str, Any]:
    return await call(session, catalog.create_entry, catalog=PIC_TEAMS, body=body)


@router.put(
    "/pic-teams/{team_id}",
    response_model=PicTeamUpdated,
    summary="Update a PIC team (admin); a rename moves its jobs to the new slug",
    responses={
        **ROLE_RESPONSES,
        **_body_400('an empty name or slack_handle, no valid slug, or a "slug" key'),
        404: _error("No PIC team with this id"),
        **DUPLICATE,
    },
)
async def update_pic_team(
    session: SessionDep,
    _admin: AdminUser,
    entry: Annotated[CategoryOrTeam, Depends(team_to_update)],
    body: Annotated[PicTeamUpdate, ContractBody(PicTeamUpdate)],
) -> dict[str, Any]:
    return await call(session, catalog.update_entry, catalog=PIC_TEAMS, entry=entry, body=body)


@router.delete(
    "/pic-teams/{team_id}",
    response_model=PicTeamDisabled,
    summary="Disable a PIC team (admin; soft delete, jobs can no longer choose it)",
    responses={**ROLE_RESPONSES, 404: _error("No PIC team with this id")},
)
async def disable_pic_team(team_id: str, session: SessionDep, _admin: AdminUser) -> dict[str, Any]:
    return await call(session, catalog.disable_entry, catalog=PIC_TEAMS, entry_id=team_id)
