"""The contract base classes, the legacy stack's parse functions, and the one translator
of validation failures into the legacy 400 bodies (D1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from shared_models.errors import ApiError, bad_request, invalid_payload
from shared_models.requests import JsonBody

CONTRACT_ERROR = "contract"
"""The Pydantic error type of `refuse`: its context holds the exact `ApiError` to answer."""


def refuse(error: ApiError) -> PydanticCustomError:
    """A validation failure that answers `error` as it is (raise it from a validator)."""
    detail = str(error.body.get("message") or error.body["error"])
    return PydanticCustomError(CONTRACT_ERROR, "{detail}", {"detail": detail, "api_error": error})


class Contract(BaseModel):
    """A JSON body. Strict: JSON has no implicit conversions the legacy accepted, and
    the few it did (0/1 as booleans) are spelled out by the field types.

    Unknown keys are ignored, as the legacy ignored them.
    """

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)

    @classmethod
    def missing_error(cls, fields: list[str]) -> ApiError:
        """The answer when required keys are absent (a route may word it otherwise)."""
        return bad_request("Missing required fields", f'"{fields[0]}" is required.')

    def sent(self) -> frozenset[str]:
        """The keys the client sent (an update changes only those)."""
        return frozenset(self.model_fields_set)


class QueryContract(BaseModel):
    """A list query: every value arrives as text, and unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


_EXPECTED = {
    "string_type": "a string",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "list_type": "a list",
}
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


def _field(error: Mapping[str, Any]) -> str:
    return ".".join(str(part) for part in error.get("loc", ()) if part not in _LOCATIONS)


def contract_error(errors: Sequence[Mapping[str, Any]], contract: type[Contract] | None = None) -> ApiError:
    """The legacy answer for Pydantic's `errors` (from a model or from FastAPI).

    Missing keys come first, all of them (`contract.missing_error`); otherwise the first
    error in field order: a `refuse`d value answers its own error, a wrong type
    `"<field>" must be <a type>.`, and anything else `"<field>": <detail>.`.
    """
    missing = [_field(error) for error in errors if error.get("type") == "missing" and _field(error)]
    if missing:
        return (contract or Contract).missing_error(missing)
    first = dict(errors[0]) if errors else {}
    kind = first.get("type", "")
    if kind == CONTRACT_ERROR:
        return first["ctx"]["api_error"]
    if kind == "json_invalid":
        return bad_request("Invalid JSON", "Request body is not valid JSON.")
    field = _field(first)
    if not field:
        return invalid_payload("JSON body must be an object.")
    expected = _EXPECTED.get(kind)
    if expected is not None:
        return invalid_payload(f'"{field}" must be {expected}.')
    detail = str(first.get("msg", "is invalid")).rstrip(".")
    return invalid_payload(f'"{field}": {detail}.')


C = TypeVar("C", bound=Contract)
Q = TypeVar("Q", bound=QueryContract)


def parse_body(contract: type[C], body: JsonBody, *, optional: bool = False) -> C:
    """`body` validated into `contract`, or the legacy 400 (or 413 upstream).

    The body must be a JSON object (`Content-Type must be application/json`, `Invalid
    JSON`, `JSON body must be an object.`); an `optional` body may also be absent or
    not JSON at all, which reads as `{}`.
    """
    payload = body.optional_object() if optional else body.object()
    try:
        return contract.model_validate(payload)
    except ValidationError as error:
        raise contract_error(error.errors(), contract) from None


def parse_query(contract: type[Q], query: Mapping[str, str]) -> Q:
    """A query string's values (first value of a repeated key, D19) validated into `contract`."""
    try:
        return contract.model_validate(dict(query.items()))
    except ValidationError as error:
        raise contract_error(error.errors()) from None
