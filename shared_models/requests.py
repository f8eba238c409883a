"""Reading request bodies the same way in both stacks (D1).

A stack builds a `JsonBody` from the request's Content-Type and raw bytes; the typed
contracts (`shared_models.contracts.parse_body`) decide when the "is JSON" test and the
parse happen, and read the fields.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from shared_models.errors import NOT_FOUND_BODY, ApiError, bad_request, invalid_payload

JSON_MIMETYPE = re.compile(r"^application/(json|[^/;\s]+\+json)$")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()
"""A key absent from the payload (as opposed to present with `null`)."""

CONTENT_TYPE_ERROR = bad_request("Content-Type must be application/json")


def is_json_mimetype(content_type: str | None) -> bool:
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    return bool(JSON_MIMETYPE.match(mimetype))


def require_json(content_type: str | None) -> None:
    """400 `Content-Type must be application/json` unless `content_type` is JSON (routes
    that answer it before a 404, and read the body only after)."""
    if not is_json_mimetype(content_type):
        raise ApiError(400, "Content-Type must be application/json")


class JsonBody:
    """The request body as the contract reads it, parsed at most once."""

    def __init__(self, content_type: str | None, raw: bytes) -> None:
        self.content_type = content_type
        self.raw = raw
        self._parsed: Any = MISSING

    @property
    def is_json(self) -> bool:
        return is_json_mimetype(self.content_type)

    def require_json(self) -> None:
        """400 `Content-Type must be application/json` unless the body is JSON."""
        require_json(self.content_type)

    def value(self) -> Any:
        """The parsed JSON value; 400 `Invalid JSON` when it does not parse.

        Strings holding NUL are refused too: PostgreSQL cannot store them, and no field
        of this API has a use for them.
        """
        if self._parsed is MISSING:
            try:
                parsed = json.loads(self.raw)
            except (ValueError, RecursionError):
                raise bad_request("Invalid JSON", "Request body is not valid JSON.") from None
            if b"\\u" in self.raw:
                _check_text(parsed)
            self._parsed = parsed
        return self._parsed

    def object(self) -> dict[str, Any]:
        """A JSON body that must be an object (after `require_json`)."""
        self.require_json()
        value = self.value()
        if not isinstance(value, dict):
            raise invalid_payload("JSON body must be an object.")
        return value

    def optional_object(self) -> dict[str, Any]:
        """An optional body: no JSON content type or no bytes at all mean `{}`."""
        if not self.is_json or not self.raw.strip():
            return {}
        value = self.value()
        if not isinstance(value, dict):
            raise invalid_payload("JSON body must be an object.")
        return value


NUL_MESSAGE = "Text must not contain NUL characters."
SURROGATE_MESSAGE = "Text must be valid Unicode (no lone surrogates)."


def _check_text(value: Any) -> None:
    """Refuse strings no database can store: NUL, and lone surrogates (`"\\ud800"`).

    Only `\\u` escapes produce them, so callers walk the value only when the raw body
    holds one.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise invalid_payload(NUL_MESSAGE)
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise invalid_payload(SURROGATE_MESSAGE) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_url_text(path: str, query_values: list[str]) -> None:
    """NUL in a path is no resource (404); in a query value, a bad request (400)."""
    if "\x00" in path:
        raise ApiError(404, NOT_FOUND_BODY["error"], NOT_FOUND_BODY["message"])
    if any("\x00" in value for value in query_values):
        raise invalid_payload(NUL_MESSAGE)


TRUTHY_FLAGS = frozenset({"1", "true", "yes", "y", "on"})


def is_truthy_flag(raw: str | None) -> bool:
    """`include_inactive`, `dry_run`: 1/true/yes/y/on, any case."""
    return (raw or "").strip().lower() in TRUTHY_FLAGS
