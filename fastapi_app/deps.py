"""What a v2 route asks for: `Annotated` aliases in the FastAPI full-stack template style.

    @router.put("/jobs/{job_id}")
    async def update_job(job_id: str, session: SessionDep, settings: SettingsDep,
                         user: CurrentUser, body: JsonBodyDep) -> dict[str, Any]:
        return await call(session, jobs.update_job, settings=settings, actor=user,
                          job_id=job_id, body=body)

- `SessionDep`: one AsyncSession per request. POST/PUT/DELETE begin a *write*
  transaction before anything runs (BEGIN IMMEDIATE on SQLite); GET/HEAD/OPTIONS
  stay deferred unless the route takes `WriteSessionDep` anywhere in its dependencies
  (get-or-create GETs, the twin of legacy `@writes`). It commits once, after the route
  returned and before the response is sent; on any exception it rolls back. Routes and
  services never commit.
- `call(session, service, **kwargs)`: run a shared sync service on that session.
- `CurrentUser` / `CurrentClaims` / `CurrentIdentity`: the access token checked as
  Flask-JWT-Extended does (header → decode → type → revoked → active user); refusals
  are `TokenError` → `{"msg": ...}`. `ReadClaims`: the same decode for the read path,
  which runs the same owner check (`token_owner`) in its own unit of work. `RefreshIdentity` / `RefreshClaims`: the same for
  refresh tokens. `require_roles("admin", "user")`: 403 on the user's DB role.
- `JsonBodyDep`: the raw body as a `JsonBody` (413 over MAX_JSON_BODY_BYTES). Declare
  it after the auth parameter: the legacy reads the body after the JWT check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Connection, Select, String, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from fastapi_app.verified_tokens import verified_claims
from shared_models import tokens
from shared_models.db import begin_write_async
from shared_models.errors import TokenError, insufficient_role, payload_too_large
from shared_models.models import RevokedToken, User
from shared_models.requests import JsonBody
from shared_models.services.auth import TokenIssuer
from shared_models.settings import Settings

T = TypeVar("T")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_FORM_URL = "/api/v2/auth/login/form"


# --- settings -------------------------------------------------------------------------


async def get_settings(request: Request) -> Settings:
    """The settings `create_app` was given (async: a sync dependency costs a thread hop)."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


# --- database session ---------------------------------------------------------------


def _depends_on(dependant: Dependant, marker: Callable[..., Any]) -> bool:
    return any(dep.call is marker or _depends_on(dep, marker) for dep in dependant.dependencies)


def route_writes(request: Request) -> bool:
    """Unsafe methods write unless the route depends on `ReadSessionDep`; safe ones only
    when it depends on `WriteSessionDep` (the twins of legacy `@read_only` / `@writes`)."""
    route = request.scope.get("route")
    unsafe = request.method not in SAFE_METHODS
    if not isinstance(route, APIRoute):
        return unsafe
    cached = getattr(route, "_cronjob_writes", None)
    if cached is None:
        marker = read_session if unsafe else write_session
        cached = unsafe != _depends_on(route.dependant, marker)
        route._cronjob_writes = cached  # type: ignore[attr-defined]
    return cached


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session; the one place that commits (see the module docstring)."""
    async with request.app.state.sessionmaker() as session:
        if route_writes(request):
            await begin_write_async(session)
        yield session
        # Reached only when the route returned normally; an exception skips the commit
        # and leaving the `async with` rolls back.
        await session.commit()


# scope="function": the commit runs after the route function, *before* the response is
# sent, so a failing commit becomes a 500 instead of a 200 for a lost write.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def write_session(session: SessionDep) -> AsyncSession:
    """Marker for GET routes that write; `get_session` sees it in the route's dependencies."""
    return session


WriteSessionDep = Annotated[AsyncSession, Depends(write_session)]


async def read_session(session: SessionDep) -> AsyncSession:
    """Marker for POST routes that write nothing (test-run): no write lock is taken, so
    a slow outbound call never holds up other writers of a SQLite file."""
    return session


ReadSessionDep = Annotated[AsyncSession, Depends(read_session)]


async def call(session: AsyncSession, service: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a shared keyword-only sync service with `session=` the request's sync session.

        body = await call(session, users.get_user, actor=user, user_id=user_id)
    """
    return await session.run_sync(lambda sync_session: service(session=sync_session, **kwargs))


# --- request body -------------------------------------------------------------------


async def read_json_body(request: Request, settings: Settings) -> JsonBody:
    """The body for a shared service; 413 (legacy wording) over MAX_JSON_BODY_BYTES.

    A declared Content-Length over the limit is refused before reading; otherwise the
    stream is read and refused as soon as it passes the limit.
    """
    limit = settings.MAX_JSON_BODY_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise payload_too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise payload_too_large(limit)
        chunks.append(chunk)
    return JsonBody(request.headers.get("content-type"), b"".join(chunks))


async def _json_body(request: Request, settings: SettingsDep) -> JsonBody:
    return await read_json_body(request, settings)


JsonBodyDep = Annotated[JsonBody, Depends(_json_body)]


# --- tokens -------------------------------------------------------------------------

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl=LOGIN_FORM_URL,
    auto_error=False,
    scheme_name="JWT",
    description="Access token from POST /api/v2/auth/login or /api/v2/auth/login/form.",
)
"""Declared for OpenAPI only (the Swagger "Authorize" button); the header is parsed by
`shared_models.tokens.token_from_header`, so refusals keep the legacy bodies."""


@dataclass(frozen=True)
class Identity:
    """A verified token: its claims and its (active) user, loaded in the request session."""

    claims: dict[str, Any]
    user: User


def request_claims(request: Request, *, refresh: bool) -> dict[str, Any]:
    """The token's claims, refused as `@jwt_required(refresh=...)` refuses (no database yet).

    Settings come from `app.state`, not `SettingsDep`: FastAPI runs a sync dependency
    in a worker thread, a hop per request that cost more than the whole token check.
    """
    secret = request.app.state.settings.JWT_SECRET_KEY or ""
    token = tokens.token_from_header(request.headers.get(tokens.HEADER_NAME))
    return verified_claims(token, secret, refresh=refresh)


def token_owner_statement() -> Select[Any]:
    """One row: `revoked` (the jti is on the blocklist) and `user_id` (the token's user
    if it exists and is active, else NULL) — `tokens.is_revoked` + `tokens.active_user`.

    Built once with bind parameters `jti` and `sub`: building it per request was ~12% of
    a small read. A token without a jti compares NULL, which matches no row."""
    revoked = exists().where(RevokedToken.jti == bindparam("jti", type_=String))
    user = select(User.id).where(User.id == bindparam("sub", type_=String), User.is_active.is_(True))
    return select(revoked.label("revoked"), user.scalar_subquery().label("user_id"))


TOKEN_OWNER = token_owner_statement()


def token_owner(connection: Connection, claims: Mapping[str, Any]) -> str:
    """The active user's id, or TokenError in Flask-JWT-Extended's order (blocklist first)."""
    jti = claims.get("jti")
    row = connection.execute(TOKEN_OWNER, {"jti": str(jti) if jti else None, "sub": str(claims["sub"])}).one()
    if row.revoked:
        raise TokenError(401, tokens.REVOKED_MSG)
    if row.user_id is None:
        raise TokenError(401, tokens.STALE_USER_MSG)
    return row.user_id


def _owner(session: Session, claims: dict[str, Any]) -> User:
    user = session.get(User, token_owner(session.connection(), claims))
    assert user is not None  # token_owner just found it active in this transaction
    return user


async def authenticate(request: Request, session: AsyncSession, *, refresh: bool) -> Identity:
    """`@jwt_required(refresh=...)` of the legacy stack, step for step."""
    claims = request_claims(request, refresh=refresh)
    user = await session.run_sync(_owner, claims)
    return Identity(claims=claims, user=user)


class ReadTokenClaims(OAuth2PasswordBearer):
    """The "JWT" scheme of `oauth2_scheme` that answers the read path's access token claims.

    The read path checks the owner itself in its one unit of work (`read_path.respond`
    calls `token_owner`). The claims are kept on `request.state` for a refused query: its
    400 must wait for that owner check (`read_path.owner_checked`), as the legacy checked
    the token before the query.

    Why the scheme itself and not a dependency on `Security(oauth2_scheme)`: each level
    of the dependency tree is a `solve_dependencies` pass: one level less took 10-15 µs off
    the ~120 µs a hot read spends outside its database work (measured in-process); the
    OpenAPI is the same (one "JWT" security requirement).
    """

    async def __call__(self, request: Request) -> dict[str, Any]:  # type: ignore[override]
        claims = request.state.read_claims = request_claims(request, refresh=False)
        return claims


read_claims = ReadTokenClaims(
    tokenUrl=LOGIN_FORM_URL,
    auto_error=False,
    scheme_name=oauth2_scheme.scheme_name,
    description=oauth2_scheme.model.description,
)

ReadClaims = Annotated[dict[str, Any], Security(read_claims)]


async def access_identity(
    request: Request,
    session: SessionDep,
    _token: Annotated[str | None, Security(oauth2_scheme)] = None,
) -> Identity:
    return await authenticate(request, session, refresh=False)


async def refresh_identity(
    request: Request,
    session: SessionDep,
    _token: Annotated[str | None, Security(oauth2_scheme)] = None,
) -> Identity:
    return await authenticate(request, session, refresh=True)


CurrentIdentity = Annotated[Identity, Depends(access_identity)]
RefreshIdentity = Annotated[Identity, Depends(refresh_identity)]


async def current_user(identity: CurrentIdentity) -> User:
    return identity.user


async def current_claims(identity: CurrentIdentity) -> dict[str, Any]:
    return identity.claims


async def refresh_claims(identity: RefreshIdentity) -> dict[str, Any]:
    return identity.claims


CurrentUser = Annotated[User, Depends(current_user)]
CurrentClaims = Annotated[dict[str, Any], Depends(current_claims)]
RefreshClaims = Annotated[dict[str, Any], Depends(refresh_claims)]


def require_roles(*roles: str) -> Callable[[User], Awaitable[User]]:
    """A dependency: the current user if their *database* role is one of `roles` (D6).

        @router.get("/auth/users", dependencies=[Depends(require_roles("admin"))])
        admin: Annotated[User, Depends(require_roles("admin"))]

    403 `insufficient_role(roles)` otherwise (roles listed in the given order); token
    problems are answered first, as `@authenticated(*roles)` does.
    """

    async def role_check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise insufficient_role(roles)
        return user

    return role_check


AdminUser = Annotated[User, Depends(require_roles("admin"))]
EditorUser = Annotated[User, Depends(require_roles("admin", "user"))]


def issue_tokens(settings: Settings) -> TokenIssuer:
    """The v2 token issuer for `services.auth.login` / `refresh` (access first, then refresh)."""

    def issue(user: User, *, refresh: bool = True) -> dict[str, str]:
        secret = settings.JWT_SECRET_KEY or ""
        issued = {
            "access_token": tokens.issue(
                user, "access", secret=secret, expires_in=settings.JWT_ACCESS_TOKEN_EXPIRES
            )
        }
        if refresh:
            issued["refresh_token"] = tokens.issue(
                user, "refresh", secret=secret, expires_in=settings.JWT_REFRESH_TOKEN_EXPIRES
            )
        return issued

    return issue
