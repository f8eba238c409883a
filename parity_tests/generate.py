"""Requests generated from the v2 OpenAPI, for every paired route, as parity `Case`s.

`operations(spec, registry)` reads, per registry route, the v2 operation's path
parameters, query parameters and request body schema. `Generator(ops, seed).case(i)`
turns request number `i` into a `Case` of one input class::

    valid           plausible path ids, query values and a schema-shaped body
    invalid-body    a valid body with a key dropped, a wrong type, null, an extra key,
                    a non-object or malformed JSON
    repeated-query  one query key twice with different values (D19)
    empty-query     query keys with empty values
    unknown-query   keys the route does not know
    content-type    the body under an odd media type (text/plain, form, +json, charset...)
    unicode         non-ASCII text in the body, query and path
    boundary        boundary numbers (0, -1, 2^31, 2^63, 1e308, 1.5, "01", " 5")
    auth            no token, malformed, expired, revoked, inactive, refresh, other roles
    path            ids that do not exist or name a row of another kind
    method          the route's path with HEAD, a CORS preflight (OPTIONS) or a method it
                    does not serve (405 and its `Allow` header, D2)

The schemas type every query value as a string and say little about what a route
accepts, so value pools per parameter and field name (`QUERY_VALUES`, `FIELD_VALUES`)
supply the domain: values that succeed, sit on a boundary, or fail one documented check.
The first two values of every pool are valid ones: a `valid` case draws them most of the
time (and the admin token more often), so writes succeed often enough to be compared.
Every choice comes from one `random.Random` seeded by (seed, i): case `i` is the same on
every run and machine. Outbound targets are only hosts that cannot reach the network
(hooks.example.com is allowed without resolving; 127.0.0.1:9 refuses at once).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from parity_tests.cases import Case

CLASSES = ("valid", "valid", "valid", "invalid-body", "repeated-query", "empty-query", "unknown-query",
           "content-type", "unicode", "boundary", "auth", "path", "method")

PATH_IDS = {
    "job_id": ["job_user", "job_other", "job_orphan", "job_github", "job_inactive", "job_expired"],
    "user_id": ["admin", "user", "other", "viewer", "inactive"],
    "category_id": ["cat_general", "cat_custom", "cat_off"],
    "team_id": ["team_qa", "team_ops", "team_old"],
    "execution_id": ["exec_1", "exec_2", "exec_3", "exec_4", "exec_5", "exec_6"],
    "notification_id": ["note_unread", "note_read", "note_old", "note_old_unread", "note_other", "note_admin"],
}
ODD_PATH_IDS = ["missing", "literal:abc", "literal:" + quote("ジョブ"), "literal:0", "literal:-1"]
ORIGINS = ["https://app.example.com", "http://localhost:5173", "null"]
AUTHS = ["admin", "admin", "user", "user", "other", "viewer"]
ODD_AUTHS = [None, "raw:Bearer", "raw:Bearer x.y.z", "raw:Token abc", "expired", "revoked", "inactive",
             "refresh_user", "refresh_expired"]
NUMBERS = ["1", "2", "0", "-1", "3", "20", "100", "101", "200", "201", "2147483648", "9223372036854775808",
           "1.5", "01", " 5", "1e3", "abc", "", "٣"]
BOUNDARY_NUMBERS: list[Any] = [0, -1, 1, 2**31, 2**63, 1e308, 1.5, -0.0, "01", " 5", "1e3", True]
DATES = ["2026-03-01", "2026-03-09", "2026-03-10", "2026-03-10T00:00:00", "2026-03-10T00:00:00Z",
         "2026-03-10T00:00:00+09:00", "2026-02-30", "2026-13-01", "yesterday", "2026-03-10T25:00:00", ""]
QUERY_VALUES: dict[str, list[str]] = {
    "page": NUMBERS, "per_page": NUMBERS, "limit": NUMBERS, "from": DATES, "to": DATES,
    "status": ["success", "failed", "running", "success,failed", " success , failed ", "bogus", "SUCCESS"],
    "trigger_type": ["manual", "scheduled", "bogus"],
    "execution_type": ["webhook", "github_actions", "bogus"],
    "job_id": ["{job_user}", "{job_other}", "{missing}", "abc"],
    "include_inactive": ["true", "1", "yes", "on", "TRUE", "false", "0", ""],
    "unread_only": ["true", "TRUE", "false", "1"],
    "sort_by": ["name", "created_at", "updated_at", "end_date", "bogus", "NAME"],
    "sort_order": ["asc", "desc", "ASC", "bogus"],
    "category": ["general", "data-sync", "old-stuff", "nope"],
    "pic_team": ["qa-team", "ops", "nope"],
    "is_active": ["true", "false", "1", "0", "yes", "bogus"],
    "search": ["job", "JOB", "%", "_", "user", "ジョブ", "a'b"],
}
CRONS = ["0 10 * * *", "*/5 * * * *", "0 9 * * 1-5", "0 9 1 * mon", "0 0 31 2 *", "61 * * * *",
         "0 9 * * 7", "@daily", "* * * *", "0 9 * * sun", "  0 10 * * *  "]
URLS = ["https://hooks.example.com/x", "https://hooks.example.com/x?a=1", "http://hooks.example.com/x",
        "ftp://hooks.example.com/x", "https://10.1.2.3/x", "https://127.0.0.1:9/hook", "not a url",
        "https://hooks.example.com/" + "a" * 500]
FIELD_VALUES: dict[str, list[Any]] = {
    "name": ["fuzz-job", "Fuzz Job 2", "job-user", "ジョブ", "", "x" * 201, "  spaced  "],
    "cron_expression": CRONS, "expression": CRONS,
    "target_url": URLS, "webhook_url": ["https://hooks.slack.com/services/x", "https://hooks.slack.com/services/y",
                    "http://hooks.slack.com/x", ""],
    "end_date": ["2026-09-30", "2026-03-10", "2026-03-09", "2026-02-30", "", None, "2030-01-01T00:00:00"],
    "pic_team": ["qa-team", "ops", "old-team", "nope", ""], "category": ["general", "data-sync", "old-stuff", "nope"],
    "github_owner": ["acme", "octo", "", "a" * 256], "github_repo": ["app", "tools"],
    "github_workflow_name": ["deploy.yml", "ci.yaml", "123", "deploy", ""],
    "metadata": [{"env": "x"}, {}, {"branchDetails": "main"}, "text", [1]],
    "notification_emails": [["a@example.com"], "a@example.com, b@example.com", ["bad"], [], ""],
    "username": ["fuzzer_1", "fuzzer_2", "ab", "ジョブ", "user_person", "new user", "a" * 81],
    "email": ["f@example.com", "F@Example.com ", "bad", "user@example.com", "a" * 120 + "@x.com"],
    "password": ["secret123", "pässwörd1", "123", ""],
    "role": ["admin", "user", "viewer", "root"],
    "slug": ["new-slug", "other-slug", "Bad Slug", "data-sync", "", "a" * 101],
    "slack_handle": ["@x", "", None], "channel": ["#c", "", None],
    "timeout_seconds": [1, 2, 0, -1, "soon", 1.5], "count": [1, 5, 0, -1, 1000, "x"],
    "jobs_table_columns": [{"pic_team": True, "end_date": False}, {"end_date": True}, {"bogus": True}, [], "x"],
    "refresh_token": ["x.y.z", "", None],
}

# test-run calls its target while answering: only targets refused before any call, or
# one that refuses the connection at once (no DNS, no waiting on a timeout).
ROUTE_FIELD_VALUES: dict[str, dict[str, list[Any]]] = {
    "POST /api/jobs/test-run": {"target_url": ["https://127.0.0.1:9/hook", "http://127.0.0.1:9/hook",
                                               "https://10.1.2.3/x", "ftp://hooks.example.com/x", "not a url", ""],
                                "timeout_seconds": [1, 2, 0, -1, "soon", 1.5, None]},
}


@dataclass(frozen=True)
class Operation:
    """One paired route, as the v2 OpenAPI describes it."""

    route: str
    path_params: tuple[str, ...]
    query: tuple[str, ...]
    body: str | None  # "json", "multipart" or None
    schema: dict[str, Any]

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]


def _resolve(schema: Any, spec: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _resolve(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], spec)
        return {k: _resolve(v, spec) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_resolve(v, spec) for v in schema]
    return schema


def operations(spec: dict[str, Any], pairs: dict[str, str]) -> list[Operation]:
    """The operations of `pairs` (route key → v2 path template) found in `spec`."""
    out = []
    for route, v2_path in sorted(pairs.items()):
        op = spec["paths"][v2_path][route.split(" ", 1)[0].lower()]
        params = op.get("parameters", [])
        content = op.get("requestBody", {}).get("content", {})
        body = "json" if "application/json" in content else "multipart" if "multipart/form-data" in content else None
        schema = _resolve(next(iter(content.values()))["schema"], spec) if content else {}
        out.append(Operation(route, tuple(p["name"] for p in params if p["in"] == "path"),
                             tuple(p["name"] for p in params if p["in"] == "query"), body, schema))
    return out


def _types(schema: dict[str, Any]) -> list[str]:
    if "anyOf" in schema:
        return [t for option in schema["anyOf"] for t in _types(option)]
    kind = schema.get("type")
    return kind if isinstance(kind, list) else [kind or "string"]


class Generator:
    """Case `i` of a seeded run over `ops` (route `i % len(ops)`, class drawn per case)."""

    def __init__(self, ops: list[Operation], seed: int) -> None:
        self.ops, self.seed = ops, seed

    def case(self, index: int) -> Case:
        rng = random.Random(f"{self.seed}:{index}")
        op = self.ops[index % len(self.ops)]
        kind = rng.choice(CLASSES)
        self.valid = kind == "valid"
        auth = rng.choice(ODD_AUTHS) if kind == "auth" else "admin" if self.valid and rng.random() < 0.5 \
            else rng.choice(AUTHS)
        if op.route == "POST /api/auth/refresh" and kind != "auth":
            auth = rng.choice(["refresh_user", "refresh_user", "user"])
        path = self._path(op, rng, odd=kind == "path", unicode=kind == "unicode")
        query = self._query(op, rng, kind)
        fields: dict[str, Any] = {}
        if op.body == "json":
            fields = self._json(op, rng, kind)
        elif op.body == "multipart":
            fields = self._multipart(rng, kind)
        elif kind == "content-type" or (kind == "invalid-body" and rng.random() < 0.5):
            fields = {"body": rng.choice(["{}", "{bad", "x=1"]), "content_type": rng.choice(
                ["application/json", "text/plain", "application/x-www-form-urlencoded"])}
        # A browser's cross-origin call: CORS headers are compared too (allowed origin or not).
        headers = {"Origin": rng.choice(ORIGINS)} if rng.random() < 0.2 else None
        verb = None
        if kind == "method":
            verb = rng.choice(["HEAD" if op.method == "GET" else "GET", "OPTIONS", "PATCH", "DELETE", "PUT"])
            if verb == "OPTIONS" and rng.random() < 0.7:
                headers = {"Origin": rng.choice(ORIGINS), "Access-Control-Request-Method": op.method,
                           "Access-Control-Request-Headers": "authorization,content-type"}
            verb = None if verb == op.method else verb
        return Case(op.route, f"fuzz {self.seed}#{index} {kind}", 0, path=path, auth=auth,
                    query=query or None, headers=headers, verb=verb, **fields)

    # -- parts -------------------------------------------------------------------------
    valid = False

    def _pick(self, pool: list[Any], rng: random.Random) -> Any:
        """A value of `pool`; in a valid case mostly one of its first two (valid) values."""
        return rng.choice(pool[:2] if self.valid and rng.random() < 0.85 else pool)

    def _path(self, op: Operation, rng: random.Random, *, odd: bool, unicode: bool) -> str:
        path = op.route.split(" ", 1)[1]
        for name in op.path_params:
            pool = PATH_IDS.get(name, ["missing"])
            if odd:
                choice = rng.choice(ODD_PATH_IDS + [rng.choice(sum(PATH_IDS.values(), []))])
            elif unicode and rng.random() < 0.3:
                choice = "literal:" + quote("ジョブ→")
            else:
                choice = rng.choice(pool)
            value = choice[len("literal:"):] if choice.startswith("literal:") else "{" + choice + "}"
            path = path.replace(f"<{name}>", value)
        return path

    def _value(self, name: str, rng: random.Random, kind: str) -> str:
        if kind == "unicode" and rng.random() < 0.5:
            return rng.choice(["ジョブ", "é", "→", "\u200b", "😀", "ǅ"])
        if kind == "boundary" and name in ("page", "per_page", "limit"):
            return rng.choice(NUMBERS[:13])
        return self._pick(QUERY_VALUES.get(name, ["x", "1", ""]), rng)

    def _query(self, op: Operation, rng: random.Random, kind: str) -> list[tuple[str, str]]:
        names = [n for n in op.query if rng.random() < 0.5]
        pairs = [(n, self._value(n, rng, kind)) for n in names]
        if kind == "repeated-query":
            for name in rng.sample(op.query, min(len(op.query), rng.randint(1, 2))) if op.query else ["page"]:
                values = QUERY_VALUES.get(name, ["a", "b"])
                first, second = rng.sample(values, 2) if len(values) > 1 else (values[0], "")
                at = rng.randint(0, len(pairs))
                pairs[at:at] = [(name, first)]
                pairs.append((name, second))
        elif kind == "empty-query":
            pairs = [(n, "") for n in (op.query or ("page",))]
        elif kind == "unknown-query":
            pairs.append((rng.choice(["bogus", "sort", "order", "PAGE", "page[]", "ジョブ"]), "1"))
        return pairs

    def _field(self, name: str, schema: dict[str, Any], rng: random.Random, route: str = "") -> Any:
        special = ROUTE_FIELD_VALUES.get(route, {})
        if name in special:
            return self._pick(special[name], rng)
        if name in FIELD_VALUES:
            return self._pick(FIELD_VALUES[name], rng)
        types = [t for t in _types(schema) if t != "null"] or ["string"]
        kind = rng.choice(types)
        if kind == "boolean":
            return rng.choice([True, False])
        if kind in ("integer", "number"):
            return rng.choice([0, 1, 5, -1])
        if kind == "object":
            return {}
        if kind == "array":
            return []
        return rng.choice(["x", "value", ""])

    def _body(self, op: Operation, rng: random.Random) -> dict[str, Any]:
        props: dict[str, Any] = op.schema.get("properties", {})
        required = set(op.schema.get("required", []))
        return {name: self._field(name, schema, rng, op.route) for name, schema in props.items()
                if name in required or rng.random() < 0.6}

    def _json(self, op: Operation, rng: random.Random, kind: str) -> dict[str, Any]:
        body: Any = self._body(op, rng)
        if kind == "invalid-body":
            mutation = rng.choice(["drop", "type", "null", "extra", "array", "string", "malformed", "empty"])
            keys = sorted(body)
            if mutation == "drop" and keys:
                body.pop(rng.choice(keys))
            elif mutation in ("type", "null") and keys:
                body[rng.choice(keys)] = None if mutation == "null" else rng.choice([5, True, [], {}, "x"])
            elif mutation == "extra":
                body["unexpected"] = "x"
            elif mutation == "array":
                body = [body]
            elif mutation == "string":
                body = "text"
            elif mutation == "malformed":
                return {"body": json.dumps(body)[:-1] or "{", "content_type": "application/json"}
            elif mutation == "empty":
                return {"body": "", "content_type": "application/json"}
        elif kind == "unicode" and isinstance(body, dict):
            for key in sorted(body):
                if isinstance(body[key], str) and rng.random() < 0.5:
                    body[key] = body[key] + rng.choice(["ジョブ", "é", "→", "\u200b", "😀"])
        elif kind == "boundary" and isinstance(body, dict) and body:
            body[rng.choice(sorted(body))] = rng.choice(BOUNDARY_NUMBERS)
        if kind == "content-type":
            media = rng.choice(["text/plain", "application/x-www-form-urlencoded", "application/merge-patch+json",
                                "application/json; charset=utf-8", "APPLICATION/JSON", "application/jsonx",
                                "multipart/form-data"])
            return {"body": json.dumps(body), "content_type": media}
        return {"json": body}

    def _multipart(self, rng: random.Random, kind: str) -> dict[str, Any]:
        head = "Job Name,Cron Schedule (JST),Target URL,End Date,PIC Team,Category,Status"
        rows = [head] if rng.random() < 0.9 else ["bad,header"]
        for n in range(rng.randint(0, 3)):
            rows.append(",".join([rng.choice([f"csv-{n}", "job-user", "", "ジョブ"]), rng.choice(CRONS[:6]),
                                  rng.choice(URLS[:4]), rng.choice(["2026-06-30", "", "2026-02-30"]),
                                  rng.choice(["qa-team", "", "nope"]), rng.choice(["general", "", "nope"]),
                                  rng.choice(["active", "inactive", "", "bogus"])]))
        if rng.random() < 0.2:
            rows.insert(rng.randint(1, len(rows)), "")
        form = {"mode": rng.choice(["create", "upsert", "bogus"])} if rng.random() < 0.4 else {}
        if kind == "invalid-body" and rng.random() < 0.5:
            return {"form": form or {"mode": "create"}}
        return {"form": form, "files": {rng.choice(["file", "file", "csv"]): ("jobs.csv", "\n".join(rows) + "\n")}}
