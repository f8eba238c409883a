"""JSON bodies as typed contracts, declared in the route's signature.

    async def create_job(user: EditorUser, body: Annotated[JobCreate, ContractBody(JobCreate)]): ...

`ContractBody(JobCreate)` is a dependency: the body is read when FastAPI reaches it in
the signature, after the dependencies declared before it (the legacy read the body after
the JWT check, and after the 404/403 of the routes that look a job up first), and is
validated by `shared_models.contracts.parse_body`, the very function the legacy stack
calls, so a failure is the same legacy 400 (or 413). FastAPI's own body parsing could
not keep that order: it decodes the JSON before any dependency runs.

`ContractRoute` puts each such body's JSON schema into the operation, so the OpenAPI
shows exactly the model that enforces it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from fastapi_app.contract_query import query_contracts, query_parameters
from fastapi_app.deps import JsonBodyDep
from shared_models.contracts import Contract, parse_body
from shared_models.requests import require_json


class _BodyReader:
    """The dependency callable: the request's body validated into `contract`."""

    def __init__(self, contract: type[Contract], *, optional: bool) -> None:
        self.contract = contract
        self.optional = optional

    async def __call__(self, body: JsonBodyDep) -> Contract:
        # `JsonBodyDep` is cached per request: a dependency declared before this one may
        # have read the body already (e.g. to refuse a non-JSON body before a 404).
        return parse_body(self.contract, body, optional=self.optional)


def ContractBody(contract: type[Contract], *, optional: bool = False) -> Any:  # noqa: N802 (reads like Body())
    """`Depends(...)` yielding the body as `contract`; `optional`: absent or not JSON → `{}`."""
    return Depends(_BodyReader(contract, optional=optional))


async def _json_content_type(request: Request) -> None:
    require_json(request.headers.get("content-type"))


JsonContentType: Any = Depends(_json_content_type)
"""`_json: Annotated[None, JsonContentType]`: 400 "Content-Type must be application/json"
from the headers alone, for routes whose legacy answered it before a 404 (or 403) and
read the body only after."""


def _readers(dependant: Dependant) -> Iterator[_BodyReader]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, _BodyReader):
            yield dependency.call
        yield from _readers(dependency)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace `#/$defs/...` references by the definitions (they would not resolve inside
    an OpenAPI operation)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def json_body_schema(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """The `requestBody` of an operation taking `model` as `application/json`."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    return {"required": required, "content": {"application/json": {"schema": _inline(schema, defs)}}}


class ContractRoute(APIRoute):
    """An `APIRoute` whose OpenAPI operation documents its `ContractBody` and `ContractQuery`."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        reader = next(_readers(self.dependant), None)
        if reader is not None:
            extra = dict(self.openapi_extra or {})
            extra["requestBody"] = json_body_schema(reader.contract, required=not reader.optional)
            self.openapi_extra = extra
        for contract in query_contracts(self.dependant):
            extra = dict(self.openapi_extra or {})
            extra["parameters"] = [*extra.get("parameters", []), *query_parameters(contract)]
            self.openapi_extra = extra
