"""Password hashes in passlib's pbkdf2_sha256 format (libpass keeps passlib's import name)."""

from __future__ import annotations

from passlib.hash import pbkdf2_sha256


def hash_password(password: str) -> str:
    return pbkdf2_sha256.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return pbkdf2_sha256.verify(password, password_hash)
    except (ValueError, TypeError):
        return False
