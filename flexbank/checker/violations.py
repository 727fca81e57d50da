"""What a broken hard rule looks like."""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: Rule numbers of rules.md section 2 and their short names.
RULE_NAMES: dict[int, str] = {
    1: "eligible",
    2: "headcount",
    3: "timing",
    4: "pinned",
    5: "overlap",
    6: "length",
    7: "daily_rest",
    8: "weekly_rest",
    9: "working_time",
    10: "visa_hours",
    11: "offered_hours",
}


@dataclass(frozen=True)
class Violation:
    """One break of a hard rule (rules.md section 2), with who and what."""

    rule: int
    name: str
    message: str
    gap_id: str | None = None
    worker_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def __str__(self) -> str:
        who = ", ".join(
            part
            for part in (
                f"worker {self.worker_id}" if self.worker_id else "",
                f"gap {self.gap_id}" if self.gap_id else "",
            )
            if part
        )
        where = f" [{who}]" if who else ""
        return f"rule {self.rule} ({self.name}){where}: {self.message}"


def violation(
    rule: int, message: str, *, gap_id: str | None = None, worker_id: str | None = None
) -> Violation:
    return Violation(rule, RULE_NAMES[rule], message, gap_id=gap_id, worker_id=worker_id)
