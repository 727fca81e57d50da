"""A published home-care routing instance as plain typed data, whatever file it came from.

Every published format (Mankowska's keyword text, iolab's JSON, iolab's "extended" JSON)
is read into these dataclasses by ``readers``; the evaluator, the baseline and the
scenario converter only ever see these. Times and travel are minutes (Mankowska's
instances use Euclidean distance as travel time, as the paper does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SyncKind = Literal["simultaneous", "sequential"]
Coordinates = Literal["euclidean", "latlon", "lonlat"]


class InstanceError(ValueError):
    """A published file that does not hold a consistent instance (names file and field)."""


@dataclass(frozen=True)
class Sync:
    """How a patient's two services relate: started together, or the second
    ``min_gap``..``max_gap`` minutes after the first (start to start)."""

    kind: SyncKind
    min_gap: float = 0.0
    max_gap: float = 0.0


@dataclass(frozen=True)
class Task:
    """One caregiver's part of a patient's visit: a service and how long it takes."""

    service: str
    duration: float


@dataclass(frozen=True)
class Patient:
    id: str
    node: int  # row/column of the travel matrix
    window: tuple[float, float]  # earliest start, latest start without tardiness
    tasks: tuple[Task, ...]  # one, or two for a double service (in order for sequential)
    sync: Sync | None = None
    incompatible: frozenset[str] = frozenset()  # caregiver ids the patient will not take
    location: tuple[float, float] | None = None  # as published (x/y, or lon/lat)

    @property
    def is_double(self) -> bool:
        return len(self.tasks) == 2


@dataclass(frozen=True)
class Caregiver:
    id: str
    skills: frozenset[str]
    home: int  # node where the route starts and ends (depot or departing point)
    shift: tuple[float, float] | None = None  # working shift, where given


@dataclass(frozen=True)
class Depot:
    id: str
    node: int
    location: tuple[float, float] | None = None


@dataclass(frozen=True)
class Instance:
    name: str
    family: str  # "mankowska", "kummer" or "extended"
    caregivers: tuple[Caregiver, ...]
    patients: tuple[Patient, ...]
    depots: tuple[Depot, ...]
    travel: tuple[tuple[float, ...], ...]  # minutes, travel[i][j] from node i to node j
    coordinates: Coordinates = "euclidean"
    _by_id: dict[str, Patient] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        size = len(self.travel)
        for row in self.travel:
            if len(row) != size:
                raise InstanceError(f"{self.name}: travel matrix is not square ({size} rows)")
        nodes = [p.node for p in self.patients] + [d.node for d in self.depots]
        for node in nodes:
            if not 0 <= node < size:
                raise InstanceError(f"{self.name}: node {node} is outside the travel matrix")
        self._by_id.update({p.id: p for p in self.patients})
        if len(self._by_id) != len(self.patients):
            raise InstanceError(f"{self.name}: patient ids are not unique")

    def patient(self, patient_id: str) -> Patient:
        return self._by_id[patient_id]

    def has_patient(self, patient_id: str) -> bool:
        return patient_id in self._by_id

    @property
    def task_count(self) -> int:
        return sum(len(p.tasks) for p in self.patients)
