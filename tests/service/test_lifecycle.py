"""The offer state machine (pure)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from flexbank.services import lifecycle
from flexbank.services.lifecycle import IllegalTransition

ALLOWED = {("offered", s) for s in ("accepted", "declined", "expired", "withdrawn")}


@pytest.mark.parametrize("current,target", list(itertools.product(lifecycle.STATES, repeat=2)))
def test_only_offered_moves_on(current: str, target: str) -> None:
    assert lifecycle.can_transition(current, target) == ((current, target) in ALLOWED)
    if (current, target) in ALLOWED:
        assert lifecycle.transition(current, target) == target
    else:
        with pytest.raises(IllegalTransition):
            lifecycle.transition(current, target)


def test_actions_and_unknown_states() -> None:
    assert lifecycle.apply("offered", "accept") == "accepted"
    assert lifecycle.apply("offered", "withdraw") == "withdrawn"
    with pytest.raises(IllegalTransition):
        lifecycle.apply("declined", "accept")
    with pytest.raises(IllegalTransition):
        lifecycle.transition("bogus", "accepted")


def test_expiry_is_visible_before_the_sweep() -> None:
    t = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
    assert lifecycle.is_open("offered", t, t - dt.timedelta(seconds=1))
    assert not lifecycle.is_open("offered", t, t)
    assert lifecycle.effective_status("offered", t, t) == "expired"
    assert lifecycle.effective_status("accepted", t, t + dt.timedelta(days=1)) == "accepted"
