"""Every API list is keyset-paginated: ``limit`` rows, then ``X-Next-Cursor`` and a
``Link: rel="next"`` to the rest; walking the pages gives each row once, in order."""

from __future__ import annotations

from typing import Any

from api_support import World


def walk(world: World, path: str, who: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    after = None
    for _ in range(1000):
        query = {**params, "limit": limit, **({"after": after} if after else {})}
        answer = world.http.get(path, params=query, headers=world.headers(who))
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page) <= limit
        rows += page
        after = answer.headers.get("X-Next-Cursor")
        if after is None:
            assert "Link" not in answer.headers
            return rows
        assert 'rel="next"' in answer.headers["Link"] and len(page) == limit
    raise AssertionError("the pages never end")


def test_walking_the_pages_gives_every_row_once(world: World) -> None:
    for path, who in (
        ("/gaps", "coordinator"),
        ("/gaps", "provider"),
        ("/workers", "coordinator"),
        ("/providers", "coordinator"),
        ("/clients", "coordinator"),
        ("/audit", "coordinator"),
    ):
        everything = world.http.get(path, params={"limit": 1000}, headers=world.headers(who))
        walked = walk(world, path, who, limit=7)
        assert walked == everything.json(), path
        assert len({str(r.get("id")) for r in walked}) == len(walked)
    gaps = walk(world, "/gaps", "coordinator", limit=5)
    assert [(g["start"], g["id"]) for g in gaps] == sorted((g["start"], g["id"]) for g in gaps)


def test_a_bad_cursor_or_limit_is_422(world: World) -> None:
    h = world.headers("coordinator")
    assert world.http.get("/gaps", params={"after": "not-a-cursor"}, headers=h).status_code == 422
    assert world.http.get("/gaps", params={"limit": 0}, headers=h).status_code == 422
    assert world.http.get("/gaps", params={"limit": 10_000}, headers=h).status_code == 422
