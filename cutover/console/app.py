"""The console's Starlette app, mounted by the gateway under `/ops`.

    GET  /ops/                     overview (filters ?resource=&state=; ?fragment=1: the table only)
    GET  /ops/route?key=<route>    one route: state form, rollout, mismatch diffs, audit, decisions
    GET  /ops/audit                the whole audit trail
    GET  /ops/login  POST /ops/login  POST /ops/logout
    POST /ops/actions/state        route_key, state, canary_percent, reason, force
    POST /ops/actions/rollout      route_key, op (start|pause|resume|abort), reason, steps, hold, min_requests
    POST /ops/actions/all-legacy   reason, confirm ("legacy")
    GET  /ops/static/...           console.css, console.js

Anonymous visitors are sent to the login form (401 for fragments and actions), a
non-admin gets 403, an action without the session's CSRF token gets 403. A successful
action redirects (303) to the route or overview page; a refused one renders the page
again with the refusal and the operator's input (status as the API would answer).
Database work runs in a worker thread, one session per request.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from cutover.console import actions, pages
from cutover.console.auth import (
    COOKIE_PATH,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Admin,
    ConsoleAuth,
    NotAdmin,
    NotLoggedIn,
)
from cutover.console.headers import SECURITY_HEADERS
from fastapi_app.security_headers import ResponseHeadersMiddleware
from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.errors import ApiError
from shared_models.settings import Settings

HERE = Path(__file__).parent
PREFIX = "/ops"
T = TypeVar("T")
DONE = {
    "state": "State changed (audited).",
    "unchanged": "The route already was in that state: nothing changed.",
    "start": "Rollout started (audited).",
    "pause": "Rollout paused (audited).",
    "resume": "Rollout resumed (audited).",
    "abort": "Rollout aborted: the route is back on legacy (audited).",
    "legacy": "Everything is back on legacy (audited).",
    "nothing": "Everything already was on legacy: nothing changed.",
}


class BadCsrf(Exception):
    """An action without this session's CSRF token."""


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _number(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:g}{unit}"


class Console:
    """The ASGI app of /ops; `sessions` is the gateway's sessionmaker, `known_keys` its routes."""

    def __init__(self, settings: Settings, sessions: Callable[[], Session],
                 known_keys: Callable[[], Collection[str]]) -> None:
        self.settings = settings
        self.sessions = sessions
        self.known_keys = known_keys
        self.auth = ConsoleAuth(settings)
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(default=True), trim_blocks=True,
                                     lstrip_blocks=True)
        self.templates.filters["percent"] = _percent
        self.templates.filters["number"] = _number
        routes = [
            Route(f"{PREFIX}", lambda request: RedirectResponse(f"{PREFIX}/", 308)),
            Route(f"{PREFIX}/", self.overview),
            Route(f"{PREFIX}/route", self.route),
            Route(f"{PREFIX}/audit", self.audit),
            Route(f"{PREFIX}/login", self.login_form, methods=["GET"]),
            Route(f"{PREFIX}/login", self.login, methods=["POST"]),
            Route(f"{PREFIX}/logout", self.logout, methods=["POST"]),
            Route(f"{PREFIX}/actions/state", self.set_state, methods=["POST"]),
            Route(f"{PREFIX}/actions/rollout", self.rollout, methods=["POST"]),
            Route(f"{PREFIX}/actions/all-legacy", self.all_legacy, methods=["POST"]),
            Mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
        app = Starlette(routes=routes, exception_handlers={HTTPException: self._http_error})
        self.app = ResponseHeadersMiddleware(app, SECURITY_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    # --- plumbing -----------------------------------------------------------------

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.templates.get_template(name).render(**context), status_code=status)

    def _page(self, name: str, admin: Admin, status: int = 200, **context: Any) -> HTMLResponse:
        return self.render(name, status, admin=admin, csrf=self.auth.csrf_for(admin.jti), **context)

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        return self.render("error.html", status, title="Not found" if status == 404 else "Refused",
                           message=str(getattr(exc, "detail", "")))

    def _refusal(self, request: Request, exc: Exception) -> Response:
        """Anonymous: to the login form (pages) or 401; non-admin or no CSRF: 403."""
        if isinstance(exc, NotLoggedIn):
            if request.method == "GET" and not request.query_params.get("fragment"):
                return RedirectResponse(f"{PREFIX}/login", 303)
            return self.render("error.html", 401, title="Log in first",
                               message="Your session has ended or never began.")
        if isinstance(exc, NotAdmin):
            return self.render("error.html", 403, title="Admins only",
                               message="This console is for administrators only.")
        return self.render("error.html", 403, title="Refused",
                           message="The form's CSRF token is missing or wrong. Reload the page and try again.")

    async def _read(self, request: Request, work: Callable[[Session, Admin], T]) -> tuple[Admin, T]:
        token = request.cookies.get(SESSION_COOKIE)

        def run() -> tuple[Admin, T]:
            with self.sessions() as session:
                admin = self.auth.admin(session, token)
                return admin, work(session, admin)

        return await run_in_threadpool(run)

    async def _write(self, request: Request, form: FormData,
                     work: Callable[[Session, Admin], T]) -> tuple[Admin, T]:
        """Authenticate, check the CSRF token, then `work` in one write transaction."""
        token = request.cookies.get(SESSION_COOKIE)
        csrf = form.get("csrf")

        def run() -> tuple[Admin, T]:
            with self.sessions() as session:
                admin = self.auth.admin(session, token)
                if not self.auth.csrf_ok(admin.jti, csrf if isinstance(csrf, str) else None):
                    raise BadCsrf
                session.rollback()
                begin_write(session)
                result = work(session, admin)
                session.commit()
                return admin, result

        return await run_in_threadpool(run)

    @staticmethod
    def _text(form: FormData, name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    # --- pages --------------------------------------------------------------------

    async def overview(self, request: Request) -> Response:
        resource = request.query_params.get("resource") or None
        state = request.query_params.get("state") or None
        try:
            admin, data = await self._read(request, lambda session, _: pages.overview(
                session, keys=self.known_keys(), now=utcnow(), resource=resource, state=state))
        except (NotLoggedIn, NotAdmin) as exc:
            return self._refusal(request, exc)
        query = urlencode({key: value for key, value in (("resource", resource), ("state", state)) if value})
        name = "_routes.html" if request.query_params.get("fragment") else "overview.html"
        return self._page(name, admin, data=data, refresh_url=f"{PREFIX}/?{query}&fragment=1".replace("?&", "?"),
                          notice=DONE.get(request.query_params.get("done", "")), title="Overview")

    async def route(self, request: Request, *, error: ApiError | None = None, form: dict[str, str] | None = None,
                    status: int = 200) -> Response:
        key = request.query_params.get("key") or (form or {}).get("route_key", "")
        try:
            admin, data = await self._read(request, lambda session, _: pages.route_page(
                session, route_key=key, keys=self.known_keys(), now=utcnow()))
        except (NotLoggedIn, NotAdmin) as exc:
            return self._refusal(request, exc)
        if data is None:
            return self._page("error.html", admin, 404, title="Not found", message=f"Unknown route {key!r}.")
        return self._page("route.html", admin, status, data=data, title=key, error=_error(error),
                          form=form or {}, notice=DONE.get(request.query_params.get("done", "")))

    async def audit(self, request: Request) -> Response:
        try:
            admin, data = await self._read(request, lambda session, _: pages.audit(session))
        except (NotLoggedIn, NotAdmin) as exc:
            return self._refusal(request, exc)
        return self._page("audit.html", admin, data=data, title="Audit trail")

    # --- login ----------------------------------------------------------------------

    def _login_page(self, status: int = 200, message: str | None = None, username: str = "") -> Response:
        nonce = self.auth.new_login_nonce()
        response = self.render("login.html", status, title="Log in", csrf=self.auth.csrf_for(nonce),
                               message=message, username=username)
        response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, path=COOKIE_PATH, httponly=True, samesite="strict")
        return response

    async def login_form(self, request: Request) -> Response:
        try:
            await self._read(request, lambda session, _: None)
            return RedirectResponse(f"{PREFIX}/", 303)
        except (NotLoggedIn, NotAdmin):
            return self._login_page()

    async def login(self, request: Request) -> Response:
        form = await request.form()
        username, password = self._text(form, "username"), self._text(form, "password")
        if not self.auth.csrf_ok(request.cookies.get(LOGIN_COOKIE), self._text(form, "csrf")):
            return self._login_page(403, "The login form expired. Please try again.", username)
        address = request.client.host if request.client else ""

        def run() -> str:
            with self.sessions() as session:
                begin_write(session)
                try:
                    token = self.auth.log_in(session, username=username, password=password, client_address=address)
                finally:
                    session.commit()  # the rate-limit count and any revocation
                return token

        try:
            token = await run_in_threadpool(run)
        except ApiError as error:
            return self._login_page(error.status, _error(error), username)
        except NotAdmin:
            return self._login_page(403, "This console is for administrators only.", username)
        response = RedirectResponse(f"{PREFIX}/", 303)
        response.set_cookie(SESSION_COOKIE, token, max_age=self.auth.session_seconds, path=COOKIE_PATH,
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")
        response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH)
        return response

    async def logout(self, request: Request) -> Response:
        form = await request.form()
        token = request.cookies.get(SESSION_COOKIE)
        try:
            await self._write(request, form, lambda session, _: self.auth.log_out(session, token))
        except (NotLoggedIn, NotAdmin, BadCsrf) as exc:
            return self._refusal(request, exc)
        response = RedirectResponse(f"{PREFIX}/login", 303)
        response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
        return response

    # --- actions --------------------------------------------------------------------

    async def _action(self, request: Request, work: Callable[[Session, Admin, dict[str, str]], str],
                      on_error: str) -> Response:
        form = await request.form()
        values = {key: self._text(form, key) for key in form}
        try:
            _, done = await self._write(request, form, lambda session, admin: work(session, admin, values))
        except (NotLoggedIn, NotAdmin, BadCsrf) as exc:
            return self._refusal(request, exc)
        except ApiError as error:
            if on_error == "route":
                return await self.route(request, error=error, form=values, status=error.status)
            return await self._overview_refused(request, error, values)
        if on_error == "route":
            return RedirectResponse(f"{PREFIX}/route?{urlencode({'key': values.get('route_key', ''), 'done': done})}",
                                    303)
        return RedirectResponse(f"{PREFIX}/?{urlencode({'done': done})}", 303)

    async def _overview_refused(self, request: Request, error: ApiError, values: dict[str, str]) -> Response:
        admin, data = await self._read(request, lambda session, _: pages.overview(
            session, keys=self.known_keys(), now=utcnow()))
        return self._page("overview.html", admin, error.status, data=data, refresh_url=f"{PREFIX}/?fragment=1",
                          error=_error(error), form=values, title="Overview")

    async def set_state(self, request: Request) -> Response:
        def work(session: Session, admin: Admin, form: dict[str, str]) -> str:
            result = actions.set_state(session, route_key=form.get("route_key", ""), state=form.get("state", ""),
                                       percent=form.get("canary_percent"), reason=form.get("reason"),
                                       force=form.get("force") == "on", actor=admin.actor,
                                       known_keys=self.known_keys())
            return "state" if result["changed"] else "unchanged"

        return await self._action(request, work, "route")

    async def rollout(self, request: Request) -> Response:
        def work(session: Session, admin: Admin, form: dict[str, str]) -> str:
            op = form.get("op", "")
            actions.rollout_action(session, route_key=form.get("route_key", ""), op=op, reason=form.get("reason"),
                                   actor=admin.actor, known_keys=self.known_keys(), steps=form.get("steps"),
                                   hold=form.get("hold"), min_requests=form.get("min_requests"))
            return op

        return await self._action(request, work, "route")

    async def all_legacy(self, request: Request) -> Response:
        def work(session: Session, admin: Admin, form: dict[str, str]) -> str:
            changed = actions.all_back_to_legacy(session, actor=admin.actor, reason=form.get("reason"),
                                                 confirm=form.get("confirm"))
            return "legacy" if changed else "nothing"

        return await self._action(request, work, "overview")


def _error(error: ApiError | None) -> dict[str, Any] | None:
    """A refusal as the page shows it: the API's error title and message."""
    if error is None:
        return None
    return {"status": error.status, "title": error.body.get("error", "Refused"),
            "message": error.body.get("message") or error.body.get("error", ""),
            "gate": error.status == 409 and error.body.get("error") == "Parity not green"}


def create_console(settings: Settings, sessions: Callable[[], Session],
                   known_keys: Callable[[], Collection[str]]) -> Console:
    return Console(settings, sessions, known_keys)
