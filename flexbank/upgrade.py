"""``flexbank.scenario/1`` to ``/2``: the version 1 defaults made explicit.

A version 2 file must say what version 1 left implicit: the DBS certificate's result
and the Update Service status result (``clear``, ``no_change``), the sixth Schedule 3
flag (version 1 did not check it, so it is written as the verdict version 1 gave:
verified), and the four default courses of version 1 (version 2 adds two). What version
2 judges that version 1 did not (training records without an expiry lapse, night gaps
need a night health assessment, rest breaks, windows ending after a week) is listed in
``notes`` for the coordinator to review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flexbank.models import SCENARIO_FORMAT, SCENARIO_FORMAT_2, Scenario
from flexbank.policy import DEFAULT_MANDATORY_TRAINING
from flexbank.validation import load_scenario


@dataclass
class Upgrade:
    scenario: Scenario
    notes: list[str] = field(default_factory=list)


def upgrade_scenario(scenario: Scenario) -> Upgrade:
    """The same scenario as a ``flexbank.scenario/2``, with notes for people."""
    if scenario.format != SCENARIO_FORMAT:
        raise ValueError(f"only a {SCENARIO_FORMAT} can be upgraded (this is {scenario.format})")
    data: dict[str, Any] = scenario.model_dump(mode="json")
    data["format"] = SCENARIO_FORMAT_2
    policy = dict(data.get("policy") or {})
    policy.setdefault("mandatory_training", list(DEFAULT_MANDATORY_TRAINING))
    data["policy"] = policy
    undated: list[str] = []
    for worker in data["workers"]:
        dbs = worker["dbs"]
        dbs["result"] = "clear"
        if dbs.get("last_status_check") is not None:
            dbs["last_status_result"] = "no_change"
        worker["reg19"]["qualifications_verified"] = True
        if any(record.get("expires") is None for record in worker["training"]):
            undated.append(worker["id"])
    notes = [
        f"{len(data['workers'])} worker(s): qualifications_verified written as true, as "
        "version 1 did not check it; confirm the evidence of qualifications is on file",
    ]
    if undated:
        notes.append(
            f"{len(undated)} worker(s) have training records without an expiry date; "
            "version 2 reads them as lasting training_validity_months: "
            + ", ".join(undated[:10])
            + (" ..." if len(undated) > 10 else "")
        )
    notes.append(
        "version 2 also checks night health assessments for night gaps, rest breaks, "
        "and 48-hour windows that end after a week; add night_health_assessment and "
        "employment_start where they apply"
    )
    return Upgrade(load_scenario(data), notes)


__all__ = ["Upgrade", "upgrade_scenario"]
