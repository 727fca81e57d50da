"""Distances and travel times of rules.md section 0 (geodesic on WGS-84).

The exact geodesic (geopy, Karney's method) costs about 0.2 ms a call in pure
Python, and the matcher needs millions of distances. Decisions are therefore made on
a local ellipsoidal approximation (meridian and prime-vertical radii at the mean
latitude: under 1.2e-5 relative error up to 60 km, measured against geopy) whenever
the answer is the same anywhere within its error bound, and on the exact geodesic
otherwise. Results are always those of the exact geodesic.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from geopy.distance import geodesic

from flexbank.models import Location, TravelMode
from flexbank.policy import Policy

_A = 6378.137  # WGS-84 semi-major axis, km
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
#: Trust the approximation up to this distance, with this relative error bound
#: (four times the largest error measured there).
_APPROX_MAX_KM = 60.0
APPROX_REL_ERROR = 5e-5


@lru_cache(maxsize=1 << 18)
def _geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    return float(geodesic((lat1, lon1), (lat2, lon2)).km)


def approx_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any, xp: Any = math) -> Any:
    """Local ellipsoidal approximation of the geodesic distance (short distances).

    With ``xp=numpy`` the same formula runs over arrays of places at once (the
    matcher's screen of every worker against a gap).
    """
    phi = xp.radians((lat1 + lat2) / 2)
    w = 1 - _E2 * xp.sin(phi) ** 2
    prime_vertical = _A / xp.sqrt(w)
    meridian = _A * (1 - _E2) / (w * xp.sqrt(w))
    return xp.hypot(
        meridian * xp.radians(lat2 - lat1),
        prime_vertical * xp.cos(phi) * xp.radians(lon2 - lon1),
    )


def _bounds(a: Location, b: Location) -> tuple[float, float] | None:
    """An interval holding the exact distance, or None when only the exact one will do."""
    km: float = approx_km(a.lat, a.lon, b.lat, b.lon)
    if km > _APPROX_MAX_KM:
        return None
    slack = km * APPROX_REL_ERROR + 1e-9
    return km - slack, km + slack


def distance_km(a: Location, b: Location) -> float:
    """Geodesic kilometres between two places (exact)."""
    return _geodesic_km(a.lat, a.lon, b.lat, b.lon)


def within_km(a: Location, b: Location, limit: float) -> bool:
    """Whether the geodesic distance is at most ``limit`` (exact answer, fast path)."""
    bounds = _bounds(a, b)
    if bounds is not None:
        if bounds[1] <= limit:
            return True
        if bounds[0] > limit:
            return False
    return distance_km(a, b) <= limit


def speed_kmh(mode: TravelMode, policy: Policy) -> float:
    return float(getattr(policy.speeds_kmh, mode))


def travel_minutes_for_km(km: float, mode: TravelMode, policy: Policy) -> int:
    """``ceil(km * detour_factor / speed * 60)``."""
    return math.ceil(km * policy.detour_factor / speed_kmh(mode, policy) * 60)


def travel_minutes(a: Location, b: Location, mode: TravelMode, policy: Policy) -> int:
    """Minutes a worker travelling by ``mode`` needs from ``a`` to ``b`` (exact answer)."""
    bounds = _bounds(a, b)
    if bounds is not None:
        low = travel_minutes_for_km(bounds[0], mode, policy)
        if low == travel_minutes_for_km(bounds[1], mode, policy):
            return low
    return travel_minutes_for_km(distance_km(a, b), mode, policy)
