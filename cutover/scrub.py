"""Remove secrets from a recorded request/response before it is written anywhere.

    caller("Bearer eyJ...", secret)  -> {"user_id": "u1", "role": "admin", "type": "access", "expired": False}
    mask_json({"password": "x", "a": 1})           -> {"password": "***", "a": 1}
    mask_body(b"username=a&password=x", "application/x-www-form-urlencoded")
                                                    -> b"username=a&password=%2A%2A%2A"
    keep_headers([(b"cookie", b"s=1"), (b"accept", b"*/*")])  -> {"accept": "*/*"}

What is removed: the Authorization header (replaced by the caller's user id and role,
read from the token with the existing token code; the replay mints a fresh token for
them), cookies (dropped), and every field whose name says password, token, secret or
key, in JSON bodies (at any depth), form and multipart bodies and the query string
(its value becomes `***`). A body that cannot be parsed as its content type says is
kept only when no secret-looking name occurs in it at all; otherwise it is dropped.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jwt

from shared_models import tokens
from shared_models.errors import TokenError

MASK = "***"
SECRET_NAME = re.compile(r"pass(word|wd|phrase)?|token|secret|api[_-]?key|private[_-]?key|credential|authori[sz]",
                         re.IGNORECASE)
DROPPED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "host",
                             "content-length", "transfer-encoding", "connection"})


def secret_name(name: str) -> bool:
    return SECRET_NAME.search(name) is not None


def _may_hold_secret(text: str) -> bool:
    """False only when no field name in `text` can be secret-looking: escapes (`%xx`,
    `\\uXXXX`) could spell one, so their presence means a full parse."""
    return "%" in text or "\\u" in text or SECRET_NAME.search(text) is not None


def caller(header: str | None, secret: str) -> dict[str, Any] | None:
    """Who the Authorization header names, without the token itself (None: no header).

    An expired token still names its caller (`expired: true`, the replay mints an expired
    one); an unreadable header or token is kept as the kind of failure only.
    """
    if header is None:
        return None
    try:
        token = tokens.token_from_header(header)
    except TokenError as error:
        return {"invalid": "header", "status": error.status}
    try:
        claims = jwt.decode(token, secret, algorithms=[tokens.ALGORITHM],
                            options={"verify_exp": False, "verify_nbf": False, "verify_aud": False})
    except jwt.InvalidTokenError:
        return {"invalid": "token"}
    exp = claims.get("exp")
    return {
        "user_id": str(claims.get("sub")),
        "role": claims.get("role"),
        "type": claims.get("type", "access"),
        "expired": isinstance(exp, int | float) and exp <= time.time(),
    }


def mask_json(value: Any) -> Any:
    """`value` with every secret-named key's value replaced by `***` (any depth)."""
    if isinstance(value, dict):
        return {k: MASK if isinstance(k, str) and secret_name(k) else mask_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    return value


def mask_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, MASK if secret_name(k) else v) for k, v in pairs]


def mask_query(query: str) -> str:
    if not query or not _may_hold_secret(query):
        return query
    return urlencode(mask_pairs(parse_qsl(query, keep_blank_values=True)))


_UNPARSED = object()
_PART_NAME = re.compile(rb'name="([^"]*)"')


def _mask_multipart(body: bytes, content_type: str) -> bytes | None:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        return None
    delimiter = b"--" + match.group(1).encode("latin-1")
    parts = body.split(delimiter)
    out = []
    for part in parts:
        head, sep, content = part.partition(b"\r\n\r\n")
        name = _PART_NAME.search(head)
        if sep and name and secret_name(name.group(1).decode("latin-1")):
            part = head + sep + MASK.encode() + b"\r\n"
        out.append(part)
    return delimiter.join(out)


def mask_body(body: bytes, content_type: str) -> bytes | None:
    """`body` with secret fields masked; None when it cannot be made safe (then it is not kept)."""
    text = body.decode("utf-8", "replace")
    if not body or not _may_hold_secret(text):
        return body  # no secret-looking name anywhere: nothing to mask (the common case, no parse)
    kind = content_type.split(";", 1)[0].strip().lower()
    if "json" in kind or (not kind and body.lstrip()[:1] in (b"{", b"[")):
        try:
            value = json.loads(body)
        except ValueError:
            value = _UNPARSED
        if value is not _UNPARSED:
            masked = mask_json(value)
            return body if masked == value else json.dumps(masked).encode()
    elif kind == "application/x-www-form-urlencoded":
        return mask_query(text).encode()
    elif kind == "multipart/form-data":
        return _mask_multipart(body, content_type)
    # Another format (or broken JSON): kept only when no secret-looking name is spelled out.
    return None if SECRET_NAME.search(text) else body


def keep_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Request headers worth replaying: no auth, no cookies, no framing; secret-named ones masked."""
    kept: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        if name in DROPPED_HEADERS:
            continue
        kept[name] = MASK if secret_name(name) else raw_value.decode("latin-1")
    return kept
