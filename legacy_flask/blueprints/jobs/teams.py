"""PIC teams (§3.3.5-3.3.8); the logic is shared with categories in services.catalog."""

from __future__ import annotations

from flask import Response, request
from flask_jwt_extended import current_user

from legacy_flask.auth import authenticated
from legacy_flask.blueprints.jobs import bp
from legacy_flask.extensions import db
from legacy_flask.http import commit_and_respond, json_body
from shared_models.contracts import parse_body, parse_query
from shared_models.contracts.catalog import CatalogListQuery, PicTeamCreate, PicTeamUpdate
from shared_models.services import catalog
from shared_models.services.catalog import PIC_TEAMS


@bp.get("/pic-teams")
@authenticated()
def list_pic_teams() -> tuple[Response, int]:
    body = catalog.list_entries(
        session=db.session, catalog=PIC_TEAMS, actor=current_user, query=parse_query(CatalogListQuery, request.args)
    )
    return commit_and_respond(body)


@bp.post("/pic-teams")
@authenticated("admin")
def create_pic_team() -> tuple[Response, int]:
    body = catalog.create_entry(session=db.session, catalog=PIC_TEAMS, body=parse_body(PicTeamCreate, json_body()))
    return commit_and_respond(body, 201)


@bp.put("/pic-teams/<team_id>")
@authenticated("admin")
def update_pic_team(team_id: str) -> tuple[Response, int]:
    raw = json_body()
    raw.object()  # the JSON checks come before the lookup (§3.3.3)
    entry = catalog.get_entry(session=db.session, catalog=PIC_TEAMS, entry_id=team_id)
    body = catalog.update_entry(session=db.session, catalog=PIC_TEAMS, entry=entry, body=parse_body(PicTeamUpdate, raw))
    return commit_and_respond(body)


@bp.delete("/pic-teams/<team_id>")
@authenticated("admin")
def disable_pic_team(team_id: str) -> tuple[Response, int]:
    return commit_and_respond(catalog.disable_entry(session=db.session, catalog=PIC_TEAMS, entry_id=team_id))
