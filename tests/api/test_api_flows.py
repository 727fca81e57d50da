"""End-to-end flows over HTTP against the real SqlBank (SQLite; one on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from api_support import World, auth, build_world, make_settings
from fastapi.testclient import TestClient

from flexbank.api import create_app
from flexbank.sample import generate
from flexbank.validation import load_plan


def _report(world: World, who: str = "provider") -> dict[str, Any]:
    day = world.demo.gap.start.astimezone(dt.UTC).date().isoformat()
    response = world.http.get(
        "/reports", params={"start": day, "end": day}, headers=world.headers(who)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _urgent_flow(world: World) -> None:
    http = world.http
    before = _report(world)
    posted = http.post(
        "/gaps",
        json=world.gap_json(),
        headers={**world.headers("provider"), "Idempotency-Key": "flow-1"},
    )
    assert posted.status_code == 201, posted.text
    gap = posted.json()
    assert gap["urgent"] is True and gap["status"] == "open"
    assert gap["provider_id"] == world.ids["provider"]

    # offered at once: the offers exist when the post returns, stamped within a second
    offers = http.get(f"/gaps/{gap['id']}/offers", headers=world.headers("provider")).json()
    assert offers and all(o["status"] == "offered" for o in offers)
    assert len(offers) <= world.settings.urgent_top_k
    assert world.ids["worker"] in {o["worker_id"] for o in offers}
    posted_at = dt.datetime.fromisoformat(gap["posted_at"])
    for o in offers:
        assert dt.datetime.fromisoformat(o["offered_at"]) - posted_at < dt.timedelta(seconds=1)

    # the worker sees what, where, when and how far
    mine = http.get("/offers", headers=world.headers("worker")).json()
    offer = next(o for o in mine if o["gap_id"] == gap["id"])
    assert {o["worker_id"] for o in mine} == {world.ids["worker"]}
    assert offer["provider_id"] == world.ids["provider"] and offer["provider_name"]
    assert offer["start"] == gap["start"] and offer["end"] == gap["end"]
    assert offer["location"]["lat"] and offer["distance_km"] >= 0
    # ... and nobody else's
    theirs = http.get("/offers", headers=world.headers("other_worker")).json()
    assert all(o["worker_id"] == world.ids["other_worker"] for o in theirs)

    accepted = http.post(f"/offers/{offer['id']}/accept", headers=world.headers("worker"))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"

    for who in ("provider", "coordinator"):
        bookings = http.get("/bookings", headers=world.headers(who)).json()
        assert any(
            b["gap_id"] == gap["id"] and b["worker_id"] == world.ids["worker"] for b in bookings
        ), who
    other = http.get("/bookings", headers=world.headers("other_provider")).json()
    assert all(b["gap_id"] != gap["id"] for b in other)
    assert (
        http.get(f"/gaps/{gap['id']}", headers=world.headers("provider")).json()["status"]
        == "filled"
    )
    # the other offers of the gap are withdrawn: the first valid accept wins
    statuses = {
        o["worker_id"]: o["status"]
        for o in http.get(f"/gaps/{gap['id']}/offers", headers=world.headers("coordinator")).json()
    }
    assert statuses.pop(world.ids["worker"]) == "accepted"
    assert set(statuses.values()) <= {"withdrawn"}

    after = _report(world)
    assert after["places_posted"] == before["places_posted"] + 1
    assert after["places_filled"] == before["places_filled"] + 1
    hours = (world.demo.gap.end - world.demo.gap.start).total_seconds() / 3600
    assert after["hours_filled"] == pytest.approx(before["hours_filled"] + hours)
    assert after["fill_rate"] > before["fill_rate"] or before["fill_rate"] == 1.0
    assert after["agency_spend_avoided"] > before["agency_spend_avoided"]
    assert after["median_minutes_to_fill"] is not None


def test_urgent_gap_offered_accepted_booked_and_reported(world: World) -> None:
    _urgent_flow(world)


def test_urgent_flow_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    world = build_world(make_settings(tmp_path, pg_url))
    _urgent_flow(world)


def test_decline_cascades_to_the_next_worker(tmp_path: Path) -> None:
    world = build_world(make_settings(tmp_path, urgent_top_k=1))
    http = world.http
    gap = http.post("/gaps", json=world.gap_json(), headers=world.headers("provider")).json()
    [first] = http.get(f"/gaps/{gap['id']}/offers", headers=world.headers("provider")).json()
    assert first["worker_id"] == world.ids["worker"]
    declined = http.post(
        f"/offers/{first['id']}/decline", json={"reason": "busy"}, headers=world.headers("worker")
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    offers = http.get(f"/gaps/{gap['id']}/offers", headers=world.headers("provider")).json()
    fresh = [o for o in offers if o["status"] == "offered"]
    assert fresh, "the decline did not cascade"
    assert all(o["worker_id"] != world.ids["worker"] for o in fresh)
    # a declined offer cannot be accepted any more
    again = http.post(f"/offers/{first['id']}/accept", headers=world.headers("worker"))
    assert again.status_code == 409


def test_idempotent_post_creates_one_gap(world: World) -> None:
    http = world.http
    headers = {**world.headers("provider"), "Idempotency-Key": "retry-me"}
    count = len(http.get("/gaps", headers=world.headers("provider")).json())
    first = http.post("/gaps", json=world.gap_json(), headers=headers)
    second = http.post("/gaps", json=world.gap_json(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert len(http.get("/gaps", headers=world.headers("provider")).json()) == count + 1
    # another key is another gap
    third = http.post(
        "/gaps",
        json=world.gap_json(),
        headers={**world.headers("provider"), "Idempotency-Key": "another"},
    )
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]


def _problems(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"]
    return {p["path"]: p["message"] for p in body["problems"]}


def test_422_names_every_problem_with_its_path(world: World) -> None:
    http = world.http
    headers = world.headers("provider")
    missing = _problems(http.post("/gaps", json={"kind": "visit"}, headers=headers))
    assert {"$.body.reason", "$.body.priority", "$.body.start", "$.body.end"} <= set(missing)

    naive = world.gap_json(start="2026-12-01T08:00:00", end="2026-12-01T09:00:00")
    found = _problems(http.post("/gaps", json=naive, headers=headers))
    assert set(found) == {"$.body.start", "$.body.end"}
    assert "UTC offset" in found["$.body.start"]

    start = world.demo.gap.start
    backwards = world.gap_json(
        start=start.isoformat(), end=(start - dt.timedelta(hours=1)).isoformat()
    )
    found = _problems(http.post("/gaps", json=backwards, headers=headers))
    assert "$.body.end" in found

    unknown = world.gap_json(client_id="NO-SUCH-CLIENT", excluded_workers=["NOBODY"])
    found = _problems(http.post("/gaps", json=unknown, headers=headers))
    # a provider is not told which worker ids exist (issue 9); a coordinator is
    assert "$.body.client_id" in found and "$.body.excluded_workers[0]" not in found
    coordinator = {**world.headers("coordinator")}
    as_coordinator = http.post(
        "/gaps", params={"provider_id": world.ids["provider"]}, json=unknown, headers=coordinator
    )
    assert "$.body.excluded_workers[0]" in _problems(as_coordinator)

    worker = world.scenario.workers[0].model_dump(mode="json")
    worker["home"]["lat"] = 500
    worker["date_of_birth"] = "yesterday"
    found = _problems(
        http.put(f"/workers/{worker['id']}", json=worker, headers=world.headers("coordinator"))
    )
    assert {"$.body.home.lat", "$.body.date_of_birth"} <= set(found)
    # nothing half-written
    stored = http.get(f"/workers/{worker['id']}", headers=world.headers("coordinator")).json()
    assert stored["home"]["lat"] != 500


def test_signed_link_accepts_and_refuses_tampered_or_expired(tmp_path: Path) -> None:
    world = build_world(make_settings(tmp_path))
    http = world.http
    gap = http.post(
        "/gaps",
        json=world.gap_json(excluded_workers=world.others_than(world.ids["worker"])),
        headers=world.headers("provider"),
    ).json()
    [offer] = http.get(f"/gaps/{gap['id']}/offers", headers=world.headers("provider")).json()
    token = world.bank.offer_link_token(offer["id"])

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = http.post("/offers/respond", params={"token": tampered, "action": "accept"})
    assert refused.status_code in (403, 404, 409, 422), refused.text

    page = http.get("/offers/respond", params={"token": token})
    assert page.status_code == 200 and "Accept" in page.text
    assert (
        http.get(f"/gaps/{gap['id']}", headers=world.headers("provider")).json()["status"] == "open"
    )  # looking at the page changed nothing

    done = http.post("/offers/respond", params={"token": token, "action": "accept"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "accepted" and done.json()["id"] == offer["id"]

    # a link past its age is refused (a bank whose links last one second)
    short = make_settings(tmp_path, offer_link_hours=1 / 3600)
    from flexbank.services.bank import SqlBank

    short_http = TestClient(create_app(SqlBank(short), short))
    runner_up = world.demo.next_worker_id
    assert runner_up is not None, "nobody else can take the demo visit"
    gap2 = http.post(
        "/gaps",
        json=world.gap_json(excluded_workers=world.others_than(runner_up)),
        headers=world.headers("provider"),
    ).json()
    offers2 = http.get(f"/gaps/{gap2['id']}/offers", headers=world.headers("provider")).json()
    assert offers2
    old = world.bank.offer_link_token(offers2[0]["id"])
    time.sleep(2.2)
    expired = short_http.post("/offers/respond", params={"token": old, "action": "decline"})
    assert expired.status_code in (403, 409, 410, 422), expired.text
    assert "expired" in expired.text


def test_import_a_scenario_then_export_the_plan(tmp_path: Path) -> None:
    world = build_world(make_settings(tmp_path))
    http = world.http
    coordinator = world.headers("coordinator")
    scenario = generate(10, 20, 5, start=world.scenario.horizon.start.date())
    scenario = scenario.model_copy(
        update={
            "name": "imported",
            "providers": [p.model_copy(update={"id": "I" + p.id}) for p in scenario.providers],
            "clients": [
                c.model_copy(
                    update={
                        "id": "I" + c.id,
                        "provider_id": "I" + c.provider_id,
                        "preferred_workers": [],
                        "excluded_workers": [],
                    }
                )
                for c in scenario.clients
            ],
            "gaps": [
                g.model_copy(
                    update={
                        "id": "I" + g.id,
                        "provider_id": "I" + g.provider_id,
                        "client_id": "I" + g.client_id if g.client_id else None,
                        "excluded_workers": [],
                    }
                )
                for g in scenario.gaps
            ],
            "workers": [],
            "pinned": [],
        }
    )
    body = scenario.model_dump(mode="json")
    denied = http.post("/import/scenario", json=body, headers=world.headers("provider"))
    assert denied.status_code == 403, denied.text[:600]
    summary = http.post("/import/scenario", json=body, headers=coordinator)
    assert summary.status_code == 200, summary.text
    assert summary.json()["gaps"] == len(scenario.gaps)

    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    run = http.post(
        "/allocations", json={"start": tomorrow, "days": 2, "time_limit": 3}, headers=coordinator
    )
    assert run.status_code == 201, run.text
    run_id = run.json()["id"]
    assert run.json()["status"] in ("succeeded", "running")
    got = http.get(f"/allocations/{run_id}", headers=coordinator).json()
    assert got["plan"] is not None
    assert run_id in {r["id"] for r in http.get("/allocations", headers=coordinator).json()}

    exported = http.get(f"/allocations/{run_id}/plan", headers=coordinator)
    assert exported.status_code == 200
    plan = load_plan(exported.text)
    assert plan.format == "flexbank.plan/1"
    gap_ids = [a.gap_id for a in plan.assignments] + [u.gap_id for u in plan.unfilled]
    if gap_ids:
        reasons = http.get(f"/allocations/{run_id}/explain/{gap_ids[0]}", headers=coordinator)
        assert reasons.status_code == 200, reasons.text
        assert all({"worker_id", "code", "message"} <= set(r) for r in reasons.json())
    published = http.post(f"/allocations/{run_id}/publish", headers=coordinator)
    assert published.status_code == 200, published.text
    assert len(published.json()) <= len(plan.assignments)


def test_unknown_records_are_404_and_auth_is_401(world: World) -> None:
    http = world.http
    assert http.get("/gaps/NOPE", headers=world.headers("coordinator")).status_code == 404
    assert http.get("/gaps").status_code == 401
    assert http.get("/gaps", headers=auth("fb_not-a-token")).status_code == 401


def test_logs_carry_no_personal_data_or_secrets(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from flexbank.adapters.channels import LogChannel
    from flexbank.services.bank import SqlBank

    caplog.set_level(logging.DEBUG)
    world = build_world(make_settings(tmp_path))
    logged = SqlBank(world.settings, channels=[LogChannel()])
    http = TestClient(create_app(logged, world.settings))
    gap = http.post("/gaps", json=world.gap_json(), headers=world.headers("provider")).json()
    offers = http.get(f"/gaps/{gap['id']}/offers", headers=world.headers("coordinator")).json()
    assert offers
    links = [logged.offer_link_token(o["id"]) for o in offers]
    sent = logged.dispatch_notifications()
    assert sum(v for v in sent.values() if isinstance(v, int)) >= 1, sent
    text = caplog.text
    assert "kind=offer" in text
    workers = {w.id: w for w in world.scenario.workers}
    for offer in offers:
        worker = workers[offer["worker_id"]]
        assert worker.name not in text
        assert worker.home.postcode is None or worker.home.postcode not in text
    for secret in [*links, *world.tokens.values(), world.settings.secret_key]:
        assert secret not in text
