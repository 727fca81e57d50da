"""The allocation page's progress rows for a run solved part by part (on Ray): how many
parts of the week are planned, and per priority the hours covered so far against the
most that could be covered, in plain words."""

from __future__ import annotations

from typing import Any

from flexbank.models import PRIORITIES
from flexbank.web.common import hours_text
from flexbank.web.plain import word

#: The phases of a distributed solve, in plain words.
PHASES = {
    "first plans": "a first plan for each area",
    "emergency hours": "covering emergency hours across every area, and ringing round "
    "the whole week",
    "regions": "planning each area",
    "first valid plan": "a first whole plan is ready",
    "re-check": "checking every rule again",
    "done": "finished",
}


def is_parts(progress: Any) -> bool:
    """Whether a progress report is one of a solve part by part."""
    return hasattr(progress, "done") and hasattr(progress, "total")


def phase_text(phase: str) -> str:
    if phase.startswith("boundary round") and phase.endswith("skipped"):
        return "no time left to improve where areas meet"
    if phase.startswith("boundary round"):
        return "improving where areas meet"
    return PHASES.get(phase, phase)


def parts_rows(progress: Any) -> list[dict[str, str]]:
    """The progress table's rows: the parts done, then one row per priority."""
    elapsed = f"{progress.elapsed:.1f} s"
    rows = [
        {
            "stage": f"Parts of the week planned ({phase_text(progress.phase)})",
            "objective": f"{progress.done} of {progress.total}",
            "bound": "",
            "gap": "",
            "elapsed": elapsed,
        }
    ]
    for priority in PRIORITIES:
        covered = float(progress.covered.get(priority, 0.0))
        bound = progress.bound.get(priority)
        short = ""
        if bound:
            short = f"{max(0.0, bound - covered) / bound:.0%}"
        rows.append(
            {
                "stage": word(priority),
                "objective": hours_text(covered),
                "bound": "not known yet" if bound is None else hours_text(float(bound)),
                "gap": short,
                "elapsed": elapsed,
            }
        )
    return rows


__all__ = ["is_parts", "parts_rows", "phase_text"]
