"""Slugs of categories and PIC teams (API_CONTRACT.md §3.3 slug rule, D10).

`slugify` is the legacy rule: lower-case and trim, every run of characters outside
`[a-z0-9]` becomes one `-`, leading and trailing `-` go. Its output is always made of
lower-case letters, digits and hyphens, so D10's rule reduces to the length: 1-100.
"""

from __future__ import annotations

import re

from shared_models.errors import ApiError, bad_request

SLUG_MAX_LENGTH = 100
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

EMPTY_SLUG_MESSAGE = "Unable to generate a valid slug from name."
LONG_SLUG_MESSAGE = f"Slug must be at most {SLUG_MAX_LENGTH} characters."


def slugify(text: str) -> str:
    """`"  Prod/Canary "` → `"prod-canary"`; only non-ASCII or punctuation → `""`."""
    return _NOT_SLUG.sub("-", text.strip().lower()).strip("-")


def is_valid_slug(slug: str) -> bool:
    """D10: lower-case letters, digits and single hyphens between them, 1-100 characters."""
    return len(slug) <= SLUG_MAX_LENGTH and bool(_SLUG.match(slug))


def checked_slug(text: str) -> str:
    """slugify(text), or 400 "Invalid slug" when the result is empty or longer than 100.

    A too-long slug is refused rather than truncated: a truncated slug could collide
    with another one and would not round-trip from the name the client sent.
    """
    slug = slugify(text)
    if not slug:
        raise invalid_slug(EMPTY_SLUG_MESSAGE)
    if len(slug) > SLUG_MAX_LENGTH:
        raise invalid_slug(LONG_SLUG_MESSAGE)
    return slug


def invalid_slug(message: str) -> ApiError:
    return bad_request("Invalid slug", message)
