"""Travel time between two places (rules.md section 0), written for the checker alone.

``ceil(geodesic_km * detour_factor / speed_kmh * 60)`` minutes, the speed by the
worker's travel mode. The geodesic itself is the project's one distance function
(:func:`flexbank.geo.distance_km`, geopy's exact WGS-84 geodesic): a convention of the
format, not a rule; the minutes are worked out here from the text. Checkers allow one
minute of slack on travel, which the rules apply where they compare against it (see
:mod:`flexbank.checker.rules`).
"""

from __future__ import annotations

import math

from flexbank.geo import distance_km
from flexbank.models import Location, TravelMode
from flexbank.policy import Policy


class Travel:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._cache: dict[tuple[float, float, float, float, str], int] = {}

    def minutes(self, a: Location, b: Location, mode: TravelMode) -> int:
        key = (a.lat, a.lon, b.lat, b.lon, mode)
        if key not in self._cache:
            km = distance_km(a, b)
            speed = getattr(self.policy.speeds_kmh, mode)
            self._cache[key] = math.ceil(km * self.policy.detour_factor / speed * 60)
        return self._cache[key]
