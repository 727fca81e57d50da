"""Travel time between two places (rules.md section 0), written for the checker alone.

Without a travel matrix: ``ceil(geodesic_km * detour_factor / speed_kmh * 60)`` minutes,
the speed by the worker's travel mode. The geodesic itself is the project's one distance
function (:func:`flexbank.geo.distance_km`, geopy's exact WGS-84 geodesic): a convention of
the format, not a rule; the minutes are worked out here from the text. Checkers allow one
minute of slack on these estimates, which the rules apply where they compare against them
(see :mod:`flexbank.checker.rules`).

/2.1: where the scenario's travel matrix for the worker's mode has both places and a
non-null entry, the travel minutes are that entry, exactly (fractional, no slack). A
location is a matrix place when its ``place`` is the place's id or, without ``place``, when
its lat/lon equal the place's to 6 decimals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from flexbank.geo import distance_km
from flexbank.models import Location, TravelMatrix, TravelMode
from flexbank.policy import Policy

#: rules.md section 0: "checkers allow one minute of slack on travel time" (estimates).
ESTIMATE_SLACK_MINUTES = 1


class Travel:
    def __init__(self, policy: Policy, matrices: Sequence[TravelMatrix] = ()) -> None:
        self.policy = policy
        self._cache: dict[tuple[float, float, float, float, str], int] = {}
        self._matrices: dict[str, tuple[TravelMatrix, dict[str, int], dict[tuple, int]]] = {}
        for matrix in matrices:
            ids = {p.id: i for i, p in enumerate(matrix.places)}
            points = {(round(p.lat, 6), round(p.lon, 6)): i for i, p in enumerate(matrix.places)}
            for mode in matrix.modes:
                self._matrices.setdefault(mode, (matrix, ids, points))

    def road(self, a: Location, b: Location, mode: TravelMode) -> float | None:
        """The matrix entry from ``a`` to ``b``, or None where there is none."""
        found = self._matrices.get(mode)
        if found is None:
            return None
        matrix, ids, points = found

        def row(where: Location) -> int | None:
            if where.place is not None:
                return ids.get(where.place)
            return points.get((round(where.lat, 6), round(where.lon, 6)))

        i, j = row(a), row(b)
        if i is None or j is None:
            return None
        return matrix.minutes[i][j]

    def estimate(self, a: Location, b: Location, mode: TravelMode) -> int:
        key = (a.lat, a.lon, b.lat, b.lon, mode)
        if key not in self._cache:
            km = distance_km(a, b)
            speed = getattr(self.policy.speeds_kmh, mode)
            self._cache[key] = math.ceil(km * self.policy.detour_factor / speed * 60)
        return self._cache[key]

    def minutes(self, a: Location, b: Location, mode: TravelMode) -> float:
        """Travel minutes: the matrix entry where there is one, else the estimate."""
        road = self.road(a, b, mode)
        return self.estimate(a, b, mode) if road is None else road

    def slack(self, a: Location, b: Location, mode: TravelMode) -> int:
        """The slack the checker allows on this leg: none on a matrix entry."""
        return 0 if self.road(a, b, mode) is not None else ESTIMATE_SLACK_MINUTES
