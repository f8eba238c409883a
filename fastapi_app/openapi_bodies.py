"""Document a JSON request body and query parameters in OpenAPI without letting FastAPI
validate them.

v2 routes hand the raw body and query to the shared services (which answer the legacy
400s), so no route declares a `Body` or `Query` parameter; `openapi_extra=json_body_doc(Model)`
and `openapi_extra=query_doc(...)` put their schemas into the operation instead. The
schemas say what the services accept: scripts/schemathesis_check.sh holds both stacks
to them with every check schemathesis has.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace `#/$defs/...` references by the definitions themselves.

    Pydantic's `$defs` are relative to the model's own schema; inside an OpenAPI
    document they would not resolve, so nested models are inlined.
    """
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def json_body_doc(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` describing an `application/json` body shaped like `model`."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": _inline(schema, defs)}},
        }
    }


QueryParameter = tuple[str, str] | tuple[str, str, dict[str, Any]]
"""(name, description) for free text, or (name, description, JSON schema)."""

BLANK = {"type": "string", "pattern": r"^\s*$"}
"""A blank value: every optional query parameter treats it as not given."""

DATE_OR_INSTANT = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}, BLANK]
}


def one_of_words(*words: str, any_case: bool = False) -> dict[str, Any]:
    """A query value that is one of `words` (or blank), surrounding blanks ignored."""
    if any_case:
        words = tuple("".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in w) for w in words)
    return {"type": "string", "pattern": rf"^\s*({'|'.join(words)})?\s*$"}


def query_doc(*parameters: QueryParameter) -> dict[str, Any]:
    """`openapi_extra` listing optional query parameters (a declared int would give
    FastAPI's 422 where the contract reads a bad value as the default)."""
    return {
        "parameters": [
            {
                "name": parameter[0],
                "in": "query",
                "required": False,
                "schema": parameter[2] if len(parameter) == 3 else {"type": "string"},
                "description": parameter[1],
            }
            for parameter in parameters
        ]
    }
