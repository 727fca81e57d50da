"""The one booking function: every route (accept, imported pins) books through it with
the same locks and the same last check; deadlocks are retried (issue 9, points 1, 3)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from service_support import COORD, busy_gap, gap_in
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from test_offers import offer_directly

from flexbank.adapters.orm import BookingRow, GapRow
from flexbank.models import Pin
from flexbank.services import booking
from flexbank.services.bank import SqlBank
from flexbank.services.contract import Actor, Conflict, InvalidInput


def bookings_of(bank: SqlBank, **where: str) -> list[tuple[str, str]]:
    with bank.ctx.uow() as uow:
        query = select(BookingRow.gap_id, BookingRow.worker_id).where(BookingRow.status == "booked")
        for column, value in where.items():
            query = query.where(getattr(BookingRow, column) == value)
        return [tuple(r) for r in uow.session.execute(query)]  # type: ignore[misc]


def test_import_pins_go_through_the_last_check(loaded, clock, scenario):
    """The repro of point 1: W booked on a headcount-2 gap G; a file with G, a copy G'
    at the same time and pins {G,W2}, {G,W3}, {G',W} used to give 3 bookings."""
    gap, found = busy_gap(scenario)
    w, w2, w3 = found[:3]
    g = gap.model_copy(update={"headcount": 2})
    first = scenario.model_copy(update={"gaps": [g], "pinned": [Pin(gap_id=g.id, worker_id=w)]})
    assert loaded.import_scenario(COORD, first).bookings == 1
    copy = g.model_copy(update={"id": "GCOPY", "headcount": 1})
    pins = [
        Pin(gap_id=g.id, worker_id=w2),
        Pin(gap_id=g.id, worker_id=w3),
        Pin(gap_id=copy.id, worker_id=w),
    ]
    attack = scenario.model_copy(update={"gaps": [g, copy], "pinned": pins})
    with pytest.raises(InvalidInput) as caught:
        loaded.import_scenario(COORD, attack)
    assert caught.value.problems[0].path.startswith("$.pinned[")
    # nothing of the refused file is kept: one booking, no copy of the gap
    assert bookings_of(loaded, gap_id=g.id) == [(g.id, w)]
    assert bookings_of(loaded, worker_id=w) == [(g.id, w)]
    with loaded.ctx.uow() as uow:
        assert uow.session.get(GapRow, copy.id) is None

    # the copy alone: W would be on two gaps at once
    alone = scenario.model_copy(
        update={"gaps": [g, copy], "pinned": [Pin(gap_id=copy.id, worker_id=w)]}
    )
    with pytest.raises(InvalidInput) as caught:
        loaded.import_scenario(COORD, alone)
    assert "GCOPY" in caught.value.problems[0].message

    # a pin that fits is booked, and fills the gap (W plus W2 = headcount 2)
    fits = scenario.model_copy(update={"gaps": [g], "pinned": [Pin(gap_id=g.id, worker_id=w2)]})
    assert loaded.import_scenario(COORD, fits).bookings == 1
    assert sorted(bookings_of(loaded, gap_id=g.id)) == sorted([(g.id, w), (g.id, w2)])
    assert loaded.get_gap(COORD, g.id).status == "filled"
    # importing the same file again books nothing twice
    with pytest.raises(InvalidInput):
        loaded.import_scenario(COORD, fits)  # the gap is filled now
    assert len(bookings_of(loaded, gap_id=g.id)) == 2


def test_book_refuses_a_full_gap_and_a_worker_twice(loaded, clock, scenario):
    gap, found = busy_gap(scenario)
    clock.set(gap.start - dt.timedelta(days=3))
    now = loaded.now()
    with loaded.ctx.uow() as uow:
        row = booking.lock(uow, gap.id, found[:2])
        places = [booking.Place(found[0], gap.start), booking.Place(found[1], gap.start)]
        with pytest.raises(Conflict) as caught:
            booking.book(loaded.ctx, uow, row, places, now, source="test")
        assert caught.value.codes == ["headcount"]
        twice = [booking.Place(found[0], gap.start), booking.Place(found[0], gap.start)]
        with pytest.raises(Conflict):
            booking.book(loaded.ctx, uow, row, twice, now, source="test")
        made = booking.book(
            loaded.ctx, uow, row, [booking.Place(found[0], gap.start)], now, source="test"
        )
        assert len(made) == 1 and row.status == "filled"
        uow.commit()
    assert bookings_of(loaded, gap_id=gap.id) == [(gap.id, found[0])]


class _Aborted(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_retrying_repeats_only_transient_aborts():
    calls = []

    def deadlocks_twice() -> str:
        calls.append(1)
        if len(calls) <= 2:
            raise DBAPIError("UPDATE", {}, _Aborted("40P01"))
        return "done"

    assert booking.retrying(deadlocks_twice) == "done" and len(calls) == 3

    def always() -> None:
        calls.append(1)
        raise DBAPIError("UPDATE", {}, _Aborted("40001"))

    calls.clear()
    with pytest.raises(DBAPIError):
        booking.retrying(always, attempts=3)
    assert len(calls) == 3

    def other() -> None:
        calls.append(1)
        raise DBAPIError("UPDATE", {}, _Aborted("23505"))

    calls.clear()
    with pytest.raises(DBAPIError):
        booking.retrying(other)
    assert len(calls) == 1


def test_double_handed_race_books_the_pair_on_postgresql(loaded, clock, scenario, database_url):
    """The repro of point 3: the second worker's accept books the pair while the first
    worker accepts again; it used to deadlock (a 500, the gap unbooked) every round."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the row-lock deadlock is PostgreSQL's (SQLite serialises writers)")
    gap, found = busy_gap(scenario, kind="visit", at_least=3)
    clock.set(gap.start - dt.timedelta(days=3))
    first, second = found[0], found[1]
    for round_no in range(8):
        out, _ = loaded.post_gap(COORD, gap.provider_id, gap_in(gap, headcount=2))
        oa, ob = offer_directly(loaded, out.id, [first, second])
        loaded.accept_offer(Actor("worker", first), oa)
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def attempt(
            who: str,
            offer_id: int,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            barrier.wait()
            try:
                loaded.accept_offer(Actor("worker", who), offer_id)
            except Conflict:
                pass  # the repeated accept: the offer is already accepted
            except BaseException as e:  # a deadlock would land here
                errors.append(e)

        threads = [
            threading.Thread(target=attempt, args=(first, oa)),
            threading.Thread(target=attempt, args=(second, ob)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [], f"round {round_no}: {errors!r}"
        assert sorted(w for _, w in bookings_of(loaded, gap_id=out.id)) == sorted([first, second])
        assert loaded.get_gap(COORD, out.id).status == "filled"
        loaded.cancel_gap(COORD, out.id)  # the workers are free for the next round
