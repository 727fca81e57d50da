"""Long lists on the pages: a page of rows at a time (GOV.UK pagination), with the
filters and search kept in every link."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

T = TypeVar("T")
PER_PAGE = 25


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    number: int
    pages: int
    total: int
    first: int  # 1-based index of the first row shown (0 when empty)
    last: int
    path: str
    query: dict[str, str]

    def href(self, number: int) -> str:
        params = {k: v for k, v in self.query.items() if v and k != "page"}
        if number > 1:
            params["page"] = str(number)
        return self.path + ("?" + urlencode(params) if params else "")

    @property
    def previous(self) -> str | None:
        return self.href(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.href(self.number + 1) if self.number < self.pages else None

    def numbers(self) -> list[int | None]:
        """Page numbers to link, with None for a gap ('1 … 4 5 6 … 12')."""
        keep = {1, self.pages, self.number - 1, self.number, self.number + 1}
        out: list[int | None] = []
        for n in range(1, self.pages + 1):
            if n in keep:
                out.append(n)
            elif out and out[-1] is not None:
                out.append(None)
        return out


def paginate(
    rows: Sequence[T],
    page: str | int | None,
    path: str,
    query: Mapping[str, str],
    per_page: int = PER_PAGE,
) -> Page[T]:
    total = len(rows)
    pages = max(1, math.ceil(total / per_page))
    try:
        number = int(page or 1)
    except ValueError:
        number = 1
    number = min(max(number, 1), pages)
    lo = (number - 1) * per_page
    shown = list(rows[lo : lo + per_page])
    return Page(
        rows=shown,
        number=number,
        pages=pages,
        total=total,
        first=lo + 1 if shown else 0,
        last=lo + len(shown),
        path=path,
        query=dict(query),
    )


def matches(text: str, *fields: str | None) -> bool:
    """Case-insensitive search: every word of ``text`` is in one of the fields."""
    words = text.lower().split()
    if not words:
        return True
    haystack = " ".join(f.lower() for f in fields if f)
    return all(w in haystack for w in words)
