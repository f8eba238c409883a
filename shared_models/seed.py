"""Start-up data: the category seed (§1.5) and the accounts an operator needs."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.models import JobCategory, User
from shared_models.passwords import hash_password
from shared_models.services.users import create_user
from shared_models.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_CATEGORIES = (
    ("general", "General"),
    ("regression", "Regression"),
    ("dr-testing", "DR Testing"),
    ("feature-testing", "Feature Testing"),
    ("prod-canary", "Prod/Canary"),
    ("refund", "Refund"),
    ("backward-compatibility", "Backward Compatibility"),
)
DEV_ADMIN = ("admin", "admin@example.com", "admin123")


def seed_categories(session: Session) -> int:
    """Insert the seven default categories when the table is empty."""
    if session.scalar(select(func.count()).select_from(JobCategory)):
        return 0
    session.add_all(JobCategory(slug=slug, name=name, is_active=True) for slug, name in DEFAULT_CATEGORIES)
    session.flush()
    return len(DEFAULT_CATEGORIES)


def seed_dev_admin(session: Session, settings: Settings) -> bool:
    """`admin`/`admin123` for development only: never when production or disallowed."""
    if settings.is_production or not settings.ALLOW_DEFAULT_ADMIN:
        return False
    username, email, password = DEV_ADMIN
    if session.scalar(select(User.id).where(User.username == username)):
        return False
    session.add(User(username=username, email=email, password_hash=hash_password(password), role="admin"))
    session.flush()
    log.warning("Created the development admin %r; set ALLOW_DEFAULT_ADMIN=false to stop this.", username)
    return True


def create_admin(session: Session, *, username: str, email: str, password: str) -> User:
    """The first (or another) admin account, made by the operator's CLI command.

    Goes through the same rules as POST /auth/register (D10), so a bad name, address or
    password, or a taken one, raises ApiError instead of reaching the database.
    """
    return create_user(session=session, username=username, email=email, password=password, role="admin")
