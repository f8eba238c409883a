"""Job categories and PIC teams (API_CONTRACT.md §3.3), and resolving a job's references.

Categories and teams are one resource twice: a slugged, soft-deletable name list whose
slug is stored on jobs (`jobs.category`, `jobs.pic_team`, no FK). One implementation
serves both, parametrised by a `Catalog` that holds what differs: the model, the job
column, the messages, the "general" rename guard and the team's `slack_handle`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from shared_models.contracts.catalog import (
    HANDLE_TOO_LONG,
    SLACK_HANDLE_MAX_LENGTH,
    CatalogListQuery,
    CategoryCreate,
    CategoryUpdate,
)
from shared_models.contracts.fields import checked
from shared_models.errors import ApiError, bad_request, invalid_payload, not_found
from shared_models.models import Job, JobCategory, PicTeam, User
from shared_models.serializers import category_to_dict, pic_team_to_dict
from shared_models.slugs import checked_slug, slugify

GENERAL = "general"

CategoryOrTeam = JobCategory | PicTeam


# --------------------------------------------------------------------------------------
# Resolving a job's category / PIC team (§3.5.3 steps 6 and 8), used by jobs CRUD and
# bulk upload.


def _find_by_input(session: Session, model: type[CategoryOrTeam], text: str) -> CategoryOrTeam | None:
    """The row whose slug is slugify(text), else whose name equals text ignoring case."""
    slug = slugify(text)
    if slug:
        row = session.scalar(select(model).where(model.slug == slug))
        if row is not None:
            return row
    return session.scalar(
        select(model).where(func.lower(model.name) == text.lower()).order_by(model.id).limit(1)
    )


def _input_text(raw: Any, field: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise invalid_payload(f'"{field}" must be a string.')
    return raw.strip()


def resolve_category(session: Session, raw: str | None, *, field: str = "category") -> str:
    """The category slug to store on a job, from the slug or display name a client sent.

    - `None`, `""` or blanks → `"general"`;
    - slugify(raw) matching a category's slug, else raw matching a category's name
      case-insensitively → that category's slug (a *disabled* category is accepted, §3.3.4);
    - `"general"` always passes, even if its row is gone;
    - anything else → ApiError 400 `{"error": "Invalid category", "message": "Unknown
      category. Create it in Settings → Categories first, or choose General."}`.

    A non-string `raw` → 400 Invalid payload `"<field>" must be a string.` (D1); callers
    reading a JSON body normally check the type themselves first.
    """
    text = _input_text(raw, field)
    if not text:
        return GENERAL
    row = _find_by_input(session, JobCategory, text)
    if row is not None:
        return row.slug
    if slugify(text) == GENERAL:
        return GENERAL
    raise bad_request(
        "Invalid category",
        "Unknown category. Create it in Settings \u2192 Categories first, or choose General.",
    )


def resolve_pic_team(session: Session, raw: str | None, *, field: str = "pic_team") -> str:
    """The PIC team slug to store on a job, from the slug or display name a client sent.

    Resolved like categories (slug, then name ignoring case), then (all ApiError 400
    with `"error": "Invalid PIC team"`):
    - `None`, `""` or blanks → "PIC team is required. Create one in Settings → PIC Teams.";
    - no such team → "Unknown PIC team. Create it in Settings → PIC Teams first.";
    - a disabled team → "PIC team is disabled. Enable it in Settings → PIC Teams or
      choose another.".

    Input that is not blank but slugifies to nothing (e.g. `"!!!"`) is reported as
    unknown, not as missing: the client did send something.
    """
    text = _input_text(raw, field)
    if not text:
        raise _invalid_team("PIC team is required. Create one in Settings \u2192 PIC Teams.")
    row = _find_by_input(session, PicTeam, text)
    if row is None:
        raise _invalid_team("Unknown PIC team. Create it in Settings \u2192 PIC Teams first.")
    if not row.is_active:
        raise _invalid_team(
            "PIC team is disabled. Enable it in Settings \u2192 PIC Teams or choose another."
        )
    return row.slug


def _invalid_team(message: str) -> ApiError:
    return bad_request("Invalid PIC team", message)


# --------------------------------------------------------------------------------------
# The two catalogs and their routes.


@dataclass(frozen=True)
class Catalog:
    """What differs between categories and PIC teams; everything else is shared."""

    model: type[CategoryOrTeam]
    job_column: InstrumentedAttribute[Any]  # the jobs column that stores the slug
    to_dict: Callable[[Any], dict[str, Any]]
    list_key: str  # "categories"
    item_key: str  # "category"
    noun: str  # "category", as in "No category found with ID: <id>"
    title: str  # "Category", as in 'Category slug "x" already exists.' / "Category created"
    protected_slug: str | None  # the slug whose name may not change ("general")
    has_slack_handle: bool


CATEGORIES = Catalog(
    model=JobCategory,
    job_column=Job.category,
    to_dict=category_to_dict,
    list_key="categories",
    item_key="category",
    noun="category",
    title="Category",
    protected_slug=GENERAL,
    has_slack_handle=False,
)
PIC_TEAMS = Catalog(
    model=PicTeam,
    job_column=Job.pic_team,
    to_dict=pic_team_to_dict,
    list_key="pic_teams",
    item_key="pic_team",
    noun="PIC team",
    title="PIC team",
    protected_slug=None,
    has_slack_handle=True,
)

SLUG_NOT_EDITABLE = "Slug cannot be edited directly; it is derived from name."


def list_entries(
    *, session: Session, catalog: Catalog, actor: User, query: CatalogListQuery
) -> dict[str, Any]:
    """GET: active rows, or all rows for a (database-role) admin asking `include_inactive`.

    Ordered by lower-cased name, ties broken by id (D18).
    """
    model = catalog.model
    statement = select(model).order_by(func.lower(model.name), model.id)
    if not (actor.role == "admin" and query.include_inactive):
        statement = statement.where(model.is_active.is_(True))
    return {catalog.list_key: [catalog.to_dict(row) for row in session.scalars(statement)]}


def create_entry(*, session: Session, catalog: Catalog, body: CategoryCreate) -> dict[str, Any]:
    """POST, after the contract (JSON, name, slug): duplicate (409), then slack_handle's
    type, presence and length (§3.3.6: after the 409)."""
    slug = body.slug
    assert slug is not None  # the contract derived it
    if _slug_taken(session, catalog, slug):
        raise _duplicate_slug(catalog, slug)
    fields: dict[str, Any] = {"slug": slug, "name": body.name, "is_active": True}
    if catalog.has_slack_handle:
        handle = (checked(getattr(body, "slack_handle", None)) or "").strip()
        if not handle:
            raise bad_request("Missing required fields", '"slack_handle" is required.')
        if len(handle) > SLACK_HANDLE_MAX_LENGTH:
            raise HANDLE_TOO_LONG
        fields["slack_handle"] = handle
    entry = catalog.model(**fields)
    session.add(entry)
    _flush(session, catalog, slug)
    return {"message": f"{catalog.title} created", catalog.item_key: catalog.to_dict(entry)}


def get_entry(*, session: Session, catalog: Catalog, entry_id: str) -> CategoryOrTeam:
    """The row, or 404 "No <noun> found with ID: <id>" (an update looks it up after the
    JSON check and before the body's types, §3.3.3)."""
    entry = session.get(catalog.model, entry_id)
    if entry is None:
        raise not_found("Not found", f"No {catalog.noun} found with ID: {entry_id}")
    return entry


def update_entry(
    *, session: Session, catalog: Catalog, entry: CategoryOrTeam, body: CategoryUpdate
) -> dict[str, Any]:
    """PUT (§3.3.3 / §3.3.7), once the stack has the row (`get_entry`) and the body (the
    name's own rules; the later keys are held). Every check runs before the first write, in
    the contract's order, so a rejected request (e.g. a `slug` key after a valid rename)
    changes nothing: neither the row nor the jobs a rename would have moved.
    """
    sent = body.sent()
    new_name = body.name if "name" in sent else None
    new_slug: str | None = None
    if new_name is not None:
        if catalog.protected_slug is not None and entry.slug == catalog.protected_slug and new_name != entry.name:
            raise bad_request("Invalid category", 'The "General" category cannot be renamed.')
        slug = checked_slug(new_name)
        if slug != entry.slug:
            if _slug_taken(session, catalog, slug):
                raise _duplicate_slug(catalog, slug)
            new_slug = slug
    if "slug" in sent:
        raise invalid_payload(SLUG_NOT_EDITABLE)
    is_active = checked(body.is_active) if "is_active" in sent else None
    new_handle = checked(getattr(body, "slack_handle", None)) if catalog.has_slack_handle and "slack_handle" in sent else None

    jobs_updated = 0
    if new_slug is not None:
        column = catalog.job_column
        result = session.execute(
            update(Job).where(column == entry.slug).values({column.key: new_slug})
        )
        jobs_updated = result.rowcount or 0
        entry.slug = new_slug
    if new_name is not None:
        entry.name = new_name
    if is_active is not None:
        entry.is_active = is_active
    if new_handle is not None:
        entry.slack_handle = new_handle
    _flush(session, catalog, entry.slug)
    return {
        "message": f"{catalog.title} updated",
        catalog.item_key: catalog.to_dict(entry),
        "jobs_updated": jobs_updated,
    }


def disable_entry(*, session: Session, catalog: Catalog, entry_id: str) -> dict[str, Any]:
    """DELETE is a soft delete: the row is disabled and jobs keep their slug."""
    entry = get_entry(session=session, catalog=catalog, entry_id=entry_id)
    entry.is_active = False
    session.flush()
    return {"message": f"{catalog.title} disabled", catalog.item_key: catalog.to_dict(entry)}


def _slug_taken(session: Session, catalog: Catalog, slug: str) -> bool:
    model = catalog.model
    return session.scalar(select(model.id).where(model.slug == slug).limit(1)) is not None


def _duplicate_slug(catalog: Catalog, slug: str) -> ApiError:
    return ApiError(409, "Duplicate slug", f'{catalog.title} slug "{slug}" already exists.')


def _flush(session: Session, catalog: Catalog, slug: str) -> None:
    """Flush; a slug taken by a concurrent writer since our check is still a 409.

    The caller's error handling rolls the failed transaction back.
    """
    try:
        session.flush()
    except IntegrityError:
        raise _duplicate_slug(catalog, slug) from None
