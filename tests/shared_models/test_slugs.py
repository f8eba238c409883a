"""The slug rule (§3.3, D10) and resolving a job's category / PIC team (§3.5.3)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from shared_models.errors import ApiError
from shared_models.models import JobCategory
from shared_models.services.catalog import resolve_category, resolve_pic_team
from shared_models.slugs import checked_slug, is_valid_slug, slugify
from tests.helpers import make_team


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("General", "general"),
        ("  Prod/Canary  ", "prod-canary"),
        ("DR   Testing", "dr-testing"),
        ("--a__b--", "a-b"),
        ("Team #1 (QA)", "team-1-qa"),
        ("Café Ops", "caf-ops"),
        ("日本語", ""),
        ("!!!", ""),
        ("", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_output_is_always_a_valid_charset() -> None:
    for text in ("Ünïcödé Team", "a-b", "x" * 3, "QA/Ops & Release"):
        slug = slugify(text)
        assert slug == "" or is_valid_slug(slug)


@pytest.mark.parametrize(
    ("slug", "valid"),
    [("qa", True), ("a-1", True), ("a" * 100, True), ("a" * 101, False), ("", False),
     ("QA", False), ("a_b", False), ("-a", False), ("a--b", False), ("a b", False)],
)
def test_is_valid_slug(slug: str, valid: bool) -> None:
    assert is_valid_slug(slug) is valid


def test_checked_slug_refuses_empty_and_long() -> None:
    assert checked_slug(" New Team ") == "new-team"
    with pytest.raises(ApiError) as empty:
        checked_slug("???")
    assert (empty.value.status, empty.value.body) == (
        400, {"error": "Invalid slug", "message": "Unable to generate a valid slug from name."}
    )
    with pytest.raises(ApiError) as long:
        checked_slug("a" * 101)
    assert long.value.body == {"error": "Invalid slug", "message": "Slug must be at most 100 characters."}


# -- resolvers -------------------------------------------------------------------------

UNKNOWN_CATEGORY = {
    "error": "Invalid category",
    "message": "Unknown category. Create it in Settings \u2192 Categories first, or choose General.",
}


@pytest.mark.parametrize(
    ("raw", "slug"),
    [(None, "general"), ("", "general"), ("   ", "general"), ("General", "general"),
     ("regression", "regression"), ("Prod/Canary", "prod-canary"), ("prod canary", "prod-canary"),
     (" dr testing ", "dr-testing")],
)
def test_resolve_category(db: Session, raw: str | None, slug: str) -> None:
    assert resolve_category(db, raw) == slug


def test_resolve_category_by_name_case_insensitive(db: Session) -> None:
    db.add(JobCategory(slug="nightly-etl", name="Nightly: ETL"))
    db.commit()
    # slugify("NIGHTLY: etl") is "nightly-etl" too; a name that slugifies elsewhere:
    db.add(JobCategory(slug="ops", name="Ops+"))
    db.commit()
    assert resolve_category(db, "ops+") == "ops"
    assert resolve_category(db, "NIGHTLY: etl") == "nightly-etl"


def test_resolve_category_accepts_disabled(db: Session) -> None:
    db.add(JobCategory(slug="old", name="Old", is_active=False))
    db.commit()
    assert resolve_category(db, "Old") == "old"


def test_general_passes_even_without_its_row(db: Session) -> None:
    db.delete(db.query(JobCategory).filter_by(slug="general").one())
    db.commit()
    assert resolve_category(db, "General") == "general"


@pytest.mark.parametrize("raw", ["nope", "!!!", "generals"])
def test_resolve_category_unknown(db: Session, raw: str) -> None:
    with pytest.raises(ApiError) as caught:
        resolve_category(db, raw)
    assert (caught.value.status, caught.value.body) == (400, UNKNOWN_CATEGORY)


def test_resolvers_refuse_non_strings(db: Session) -> None:
    with pytest.raises(ApiError) as caught:
        resolve_category(db, 5)  # type: ignore[arg-type]
    assert caught.value.body == {"error": "Invalid payload", "message": '"category" must be a string.'}
    with pytest.raises(ApiError) as team:
        resolve_pic_team(db, ["qa"], field="pic_team_slug")  # type: ignore[arg-type]
    assert team.value.body == {"error": "Invalid payload", "message": '"pic_team_slug" must be a string.'}


def test_resolve_pic_team(db: Session) -> None:
    make_team(db, "qa-team", name="QA Team")
    assert resolve_pic_team(db, "qa-team") == "qa-team"
    assert resolve_pic_team(db, " QA Team ") == "qa-team"
    assert resolve_pic_team(db, "qa team") == "qa-team"


def _team_error(db: Session, raw: str | None) -> dict[str, str]:
    with pytest.raises(ApiError) as caught:
        resolve_pic_team(db, raw)
    assert caught.value.status == 400
    return caught.value.body


def test_resolve_pic_team_errors(db: Session) -> None:
    make_team(db, "old-team", name="Old Team", is_active=False)
    required = {"error": "Invalid PIC team", "message": "PIC team is required. Create one in Settings \u2192 PIC Teams."}
    unknown = {"error": "Invalid PIC team", "message": "Unknown PIC team. Create it in Settings \u2192 PIC Teams first."}
    disabled = {
        "error": "Invalid PIC team",
        "message": "PIC team is disabled. Enable it in Settings \u2192 PIC Teams or choose another.",
    }
    assert _team_error(db, None) == required
    assert _team_error(db, "  ") == required
    assert _team_error(db, "ghost") == unknown
    assert _team_error(db, "???") == unknown
    assert _team_error(db, "general") == unknown  # "general" is a category rule only
    assert _team_error(db, "Old Team") == disabled
