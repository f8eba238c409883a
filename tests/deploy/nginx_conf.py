"""Read the facts the deploy tests check out of nginx.conf (no nginx needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from shared_models.settings import PROJECT_ROOT

NGINX_CONF = PROJECT_ROOT / "nginx.conf"
NGINX_DIR = PROJECT_ROOT / "nginx"
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def text(path: Path = NGINX_CONF) -> str:
    """The file without comments."""
    return "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())


def size_bytes(value: str) -> int:
    """An nginx size (`5m`, `512k`, `1048576`) in bytes."""
    match = re.fullmatch(r"(\d+)([kmg]?)", value.strip().lower())
    assert match, f"not an nginx size: {value!r}"
    return int(match.group(1)) * _UNITS[match.group(2)]


def client_max_body_size() -> int:
    (value,) = re.findall(r"^\s*client_max_body_size\s+(\S+);", text(), re.M)
    return size_bytes(value)


def error_pages() -> dict[int, str]:
    """status → named location, from the `error_page` lines."""
    pages: dict[int, str] = {}
    for codes, target in re.findall(r"^\s*error_page\s+([\d\s]+?)\s+(@\w+);", text(), re.M):
        for code in codes.split():
            pages[int(code)] = target
    return pages


def named_location_answer(name: str) -> tuple[int, dict[str, object], str]:
    """(status, JSON body, default_type) of `location @name { ... return CODE '...'; }`."""
    match = re.search(
        r"location\s+" + re.escape(name) + r"\s*\{(?P<block>.*?)\n\s*\}\s*\n", text(), re.S
    )
    assert match, f"no location {name}"
    block = match.group("block")
    (status, body) = re.findall(r"return\s+(\d+)\s+'(.*?)';", block, re.S)[0]
    (default_type,) = re.findall(r"default_type\s+(\S+);", block)
    decoded = body.encode().decode("unicode_escape")  # nginx's '\n' escape
    return int(status), json.loads(decoded), default_type


def upstream_servers(path: Path = NGINX_DIR / "upstream.conf") -> list[str]:
    """`host:port` of every `server` line of an upstream include."""
    return re.findall(r"^\s*server\s+([^\s;]+)", text(path), re.M)
