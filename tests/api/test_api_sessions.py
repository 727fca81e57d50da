"""Sessions end when they should (issue 9, point 5): sign-out and revocation end web
sessions even for a copied cookie; API tokens expire and rotate; an offer link signs
in only to its offer, and only while the offer is open."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import World, auth, build_world, make_settings
from fastapi.testclient import TestClient

from flexbank.adapters.database import dispose
from flexbank.service import build_app
from flexbank.services.contract import Actor


@pytest.fixture
def site(tmp_path: Path) -> Iterator[World]:
    world = build_world(make_settings(tmp_path))
    world.http = TestClient(build_app(world.bank, world.settings))
    yield world
    dispose(world.settings.resolved_database_url())


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def signed_in(world: World, token: str) -> TestClient:
    client = TestClient(world.http.app)
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in", data={"token": token, "csrf_token": csrf(page.text)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return client


def opens(client: TestClient, path: str) -> bool:
    answer = client.get(path, follow_redirects=False)
    return answer.status_code == 200


def test_revoking_the_token_ends_its_web_session(site: World) -> None:
    token = site.tokens["coordinator"]
    client = signed_in(site, token)
    assert opens(client, "/app/coordinator")
    copied = TestClient(site.http.app, cookies=dict(client.cookies))
    assert opens(copied, "/app/coordinator")
    assert site.bank.revoke_token(token)
    assert not opens(client, "/app/coordinator")
    assert not opens(copied, "/app/coordinator")


def test_a_cookie_replayed_after_sign_out_does_not_sign_in(site: World) -> None:
    client = signed_in(site, site.tokens["coordinator"])
    page = client.get("/app/coordinator")
    stolen = dict(client.cookies)
    out = client.post("/sign-out", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    replay = TestClient(site.http.app, cookies=stolen)
    assert not opens(replay, "/app/coordinator")
    # a cookie without its server-side session id (the old stateless kind) is not enough
    bare = TestClient(site.http.app, cookies={"flexbank_session": stolen["flexbank_session"]})
    assert not opens(bare, "/app/coordinator")


def test_api_tokens_expire_and_rotate(site: World) -> None:
    http = site.http
    expired = site.bank.create_token("coordinator", None, "old", days=-1)
    assert http.get("/gaps", headers=auth(expired)).status_code == 401
    old = site.bank.create_token("provider", site.ids["provider"], "rotating")
    rotated = http.post("/tokens/rotate", headers=auth(old))
    assert rotated.status_code == 200
    new = rotated.json()["token"]
    expires = dt.datetime.fromisoformat(rotated.json()["expires_at"])
    assert expires - dt.datetime.now(dt.UTC) > dt.timedelta(days=80)
    assert http.get("/gaps", headers=auth(old)).status_code == 401
    assert http.get("/gaps", headers=auth(new)).status_code == 200
    assert http.post("/tokens/rotate", headers=auth(old)).status_code == 401


def test_an_offer_link_signs_in_to_that_offer_only_while_it_is_open(site: World) -> None:
    posted = site.http.post("/gaps", json=site.gap_json(), headers=site.headers("provider"))
    assert posted.status_code == 201, posted.text
    offers = site.bank.gap_offers(Actor.system(), posted.json()["id"])
    offer = next(o for o in offers if o.worker_id == site.ids["worker"])
    link = site.bank.offer_link_token(offer.id)
    client = TestClient(site.http.app)
    landed = client.get(f"/sign-in/offer?token={link}", follow_redirects=False)
    assert landed.headers["location"] == f"/app/worker/offers/{offer.id}"
    assert opens(client, f"/app/worker/offers/{offer.id}")
    assert not opens(client, "/app/worker/bookings")  # the link opens one offer
    assert not opens(client, "/app/worker")
    site.bank.accept_offer(Actor("worker", site.ids["worker"]), offer.id)
    assert not opens(client, f"/app/worker/offers/{offer.id}")  # answered: the session ends
    again = TestClient(site.http.app).get(f"/sign-in/offer?token={link}", follow_redirects=False)
    assert again.status_code == 403
