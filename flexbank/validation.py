"""Reading scenario and plan files: every problem at once, each with its JSON path.

Two passes: pydantic checks the shape of every field; then the whole-file checks
(duplicate ids, dangling references, gaps outside the horizon, pins that cannot hold
together). Nothing is returned unless both passes are clean.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from flexbank.models import Plan, Scenario
from flexbank.policy import Policy, version_problems
from flexbank.validation_21 import problems_21


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class FormatError(ValueError):
    """An input file is not valid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem], what: str = "input") -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{what} is not valid ({len(self.problems)} problem(s)):\n{lines}")


def json_path(loc: Iterable[int | str]) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


_MESSAGES = {
    "extra_forbidden": "unknown field (not in the format; check the spelling)",
    "missing": "required field is missing",
    "timezone_aware": "datetime needs an explicit UTC offset, e.g. 2026-11-24T07:00:00+00:00",
}


def _pydantic_problems(error: ValidationError, prefix: Sequence[int | str] = ()) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = [*prefix, *item["loc"]]
        message = _MESSAGES.get(item["type"], item["msg"])
        if item["type"] == "value_error":
            message = str(item["ctx"].get("error", item["msg"])) if "ctx" in item else item["msg"]
        problems.append(Problem(json_path(loc), message))
    return problems


def _parse_json(source: str | bytes | Path | dict[str, Any], what: str) -> str:
    if isinstance(source, dict):
        return json.dumps(source)
    if isinstance(source, Path):
        try:
            source = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise FormatError([Problem("$", f"cannot read file: {exc.strerror}")], what) from exc
    text = source.decode("utf-8") if isinstance(source, bytes) else source
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem("$", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        raise FormatError([problem], what) from exc
    return text


def _validate(model: type[BaseModel], text: str, what: str) -> Any:
    try:
        return model.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise FormatError(_pydantic_problems(exc), what) from exc


# ---------------------------------------------------------------------- scenarios


def load_scenario(source: str | bytes | Path | dict[str, Any]) -> Scenario:
    """A checked scenario from JSON text, a file path or a decoded dict.

    Raises :class:`FormatError` naming every problem when the input is not valid.
    """
    text = _parse_json(source, "scenario")
    raw = json.loads(text)
    problems = _raw_problems(raw) if isinstance(raw, dict) else []
    try:
        scenario = Scenario.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise FormatError(_sorted(_pydantic_problems(exc) + problems), "scenario") from exc
    problems += _pin_problems(scenario) + problems_21(scenario)
    if problems:
        raise FormatError(_sorted(problems), "scenario")
    return scenario


def scenario_problems(scenario: Scenario) -> list[Problem]:
    """The whole-file checks of a scenario whose fields are each well formed."""
    raw = json.loads(scenario.model_dump_json())
    problems = _raw_problems(raw)
    return _sorted(problems + _pin_problems(scenario) + problems_21(scenario))


def _sorted(problems: list[Problem]) -> list[Problem]:
    def key(problem: Problem) -> list[tuple[int, int | str]]:
        parts = re.findall(r"\.(\w+)|\[(\d+)\]", problem.path)
        return [(1, int(index)) if index else (0, name) for name, index in parts]

    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=key)


def _timezone_problems(raw: dict[str, Any]) -> list[Problem]:
    name = raw.get("timezone", "Europe/London")
    if not isinstance(name, str):
        return []  # the shape pass reports the type
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return [Problem("$.timezone", f"unknown IANA timezone {name!r}")]
    return []


# The whole-file checks below read the decoded JSON, so that they can run (and be
# reported together with the field problems) even when some field is malformed.


def _items(raw: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = raw.get(name)
    if not isinstance(value, list):
        return []
    return [item if isinstance(item, dict) else {} for item in value]


def _ids(raw: dict[str, Any], name: str) -> set[str]:
    return {item["id"] for item in _items(raw, name) if isinstance(item.get("id"), str)}


def _raw_problems(raw: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for name in ("providers", "clients", "workers", "gaps"):
        problems += _duplicate_ids(name, [item.get("id") for item in _items(raw, name)])
    problems += _reference_problems(raw)
    problems += _horizon_problems(raw)
    problems += _timezone_problems(raw)
    if isinstance(raw.get("policy"), dict):
        version = 2 if raw.get("format") in ("flexbank.scenario/2", "flexbank.scenario/2.1") else 1
        try:
            Policy.model_validate(raw["policy"])
        except ValidationError as exc:
            problems += _pydantic_problems(exc, ["policy"])
        for name, text in version_problems(raw["policy"], version):
            problems.append(Problem(f"$.policy.{name}", text))
    return problems


def _duplicate_ids(list_name: str, ids: list[Any]) -> list[Problem]:
    counts = Counter(i for i in ids if isinstance(i, str))
    return [
        Problem(f"$.{list_name}[{index}].id", f"duplicate id {value!r}")
        for index, value in enumerate(ids)
        if isinstance(value, str) and counts[value] > 1 and ids.index(value) != index
    ]


def _reference_problems(raw: dict[str, Any]) -> list[Problem]:
    known = {name: _ids(raw, name + "s") for name in ("provider", "client", "worker", "gap")}
    problems = []

    def check(path: str, value: Any, kind: str) -> None:
        if isinstance(value, str) and value not in known[kind]:
            problems.append(Problem(path, f"no {kind} with id {value!r}"))

    def check_all(path: str, values: Any, kind: str) -> None:
        for j, value in enumerate(values if isinstance(values, list) else []):
            check(f"{path}[{j}]", value, kind)

    for i, client in enumerate(_items(raw, "clients")):
        check(f"$.clients[{i}].provider_id", client.get("provider_id"), "provider")
        check_all(f"$.clients[{i}].excluded_workers", client.get("excluded_workers"), "worker")
        check_all(f"$.clients[{i}].preferred_workers", client.get("preferred_workers"), "worker")
    for i, gap in enumerate(_items(raw, "gaps")):
        check(f"$.gaps[{i}].provider_id", gap.get("provider_id"), "provider")
        check(f"$.gaps[{i}].client_id", gap.get("client_id"), "client")
        check_all(f"$.gaps[{i}].excluded_workers", gap.get("excluded_workers"), "worker")
    for i, pin in enumerate(_items(raw, "pinned")):
        check(f"$.pinned[{i}].gap_id", pin.get("gap_id"), "gap")
        check(f"$.pinned[{i}].worker_id", pin.get("worker_id"), "worker")
    # History may name providers and clients outside this scenario: past work is
    # anywhere (the shared example does this), so those are not references to check.
    return problems


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _horizon_problems(raw: dict[str, Any]) -> list[Problem]:
    horizon = raw["horizon"] if isinstance(raw.get("horizon"), dict) else {}
    start, end = _instant(horizon.get("start")), _instant(horizon.get("end"))
    if start is None or end is None or end <= start:
        return []
    problems = []
    for i, gap in enumerate(_items(raw, "gaps")):
        gap_start = _instant(gap.get("start"))
        if gap_start is not None and not start <= gap_start < end:
            problems.append(
                Problem(
                    f"$.gaps[{i}].start",
                    f"gap starts at {gap_start.isoformat()}, outside the horizon "
                    f"[{start.isoformat()}, {end.isoformat()})",
                )
            )
    return problems


def _pin_problems(scenario: Scenario) -> list[Problem]:
    gaps = {g.id: g for g in scenario.gaps}
    workers = {w.id for w in scenario.workers}
    problems = []
    seen: Counter[tuple[str, str]] = Counter()
    per_gap: defaultdict[str, list[int]] = defaultdict(list)
    windows: defaultdict[str, list[tuple[int, Any, Any]]] = defaultdict(list)
    for i, pin in enumerate(scenario.pinned):
        gap = gaps.get(pin.gap_id)
        if gap is None or pin.worker_id not in workers:
            continue  # reported as a dangling reference
        seen[(pin.gap_id, pin.worker_id)] += 1
        if seen[(pin.gap_id, pin.worker_id)] > 1:
            problems.append(Problem(f"$.pinned[{i}]", "the same worker is pinned twice to one gap"))
            continue
        per_gap[pin.gap_id].append(i)
        start = pin.start or gap.start
        latest = gap.start.timestamp() + gap.start_tolerance_minutes * 60
        if pin.start is not None and not gap.start.timestamp() <= start.timestamp() <= latest:
            problems.append(
                Problem(
                    f"$.pinned[{i}].start",
                    f"pinned start {start.isoformat()} is outside the gap's allowed starts "
                    f"({gap.start.isoformat()} plus {gap.start_tolerance_minutes} minutes)",
                )
            )
        windows[pin.worker_id].append((i, start, start + (gap.end - gap.start)))
    for gap_id, indices in per_gap.items():
        if len(indices) > gaps[gap_id].headcount:
            problems.append(
                Problem(
                    f"$.pinned[{indices[-1]}]",
                    f"gap {gap_id!r} has {len(indices)} pins but a headcount of "
                    f"{gaps[gap_id].headcount}",
                )
            )
    for worker_id, spans in windows.items():
        spans.sort(key=lambda item: item[1])
        for (i, _, end_a), (j, start_b, _) in itertools.pairwise(spans):
            if start_b < end_a:
                problems.append(
                    Problem(
                        f"$.pinned[{j}]",
                        f"worker {worker_id!r} is pinned to overlapping gaps (see $.pinned[{i}])",
                    )
                )
    return problems


# ---------------------------------------------------------------------------- plans


def load_plan(
    source: str | bytes | Path | dict[str, Any], scenario: Scenario | None = None
) -> Plan:
    """A plan from JSON; with ``scenario``, its gap and worker ids must exist there."""
    text = _parse_json(source, "plan")
    plan: Plan = _validate(Plan, text, "plan")
    if scenario is not None:
        problems = plan_reference_problems(plan, scenario)
        if problems:
            raise FormatError(problems, "plan")
    return plan


def plan_reference_problems(plan: Plan, scenario: Scenario) -> list[Problem]:
    gaps = {g.id for g in scenario.gaps}
    workers = {w.id for w in scenario.workers}
    problems = []
    for i, a in enumerate(plan.assignments):
        if a.gap_id not in gaps:
            problems.append(Problem(f"$.assignments[{i}].gap_id", f"no gap with id {a.gap_id!r}"))
        if a.worker_id not in workers:
            problems.append(
                Problem(f"$.assignments[{i}].worker_id", f"no worker with id {a.worker_id!r}")
            )
        if a.end <= a.start:
            problems.append(Problem(f"$.assignments[{i}].end", "end must be after start"))
    for i, u in enumerate(plan.unfilled):
        if u.gap_id not in gaps:
            problems.append(Problem(f"$.unfilled[{i}].gap_id", f"no gap with id {u.gap_id!r}"))
    return problems
