"""The offer state machine (pure: no SQL, no clock).

    offered -> accepted | declined | expired | withdrawn

Nothing else: every other state is final, and an offer never returns to ``offered``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

OfferState = Literal["offered", "accepted", "declined", "expired", "withdrawn"]
Action = Literal["accept", "decline", "expire", "withdraw"]

STATES: tuple[OfferState, ...] = ("offered", "accepted", "declined", "expired", "withdrawn")
FINAL: frozenset[OfferState] = frozenset({"accepted", "declined", "expired", "withdrawn"})

TRANSITIONS: dict[OfferState, frozenset[OfferState]] = {
    "offered": frozenset({"accepted", "declined", "expired", "withdrawn"}),
    "accepted": frozenset(),
    "declined": frozenset(),
    "expired": frozenset(),
    "withdrawn": frozenset(),
}

RESULT_OF: dict[Action, OfferState] = {
    "accept": "accepted",
    "decline": "declined",
    "expire": "expired",
    "withdraw": "withdrawn",
}


class IllegalTransition(ValueError):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"an offer that is {current} cannot become {target}")
        self.current = current
        self.target = target


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())  # type: ignore[call-overload]


def transition(current: str, target: str) -> OfferState:
    """The new state, or IllegalTransition."""
    if not can_transition(current, target):
        raise IllegalTransition(current, target)
    return target  # type: ignore[return-value]


def apply(current: str, action: Action) -> OfferState:
    return transition(current, RESULT_OF[action])


def is_open(status: str, expires_at: dt.datetime, now: dt.datetime) -> bool:
    """An offer can still be answered: offered and not past its expiry (a late sweep
    never makes an expired offer look open)."""
    return status == "offered" and now < expires_at


def effective_status(status: str, expires_at: dt.datetime, now: dt.datetime) -> OfferState:
    """The status as a reader should see it at ``now``."""
    if status == "offered" and now >= expires_at:
        return "expired"
    return status  # type: ignore[return-value]
