"""The offer lifecycle on both backends: urgent offers, cascade, accept re-check,
double-handed calls, concurrency, role rules."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from service_support import COORD, busy_gap, clones, gap_in, with_workers
from sqlalchemy import func, select

from flexbank.adapters.orm import BookingRow, NotificationRow, OfferRow
from flexbank.services import offers as offers_module
from flexbank.services.bank import SqlBank
from flexbank.services.contract import Actor, Conflict, NotFound


def worker(worker_id: str) -> Actor:
    return Actor("worker", worker_id, worker_id)


def provider(provider_id: str) -> Actor:
    return Actor("provider", provider_id, provider_id)


def count(bank: SqlBank, model: type, *where: object) -> int:
    with bank.ctx.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)))  # type: ignore[arg-type]


def offer_directly(
    bank: SqlBank, gap_id: str, worker_ids: list[str], minutes: int = 60
) -> list[int]:
    """Offers made the way the service makes them (same function, one transaction)."""
    ids = []
    with bank.ctx.uow() as uow:
        gap = uow.lock_gap(gap_id)
        assert gap is not None
        now = bank.now()
        for w in worker_ids:
            o = offers_module.make_offer(
                bank.ctx,
                uow,
                gap,
                w,
                gap.start,
                now,
                expires_at=now + dt.timedelta(minutes=minutes),
                urgent=False,
            )
            ids.append(o.id)
        uow.commit()
    return ids


def post_routine(bank, clock, scenario, key=None, **changes):
    gap, found = busy_gap(scenario)
    clock.set(gap.start - dt.timedelta(days=3))
    out, _ = bank.post_gap(COORD, gap.provider_id, gap_in(gap, **changes), key)
    assert not out.urgent and out.offers_open == 0
    return out, found


def test_urgent_gap_is_offered_at_once_to_top_k(loaded, clock, scenario):
    gap, found = busy_gap(scenario)
    clock.set(gap.start - dt.timedelta(hours=5))
    out, created = loaded.post_gap(provider(gap.provider_id), gap.provider_id, gap_in(gap))
    assert created and out.urgent
    offers = loaded.gap_offers(COORD, out.id)
    assert len(offers) == 3 == out.offers_open
    assert all(o.urgent and o.status == "offered" for o in offers)
    assert all(o.expires_at - clock() == dt.timedelta(minutes=15) for o in offers)
    assert {o.worker_id for o in offers} <= set(found)
    # each offer's message with its signed link is in the outbox
    with loaded.ctx.uow() as uow:
        rows = list(
            uow.session.scalars(select(NotificationRow).where(NotificationRow.kind == "offer"))
        )
    assert {r.recipient_id for r in rows} == {o.worker_id for o in offers}
    assert all(r.link and "/sign-in/offer?token=" in r.link for r in rows)


def test_cascade_on_decline_and_on_expiry(loaded, clock, scenario):
    gap, _ = busy_gap(scenario, at_least=7)
    clock.set(gap.start - dt.timedelta(hours=5))
    out, _ = loaded.post_gap(COORD, gap.provider_id, gap_in(gap))
    first = loaded.gap_offers(COORD, out.id)
    declined = first[0]
    loaded.decline_offer(worker(declined.worker_id), declined.id, "busy")
    after = loaded.gap_offers(COORD, out.id)
    open_now = [o for o in after if o.status == "offered"]
    assert len(open_now) == 3
    new = [o for o in open_now if o.id not in {f.id for f in first}]
    assert len(new) == 1 and new[0].worker_id != declined.worker_id
    # expiry: everyone who did not answer expires, and the next ones are offered
    clock.advance(minutes=16)
    assert loaded.expire_offers() == 3
    final = loaded.gap_offers(COORD, out.id)
    tried = {o.worker_id for o in after}
    fresh = [o for o in final if o.status == "offered"]
    assert fresh and all(o.worker_id not in tried for o in fresh)
    assert len({o.worker_id for o in final}) == len(final)  # nobody offered twice
    assert loaded.expire_offers() == 0  # a doubled trigger does nothing


def test_first_valid_accept_wins_and_others_are_withdrawn(loaded, clock, scenario, channel):
    gap, _ = busy_gap(scenario)
    clock.set(gap.start - dt.timedelta(hours=5))
    out, _ = loaded.post_gap(COORD, gap.provider_id, gap_in(gap))
    offers = loaded.gap_offers(COORD, out.id)
    clock.advance(minutes=2)
    accepted = loaded.accept_offer(worker(offers[1].worker_id), offers[1].id)
    assert accepted.status == "accepted"
    after = {o.id: o.status for o in loaded.gap_offers(COORD, out.id)}
    assert after[offers[1].id] == "accepted"
    assert sorted(s for i, s in after.items() if i != offers[1].id) == ["withdrawn", "withdrawn"]
    g = loaded.get_gap(COORD, out.id)
    assert g.status == "filled" and g.booked_workers == [offers[1].worker_id]
    with pytest.raises(Conflict):
        loaded.accept_offer(worker(offers[0].worker_id), offers[0].id)
    # the booking is announced to provider and worker through the outbox
    loaded.dispatch_notifications()
    kinds = {(m.kind, m.recipient_role) for m in channel.sent}
    assert {("booking", "worker"), ("booking", "provider"), ("withdrawn", "worker")} <= kinds


def test_fifty_concurrent_accepts_give_one_booking(bank, clock, scenario):
    _, found = busy_gap(scenario)
    base = next(w for w in scenario.workers if w.id == found[0])
    bank.import_scenario(COORD, with_workers(scenario, clones(base, 49)))
    out, _ = post_routine(bank, clock, scenario)
    workers = [base.id] + [f"{base.id}-C{i:02d}" for i in range(1, 50)]
    ids = offer_directly(bank, out.id, workers)
    barrier = threading.Barrier(50)
    results: list[str] = []
    lock = threading.Lock()

    def attempt(offer_id: int, worker_id: str) -> None:
        barrier.wait()
        try:
            bank.accept_offer(worker(worker_id), offer_id)
            outcome = "booked"
        except Conflict:
            outcome = "conflict"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=p) for p in zip(ids, workers, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count("booked") == 1
    assert results.count("conflict") == 49
    assert count(bank, BookingRow, BookingRow.gap_id == out.id, BookingRow.status == "booked") == 1
    assert bank.get_gap(COORD, out.id).status == "filled"


def test_worker_accepting_two_overlapping_offers_at_once_gets_one(loaded, clock, scenario):
    gap, found = busy_gap(scenario)
    clock.set(gap.start - dt.timedelta(days=3))
    a, _ = loaded.post_gap(COORD, gap.provider_id, gap_in(gap))
    b, _ = loaded.post_gap(COORD, gap.provider_id, gap_in(gap))
    w = found[0]
    (oa,) = offer_directly(loaded, a.id, [w])
    (ob,) = offer_directly(loaded, b.id, [w])
    barrier = threading.Barrier(2)
    results: list[object] = []

    def attempt(offer_id: int) -> None:
        barrier.wait()
        try:
            results.append(loaded.accept_offer(worker(w), offer_id).status)
        except Conflict as e:
            results.append(e)

    threads = [threading.Thread(target=attempt, args=(o,)) for o in (oa, ob)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("accepted") == 1
    (conflict,) = [r for r in results if isinstance(r, Conflict)]
    assert "overlap" in conflict.codes
    assert count(loaded, BookingRow, BookingRow.worker_id == w, BookingRow.status == "booked") == 1


def test_late_accept_of_expired_offer_is_a_conflict(loaded, clock, scenario):
    out, found = post_routine(loaded, clock, scenario)
    (oid,) = offer_directly(loaded, out.id, [found[0]], minutes=30)
    clock.advance(minutes=31)
    with pytest.raises(Conflict) as caught:
        loaded.accept_offer(worker(found[0]), oid)
    assert caught.value.codes == ["expired"]
    (offer,) = [o for o in loaded.gap_offers(COORD, out.id) if o.id == oid]
    assert offer.status == "expired"
    assert count(loaded, BookingRow, BookingRow.gap_id == out.id) == 0


def test_accept_rechecks_compliance_at_that_instant(loaded, clock, scenario):
    out, found = post_routine(loaded, clock, scenario)
    w = found[0]
    (oid,) = offer_directly(loaded, out.id, [w])
    # the DBS Update Service shows the worker barred before they answer
    record = loaded.get_worker(COORD, w)
    barred = record.dbs.model_copy(update={"adults_barred_list": False})
    loaded.put_worker(COORD, record.model_copy(update={"dbs": barred}))
    with pytest.raises(Conflict) as caught:
        loaded.accept_offer(worker(w), oid)
    assert "dbs" in caught.value.codes
    assert count(loaded, BookingRow, BookingRow.gap_id == out.id) == 0


def test_double_handed_visit_booked_only_when_both_accept(loaded, clock, scenario):
    gap, found = busy_gap(scenario, kind="visit", at_least=3)
    clock.set(gap.start - dt.timedelta(days=3))
    out, _ = loaded.post_gap(COORD, gap.provider_id, gap_in(gap, headcount=2))
    first, second = found[0], found[1]
    oa, ob = offer_directly(loaded, out.id, [first, second])
    loaded.accept_offer(worker(first), oa)
    assert count(loaded, BookingRow, BookingRow.gap_id == out.id) == 0
    assert loaded.get_gap(COORD, out.id).status == "open"
    loaded.accept_offer(worker(second), ob)
    bookings = loaded.list_bookings(COORD)
    on_gap = [b for b in bookings if b.gap_id == out.id]
    assert sorted(b.worker_id for b in on_gap) == sorted([first, second])
    assert len({b.start for b in on_gap}) == 1
    assert loaded.get_gap(COORD, out.id).status == "filled"


def test_idempotent_gap_post(loaded, clock, scenario):
    first, _ = post_routine(loaded, clock, scenario, key="abc-1")
    gap, _ = busy_gap(scenario)
    again, created = loaded.post_gap(COORD, gap.provider_id, gap_in(gap), "abc-1")
    assert not created and again.id == first.id
    other, created = loaded.post_gap(COORD, gap.provider_id, gap_in(gap), "abc-2")
    assert created and other.id != first.id


def test_role_rules(loaded, clock, scenario):
    out, found = post_routine(loaded, clock, scenario)
    others = [p.id for p in scenario.providers if p.id != out.provider_id]
    with pytest.raises(NotFound):
        loaded.get_gap(provider(others[0]), out.id)
    assert loaded.get_gap(provider(out.provider_id), out.id).id == out.id
    assert all(g.provider_id == others[0] for g in loaded.list_gaps(provider(others[0])))
    (oid,) = offer_directly(loaded, out.id, [found[0]])
    with pytest.raises(NotFound):
        loaded.accept_offer(worker(found[1]), oid)
    assert [o.id for o in loaded.list_offers(worker(found[0]))] == [oid]
    assert loaded.list_offers(worker(found[1])) == []


def test_a_failing_change_writes_no_notification(loaded, clock, scenario, monkeypatch):
    out, found = post_routine(loaded, clock, scenario)
    (oid,) = offer_directly(loaded, out.id, [found[0]])
    before = count(loaded, NotificationRow)

    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError("crash after booking")

    monkeypatch.setattr(offers_module, "withdraw_open_offers", boom)
    with pytest.raises(RuntimeError):
        loaded.accept_offer(worker(found[0]), oid)
    assert count(loaded, NotificationRow) == before
    assert count(loaded, BookingRow, BookingRow.gap_id == out.id) == 0
    assert count(loaded, OfferRow, OfferRow.id == oid, OfferRow.status == "offered") == 1


def test_respond_by_signed_link(loaded, clock, scenario):
    out, found = post_routine(loaded, clock, scenario)
    (oid,) = offer_directly(loaded, out.id, [found[0]])
    token = loaded.offer_link_token(oid)
    assert loaded.respond_by_link(token, "accept").status == "accepted"
    with pytest.raises(Exception):  # noqa: B017 - tampered link
        loaded.respond_by_link(token[:-2] + "xx", "decline")
