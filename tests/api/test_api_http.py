"""The HTTP edge over a stub Bank: authentication, error mapping, 422 paths, OpenAPI.

These tests need no database; the flows against the real SqlBank are in
test_api_flows.py and the authorisation matrix in test_api_matrix.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from flexbank.api import create_app
from flexbank.api.app import RedactQueryStrings
from flexbank.models import Location
from flexbank.services.contract import (
    Actor,
    Conflict,
    Forbidden,
    GapIn,
    GapOut,
    InvalidInput,
    NotFound,
    OfferOut,
)
from flexbank.settings import Settings
from flexbank.validation import Problem

UTC = dt.UTC
WHEN = dt.datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LOCATION = {"lat": 53.59, "lon": -2.29, "postcode": "BL9 0AA"}
GOOD_GAP = {
    "client_id": "C1",
    "kind": "visit",
    "reason": "sickness",
    "priority": "urgent",
    "start": "2026-11-30T08:00:00+00:00",
    "end": "2026-11-30T09:00:00+00:00",
}


class StubBank:
    """Only what these tests call; anything else is an AttributeError (a 500)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.keys: dict[str, GapOut] = {}
        self.error: Exception | None = None

    def authenticate(self, token: str) -> Actor | None:
        return {
            "coord": Actor("coordinator", None, "c"),
            "prov": Actor("provider", "HC01", "p"),
            "work": Actor("worker", "W1", "w"),
        }.get(token)

    def _gap(self, provider_id: str, gap: GapIn, n: int) -> GapOut:
        return GapOut(
            id=f"G{n}",
            provider_id=provider_id,
            client_id=gap.client_id,
            kind=gap.kind,
            reason=gap.reason,
            priority=gap.priority,
            start=gap.start,
            end=gap.end,
            start_tolerance_minutes=gap.start_tolerance_minutes,
            location=gap.location or Location(lat=53.59, lon=-2.29, postcode="BL9 0AA"),
            skills=gap.skills,
            headcount=gap.headcount,
            carer_gender=gap.carer_gender,
            excluded_workers=gap.excluded_workers,
            status="open",
            urgent=True,
            posted_at=WHEN,
            offers_open=0,
            booked_workers=[],
        )

    def post_gap(
        self, actor: Actor, provider_id: str, gap: GapIn, idempotency_key: str | None = None
    ) -> tuple[GapOut, bool]:
        self.calls.append(("post_gap", (actor, provider_id, gap, idempotency_key)))
        if self.error:
            raise self.error
        if idempotency_key and idempotency_key in self.keys:
            return self.keys[idempotency_key], False
        out = self._gap(provider_id, gap, len(self.calls))
        if idempotency_key:
            self.keys[idempotency_key] = out
        return out, True

    def get_gap(self, actor: Actor, gap_id: str) -> GapOut:
        raise NotFound(f"no gap {gap_id!r}")

    def cancel_gap(self, actor: Actor, gap_id: str) -> GapOut:
        raise Forbidden("workers cannot cancel gaps")

    def accept_offer(self, actor: Actor, offer_id: int) -> OfferOut:
        raise Conflict("the worker would break a rule", ["overlap", "rest"])

    def respond_by_link(self, token: str, action: str) -> OfferOut:
        self.calls.append(("respond_by_link", (token, action)))
        raise Forbidden("the link is not valid")

    def put_provider(self, actor: Actor, provider: Any) -> Any:
        self.calls.append(("put_provider", provider))
        return provider

    def import_scenario(self, actor: Actor, scenario: Any) -> Any:
        raise AssertionError("an invalid scenario never reaches the bank")


@pytest.fixture
def stub() -> StubBank:
    return StubBank()


@pytest.fixture
def http(stub: StubBank, tmp_path: Any) -> TestClient:
    settings = Settings(data_dir=tmp_path, secret_key="s")
    return TestClient(create_app(stub, settings))  # type: ignore[arg-type]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def problems(response: Any) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"detail", "problems"}, body
    return {p["path"]: p["message"] for p in body["problems"]}


def test_health_needs_no_token_and_docs_are_served(http: TestClient) -> None:
    assert http.get("/health").json() == {"status": "ok"}
    assert http.get("/docs").status_code == 200
    spec = http.get("/openapi.json").json()
    assert "/gaps" in spec["paths"]
    body = spec["paths"]["/gaps"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == "#/components/schemas/GapIn"
    assert "GapIn" in spec["components"]["schemas"]
    assert "Location" in spec["components"]["schemas"]
    headers = [p["name"] for p in spec["paths"]["/gaps"]["post"]["parameters"]]
    assert "Idempotency-Key" in headers


@pytest.mark.parametrize("headers", [{}, auth("nope"), {"Authorization": "Basic abc"}])
def test_no_or_bad_token_is_401(http: TestClient, headers: dict[str, str]) -> None:
    response = http.get("/gaps/G1", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_service_errors_map_to_statuses(http: TestClient) -> None:
    assert http.get("/gaps/G9", headers=auth("prov")).status_code == 404
    assert http.delete("/gaps/G9", headers=auth("work")).status_code == 403
    response = http.post("/offers/7/accept", headers=auth("work"))
    assert response.status_code == 409
    assert response.json() == {
        "detail": "the worker would break a rule",
        "codes": ["overlap", "rest"],
    }


def test_every_body_problem_is_named_with_its_path(http: TestClient, stub: StubBank) -> None:
    bad = {
        "kind": "visit",
        "reason": "flu",
        "priority": "urgent",
        "start": "2026-11-30T08:00:00",
        "end": "2026-11-30T07:00:00+00:00",
        "headcount": 0,
        "colour": "red",
        "location": {"lat": 123, "lon": 0},
    }
    response = http.post("/gaps", json=bad, headers=auth("prov"))
    assert response.status_code == 422
    found = problems(response)
    assert found["$.body.start"].startswith("datetime needs an explicit UTC offset")
    assert "$.body.reason" in found
    assert "$.body.headcount" in found
    assert found["$.body.colour"].startswith("unknown field")
    assert "$.body.location.lat" in found
    assert not stub.calls


def test_missing_fields_and_bad_json(http: TestClient) -> None:
    found = problems(http.post("/gaps", json={}, headers=auth("prov")))
    for field in ("kind", "reason", "priority", "start", "end"):
        assert found[f"$.body.{field}"] == "required field is missing"
    found = problems(
        http.post(
            "/gaps",
            content=b"{not json",
            headers={**auth("prov"), "Content-Type": "application/json"},
        )
    )
    assert list(found) == ["$.body"]
    assert found["$.body"].startswith("not valid JSON")


def test_query_problems_have_paths(http: TestClient) -> None:
    found = problems(http.get("/gaps?status=nonsense&start=yesterday", headers=auth("coord")))
    assert set(found) == {"$.query.status", "$.query.start"}


def test_service_problems_are_placed_in_the_body(http: TestClient, stub: StubBank) -> None:
    stub.error = InvalidInput(
        [
            Problem("$.end", "end must be after start"),
            Problem("$.client_id", "no client 'C1'"),
            Problem("$.query.provider_id", "no provider"),
        ]
    )
    response = http.post("/gaps", json=GOOD_GAP, headers=auth("prov"))
    assert response.status_code == 422
    assert problems(response) == {
        "$.body.end": "end must be after start",
        "$.body.client_id": "no client 'C1'",
        "$.query.provider_id": "no provider",
    }


def test_gap_post_status_and_idempotency(http: TestClient, stub: StubBank) -> None:
    headers = {**auth("prov"), "Idempotency-Key": "k-1"}
    first = http.post("/gaps", json=GOOD_GAP, headers=headers)
    again = http.post("/gaps", json=GOOD_GAP, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    actor, provider_id, gap, key = stub.calls[0][1]
    assert (actor.role, provider_id, key) == ("provider", "HC01", "k-1")
    assert gap.start == WHEN


def test_a_coordinator_names_the_provider(http: TestClient, stub: StubBank) -> None:
    found = problems(http.post("/gaps", json=GOOD_GAP, headers=auth("coord")))
    assert list(found) == ["$.query.provider_id"]
    response = http.post("/gaps?provider_id=HC02", json=GOOD_GAP, headers=auth("coord"))
    assert response.status_code == 201
    assert stub.calls[-1][1][1] == "HC02"


def test_put_names_the_record_of_its_path(http: TestClient, stub: StubBank) -> None:
    provider = {"id": "HC02", "name": "x", "kind": "home_care", "location": LOCATION}
    response = http.put("/providers/HC01", json=provider, headers=auth("coord"))
    assert list(problems(response)) == ["$.body.id"]
    assert http.put("/providers/HC02", json=provider, headers=auth("coord")).status_code == 200


def test_an_invalid_scenario_names_every_problem(http: TestClient) -> None:
    scenario = {"format": "flexbank.scenario/1", "name": "x", "as_of": "2026-11-29T14:00:00"}
    found = problems(http.post("/import/scenario", json=scenario, headers=auth("coord")))
    assert "$.body.as_of" in found
    assert found["$.body.horizon"] == "required field is missing"


def test_the_link_page_changes_nothing_and_the_post_answers(
    http: TestClient, stub: StubBank
) -> None:
    page = http.get("/offers/respond", params={"token": "t<&>"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "t<&>" not in page.text  # escaped
    assert page.text.count("<form") == 2
    assert not stub.calls
    response = http.post("/offers/respond", params={"token": "t", "action": "accept"})
    assert response.status_code == 403
    assert stub.calls == [("respond_by_link", ("t", "accept"))]
    assert http.post("/offers/respond", params={"token": "t", "action": "maybe"}).status_code == 422


def test_access_log_drops_query_strings() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/offers/respond?token=SECRET&action=accept", "1.1", 200),
        None,
    )
    assert RedactQueryStrings().filter(record)
    assert "SECRET" not in record.getMessage()
    assert "/offers/respond" in record.getMessage()
