"""Document a JSON request body in OpenAPI without letting FastAPI validate it.

v2 routes hand the raw body to the shared services (which answer the legacy 400s), so
no route declares a `Body` parameter; `openapi_extra=json_body_doc(Model)` puts the
model's schema into the operation instead.
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
