"""Compare two HTTP answers to the same request: legacy Flask vs its FastAPI twin.

One function serves both the parity harness (`parity_tests`) and the gateway's shadow
mode::

    from cutover.compare import Observed, compare

    result = compare(
        Observed(status=200, content_type="application/json", body=b'{"b": 1, "a": "x"}'),
        Observed(status=200, content_type="application/json", body=b'{"a": "y", "b": 1}'),
    )
    result.matched        # False
    result.differences    # ["body['a']: legacy 'x' != v2 'y'"]
    result.rules_applied  # ("json-semantics",)

What is compared, in this order: the status code, the content type (media type and
parameters, case and spacing normalised), and the body. A JSON body (media type
`application/json` or `*+json`) is parsed and compared as data with deepdiff; any other
body is compared byte for byte. Every difference is one readable line naming the path
(`body['jobs'][0]['name']`) and both values, so a mismatch reads like a review comment.

Normalisation rules are the exception, never the default: each `Rule` names what it
ignores and why, may be limited to some routes, and is reported in
`Comparison.rules_applied` only when it was in force (a body rule counts only when it
changed something). `DEFAULT_RULES` holds the rules every comparison needs; callers add
their own (for example the harness's per-route rules) by passing `rules=`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from deepdiff import DeepDiff

_MISSING = object()


@dataclass(frozen=True)
class Observed:
    """One side's answer: what a client can see of it."""

    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_response(cls, response: Any) -> Observed:
        """Build from a Flask/Werkzeug, httpx or Starlette response object."""
        status = getattr(response, "status_code", None)
        headers = {k.lower(): v for k, v in response.headers.items()}
        body = getattr(response, "content", None)
        if body is None:
            body = response.get_data() if hasattr(response, "get_data") else response.body
        return cls(status=int(status), content_type=headers.get("content-type", ""), body=bytes(body),
                   headers=headers)


@dataclass(frozen=True)
class Rule:
    """A named normalisation: what it ignores, why, and for which routes.

    `normalise(data, route_key)` receives one side's parsed JSON body (a deep copy) and
    returns the normalised value; it is applied to both sides alike. `routes` limits the
    rule to those route keys ("GET /api/jobs/<job_id>"); empty means every route. A rule
    without `normalise` is a documented property of the comparison itself (e.g. JSON
    objects are compared as unordered mappings) and is always reported when it applies.
    """

    name: str
    ignores: str
    reason: str
    normalise: Callable[[Any, str | None], Any] | None = None
    routes: frozenset[str] = frozenset()

    def applies_to(self, route_key: str | None) -> bool:
        return not self.routes or route_key in self.routes


@dataclass(frozen=True)
class Comparison:
    """The verdict: `matched` iff `differences` is empty."""

    differences: list[str]
    rules_applied: tuple[str, ...]

    @property
    def matched(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        return "match" if self.matched else "\n".join(self.differences)


JSON_SEMANTICS = Rule(
    name="json-semantics",
    ignores="JSON object key order, whitespace and string escaping (\\u2192 vs a raw UTF-8 arrow)",
    reason="Flask's jsonify sorts keys and escapes non-ASCII while FastAPI keeps insertion order and "
    "writes UTF-8; JSON clients read by key and decode escapes, so both bytes mean the same data.",
)

DEFAULT_RULES: tuple[Rule, ...] = (JSON_SEMANTICS,)


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _normalised_content_type(content_type: str) -> str:
    parts = [part.strip() for part in content_type.split(";")]
    params = sorted(p.replace(" ", "").lower() for p in parts[1:] if p)
    return ";".join([parts[0].lower(), *params])


def is_json(content_type: str) -> bool:
    kind = media_type(content_type)
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _MISSING


def _show(value: Any) -> str:
    if value is _MISSING or type(value).__name__ == "NotPresent":
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


_KIND_LABELS = {
    "dictionary_item_added": "key only in {right}",
    "dictionary_item_removed": "key only in {left}",
    "iterable_item_added": "item only in {right}",
    "iterable_item_removed": "item only in {left}",
}


def json_differences(left: Any, right: Any, *, left_name: str = "legacy", right_name: str = "v2",
                     root: str = "body") -> list[str]:
    """Path-by-path differences between two parsed JSON values (deepdiff, list order kept)."""
    diff = DeepDiff(left, right, view="tree", verbose_level=2)
    lines: list[str] = []
    for kind, items in diff.items():
        for item in items:
            path = item.path(root=root)
            label = _KIND_LABELS.get(kind)
            if label is not None:
                present = item.t2 if kind.endswith("added") else item.t1
                lines.append(f"{path}: {label.format(left=left_name, right=right_name)}: {_show(present)}")
            elif kind == "type_changes":
                lines.append(f"{path}: {left_name} {_show(item.t1)} ({type(item.t1).__name__}) != "
                             f"{right_name} {_show(item.t2)} ({type(item.t2).__name__})")
            else:
                claims = _jwt_parts(item.t1), _jwt_parts(item.t2)
                if claims[0] is not None and claims[1] is not None and claims[0] != claims[1]:
                    lines += json_differences(claims[0], claims[1], left_name=left_name, right_name=right_name,
                                              root=f"{path}(JWT)")
                else:
                    lines.append(f"{path}: {left_name} {_show(item.t1)} != {right_name} {_show(item.t2)}")
    return sorted(lines)


def _jwt_parts(value: Any) -> dict[str, Any] | None:
    """Header and claims of a JWT-looking string, so a token difference names the claim."""
    if not isinstance(value, str) or value.count(".") != 2:
        return None
    try:
        header, claims = (json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
                          for part in value.split(".")[:2])
    except (ValueError, UnicodeDecodeError):
        return None
    return {"header": header, "claims": claims} if isinstance(claims, dict) else None


def _bytes_difference(left: bytes, right: bytes, left_name: str, right_name: str) -> list[str]:
    if left == right:
        return []
    return [f"body (not JSON): {left_name} {left[:200]!r} != {right_name} {right[:200]!r}"]


def equivalent(left: Observed, right: Observed) -> bool:
    """True when `compare` would find no difference, decided cheaply: same status, same
    content type, and equal bytes or (JSON) equal canonical documents (sorted keys;
    `1`, `1.0` and `true` stay distinct). False means "not sure": run `compare`.

    The shadow path's short-circuit: most replays answer the same, and for those the
    normalisation rules and the differ are pure cost.
    """
    if left.status != right.status:
        return False
    if left.content_type != right.content_type and (
            _normalised_content_type(left.content_type) != _normalised_content_type(right.content_type)):
        return False
    if left.body == right.body:
        return True
    if not is_json(left.content_type):
        return False
    try:
        return _canonical(left.body) == _canonical(right.body)
    except (ValueError, TypeError, RecursionError):
        return False


def _canonical(body: bytes) -> bytes:
    return orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)


def compare(left: Observed, right: Observed, rules: Iterable[Rule] = DEFAULT_RULES, *,
            route_key: str | None = None, left_name: str = "legacy", right_name: str = "v2") -> Comparison:
    """Compare `left` (the reference, legacy) with `right` (the candidate, v2).

    `rules` are the normalisation rules in force (default `DEFAULT_RULES`); those that
    `applies_to(route_key)` are used. Returns a `Comparison` whose `differences` are
    readable lines ("status: legacy 200 != v2 201", "body['a']: legacy 'x' != v2 'y'").
    """
    rules = [rule for rule in rules if rule.applies_to(route_key)]
    differences: list[str] = []
    applied: list[str] = []
    if left.status != right.status:
        differences.append(f"status: {left_name} {left.status} != {right_name} {right.status}")
    if _normalised_content_type(left.content_type) != _normalised_content_type(right.content_type):
        differences.append(f"content-type: {left_name} {left.content_type!r} != "
                           f"{right_name} {right.content_type!r}")
    left_json = _parse(left.body) if is_json(left.content_type) else _MISSING
    right_json = _parse(right.body) if is_json(right.content_type) else _MISSING
    if left_json is _MISSING or right_json is _MISSING:
        differences += _bytes_difference(left.body, right.body, left_name, right_name)
        return Comparison(differences, tuple(applied))
    for rule in rules:
        if rule.normalise is None:
            if left.body != right.body:
                applied.append(rule.name)
            continue
        new_left, new_right = rule.normalise(_copy(left_json), route_key), rule.normalise(_copy(right_json), route_key)
        if new_left != left_json or new_right != right_json:
            applied.append(rule.name)
        left_json, right_json = new_left, new_right
    differences += json_differences(left_json, right_json, left_name=left_name, right_name=right_name)
    return Comparison(differences, tuple(applied))


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


RELEVANT_HEADERS = ("allow", "location", "cache-control", "www-authenticate", "retry-after",
                    "access-control-allow-origin", "access-control-allow-credentials",
                    "access-control-allow-methods", "access-control-allow-headers",
                    "access-control-expose-headers", "access-control-max-age", "vary")
"""Headers a client acts on, compared besides the content type (which `compare` checks).

Left out on purpose: framing and per-response values (content-length, date, server,
x-request-id, x-served-by) that differ by design between two servers of one answer."""


def _header_value(name: str, value: str) -> str:
    if name in ("allow", "access-control-allow-methods", "access-control-allow-headers",
                "access-control-expose-headers"):
        return ", ".join(sorted(part.strip().upper() for part in value.split(",") if part.strip()))
    return value.strip()


def header_differences(left: Observed, right: Observed, names: Sequence[str] = RELEVANT_HEADERS, *,
                       left_name: str = "legacy", right_name: str = "v2") -> list[str]:
    """One line per relevant header that differs (list-valued headers compared as sets)."""
    lines = []
    for name in names:
        a, b = left.headers.get(name), right.headers.get(name)
        if a is not None:
            a = _header_value(name, a)
        if b is not None:
            b = _header_value(name, b)
        if a != b:
            lines.append(f"header {name}: {left_name} {a if a is not None else '(absent)'!r} != "
                         f"{right_name} {b if b is not None else '(absent)'!r}")
    return lines


def describe_rules(rules: Sequence[Rule]) -> list[dict[str, str]]:
    """The rules as plain data (for reports): name, what it ignores, why, which routes."""
    return [
        {"name": r.name, "ignores": r.ignores, "reason": r.reason,
         "routes": ", ".join(sorted(r.routes)) if r.routes else "all"}
        for r in rules
    ]
