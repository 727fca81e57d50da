"""Small helpers shared by the record routes (not a router)."""

from __future__ import annotations

from collections.abc import Callable

from flexbank.services.contract import Conflict, InvalidInput, NotFound
from flexbank.validation import Problem


def same_id(path_id: str, body_id: str) -> None:
    """A PUT's body names the record of its path."""
    if path_id != body_id:
        raise InvalidInput([Problem("$.body.id", f"must be {path_id!r}, the id in the path")])


def ensure_new(lookup: Callable[[], object], what: str, record_id: str) -> None:
    """A POST creates: 409 when the record already exists."""
    try:
        lookup()
    except NotFound:
        return
    raise Conflict(f"a {what} with id {record_id!r} already exists; PUT replaces it")
