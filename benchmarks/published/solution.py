"""A solution to a published instance: one route per caregiver, each visit with its start."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Visit:
    patient: str
    service: str
    start: float  # service start (iolab's ``arrival_time``)
    end: float | None = None  # service end (iolab's ``departure_time``), where given


@dataclass(frozen=True)
class Route:
    caregiver: str
    visits: tuple[Visit, ...]


@dataclass(frozen=True)
class Solution:
    routes: tuple[Route, ...]

    def to_iolab(self) -> dict[str, Any]:
        """The iolab solution JSON shape (routes with arrival and departure times)."""
        return {
            "routes": [
                {
                    "caregiver_id": route.caregiver,
                    "locations": [
                        {
                            "patient": v.patient,
                            "service": v.service,
                            "arrival_time": v.start,
                            "departure_time": v.end,
                        }
                        for v in route.visits
                    ],
                }
                for route in self.routes
            ]
        }

    def dumps(self) -> str:
        return json.dumps(self.to_iolab(), indent=1)
