"""``objective.png``: objective and bound over time, per stage, from progress events."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

STAGES = ("emergency", "urgent", "routine", "continuity", "travel", "unfairness")
UNITS = {
    "emergency": "covered minutes",
    "urgent": "covered minutes",
    "routine": "covered minutes",
    "continuity": "points",
    "travel": "minutes",
    "unfairness": "sum of squares",
}


def segments(events: Sequence[Sequence[Any]], stage: str) -> list[list[Sequence[Any]]]:
    """Runs of consecutive events of one stage within one phase (one CP-SAT solve)."""
    out: list[list[Sequence[Any]]] = []
    previous: tuple[str, str] | None = None
    for event in events:
        key = (event[1], event[2])
        if event[2] != stage:
            previous = key
            continue
        if key != previous or not out:
            out.append([])
        out[-1].append(event)
        previous = key
    return out


def plot_objective(runs: Sequence[tuple[str, dict[str, Any]]], path: Path) -> None:
    """Six panels (one per stage) per run of ``(title, tier result)``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 3
    per_run = -(-len(STAGES) // cols)
    rows = max(len(runs), 1) * per_run
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.1 * rows), squeeze=False)
    for number, (title, result) in enumerate(runs):
        events = result.get("events") or []
        mode = (result.get("solver") or {}).get("mode") or ""
        suffix = " (neighbourhoods)" if mode == "neighbourhoods" else ""
        for k, stage in enumerate(STAGES):
            ax = axes[number * per_run + k // cols][k % cols]
            parts = segments(events, stage)
            if mode == "neighbourhoods":
                _sub_models(ax, parts)
            for i, part in enumerate(parts if mode != "neighbourhoods" else []):
                times = [e[0] for e in part]
                ax.step(
                    times,
                    [e[3] for e in part],
                    where="post",
                    color="tab:blue",
                    marker="." if len(part) < 3 else None,
                    label="objective" if i == 0 else None,
                )
                ax.step(
                    times,
                    [e[4] for e in part],
                    where="post",
                    color="tab:orange",
                    linestyle="--",
                    label="bound" if i == 0 else None,
                )
            phone = ((result.get("baseline") or {}).get("covered_hours") or {}).get(stage)
            if parts and phone is not None and mode != "neighbourhoods":
                ax.axhline(
                    phone * 60, color="gray", linestyle=":", label="phone round", linewidth=1
                )
            if not parts:
                ax.text(0.5, 0.5, "no events", ha="center", va="center", transform=ax.transAxes)
            ax.set_title(f"{title}: {stage}{suffix}", fontsize=9)
            ax.set_xlabel("seconds", fontsize=8)
            ax.set_ylabel(UNITS[stage], fontsize=8)
            ax.tick_params(labelsize=7)
            if k == 1 and parts:
                ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _sub_models(ax: Any, parts: list[list[Sequence[Any]]]) -> None:
    """Large-neighbourhood search: one mark per sub-model solve, where it ended: its
    objective (dot) and its bound (end of the line). Values are local to the neighbourhood."""
    for i, part in enumerate(parts):
        last = part[-1]
        ax.plot(
            [last[0], last[0]],
            [last[3], last[4]],
            color="tab:orange",
            linestyle="-",
            linewidth=1,
            label="bound (sub-model)" if i == 0 else None,
        )
        ax.plot(
            [last[0]],
            [last[3]],
            "o",
            color="tab:blue",
            markersize=3,
            label="objective (sub-model)" if i == 0 else None,
        )


__all__ = ["STAGES", "plot_objective", "segments"]
