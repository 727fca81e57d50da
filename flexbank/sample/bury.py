"""The Bury open data shipped in ``flexbank/data/bury`` (read with importlib.resources).

Postcode units with coordinates (OS Code-Point Open) and the CQC care homes of Bury as
geocoded by Trafford Data Lab. ``ATTRIBUTION`` must be kept wherever the data, or
anything generated from it, is shipped or shown.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

DATA_PACKAGE = "flexbank"
DATA_DIR = ("data", "bury")

POSTCODES_FILE = "bury_postcodes.csv"
CARE_HOMES_FILE = "bury_care_homes_2019-08.csv"
SOURCE_FILE = "SOURCE.md"

#: District (outward code) to the name of its main town, for provider names.
AREA_NAMES = {
    "BL0": "Ramsbottom",
    "BL8": "Tottington",
    "BL9": "Bury",
    "M25": "Prestwich",
    "M26": "Radcliffe",
    "M45": "Whitefield",
}


@dataclass(frozen=True)
class Postcode:
    postcode: str
    district: str
    lat: float
    lon: float


@dataclass(frozen=True)
class CareHome:
    name: str
    types: tuple[str, ...]
    address: str
    postcode: str
    lat: float
    lon: float

    @property
    def nursing(self) -> bool:
        return "Nursing homes" in self.types


def _read_text(name: str) -> str:
    path = resources.files(DATA_PACKAGE).joinpath(*DATA_DIR, name)
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def postcodes() -> tuple[Postcode, ...]:
    """The 5,193 live postcode units of Bury borough, in file order."""
    rows = csv.DictReader(io.StringIO(_read_text(POSTCODES_FILE)))
    return tuple(
        Postcode(row["postcode"], row["district"], float(row["lat"]), float(row["lon"]))
        for row in rows
    )


@lru_cache(maxsize=1)
def care_homes() -> tuple[CareHome, ...]:
    """The 55 care homes of Bury (CQC, July 2019), in file order."""
    rows = csv.DictReader(io.StringIO(_read_text(CARE_HOMES_FILE)))
    return tuple(
        CareHome(
            name=row["name"],
            types=tuple(row["type"].split("|")),
            address=row["address"],
            postcode=row["postcode"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
        )
        for row in rows
    )


@lru_cache(maxsize=1)
def source_notes() -> str:
    """SOURCE.md: where the data comes from and its licence."""
    return _read_text(SOURCE_FILE)


ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data "
    "© Royal Mail copyright and database right 2025; Contains National Statistics data © "
    "Crown copyright and database right 2025. Contains public sector information licensed "
    "under the Open Government Licence v3.0 (Care Quality Commission)."
)
