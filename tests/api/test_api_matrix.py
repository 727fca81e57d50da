"""The authorisation matrix: every route of the app, every role, against the real SqlBank.

The expected table is written out below; a route of the app that is missing from the
table (or a row of the table that is no route) fails ``test_every_route_is_in_the_table``.
Cells: ``ok`` = 2xx, ``no`` = refused (403, or 404 so that others' ids are not
confirmed), ``401`` = no or unknown token. ``own``/``other`` are a provider or worker
asking about their own records or about someone else's.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from api_support import World, build_world, make_settings
from fastapi.routing import iter_route_contexts

from flexbank.models import Client, Period, Provider, Worker
from flexbank.services.contract import Actor, GapIn

ROLES = ("coordinator", "provider-own", "provider-other", "worker-own", "worker-other", "none")

EXPECTED_TABLE = """
route                                            coord p-own p-other w-own w-other none
GET /openapi.json                                ok    ok    ok      ok    ok      ok
GET /docs                                        ok    ok    ok      ok    ok      ok
GET /docs/oauth2-redirect                        ok    ok    ok      ok    ok      ok
GET /redoc                                       ok    ok    ok      ok    ok      ok
GET /health                                      ok    ok    ok      ok    ok      ok
GET /providers                                   ok    ok    ok      no    no      401
POST /providers                                  ok    no    no      no    no      401
GET /providers/{provider_id}                     ok    ok    no      no    no      401
PUT /providers/{provider_id}                     ok    ok    no      no    no      401
DELETE /providers/{provider_id}                  ok    no    no      no    no      401
GET /clients                                     ok    ok    ok      no    no      401
POST /clients                                    ok    ok    no      no    no      401
GET /clients/{client_id}                         ok    ok    no      no    no      401
PUT /clients/{client_id}                         ok    ok    no      no    no      401
DELETE /clients/{client_id}                      ok    ok    no      no    no      401
GET /workers                                     ok    no    no      ok    ok      401
POST /workers                                    ok    no    no      no    no      401
GET /workers/{worker_id}                         ok    no    no      ok    no      401
PUT /workers/{worker_id}                         ok    no    no      ok    no      401
DELETE /workers/{worker_id}                      ok    no    no      no    no      401
POST /workers/{worker_id}/availability           ok    no    no      ok    no      401
DELETE /workers/{worker_id}/availability         ok    no    no      ok    no      401
POST /workers/{worker_id}/verify                 ok    no    no      no    no      401
GET /workers/{worker_id}/audit                   ok    no    no      no    no      401
GET /audit                                       ok    no    no      no    no      401
POST /gaps                                       ok    ok    no      no    no      401
GET /gaps                                        ok    ok    ok      no    no      401
GET /gaps/{gap_id}                               ok    ok    no      no    no      401
DELETE /gaps/{gap_id}                            ok    ok    no      no    no      401
GET /gaps/{gap_id}/offers                        ok    ok    no      no    no      401
POST /allocations                                ok    no    no      no    no      401
GET /allocations                                 ok    no    no      no    no      401
GET /allocations/{run_id}                        ok    no    no      no    no      401
GET /allocations/{run_id}/explain/{gap_id}       ok    no    no      no    no      401
POST /allocations/{run_id}/publish               ok    no    no      no    no      401
GET /allocations/{run_id}/plan                   ok    no    no      no    no      401
GET /offers                                      ok    no    no      ok    ok      401
POST /offers/{offer_id}/accept                   ok    no    no      ok    no      401
POST /offers/{offer_id}/decline                  ok    no    no      ok    no      401
GET /offers/respond                              ok    ok    ok      ok    ok      ok
POST /offers/respond                             ok    ok    ok      ok    ok      ok
GET /bookings                                    ok    ok    ok      ok    ok      401
POST /import/scenario                            ok    no    no      no    no      401
GET /reports                                     ok    ok    ok      no    no      401
POST /tokens/rotate                              ok    ok    ok      ok    ok      401
"""


def _table() -> dict[str, dict[str, str]]:
    rows = [line.split() for line in EXPECTED_TABLE.strip().splitlines()[1:]]
    table = {}
    for row in rows:
        route, cells = f"{row[0]} {row[1]}", row[2:]
        assert len(cells) == len(ROLES), route
        assert route not in table, f"{route} twice in the table"
        table[route] = dict(zip(ROLES, cells, strict=True))
    return table


EXPECTED = _table()


def app_routes(app: Any) -> set[str]:
    """Every (method, path) the app serves, included routers too."""
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or ():
            if method != "HEAD":
                found.add(f"{method} {route.path}")
    return found


# --------------------------------------------------------------------- calls


@dataclass
class Call:
    path_params: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    tokens: dict[str, str] = field(default_factory=dict)  # role -> token, overriding
    cleanup: Callable[[], None] | None = None


class Matrix:
    """The world the matrix walks: base records and fresh ones made per cell."""

    SYSTEM = Actor.system()

    def __init__(self, world: World) -> None:
        self.world = world
        self.bank = world.bank
        self.n = itertools.count(1)
        self.provider = self.bank.get_provider(self.SYSTEM, world.ids["provider"])
        self.client = self.bank.get_client(self.SYSTEM, world.demo.gap.client_id)
        self.worker = self.bank.get_worker(self.SYSTEM, world.ids["worker"])
        later = world.demo.gap.start + dt.timedelta(days=3)
        self.routine = GapIn.model_validate(
            {
                **world.demo.gap.model_dump(),
                "priority": "routine",
                "start": later,
                "end": later + dt.timedelta(hours=1),
            }
        )
        self.gap, _ = self.bank.post_gap(self.SYSTEM, self.provider.id, self.routine)
        self.run = self.bank.run_allocation(self.SYSTEM, later.date(), 1, 2.0)
        self.explained = self.gap.id

    def token(self, role: str, subject: str) -> str:
        token: str = self.bank.create_token(role, subject, "matrix")
        return token

    def fresh_provider(self) -> Provider:
        p = self.provider.model_copy(update={"id": f"MP{next(self.n)}", "name": "Matrix"})
        return self.bank.put_provider(self.SYSTEM, p)

    def fresh_client(self) -> Client:
        c = self.client.model_copy(update={"id": f"MC{next(self.n)}"})
        return self.bank.put_client(self.SYSTEM, c)

    def fresh_worker(self) -> Worker:
        w = self.worker.model_copy(
            update={"id": f"MW{next(self.n)}", "availability": [], "history": []}
        )
        return self.bank.put_worker(self.SYSTEM, w)

    def period(self) -> Period:
        k = next(self.n)
        start = self.world.demo.gap.start + dt.timedelta(days=4, hours=k % 20, minutes=0)
        return Period(start=start, end=start + dt.timedelta(minutes=30))

    def fresh_offer(self) -> tuple[int, Callable[[], None]]:
        """An urgent gap of the own provider offered to the own worker only."""
        gap = self.world.demo.gap.model_copy(
            update={"excluded_workers": self.world.others_than(self.worker.id)}
        )
        out, _ = self.bank.post_gap(self.SYSTEM, self.provider.id, gap)
        offers = [o for o in self.bank.gap_offers(self.SYSTEM, out.id) if o.status == "offered"]
        assert offers, "the own worker got no offer for the matrix gap"

        def cancel() -> None:
            self.bank.cancel_gap(self.SYSTEM, out.id)

        return offers[0].id, cancel

    # one builder per route ------------------------------------------------
    def call(self, route: str, role: str) -> Call:
        p, c, w = self.provider, self.client, self.worker
        path = route.split(" ", 1)[1]
        if path in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/health"):
            return Call()
        if route == "POST /providers":
            body = p.model_copy(update={"id": f"NP{next(self.n)}"})
            return Call(json=body.model_dump(mode="json"))
        if route in ("GET /providers/{provider_id}", "PUT /providers/{provider_id}"):
            return Call({"provider_id": p.id}, json=p.model_dump(mode="json"))
        if route == "DELETE /providers/{provider_id}":
            fresh = self.fresh_provider()
            own = {"provider-own": self.token("provider", fresh.id)}
            return Call({"provider_id": fresh.id}, tokens=own)
        if route == "POST /clients":
            body = c.model_copy(update={"id": f"NC{next(self.n)}"})
            return Call(json=body.model_dump(mode="json"))
        if route in ("GET /clients/{client_id}", "PUT /clients/{client_id}"):
            return Call({"client_id": c.id}, json=c.model_dump(mode="json"))
        if route == "DELETE /clients/{client_id}":
            return Call({"client_id": self.fresh_client().id})
        if route == "POST /workers":
            body = w.model_copy(update={"id": f"NW{next(self.n)}"})
            return Call(json=body.model_dump(mode="json"))
        if route in ("GET /workers/{worker_id}", "PUT /workers/{worker_id}"):
            current = self.bank.get_worker(self.SYSTEM, w.id)
            return Call({"worker_id": w.id}, json=current.model_dump(mode="json"))
        if route == "DELETE /workers/{worker_id}":
            doomed = self.fresh_worker()
            own = {"worker-own": self.token("worker", doomed.id)}
            return Call({"worker_id": doomed.id}, tokens=own)
        if route == "POST /workers/{worker_id}/availability":
            return Call({"worker_id": w.id}, json=self.period().model_dump(mode="json"))
        if route == "DELETE /workers/{worker_id}/availability":
            period = self.period()
            self.bank.add_availability(self.SYSTEM, w.id, period)
            params = {"start": period.start.isoformat(), "end": period.end.isoformat()}
            return Call({"worker_id": w.id}, params=params)
        if route == "POST /workers/{worker_id}/verify":
            return Call({"worker_id": w.id}, json={"record": "dbs", "note": "seen"})
        if path.startswith("/workers/{worker_id}"):
            return Call({"worker_id": w.id})
        if route == "POST /gaps":
            return Call(params={"provider_id": p.id}, json=self.routine.model_dump(mode="json"))
        if route == "DELETE /gaps/{gap_id}":
            gap, _ = self.bank.post_gap(self.SYSTEM, p.id, self.routine)
            return Call({"gap_id": gap.id})
        if path.startswith("/gaps/{gap_id}"):
            return Call({"gap_id": self.gap.id})
        if route == "POST /allocations":
            return Call(
                json={
                    "start": self.run.horizon_start.date().isoformat(),
                    "days": 1,
                    "time_limit": 1,
                }
            )
        if path.startswith("/allocations/{run_id}"):
            return Call({"run_id": self.run.id, "gap_id": self.explained})
        if route in ("POST /offers/{offer_id}/accept", "POST /offers/{offer_id}/decline"):
            offer_id, cleanup = self.fresh_offer()
            return Call({"offer_id": offer_id}, cleanup=cleanup)
        if route == "GET /offers/respond":
            return Call(params={"token": "anything"})
        if route == "POST /offers/respond":
            offer_id, cleanup = self.fresh_offer()
            token = self.bank.offer_link_token(offer_id)
            return Call(params={"token": token, "action": "decline"}, cleanup=cleanup)
        if route == "POST /import/scenario":
            s = self.world.scenario
            body = s.model_copy(
                update={
                    "name": "matrix",
                    "providers": [],
                    "clients": [],
                    "workers": [],
                    "gaps": [],
                    "pinned": [],
                }
            )
            return Call(json=body.model_dump(mode="json"))
        if route == "POST /tokens/rotate":  # rotating revokes: fresh tokens to spend
            ids = self.world.ids
            fresh = {
                "coordinator": self.bank.create_token("coordinator", None, "matrix"),
                "provider-own": self.token("provider", ids["provider"]),
                "provider-other": self.token("provider", ids["other_provider"]),
                "worker-own": self.token("worker", ids["worker"]),
                "worker-other": self.token("worker", ids["other_worker"]),
            }
            return Call(tokens=fresh)
        return Call()  # list routes


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    path: Path = tmp_path_factory.mktemp("matrix")
    world = build_world(make_settings(path, solver_time_limit=2.0))
    yield Matrix(world)
    from flexbank.adapters.database import dispose

    dispose(world.settings.resolved_database_url())


TOKEN_OF = {
    "coordinator": "coordinator",
    "provider-own": "provider",
    "provider-other": "other_provider",
    "worker-own": "worker",
    "worker-other": "other_worker",
}


def _class(status: int) -> str:
    if 200 <= status < 300:
        return "ok"
    if status in (403, 404):
        return "no"
    return str(status)


def test_every_route_is_in_the_table(matrix: Matrix) -> None:
    served = app_routes(matrix.world.http.app)
    assert served - set(EXPECTED) == set(), "routes missing from the matrix table"
    assert set(EXPECTED) - served == set(), "rows of the table that are no route"


@pytest.mark.parametrize("route", sorted(EXPECTED))
def test_matrix(matrix: Matrix, route: str) -> None:
    http = matrix.world.http
    method, path = route.split(" ", 1)
    wrong = []
    for role in ROLES:
        call = matrix.call(route, role)
        token = call.tokens.get(role) or matrix.world.tokens.get(TOKEN_OF.get(role, ""))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = path.format(**call.path_params)
        try:
            response = http.request(
                method, url, params=call.params, json=call.json, headers=headers
            )
        finally:
            if call.cleanup:
                call.cleanup()
        got = _class(response.status_code)
        if got != EXPECTED[route][role]:
            wrong.append(
                f"{role}: expected {EXPECTED[route][role]}, got "
                f"{response.status_code} {response.text[:160]}"
            )
        if got == "ok" and role in ("provider-other", "worker-other"):
            for private in (matrix.gap.id, matrix.client.id):
                assert private not in response.text, f"{role} sees {private}"
    assert not wrong, f"{route}\n  " + "\n  ".join(wrong)
