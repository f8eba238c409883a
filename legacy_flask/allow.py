"""The `Allow` set of a path: the methods of its most specific rules (D2).

Werkzeug lists every rule the path matches, so `/api/jobs/validate-cron` advertised the
GET, PUT and DELETE of `/api/jobs/<job_id>` although that resource is a job id, not
this one. Among the rules that match, only those with the fewest variables (a literal
beats a pattern) describe the resource; FastAPI's `fastapi_app.http_methods` applies
the same rule, so both stacks answer the same `Allow`.
"""

from __future__ import annotations

from flask import Flask, Response
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter, Rule

PROBED_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def _rule_for(adapter: MapAdapter, method: str) -> Rule | None:
    try:
        rule, _arguments = adapter.match(method=method, return_rule=True)
    except HTTPException:
        return None
    return rule


def allowed_methods() -> list[str]:
    """The current request's path: sorted, with HEAD (when GET is there) and OPTIONS as
    Flask adds them; [] if no rule matches."""
    adapter = request_ctx.url_adapter
    if adapter is None:
        return []
    rules = {method: _rule_for(adapter, method) for method in PROBED_METHODS}
    matched = {method: rule for method, rule in rules.items() if rule is not None}
    if not matched:
        return []
    fewest = min(len(rule.arguments) for rule in matched.values())
    methods = {method for method, rule in matched.items() if len(rule.arguments) == fewest}
    methods.add("OPTIONS")
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install(app: Flask) -> None:
    """Answer automatic OPTIONS with that `Allow` set (Flask's own lists every rule)."""

    def make_default_options_response() -> Response:
        response = app.response_class()
        response.allow.update(allowed_methods())
        return response

    app.make_default_options_response = make_default_options_response  # type: ignore[method-assign]
