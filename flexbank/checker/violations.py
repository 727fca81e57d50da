"""What a broken hard rule looks like."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flexbank import reasons

#: Rule numbers of rules.md section 2 and their short names (from the one registry).
RULE_NAMES: dict[int, str] = reasons.RULE_NAMES


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
