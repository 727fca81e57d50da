"""The independent evaluator of published-instance solutions: hard rules and objective.

It shares no code with any solver (flexbank's or ``baseline``): it reads only the instance
and the solution and recomputes every time and cost itself.

Hard rules (as in Mankowska et al. 2014 and iolab's validator):

1. every service a patient requires is served exactly once, by one caregiver, and nothing
   else is served;
2. by a caregiver qualified for that service and not among the patient's incompatible ones;
3. no service starts before its patient's time window opens (starting after it closes is
   allowed, and costs tardiness);
4. a route is continuous: the first visit starts no earlier than the caregiver leaves home
   (time 0, or the start of its working shift) plus the travel there, and every later one no
   earlier than the previous visit's end plus the travel between them; a visit's given end is
   no earlier than its start plus its duration;
5. a double service is served by two different caregivers, at the same start
   (simultaneous) or with the second start ``min_gap``..``max_gap`` after the first
   (sequential).

Costs (all minutes): travel along every used route from home back to home; a service's
tardiness is ``max(0, start - window end)``; Mankowska's and Kummer's published objective is
``(travel + total tardiness + max tardiness) / 3``. For iolab's extended instances it also
gives the other components iolab's solution files carry (``EHHC_*``): total waiting (time
between arriving from the previous visit and starting, over every visit but a route's
first), the largest idle time of one route (its waits, the first counted from leaving home
at the shift's start), and extra time (back home after the shift's end).

Times in the published files carry three decimals, so comparisons allow ``EPS`` minutes.

``python -m benchmarks.published.evaluate INSTANCE SOLUTION`` prints the figures.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.published.instance import Instance
from benchmarks.published.solution import Solution, Visit

#: Slack on every time comparison (minutes): the published files round to 0.001.
EPS = 0.01


@dataclass
class Evaluation:
    travel: float = 0.0
    total_tardiness: float = 0.0
    max_tardiness: float = 0.0
    total_waiting: float = 0.0
    max_route_idle: float = 0.0
    total_extra_time: float = 0.0
    violations: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def objective(self) -> float:
        """Mankowska's (and Kummer's) objective: (travel + total + max tardiness) / 3."""
        return (self.travel + self.total_tardiness + self.max_tardiness) / 3


def evaluate(instance: Instance, solution: Solution) -> Evaluation:
    out = Evaluation()
    caregivers = {c.id: c for c in instance.caregivers}
    served: dict[tuple[str, str], list[tuple[str, Visit]]] = defaultdict(list)
    tardiness: list[float] = []

    seen_routes: set[str] = set()
    for route in solution.routes:
        cg = caregivers.get(route.caregiver)
        if cg is None:
            out.violations.append(f"route of unknown caregiver {route.caregiver}")
            continue
        if cg.id in seen_routes:
            out.violations.append(f"caregiver {cg.id} has two routes")
        seen_routes.add(cg.id)
        if not route.visits:
            continue
        leave = cg.shift[0] if cg.shift else 0.0
        position = cg.home
        free_at = leave  # when the caregiver can leave ``position``
        idle = 0.0  # this route's idle time, counting the first visit's from ``leave``
        for index, visit in enumerate(route.visits):
            where = f"{cg.id} visit {index + 1} ({visit.patient} {visit.service})"
            if not instance.has_patient(visit.patient):
                out.violations.append(f"{where}: unknown patient")
                continue
            patient = instance.patient(visit.patient)
            task = next((t for t in patient.tasks if t.service == visit.service), None)
            if task is None:
                out.violations.append(f"{where}: the patient does not require this service")
                continue
            served[(patient.id, task.service)].append((cg.id, visit))
            if task.service not in cg.skills:
                out.violations.append(f"{where}: caregiver not qualified for {task.service}")
            if cg.id in patient.incompatible:
                out.violations.append(f"{where}: caregiver is incompatible with the patient")
            if visit.start < patient.window[0] - EPS:
                out.violations.append(
                    f"{where}: starts at {visit.start:g} before the window opens at "
                    f"{patient.window[0]:g}"
                )
            leg = instance.travel[position][patient.node]
            out.travel += leg
            arrive = free_at + leg
            if visit.start < arrive - EPS:
                out.violations.append(
                    f"{where}: starts at {visit.start:g}, but cannot arrive before {arrive:g}"
                )
            if visit.start > arrive:
                idle += visit.start - arrive
                if index > 0:
                    out.total_waiting += visit.start - arrive
            end = visit.start + task.duration
            if visit.end is not None:
                if visit.end < end - EPS:
                    out.violations.append(
                        f"{where}: ends at {visit.end:g}, before its {task.duration:g} minutes"
                    )
                end = max(end, visit.end)
            tardiness.append(max(0.0, visit.start - patient.window[1]))
            position, free_at = patient.node, end
        out.max_route_idle = max(out.max_route_idle, idle)
        back = instance.travel[position][cg.home]
        out.travel += back
        if cg.shift is not None and free_at + back > cg.shift[1]:
            out.total_extra_time += free_at + back - cg.shift[1]

    for patient in instance.patients:
        starts: list[tuple[str, float]] = []
        for task in patient.tasks:
            by = served.get((patient.id, task.service), [])
            if not by:
                out.violations.append(f"{patient.id} {task.service}: not served")
                continue
            if len(by) > 1:
                names = ", ".join(cg for cg, _ in by)
                out.violations.append(
                    f"{patient.id} {task.service}: served {len(by)} times ({names})"
                )
            starts.append((by[0][0], by[0][1].start))
        if patient.sync is None or len(starts) != 2:
            continue
        (first_cg, first), (second_cg, second) = starts
        if first_cg == second_cg:
            out.violations.append(f"{patient.id}: both services by the same caregiver {first_cg}")
        if patient.sync.kind == "simultaneous":
            if abs(first - second) > EPS:
                out.violations.append(
                    f"{patient.id}: simultaneous services start at {first:g} and {second:g}"
                )
        else:
            gap = second - first
            low, high = patient.sync.min_gap, patient.sync.max_gap
            if not low - EPS <= gap <= high + EPS:
                out.violations.append(
                    f"{patient.id}: second service starts {gap:g} minutes after the first, "
                    f"not within {low:g}..{high:g}"
                )

    out.total_tardiness = sum(tardiness)
    out.max_tardiness = max(tardiness, default=0.0)
    return out


def main(argv: list[str] | None = None) -> int:
    from benchmarks.published.readers import read_instance, read_iolab_solution

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("solution", type=Path)
    args = parser.parse_args(argv)
    result = evaluate(read_instance(args.instance), read_iolab_solution(args.solution)[0])
    print(
        f"travel {result.travel:.2f}  total tardiness {result.total_tardiness:.2f}  "
        f"max tardiness {result.max_tardiness:.2f}  objective {result.objective:.2f}  "
        f"waiting {result.total_waiting:.2f}  extra time {result.total_extra_time:.2f}"
    )
    for line in result.violations:
        print("violation:", line)
    return 0 if result.feasible else 1


if __name__ == "__main__":
    sys.exit(main())
