"""Distances and travel times of rules.md section 0 (geodesic on WGS-84)."""

from __future__ import annotations

import math
from functools import lru_cache

from geopy.distance import geodesic

from flexbank.models import Location, TravelMode
from flexbank.policy import Policy


@lru_cache(maxsize=1 << 20)
def _geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    return float(geodesic((lat1, lon1), (lat2, lon2)).km)


def distance_km(a: Location, b: Location) -> float:
    """Geodesic kilometres between two places."""
    return _geodesic_km(a.lat, a.lon, b.lat, b.lon)


def speed_kmh(mode: TravelMode, policy: Policy) -> float:
    return float(getattr(policy.speeds_kmh, mode))


def travel_minutes_for_km(km: float, mode: TravelMode, policy: Policy) -> int:
    """``ceil(km * detour_factor / speed * 60)``."""
    return math.ceil(km * policy.detour_factor / speed_kmh(mode, policy) * 60)


def travel_minutes(a: Location, b: Location, mode: TravelMode, policy: Policy) -> int:
    """Minutes a worker travelling by ``mode`` needs from ``a`` to ``b``."""
    return travel_minutes_for_km(distance_km(a, b), mode, policy)
