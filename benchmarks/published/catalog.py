"""Which published instances there are, by family, and their published bounds.

- Mankowska A-E: ``bks.csv`` (MIP lower bound, best known in 2020) and
  ``iolab_solution_costs.csv`` (the ITOR 2024 solutions' objective).
- Kummer: ``dataset.csv`` (``cost.GA``: BRKGA upper bound; ``cost.LP``: LP lower bound).
- iolab extended: no published table; the 3 validation instances have iolab's solution
  files, which ``run.py`` scores with the evaluator.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
MANKOWSKA = DATA / "mankowska-hhcrsp-2014"
KUMMER = DATA / "kummer-hhcrsp-2021"
EXTENDED = DATA / "iolab-hhcrsp-extended-small"
LETTERS = {10: "A", 25: "B", 50: "C", 75: "D", 100: "E", 200: "F", 300: "G"}
FAMILIES = ("A", "B", "C", "D", "E", "Kummer", "extended")


@dataclass(frozen=True)
class Entry:
    family: str
    label: str  # A1, HHCRSP_10_3_88_1.6_R_C, 004-florence-p29...
    path: Path
    lower_bound: float | None = None
    best_known: float | None = None  # the 2020 best known (Mankowska), GA (Kummer)
    best_2024: float | None = None  # Mankowska: iolab's ITOR 2024 solution
    solution: Path | None = None  # a published solution file to score, where there is one


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _name(path: Path) -> str:
    return path.name.removesuffix(".gz").rsplit(".", 1)[0]


def mankowska() -> list[Entry]:
    bks = {r["instance"]: r for r in _csv(MANKOWSKA / "bks.csv")}
    iolab = {r["instance"]: r for r in _csv(MANKOWSKA / "iolab_solution_costs.csv")}
    out = []
    for path in MANKOWSKA.glob("Instanz*_HCSRP_*.txt*"):
        match = re.search(r"_HCSRP_(\d+)_(\d+)$", _name(path))
        assert match, path
        letter = LETTERS[int(match[1])]
        label = f"{letter}{match[2]}"
        row = bks[label]
        out.append(
            Entry(
                letter,
                label,
                path,
                lower_bound=float(row["lb"]),
                best_known=float(row["bks"]),
                best_2024=float(iolab[label]["iolab_solution_obj"]) if label in iolab else None,
            )
        )
    return sorted(out, key=lambda e: (e.family, int(e.label[1:])))


def kummer() -> list[Entry]:
    table = {r["instance"]: r for r in _csv(KUMMER / "dataset.csv")}
    paths = [*KUMMER.glob("json-iolab/HHCRSP_*.json*")]
    names = {_name(p) for p in paths}
    paths += [p for p in KUMMER.glob("txt-original/HHCRSP_*.txt*") if _name(p) not in names]
    out = []
    for path in paths:
        row = table[_name(path)]
        out.append(
            Entry(
                "Kummer",
                _name(path),
                path,
                lower_bound=float(row["cost.LP"]),
                best_known=float(row["cost.GA"]),
            )
        )
    return sorted(out, key=lambda e: (int(e.label.split("_")[1]), e.label))


def extended() -> list[Entry]:
    out = []
    for path in sorted(EXTENDED.glob("[0-9]*.json*")):
        out.append(Entry("extended", _name(path), path))
    for path in sorted(EXTENDED.glob("validation/[0-9]*.json*")):
        prefix = f"sol-{_name(path)}-"
        solutions = sorted(EXTENDED.glob(f"validation/solutions/{prefix}*"))
        out.append(
            Entry(
                "extended",
                f"validation/{_name(path)}",
                path,
                solution=solutions[0] if solutions else None,
            )
        )
    return out


def entries(families: tuple[str, ...] = FAMILIES) -> list[Entry]:
    every = [*mankowska(), *kummer(), *extended()]
    return [e for e in every if e.family in families]
