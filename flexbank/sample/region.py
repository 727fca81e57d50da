"""A region-sized week: Bury-like boroughs laid side by side on the map.

The first borough is the Bury sample itself; every other one is a Bury sample of its
own seed moved east and south on a grid of boroughs, so **the geography beyond Bury is
synthetic**: its places are Bury's places moved, without postcodes, and the scenario's
name says so. Boroughs touch, so workers who live near an edge and travel far reach the
next borough's gaps (the boundary workers of :mod:`flexbank.matching.regions`).
Ids get the borough's number in front (``B03-W0012``); providers' names say which
borough they are in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flexbank.models import Scenario
from flexbank.sample.generator import DEFAULT_START, generate_dict
from flexbank.validation import load_scenario

#: Bury's extent is about 0.128 degrees of longitude by 0.163 of latitude; boroughs are
#: this far apart, so neighbours touch.
BOROUGH_LON = 0.135
BOROUGH_LAT = 0.17
#: Boroughs per row of the grid (Greater Manchester's ten fit five by two).
ROW = 5


def generate_region(
    boroughs: int,
    workers: int,
    gaps: int,
    seed: int,
    start: dt.date = DEFAULT_START,
    days: int = 7,
    version: int = 2,
) -> Scenario:
    """``boroughs`` Bury-like boroughs with ``workers`` and ``gaps`` in all (shared out
    evenly); the same arguments always give the same scenario."""
    if boroughs < 1:
        raise ValueError(f"boroughs: must be at least 1, got {boroughs}")
    merged: dict[str, Any] | None = None
    for k in range(boroughs):
        share_w = workers // boroughs + (1 if k < workers % boroughs else 0)
        share_g = gaps // boroughs + (1 if k < gaps % boroughs else 0)
        data = generate_dict(
            share_w, share_g, seed * 1000 + k, start=start, days=days, version=version
        )
        borough = _moved(data, k)
        if merged is None:
            merged = borough
        else:
            for key in ("providers", "clients", "workers", "gaps"):
                merged[key].extend(borough[key])
    assert merged is not None
    merged["name"] = (
        f"region-sample-{boroughs}-boroughs-w{workers}-g{gaps}-s{seed} "
        "(Bury and Bury-like boroughs: the geography beyond Bury is synthetic)"
    )
    return load_scenario(merged)


def _moved(data: dict[str, Any], k: int) -> dict[str, Any]:
    """Borough ``k``'s sample: ids numbered, places moved to its square of the grid."""
    dlon = (k % ROW) * BOROUGH_LON
    dlat = -(k // ROW) * BOROUGH_LAT
    prefix = f"B{k + 1:02d}-"

    def place(where: dict[str, Any] | None) -> dict[str, Any] | None:
        if where is None or k == 0:
            return where
        return {"lat": round(where["lat"] + dlat, 6), "lon": round(where["lon"] + dlon, 6)}

    def ids(values: list[str]) -> list[str]:
        return [prefix + v for v in values]

    for provider in data["providers"]:
        provider["id"] = prefix + provider["id"]
        provider["location"] = place(provider["location"])
        if k:
            provider["name"] = f"{provider['name']} (borough {k + 1})"
    for client in data["clients"]:
        client["id"] = prefix + client["id"]
        client["provider_id"] = prefix + client["provider_id"]
        client["location"] = place(client["location"])
        client["excluded_workers"] = ids(client.get("excluded_workers", []))
        client["preferred_workers"] = ids(client.get("preferred_workers", []))
    for worker in data["workers"]:
        worker["id"] = prefix + worker["id"]
        worker["home"] = place(worker["home"])
        for commitment in worker.get("commitments", []):
            commitment["location"] = place(commitment.get("location"))
        for entry in worker.get("history", []):
            entry["provider_id"] = prefix + entry["provider_id"]
            if entry.get("client_id"):
                entry["client_id"] = prefix + entry["client_id"]
    for gap in data["gaps"]:
        gap["id"] = prefix + gap["id"]
        gap["provider_id"] = prefix + gap["provider_id"]
        if gap.get("client_id"):
            gap["client_id"] = prefix + gap["client_id"]
        gap["location"] = place(gap.get("location"))
        gap["excluded_workers"] = ids(gap.get("excluded_workers", []))
    return data


__all__ = ["generate_region"]
