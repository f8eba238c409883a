"""Field types that read a value the way the legacy read it (D1), with the JSON schema
of what they accept (the OpenAPI shows the same rule that is enforced).

Body fields live in strict models: JSON types are not converted, except where a type
here says so. Query fields receive text.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)
from pydantic_core import PydanticKnownError, PydanticUseDefault

from shared_models.contracts.base import contract_error, refuse
from shared_models.errors import ApiError, bad_request, invalid_payload
from shared_models.formats import InvalidDate, parse_range_bound
from shared_models.requests import is_truthy_flag

# --- body fields ------------------------------------------------------------------------


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(description: str | None = None, **field: Any) -> Any:
    """An optional key that may be left out but, unless its type allows it, not sent as `null`."""
    return Field(None, description=description, json_schema_extra=_no_default, **field)


def _zero_or_one(value: Any) -> Any:
    if type(value) is int and value in (0, 1):
        return bool(value)
    return value


Flag = Annotated[
    bool,
    BeforeValidator(_zero_or_one),
    WithJsonSchema({
        "anyOf": [{"type": "boolean"}, {"type": "integer", "enum": [0, 1]}],
        "description": "true or false (0 and 1 are read as the legacy read them); null is refused",
    }),
]
"""A boolean key: JSON true/false, or 0/1 as the legacy accepted them."""

NonEmptyText = Annotated[str, WithJsonSchema({"type": "string", "pattern": r"\S"})]
"""A string key that must hold more than blanks (the service refuses blank values)."""

NullRefusedLater = Annotated[str | None, WithJsonSchema({"type": "string"})]
"""A string key whose `null` passes the type check (D1) but is refused by a value rule
(e.g. `end_date`: "is required"), so the schema offers only a string."""

JsonObject = dict[str, Any]


def _emails(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise refuse(invalid_payload('"notification_emails" must be a list of strings or a string.'))

EmailList = Annotated[
    list[str] | str | None,
    BeforeValidator(_emails),
    WithJsonSchema({
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}, {"type": "null"}],
        "description": "A list of addresses or one comma-joined string",
    }),
]
"""`notification_emails`: a list of strings or one comma-joined string."""


class Refusal:
    """A value of the wrong type, held so the service refuses it at its turn (see `Held`)."""

    __slots__ = ("error",)

    def __init__(self, error: ApiError) -> None:
        self.error = error


def _hold(value: Any, handler: Any, info: ValidationInfo) -> Any:
    try:
        return handler(value)
    except ValidationError as error:
        field = info.field_name or ""
        return Refusal(contract_error([{**e, "loc": (field, *e["loc"])} for e in error.errors()]))


T = TypeVar("T")

Held = Annotated[T, WrapValidator(_hold)]
"""A key whose type refusal waits for the service: where the legacy checked something
else first (a permission on the key, an earlier key's value rule), the wrong type is
answered only when the service reaches the key (`checked`). Same type and schema as `T`."""


def checked(value: T | Refusal) -> T:
    """A `Held` value, or its type refusal raised now."""
    if isinstance(value, Refusal):
        raise value.error
    return value


def _blank_is_missing(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticKnownError("missing")
    return value.strip() if isinstance(value, str) else value


RequiredText = Annotated[str, BeforeValidator(_blank_is_missing), WithJsonSchema({"type": "string", "pattern": r"\S"})]
"""A required string, trimmed: `null` or blanks are "is required", as an absent key is
(the legacy `if not value or not value.strip()`)."""


def _number(value: Any) -> float:
    """A JSON number, or a string holding a finite one (the legacy `float()` took both);
    anything else, booleans included, is "must be a number"."""
    if not isinstance(value, bool) and isinstance(value, int | float | str):
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (ValueError, OverflowError):
            number = math.nan
        if not isinstance(value, str) or math.isfinite(number):
            return number
    raise PydanticKnownError("float_type")


def _required_number(value: Any) -> float:
    if value is None:
        raise PydanticKnownError("missing")
    return _number(value)


def number(*, required: bool = False, **schema: Any) -> Any:
    """A number as `_number` reads it; `required`: `null` is "is required" like an absent key.
    `schema` documents the bounds the service checks (e.g. `minimum=0, maximum=1`)."""
    read = _required_number if required else _number
    return Annotated[float, BeforeValidator(read), WithJsonSchema({"type": "number", **schema})]


def whole_number(error: ApiError, **schema: Any) -> Any:
    """A number as `_number` reads it that must be whole (`10.0` and `"10"` are 10): a
    fraction, a non-finite number or `null` (unless the field allows `null`) answers
    `error`. `schema` documents the bounds the service checks."""

    def read(value: Any) -> int:
        figure = math.nan if value is None else _number(value)
        if not math.isfinite(figure) or figure != int(figure):
            raise refuse(error)
        return int(figure)

    return Annotated[int, BeforeValidator(read), WithJsonSchema({"type": "integer", **schema})]


def read_only_without(primary: str) -> Any:
    """A string key read only when the key `primary` (validated before it) is empty: the
    legacy `primary or this`. When it is not read, its value is ignored, whatever its type
    (so a wrong type there is not refused), and the field is `None`."""

    def read(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        if info.data.get(primary):
            return None
        return handler(value)

    return Annotated[
        str | None,
        WrapValidator(read),
        WithJsonSchema({
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": f"Read only when {primary} is empty (a wrong type is then ignored)",
        }),
    ]


# --- values behind a legacy `value or default` ------------------------------------------

FALSY_JSON: list[dict[str, Any]] = [
    {"type": "null"}, {"const": False}, {"const": 0}, {"const": ""}, {"type": "object", "maxProperties": 0},
    {"type": "array", "maxItems": 0},
]
"""JSON values Python reads as false: where the legacy wrote `x or default`, they mean the default."""


def _number_or_default(value: Any) -> Any:
    if not value:
        raise PydanticUseDefault()
    return _number(value)


NumberOrDefault = Annotated[
    float,
    BeforeValidator(_number_or_default),
    WithJsonSchema({
        "anyOf": [
            {"type": "number"},
            {"type": "string", "pattern": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"},
            *FALSY_JSON,
        ],
        "description": "A number or a string holding one; a false-like value (0, \"\", null, {}, []) means the default",
    }),
]
"""A number read by a legacy `float(value or default)`: a false-like value means the field's
default; a number, or a string holding a finite one, is the value; anything else is a 400."""


def object_or_nothing(error: ApiError) -> Any:
    """An object read by a legacy `value or {}`: a false-like value is `{}`, any other
    non-object answers `error` (the route's own wording)."""

    def read(value: Any) -> Any:
        if not value:
            return {}
        if not isinstance(value, dict):
            raise refuse(error)
        return value

    return Annotated[
        JsonObject,
        BeforeValidator(read),
        WithJsonSchema({"anyOf": [{"type": "object"}, *FALSY_JSON], "description": "A JSON object; a false-like value means none"}),
    ]


def object_or_null(error: ApiError) -> Any:
    """An object, or `null` for absent; anything else answers `error` (the route's wording)."""

    def read(value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            raise refuse(error)
        return value

    return Annotated[
        JsonObject | None,
        BeforeValidator(read),
        WithJsonSchema({"anyOf": [{"type": "object"}, {"type": "null"}]}),
    ]


# --- query fields -------------------------------------------------------------------------


BLANK = {"type": "string", "pattern": r"^\s*$"}
"""A blank value: every optional query parameter treats it as not given."""


def one_of_words(*words: str, any_case: bool = False) -> dict[str, Any]:
    """The JSON schema of a query value that is one of `words` (or blank), blanks around ignored."""
    if any_case:
        words = tuple("".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in w) for w in words)
    return {"type": "string", "pattern": rf"^\s*({'|'.join(words)})?\s*$"}


def _blank_is_absent(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise PydanticUseDefault()
    return value


QueryText = Annotated[str | None, BeforeValidator(_blank_is_absent), WithJsonSchema({"type": "string"})]
"""A filter value, trimmed; blank means not given (the legacy tested truthiness)."""


def _int_or_default(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PydanticUseDefault() from None


QueryInt = Annotated[
    int,
    BeforeValidator(_int_or_default),
    WithJsonSchema({"type": "string", "description": "An integer; anything else means the default"}),
]
"""Werkzeug's `type=int`: a value that is not an integer silently becomes the default."""


def query_word(*words: str, error: ApiError, lower: bool = False) -> Any:
    """A query value that must be one of `words` (trimmed; lowercased first if `lower`);
    blank means the default, anything else answers `error`."""

    def read(value: Any) -> Any:
        text = _blank_is_absent(value)
        if lower:
            text = text.lower()
        if text not in words:
            raise refuse(error)
        return text

    return Annotated[str, BeforeValidator(read), WithJsonSchema(one_of_words(*words, any_case=lower))]


def _true_or_false(value: Any) -> Any:
    text = _blank_is_absent(value).lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise refuse(bad_request("Invalid query", "is_active must be true or false."))


QueryTruthy = Annotated[
    bool,
    BeforeValidator(lambda value: is_truthy_flag(value) if isinstance(value, str) else value),
    WithJsonSchema({"type": "string"}),
]
"""A switch: 1, true, yes, y or on (any case, blanks around ignored) is on; any other
value is off, never refused (`include_inactive`)."""


QueryActive = Annotated[
    bool | None,
    BeforeValidator(_true_or_false),
    WithJsonSchema(one_of_words("true", "false", "1", "0", any_case=True)),
]
"""`is_active`: true/1 or false/0 in any case; blank means no filter."""


def _words(value: Any) -> Any:
    if isinstance(value, list) and value:
        # FastAPI hands a tuple-typed query field every value of its key; the first wins (D19).
        value = value[0]
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


QueryWords = Annotated[
    tuple[str, ...],
    BeforeValidator(_words),
    WithJsonSchema({"type": "string", "description": "One value or a comma list of them"}),
]
"""`status=success` or `status=success, failed`: items trimmed, blanks dropped (so a
blank value is no filter). The values are filters, not an enum: an unknown one matches
nothing."""


def _true_word(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.lower() == "true"


QueryTrue = Annotated[
    bool,
    BeforeValidator(_true_word),
    WithJsonSchema({"type": "string", "description": "`true` in any case; anything else is false"}),
]
"""`unread_only`: on for `true` in any case and nothing else (no trimming, §3.7.1)."""


INVALID_DATE_MESSAGE = "Invalid date format. Use YYYY-MM-DD or ISO datetime."

DATE_OR_INSTANT = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}, BLANK]
}
"""The JSON schema of a `from`/`to` value: a date, an ISO instant, or blank (no bound)."""


def _range_bound(*, is_upper: bool) -> Any:
    def read(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # built in code (a datetime or None), not read from a query
        text = _blank_is_absent(value)
        try:
            return parse_range_bound(text, is_upper=is_upper)
        except (InvalidDate, OverflowError):
            # OverflowError: `to=9999-12-31` shifted one day on, or an offset at year 1.
            raise refuse(bad_request("Invalid date", INVALID_DATE_MESSAGE)) from None

    return BeforeValidator(read)


RangeStart = Annotated[datetime | None, _range_bound(is_upper=False), WithJsonSchema(DATE_OR_INSTANT)]
"""`from`, inclusive: `YYYY-MM-DD` is midnight UTC, an ISO datetime is converted to UTC
(naive = UTC); blank means no bound; anything else is 400 "Invalid date" (§3.6, §3.7)."""

RangeEnd = Annotated[datetime | None, _range_bound(is_upper=True), WithJsonSchema(DATE_OR_INSTANT)]
"""`to`, exclusive, read as `RangeStart` except that a date-only value moves one day on
(the whole day is included)."""
