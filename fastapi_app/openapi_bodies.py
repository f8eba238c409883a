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

from fastapi_app.contract_body import json_body_schema
from shared_models.contracts.fields import BLANK, one_of_words  # noqa: F401 (re-exported until every query is a contract)


def json_body_doc(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` describing an `application/json` body shaped like `model`."""
    return {"requestBody": json_body_schema(model, required=required)}


QueryParameter = tuple[str, str] | tuple[str, str, dict[str, Any]]
"""(name, description) for free text, or (name, description, JSON schema)."""

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
