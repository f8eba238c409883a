"""Job categories (§3.3.1-3.3.4); the logic is shared with PIC teams in services.catalog."""

from __future__ import annotations

from flask import Response, request
from flask_jwt_extended import current_user

from legacy_flask.auth import authenticated
from legacy_flask.blueprints.jobs import bp
from legacy_flask.extensions import db
from legacy_flask.http import commit_and_respond, json_body
from shared_models.contracts import parse_body, parse_query
from shared_models.contracts.catalog import CatalogListQuery, CategoryCreate, CategoryUpdate
from shared_models.services import catalog
from shared_models.services.catalog import CATEGORIES


@bp.get("/job-categories")
@authenticated()
def list_categories() -> tuple[Response, int]:
    body = catalog.list_entries(
        session=db.session, catalog=CATEGORIES, actor=current_user, query=parse_query(CatalogListQuery, request.args)
    )
    return commit_and_respond(body)


@bp.post("/job-categories")
@authenticated("admin")
def create_category() -> tuple[Response, int]:
    body = catalog.create_entry(session=db.session, catalog=CATEGORIES, body=parse_body(CategoryCreate, json_body()))
    return commit_and_respond(body, 201)


@bp.put("/job-categories/<category_id>")
@authenticated("admin")
def update_category(category_id: str) -> tuple[Response, int]:
    raw = json_body()
    raw.object()  # the JSON checks come before the lookup (§3.3.3)
    entry = catalog.get_entry(session=db.session, catalog=CATEGORIES, entry_id=category_id)
    body = catalog.update_entry(session=db.session, catalog=CATEGORIES, entry=entry, body=parse_body(CategoryUpdate, raw))
    return commit_and_respond(body)


@bp.delete("/job-categories/<category_id>")
@authenticated("admin")
def disable_category(category_id: str) -> tuple[Response, int]:
    return commit_and_respond(catalog.disable_entry(session=db.session, catalog=CATEGORIES, entry_id=category_id))
