"""The route map: every legacy Flask route paired with its FastAPI twin.

Built by introspecting both apps (Flask's `url_map`, FastAPI's routes), never typed by
hand. A legacy route `/api/<rest>` pairs with `/api/v2/<rest>` for the same method,
Flask `<job_id>` matching FastAPI `{job_id}`::

    registry = load_registry(settings)            # builds both apps (no DB preparation)
    registry.keys()            # ("DELETE /api/auth/users/<user_id>", ..., "PUT /api/settings/slack")
    pair = registry.get("GET /api/jobs/<job_id>")
    pair.v2_path               # "/api/v2/jobs/{job_id}"
    registry.match("HEAD", "/api/jobs/abc")     # the GET pair: HEAD runs the GET route
    registry.match("POST", "/api/jobs/validate-cron")  # the literal rule, not <job_id>
    registry.match("GET", "/api/nope")         # None: Flask answers that 404 itself
    registry.unpaired_legacy   # route keys with no twin
    registry.unpaired_v2       # "<METHOD> /api/v2/..." twins with no legacy route
    registry.v2_only           # the same routes at their /api path (D17): served by FastAPI
    registry.match_v2_only("POST", "/api/auth/logout")     # RoutePair(POST, /api/auth/logout, /api/v2/...)
    registry.match_v2_only("OPTIONS", "/api/auth/logout")  # the same: a preflight goes where the route is

route_key = "<METHOD> <Flask rule>" (HEAD and OPTIONS are never keys: Flask adds them to
every route). `match` resolves a request path with Werkzeug's own matcher over the legacy
rules, so a path resolves to exactly the rule Flask itself would pick (literal segments
beat converters, e.g. `/api/jobs/validate-cron` before `/api/jobs/<job_id>`).

Only `load_registry` imports the HTTP stacks, and only when called; `Registry` itself is
plain data plus a Werkzeug `Map`, built on first `match` (Werkzeug is imported only once
Flask is loaded, so a retired gateway runs without Flask's packages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

LEGACY_PREFIX = "/api"
V2_PREFIX = "/api/v2"
IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})
MATCH_CACHE = 4096
MATCH_CACHE_PATH = 256
"""`Registry.match` remembers up to MATCH_CACHE (method, path) answers of paths up to
MATCH_CACHE_PATH characters (then starts over): the gateway asks for every `/api` request
(the metrics label, the log line, the flag), and Werkzeug's matcher costs ~12 µs."""
V2_ONLY_PREFIX = "/api/v2/admin"
"""Ops routes (the cutover admin API) exist on v2 only by design: never twins, never reported."""

_FLASK_VARIABLE = re.compile(r"<(?:[a-zA-Z_][a-zA-Z0-9_]*(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")
_STARLETTE_VARIABLE = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-zA-Z_]+)?\}")


def route_key(method: str, legacy_rule: str) -> str:
    """`route_key("get", "/api/jobs/<job_id>")` → `"GET /api/jobs/<job_id>"`."""
    return f"{method.upper()} {legacy_rule}"


def v2_twin_path(legacy_path: str) -> str:
    """`/api/jobs/x` → `/api/v2/jobs/x` (a concrete path or a template; `/api` → `/api/v2`)."""
    return V2_PREFIX + legacy_path[len(LEGACY_PREFIX):]


def _shape(path: str, prefix: str, variable: re.Pattern[str]) -> str:
    """The prefix-less template with variables as `{name}`: `/jobs/{job_id}`."""
    return variable.sub(lambda m: "{" + m.group(1) + "}", path[len(prefix):])


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


@dataclass(frozen=True)
class RoutePair:
    """One legacy route and its twin (`v2_path` is None when FastAPI has none)."""

    method: str
    legacy_rule: str
    v2_path: str | None

    @property
    def key(self) -> str:
        return route_key(self.method, self.legacy_rule)


@dataclass(frozen=True)
class Registry:
    """Every legacy route (sorted by key) with its twin, plus what did not pair."""

    pairs: tuple[RoutePair, ...]
    unpaired_v2: tuple[str, ...] = ()
    _by_key: dict[str, RoutePair] = field(init=False, repr=False, compare=False)
    _map: Any = field(init=False, repr=False, compare=False)  # werkzeug.routing.Map
    _v2_only: V2OnlyRoutes = field(init=False, repr=False, compare=False)
    _adapter: Any = field(init=False, repr=False, compare=False)  # the map bound once
    _matched: dict[tuple[str, str], RoutePair | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from werkzeug.routing import Map, Rule

        by_key = {pair.key: pair for pair in self.pairs}
        rules: dict[str, set[str]] = {}
        for pair in self.pairs:
            rules.setdefault(pair.legacy_rule, set()).add(pair.method)
        # endpoint = the rule text; methods as declared (Werkzeug adds HEAD to GET rules).
        url_map = Map(
            [Rule(rule, methods=sorted(methods), endpoint=rule) for rule, methods in rules.items()],
            strict_slashes=True,
            merge_slashes=False,
        )
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_map", url_map)
        object.__setattr__(self, "_adapter", url_map.bind("localhost"))
        object.__setattr__(self, "_matched", {})
        object.__setattr__(self, "_v2_only", V2OnlyRoutes(self.unpaired_v2, legacy_rules=rules))

    def __iter__(self) -> Iterator[RoutePair]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def keys(self) -> tuple[str, ...]:
        return tuple(pair.key for pair in self.pairs)

    def get(self, key: str) -> RoutePair | None:
        return self._by_key.get(key)

    @property
    def unpaired_legacy(self) -> tuple[str, ...]:
        return tuple(pair.key for pair in self.pairs if pair.v2_path is None)

    @property
    def v2_only(self) -> tuple[RoutePair, ...]:
        """The v2 routes with no legacy twin, at their `/api` path (D17 amended)."""
        return self._v2_only.routes

    def match_v2_only(self, method: str, path: str) -> RoutePair | None:
        """The v2-only route a `/api` request is for, or None (see `V2OnlyRoutes.match`)."""
        return self._v2_only.match(method, path)

    def match(self, method: str, path: str) -> RoutePair | None:
        """The legacy route Flask would run for this request, or None.

        HEAD resolves to the GET route; OPTIONS, unknown paths and wrong methods give None
        (Flask answers those itself). Answers are remembered (bounded, `MATCH_CACHE`).
        """
        try:
            return self._matched[method, path]
        except KeyError:
            pair = self._match(method, path)
        if len(path) <= MATCH_CACHE_PATH:  # the answer is a pure function of the two
            if len(self._matched) >= MATCH_CACHE:
                self._matched.clear()
            self._matched[method, path] = pair
        return pair

    def _match(self, method: str, path: str) -> RoutePair | None:
        method = method.upper()
        if method == "OPTIONS" or not _under(path, LEGACY_PREFIX):
            return None
        try:
            rule, _args = self._adapter.match(path, method=method, return_rule=True)
        except Exception:  # noqa: BLE001 - NotFound, MethodNotAllowed, RequestRedirect, or a hostile path
            return None
        return self._by_key.get(route_key("GET" if method == "HEAD" else method, rule.rule))


class V2OnlyRoutes:
    """v2 routes without a legacy twin, answered by FastAPI at their `/api` path too (D17).

    Derived from `Registry.unpaired_v2`, never listed by hand: `POST /api/v2/auth/logout`
    becomes `RoutePair("POST", "/api/auth/logout", "/api/v2/auth/logout")`. Literal paths
    (all of today's) are one dict lookup, so the gateway can ask on every `/api` request;
    templated ones go through a Werkzeug map, built only if there are any.
    """

    def __init__(self, unpaired_v2: Iterable[str], *, legacy_rules: Iterable[str] = ()) -> None:
        self._legacy_rules = frozenset(legacy_rules)
        routes = []
        for key in unpaired_v2:
            method, _, v2_path = key.partition(" ")
            rule = LEGACY_PREFIX + _STARLETTE_VARIABLE.sub(lambda m: "<" + m.group(1) + ">", v2_path[len(V2_PREFIX):])
            routes.append(RoutePair(method=method, legacy_rule=rule, v2_path=v2_path))
        self.routes = tuple(sorted(routes, key=lambda pair: pair.key))
        self._literal: dict[str, dict[str, RoutePair]] = {}
        templated = []
        for pair in self.routes:
            if "<" in pair.legacy_rule:
                templated.append(pair)
            else:
                self._literal.setdefault(pair.legacy_rule, {})[pair.method] = pair
        self._templated: dict[str, RoutePair] = {pair.key: pair for pair in templated}
        self._map: Any = None
        if templated:
            from werkzeug.routing import Map, Rule

            self._map = Map([Rule(pair.legacy_rule, methods=[pair.method], endpoint=pair.key) for pair in templated],
                            strict_slashes=True, merge_slashes=False)

    def match(self, method: str, path: str) -> RoutePair | None:
        """The route for (method, path); HEAD runs GET. OPTIONS (a CORS preflight, or
        Flask-style automatic OPTIONS) matches the path whatever the route's method, and so
        does a wrong method on a literal path Flask has no rule for (FastAPI answers its
        405 with `Allow`)."""
        method = method.upper()
        if method == "HEAD":
            method = "GET"
        methods = self._literal.get(path)
        if methods:
            if method in methods:
                return methods[method]
            if method == "OPTIONS" or path not in self._legacy_rules:
                return next(iter(methods.values()))
            return None
        if self._map is None:
            return None
        adapter = self._map.bind("localhost")
        for candidate in ([pair.method for pair in self._templated.values()] if method == "OPTIONS" else [method]):
            try:
                endpoint, _args = adapter.match(path, method=candidate)
            except Exception:  # noqa: BLE001 - NotFound, MethodNotAllowed, RequestRedirect
                continue
            return self._templated[endpoint]
        return None


def legacy_routes(flask_app: Any) -> list[tuple[str, str]]:
    """(method, rule) for every `/api` route of the Flask app, HEAD/OPTIONS left out."""
    found = []
    for rule in flask_app.url_map.iter_rules():
        if not _under(rule.rule, LEGACY_PREFIX):
            continue
        for method in sorted((rule.methods or set()) - IMPLICIT_METHODS):
            found.append((method, rule.rule))
    return found


def v2_routes(fastapi_app: Any) -> list[tuple[str, str]]:
    """(method, path) for every API route of the FastAPI app (docs, schema, ops routes left out)."""
    from fastapi.routing import iter_route_contexts

    found = []
    for route in iter_route_contexts(list(fastapi_app.routes)):
        path = getattr(route, "path", "")
        if not getattr(route, "include_in_schema", True) or not _under(path, V2_PREFIX):
            continue
        if _under(path, V2_ONLY_PREFIX):
            continue
        for method in sorted(set(getattr(route, "methods", None) or ()) - IMPLICIT_METHODS):
            found.append((method, path))
    return found


def twin_keys(fastapi_app: Any) -> tuple[str, ...]:
    """The route keys a v2 app can take over, derived from its own routes alone.

    `GET /api/v2/jobs/{job_id}` → `GET /api/jobs/<job_id>` (the pairing rule backwards).
    For the admin API when no gateway published the full registry.
    """
    keys = {
        route_key(method, LEGACY_PREFIX + _STARLETTE_VARIABLE.sub(lambda m: "<" + m.group(1) + ">",
                                                                   path[len(V2_PREFIX):]))
        for method, path in v2_routes(fastapi_app)
    }
    return tuple(sorted(keys))


def pair_routes(legacy: Iterable[tuple[str, str]], v2: Iterable[tuple[str, str]]) -> Registry:
    """Pair (method, Flask rule) with (method, FastAPI path) by method and path shape."""
    twins = {(method, _shape(path, V2_PREFIX, _STARLETTE_VARIABLE)): path for method, path in v2}
    used: set[tuple[str, str]] = set()
    pairs = []
    for method, rule in legacy:
        shape = (method, _shape(rule, LEGACY_PREFIX, _FLASK_VARIABLE))
        twin = twins.get(shape)
        if twin is not None:
            used.add(shape)
        pairs.append(RoutePair(method=method, legacy_rule=rule, v2_path=twin))
    unpaired_v2 = sorted(route_key(shape[0], path) for shape, path in twins.items() if shape not in used)
    return Registry(pairs=tuple(sorted(pairs, key=lambda pair: pair.key)), unpaired_v2=tuple(unpaired_v2))


def build_registry(flask_app: Any, fastapi_app: Any) -> Registry:
    """The registry of two already-built apps."""
    return pair_routes(legacy_routes(flask_app), v2_routes(fastapi_app))


def load_registry(settings: Any = None) -> Registry:
    """Build both apps on `settings` (no DB preparation) and pair their routes."""
    from fastapi_app import create_app as create_fastapi_app
    from legacy_flask import create_app as create_flask_app
    from shared_models.settings import get_settings

    settings = settings or get_settings()
    return build_registry(create_flask_app(settings, prepare=False), create_fastapi_app(settings, prepare=False))


def describe(registry: Registry) -> list[str]:
    """Human lines: one per pair, then legacy routes without a twin ("unpaired", a gap),
    then the v2-only routes (by design, D17)."""
    lines = [f"{pair.key:<55} -> {pair.v2_path or '(no v2 twin)'}" for pair in registry]
    lines += [f"unpaired legacy: {key}" for key in registry.unpaired_legacy]
    lines += [f"v2 only (FastAPI answers it at /api too): {pair.v2_path} ({pair.key})" for pair in registry.v2_only]
    return lines
