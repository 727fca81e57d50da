"""Road travel times from a scenario's travel matrices (format /2.1, rules.md section 0).

A location *is* matrix place P when its ``place`` is P's id or, without ``place``, when its
``lat`` and ``lon`` each equal P's to 6 decimals. The minutes from A to B for a travel mode
are the entry of the matrix for that mode, when both are its places and the entry is not
null; otherwise there is no road time and the caller uses the geodesic estimate.

This is the solver's and the compliance screen's lookup; the checker has its own
(:mod:`flexbank.checker.travel`).
"""

from __future__ import annotations

import math

from flexbank.models import Location, Scenario, TravelMatrix, TravelMode

#: Entries are given to 6 decimals at most; a whole-minute bound forgives float noise.
_NOISE = 1e-6


def _key(lat: float, lon: float) -> tuple[float, float]:
    return round(lat, 6), round(lon, 6)


class RoadTimes:
    """Lookups in one scenario's travel matrices, by travel mode."""

    def __init__(self, matrices: list[TravelMatrix]) -> None:
        self._by_mode: dict[TravelMode, TravelMatrix] = {}
        self._index: dict[int, tuple[dict[str, int], dict[tuple[float, float], int]]] = {}
        for matrix in matrices:
            ids = {p.id: i for i, p in enumerate(matrix.places)}
            points = {_key(p.lat, p.lon): i for i, p in enumerate(matrix.places)}
            self._index[id(matrix)] = (ids, points)
            for mode in matrix.modes:
                self._by_mode.setdefault(mode, matrix)

    @classmethod
    def of(cls, scenario: Scenario) -> RoadTimes | None:
        """The scenario's road times, or None when it has no matrix (the version 2 case)."""
        return cls(scenario.travel_matrices) if scenario.travel_matrices else None

    def covers(self, mode: TravelMode) -> bool:
        return mode in self._by_mode

    def source(self, mode: TravelMode) -> str | None:
        matrix = self._by_mode.get(mode)
        return matrix.source if matrix else None

    def _row(self, matrix: TravelMatrix, place: Location) -> int | None:
        ids, points = self._index[id(matrix)]
        if place.place is not None:
            return ids.get(place.place)
        return points.get(_key(place.lat, place.lon))

    def minutes(self, a: Location, b: Location, mode: TravelMode) -> float | None:
        """The matrix entry from ``a`` to ``b`` for ``mode`` (fractional), or None."""
        matrix = self._by_mode.get(mode)
        if matrix is None:
            return None
        i, j = self._row(matrix, a), self._row(matrix, b)
        if i is None or j is None:
            return None
        return matrix.minutes[i][j]

    def whole_minutes(self, a: Location, b: Location, mode: TravelMode) -> int | None:
        """The entry rounded up to whole minutes (engagements start on whole minutes), or
        None."""
        entry = self.minutes(a, b, mode)
        return None if entry is None else math.ceil(entry - _NOISE)
