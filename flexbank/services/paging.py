"""Keyset pagination for every list: ``limit`` rows after an opaque ``after`` cursor,
in a stable order with an index behind it (never OFFSET, so page 500 costs what page
1 does). The cursor is the sort key of the last row, base64url JSON.

>>> page = Page(limit=100, after=None)
>>> query = page.apply(select(GapRow), GapRow.start, GapRow.id)   # doctest: +SKIP
>>> rows = page.rows(session.scalars(query))                      # doctest: +SKIP
>>> page.next                                                     # doctest: +SKIP
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from flexbank.services.contract import InvalidInput
from flexbank.validation import Problem

T = TypeVar("T")
S = TypeVar("S", bound=Select[Any])

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _encode(values: list[Any]) -> str:
    plain = [{"t": v.isoformat()} if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, n: int) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != n:
            raise ValueError
        values = [dt.datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in raw]
        if any(isinstance(v, dt.datetime) and v.tzinfo is None for v in values):
            raise ValueError
        if not all(isinstance(v, str | int | dt.datetime) for v in values):
            raise ValueError
        return values
    except (ValueError, TypeError, KeyError):
        raise InvalidInput([Problem("$.query.after", "not a cursor given by this list")]) from None


@dataclass
class Page:
    """One page of a list: ``limit`` (None: everything, for the library and pages
    that need it) after the cursor ``after``."""

    limit: int | None = None
    after: str | None = None
    next: str | None = field(default=None, init=False)
    _keys: tuple[InstrumentedAttribute[Any], ...] = field(default=(), init=False)

    def apply(self, query: S, *keys: InstrumentedAttribute[Any], descending: bool = False) -> S:
        self._keys = keys
        self._descending = descending
        if self.after is not None:
            values = _decode(self.after, len(keys))
            row, cursor = tuple_(*keys), tuple_(*values)
            query = query.where(row < cursor if descending else row > cursor)
        order = [k.desc() if descending else k for k in keys]
        query = query.order_by(None).order_by(*order)
        if self.limit is not None:
            query = query.limit(self.limit + 1)
        return query

    def rows(self, found: Iterable[T]) -> list[T]:
        """The page's rows; sets :attr:`next` when there are more."""
        rows = list(found)
        if self.limit is not None and len(rows) > self.limit:
            rows = rows[: self.limit]
            last = rows[-1]
            self.next = _encode([getattr(last, k.key) for k in self._keys])
        return rows
