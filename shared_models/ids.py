"""The one source of new ids (UUID4 strings) for every row and token.

Seeding makes the sequence reproducible, so two stacks given the same seed create rows
with the same ids (the parity harness relies on it).
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_rng: random.Random | None = None


def new_id() -> str:
    """Return a new UUID4 as a string."""
    if _rng is None:
        return str(uuid.uuid4())
    with _lock:
        return str(uuid.UUID(int=_rng.getrandbits(128), version=4))


def seed(value: int | str | None) -> None:
    """Make `new_id()` deterministic from `value`; `None` returns to random ids."""
    global _rng
    with _lock:
        _rng = None if value is None else random.Random(value)


@contextmanager
def seeded(value: int | str) -> Iterator[None]:
    global _rng
    previous = _rng
    seed(value)
    try:
        yield
    finally:
        with _lock:
            _rng = previous
