"""Job categories and PIC teams (API_CONTRACT.md §3.3), and resolving a job's references.

Categories and teams are one resource twice: a slugged, soft-deletable name list whose
slug is stored on jobs (`jobs.category`, `jobs.pic_team`, no FK). One implementation
serves both, parametrised by a `Catalog` that holds what differs: the model, the job
column, the messages, the "general" rename guard and the team's `slack_handle`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.errors import ApiError, bad_request, invalid_payload
from shared_models.models import JobCategory, PicTeam
from shared_models.slugs import slugify

GENERAL = "general"
NAME_MAX_LENGTH = 255
SLACK_HANDLE_MAX_LENGTH = 255

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
