"""The shared body and URL readers (D1): what both stacks refuse, and how."""

from __future__ import annotations

import pytest

from shared_models.errors import ApiError
from shared_models.requests import JsonBody, check_url_text


@pytest.mark.parametrize("raw", [b'{"a": "x\\u0000y"}', b'{"x\\u0000": 1}', b'[["\\u0000"]]'])
def test_nul_in_json_strings_is_refused(raw: bytes) -> None:
    with pytest.raises(ApiError) as caught:
        JsonBody("application/json", raw).value()
    assert caught.value.status == 400
    assert caught.value.body == {"error": "Invalid payload", "message": "Text must not contain NUL characters."}


def test_escaped_backslash_u0000_is_plain_text() -> None:
    assert JsonBody("application/json", b'{"a": "x\\\\u0000y"}').value() == {"a": "x\\u0000y"}


def test_deep_nesting_is_invalid_json_not_a_crash() -> None:
    raw = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ApiError) as caught:
        JsonBody("application/json", raw).value()
    assert caught.value.body["error"] == "Invalid JSON"


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/jsonx", "multipart/form-data"])
def test_non_json_content_type_is_refused(content_type: str | None) -> None:
    with pytest.raises(ApiError) as caught:
        JsonBody(content_type, b"{}").object()
    assert caught.value.body == {"error": "Content-Type must be application/json"}


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"])
def test_json_content_types_are_accepted(content_type: str) -> None:
    assert JsonBody(content_type, b'{"a": 1}').object() == {"a": 1}


def test_nul_in_path_is_404_and_in_query_400() -> None:
    with pytest.raises(ApiError) as in_path:
        check_url_text("/api/jobs/\x00", [])
    assert in_path.value.status == 404
    with pytest.raises(ApiError) as in_query:
        check_url_text("/api/executions", ["ok", "bad\x00"])
    assert in_query.value.status == 400
    check_url_text("/api/executions", ["fine"])


@pytest.mark.parametrize("raw", [b'{"name": "\\ud800"}', b'{"\\udfff": 1}'])
def test_lone_surrogates_are_refused(raw: bytes) -> None:
    with pytest.raises(ApiError) as caught:
        JsonBody("application/json", raw).value()
    assert caught.value.body == {
        "error": "Invalid payload",
        "message": "Text must be valid Unicode (no lone surrogates).",
    }


def test_escaped_non_ascii_text_is_kept() -> None:
    assert JsonBody("application/json", b'{"name": "caf\\u00e9 \\ud83d\\ude00"}').value() == {"name": "café 😀"}
