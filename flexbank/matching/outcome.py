"""What the optimiser found, and how far from the best its plan can be.

:class:`Outcome` is the optimiser's answer in the problem's whole minutes; a
:class:`PartResult` is what one part's stages proved; :func:`bounds_of` puts them and the
linear relaxation together into an upper bound per priority, saying where each comes
from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flexbank.matching.bound import Relaxation
from flexbank.matching.model import Pair
from flexbank.matching.problem import PRIORITY_RANK, Problem
from flexbank.matching.staged import Progress
from flexbank.models import PRIORITIES


@dataclass
class Outcome:
    """What the solver found, in the problem's whole minutes."""

    assignment: dict[Pair, int]
    proven: dict[str, bool] = field(default_factory=dict)  # stage -> proven optimal
    bounds: dict[str, float] = field(default_factory=dict)  # priority -> bound (minutes)
    bound_source: dict[str, str] = field(default_factory=dict)  # priority -> where from
    baseline: dict[Pair, int] = field(default_factory=dict)
    seconds: float = 0.0
    first_feasible_seconds: float = 0.0
    mode: str = "staged"
    history: list[Progress] = field(default_factory=list)
    repaired: int = 0
    parts: int = 0
    neighbourhoods: dict[str, dict[str, float]] = field(default_factory=dict)
    relaxation_seconds: float = 0.0
    proof_seconds: dict[str, float] = field(default_factory=dict)  # priority -> when proven
    floored: int = 0  # parts solved again to reach the phone round on every priority
    kept_for_emergency: int = 0  # parts left below it to keep more emergency hours

    @property
    def optimal(self) -> bool:
        return all(self.proven.get(p, False) for p in PRIORITIES)


@dataclass
class PartResult:
    """What one part's stages proved, per priority: bound on its free minutes, and the
    priorities whose stage was a neighbourhood search (their bounds are not proofs; the
    proofs of the priorities above them still are)."""

    proven: dict[str, bool] = field(default_factory=dict)
    bounds: dict[str, float] = field(default_factory=dict)
    proof_seconds: dict[str, float] = field(default_factory=dict)
    searched: set[str] = field(default_factory=set)


def cut_short(problem: Problem, level: int) -> bool:
    """Whether the cap cut short the candidates of a gap of priority ``level`` or above
    (then a proof over the candidates is not one for the whole bank)."""
    return any(PRIORITY_RANK[problem.gaps[g].priority] <= level for g in problem.capped)


def bounds_of(
    problem: Problem,
    results: list[PartResult],
    relaxed: Relaxation,
) -> tuple[dict[str, float], dict[str, str]]:
    """Upper bounds on covered minutes per priority and where each comes from.

    ``candidates``: every gap filled by as many of its eligible workers as its
    headcount allows; ``relaxation``: the linear relaxation; ``proof``: what CP-SAT
    proved, summed over the parts, where it holds for the whole bank (every part solved
    whole, the higher priorities proven in every part, no candidate list cut short).
    """
    simple = dict.fromkeys(PRIORITIES, 0.0)
    for gap in problem.gaps:
        staff = min(gap.headcount, len(problem.by_gap.get(gap.index, [])))
        if gap.together and staff < gap.headcount:
            staff = 0
        simple[gap.priority] += staff * gap.length
    bounds: dict[str, float] = {}
    source: dict[str, str] = {}
    higher_proven = True
    for level, priority in enumerate(PRIORITIES):
        options = {"candidates": simple[priority]}
        if priority in relaxed.bounds:
            options["relaxation"] = relaxed.bounds[priority]
        capped = cut_short(problem, level)
        whole = all(priority not in r.searched and priority in r.bounds for r in results)
        if whole and higher_proven and not capped:
            options["proof"] = sum(r.bounds[priority] for r in results)
        higher_proven = higher_proven and all(r.proven.get(priority, False) for r in results)
        best = min(options, key=lambda name: (options[name], name != "proof"))
        bounds[priority] = options[best]
        source[priority] = best
    return bounds, source


__all__ = ["Outcome", "PartResult", "bounds_of", "cut_short"]
