"""A deliberately simple baseline for the published instances: greedy append with restarts.

**A baseline, not flexbank**: no CP-SAT, no flexbank code. It exists so that the table of
``run.py`` has a first column to compare the published bounds with, until flexbank's
benchmark solve mode (issue 13) exists.

Decoding one order of the patients: each patient in turn is appended to the end of the
route of the caregiver (or, for a double service, the ordered pair of two different
caregivers) that adds least to ``travel + tardiness + max-tardiness increase``, plus
``alpha`` times the caregiver's time used (a look-ahead that keeps caregivers free). Starts
are as early as travel and the time window allow; a sequential pair's first start is
delayed when the second caregiver could not arrive within the maximum gap. Appending only
at route ends keeps every decoded solution feasible (waiting is always allowed). The search
decodes the order by window opening, by window end, then ``restarts`` random orders (window
opening plus a random share of the window) with ``alpha`` cycling over ``ALPHAS``, keeps
the best, then improves its order by a local search (move one patient up to ``NEAR`` places,
or swap two, keeping the result when it is no worse) for ``budget`` moves. Deterministic for
a given ``seed``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from benchmarks.published.instance import Caregiver, Instance, Patient
from benchmarks.published.solution import Route, Solution, Visit

ALPHAS = (0.0, 0.2, 0.5, 1.0)
#: Local search: moves at most, work units per instance, how far a patient moves.
MAX_MOVES = 5000
WORK = 2_000_000
NEAR = 8


@dataclass
class _Tour:
    caregiver: Caregiver
    position: int
    ready: float
    visits: list[Visit] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    solution: Solution
    travel: float
    total_tardiness: float
    max_tardiness: float
    extra_time: float

    @property
    def objective(self) -> float:
        """The published objective (travel + total + max tardiness) / 3."""
        return (self.travel + self.total_tardiness + self.max_tardiness) / 3

    @property
    def score(self) -> float:
        """What the search minimises: the objective, plus extra time past shift ends."""
        return self.objective + self.extra_time / 3


def _can(c: Caregiver, patient: Patient, service: str) -> bool:
    return service in c.skills and c.id not in patient.incompatible


def _leg(travel: tuple[tuple[float, ...], ...], t: _Tour, node: int) -> tuple[float, float]:
    """Arrival at ``node``, and the travel the visit adds to the tour (its return included)."""
    home = t.caregiver.home
    added = travel[t.position][node] + travel[node][home] - travel[t.position][home]
    return t.ready + travel[t.position][node], added


def decode(instance: Instance, order: list[Patient], alpha: float) -> Result:
    tours = [_Tour(c, c.home, c.shift[0] if c.shift else 0.0) for c in instance.caregivers]
    travel = instance.travel
    worst = 0.0
    total_tardiness = 0.0
    for patient in order:
        node, (opens, closes) = patient.node, patient.window

        if not patient.is_double:
            (task,) = patient.tasks
            best: tuple[float, _Tour, float] | None = None
            for t in tours:
                if not _can(t.caregiver, patient, task.service):
                    continue
                arrive, added = _leg(travel, t, node)
                start = max(opens, arrive)
                late = max(0.0, start - closes)
                cost = added + late + max(0.0, late - worst)
                cost += alpha * (start + task.duration - t.ready)
                if best is None or cost < best[0]:
                    best = (cost, t, start)
            if best is None:
                raise ValueError(f"{instance.name}: nobody can serve {patient.id}")
            _, t, start = best
            plan = [(t, task.service, start, task.duration)]
        else:
            assert patient.sync is not None
            first, second = patient.tasks
            low, high = patient.sync.min_gap, patient.sync.max_gap
            pair: tuple[float, list[tuple[_Tour, str, float, float]]] | None = None
            for t1 in tours:
                if not _can(t1.caregiver, patient, first.service):
                    continue
                arrive1, added1 = _leg(travel, t1, node)
                for t2 in tours:
                    if t2 is t1 or not _can(t2.caregiver, patient, second.service):
                        continue
                    arrive2, added2 = _leg(travel, t2, node)
                    s1 = max(opens, arrive1, arrive2 - high)
                    s2 = max(opens, arrive2, s1 + low)
                    late = max(0.0, s1 - closes) + max(0.0, s2 - closes)
                    cost = added1 + added2 + late
                    cost += max(0.0, max(s1, s2) - closes - worst)
                    cost += alpha * (s1 + first.duration - t1.ready)
                    cost += alpha * (s2 + second.duration - t2.ready)
                    if pair is None or cost < pair[0]:
                        pair = (
                            cost,
                            [
                                (t1, first.service, s1, first.duration),
                                (t2, second.service, s2, second.duration),
                            ],
                        )
            if pair is None:
                raise ValueError(f"{instance.name}: no two caregivers can serve {patient.id}")
            plan = pair[1]
        for t, service, start, duration in plan:
            t.visits.append(Visit(patient.id, service, start, start + duration))
            t.position, t.ready = node, start + duration
            late = max(0.0, start - closes)
            total_tardiness += late
            worst = max(worst, late)

    distance = 0.0
    extra = 0.0
    for t in tours:
        if not t.visits:
            continue
        at = t.caregiver.home
        for v in t.visits:
            nxt = instance.patient(v.patient).node
            distance += travel[at][nxt]
            at = nxt
        distance += travel[at][t.caregiver.home]
        if t.caregiver.shift is not None:
            extra += max(0.0, t.ready + travel[at][t.caregiver.home] - t.caregiver.shift[1])
    solution = Solution(tuple(Route(t.caregiver.id, tuple(t.visits)) for t in tours))
    return Result(solution, distance, total_tardiness, worst, extra)


def budget(instance: Instance) -> int:
    """Local-search moves: about the same work (decoding cost ~ patients x caregivers^2)
    for every instance, so each takes a second or two."""
    work = len(instance.patients) * len(instance.caregivers) ** 2
    return min(MAX_MOVES, 200 + WORK // work)


def solve(
    instance: Instance, restarts: int = 40, seed: int = 0, moves: int | None = None
) -> Result:
    rng = random.Random(seed)
    patients = list(instance.patients)
    orders = [
        sorted(patients, key=lambda p: (p.window[0], p.window[1])),
        sorted(patients, key=lambda p: (p.window[1], p.window[0])),
    ]
    for _ in range(restarts):
        keys = {p.id: p.window[0] + rng.random() * (p.window[1] - p.window[0]) for p in patients}
        orders.append(sorted(patients, key=lambda p: keys[p.id]))
    best: Result | None = None
    best_order: list[Patient] = orders[0]
    best_alpha = ALPHAS[0]
    for i, order in enumerate(orders):
        alpha = ALPHAS[i % len(ALPHAS)]
        result = decode(instance, order, alpha)
        if best is None or result.score < best.score:
            best, best_order, best_alpha = result, order, alpha
    assert best is not None
    # local search on the order: move one patient a few places, or swap two near ones
    for _ in range(budget(instance) if moves is None else moves):
        order = best_order[:]
        i = rng.randrange(len(order))
        j = min(len(order) - 1, max(0, i + rng.randint(-NEAR, NEAR)))
        if rng.random() < 0.5:
            order.insert(j, order.pop(i))
        else:
            order[i], order[j] = order[j], order[i]
        result = decode(instance, order, best_alpha)
        if result.score <= best.score:
            best, best_order = result, order
    return best
