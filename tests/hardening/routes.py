"""Every route of the API, as its `/api` rule, read from the OpenAPI document that the app
under test serves.

Why the document and not cutover's route registry: the registry pairs Flask's routes with
FastAPI's and is deleted with Flask; the document is what remains, and it is generated
from what the routes enforce. The batteries that walk every route (security, CORS) read
it the same way on the gateway and on `fastapi_app.main`, so a new route reaches them
without anyone listing it.

    api_routes(client)[0]      # Route(method="GET", legacy_rule="/api/health")
    route.key                  # "GET /api/health"
    route.v2_path("/api/jobs/x")  # "/api/v2/jobs/x"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

LEGACY_BASE = "/api"
V2_BASE = "/api/v2"
EXCLUDED_PREFIXES = ("/admin/",)
"""The cutover admin API (mounted by the gateway only): flipping flags mid-battery would
change which stack answers the other requests."""
METHODS = ("get", "post", "put", "patch", "delete")
_STARLETTE_VARIABLE = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}")


@dataclass(frozen=True)
class Route:
    """One operation: its method and its path template under `/api` (`<name>` variables)."""

    method: str
    legacy_rule: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.legacy_rule}"


def v2_path(legacy_path: str) -> str:
    """`/api/jobs/x` → `/api/v2/jobs/x`: the same route under the v2 prefix."""
    return V2_BASE + legacy_path[len(LEGACY_BASE):]


def routes_of(document: dict[str, Any]) -> list[Route]:
    """The operations of an OpenAPI document whose paths are under `/api/v2`, sorted by key."""
    routes = []
    for path, item in document["paths"].items():
        suffix = path[len(V2_BASE):]
        if not path.startswith(V2_BASE + "/") or suffix.startswith(EXCLUDED_PREFIXES):
            continue
        rule = LEGACY_BASE + _STARLETTE_VARIABLE.sub(lambda m: "<" + m.group(1) + ">", suffix)
        routes.extend(Route(method.upper(), rule) for method in item if method in METHODS)
    return sorted(routes, key=lambda route: route.key)


def api_routes(client: Any) -> list[Route]:
    """The routes the app behind `client` (a TestClient) documents."""
    response = client.get(f"{V2_BASE}/openapi.json")
    assert response.status_code == 200, response.text[:300]
    return routes_of(response.json())
