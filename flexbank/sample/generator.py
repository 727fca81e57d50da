"""A realistic, seeded scenario of Bury's flex bank: workers, providers, clients, gaps.

Everything comes from one ``random.Random(seed)`` drawn in a fixed order, so the same
arguments give the same scenario (and byte-identical JSON). Places are real: care homes
from the CQC list, everything else on real Bury postcode units (``flexbank/data/bury``).
People and home-care agencies are invented.

Shape of the data (defaults of :class:`Mix`):

- providers scale with the gaps (about 105 at 8,000 gaps: 55 care homes ``CHnn``, 40
  home-care agencies ``HCnn`` that each work a few neighbourhood "patches", 10
  supported-living services ``SLnn``); about one home-care client ``Cnnnn`` per four
  visits, living in their agency's patches;
- workers ``Wnnnn``: about 80% female; drive / public transport / walk / cycle; a main
  job elsewhere for most (30-37.5 h on weekdays, or three 12-hour long days), students
  and supplementary Health and Care Worker visa holders with a 20-hour weekly limit,
  about 18 offered hours a week, availability around the main job; about 10% with a
  compliance defect and 5% with a check that lapses during the horizon;
- gaps ``Gnnnnn``: care-home and supported-living shifts (about 18% of gaps) and
  home-care visits: rounds of a sick carer in one patch (walkable), emergency
  packages after hospital discharge, packages handed back by a closing service, and
  single calls; double-handed and short calls included. Shifts are at most 12 hours
  except a rare 13.5-hour one (and a 12-hour night across the autumn clock change,
  which really lasts 13), so the ``length`` rule has something to do.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flexbank.models import SCENARIO_FORMAT, Scenario
from flexbank.sample.bury import AREA_NAMES, CareHome, Postcode, care_homes, postcodes
from flexbank.sample.version2 import add_version_2
from flexbank.validation import load_scenario

T = TypeVar("T")

UTC = dt.UTC
TIMEZONE = "Europe/London"
DEFAULT_START = dt.date(2026, 11, 30)

MANDATORY_TRAINING = (
    ("safeguarding_adults", 1095),
    ("moving_handling", 365),
    ("infection_prevention", 365),
    ("basic_life_support", 365),
)
REG19_FLAGS = (
    "photo_id_verified",
    "conduct_evidence",
    "reasons_for_leaving_verified",
    "employment_history_complete",
    "health_declaration",
)
#: Skill: share of workers holding it.
SKILL_SHARES = (
    ("medication", 0.65),
    ("hoist", 0.60),
    ("dementia", 0.55),
    ("catheter", 0.35),
    ("end_of_life", 0.35),
    ("peg_feeding", 0.25),
    ("complex_care", 0.15),
)
#: Care-call windows of home care, local (start, end) in minutes after midnight.
CALL_WINDOWS = (
    (7 * 60, 10 * 60),
    (12 * 60, 14 * 60),
    (16 * 60 + 30, 18 * 60 + 30),
    (19 * 60 + 30, 22 * 60),
)
#: Care-home shift patterns: name, local start minute, length in minutes.
CARE_HOME_SHIFTS = (
    ("early", 7 * 60, 8 * 60, 0.30),
    ("late", 14 * 60, 8 * 60, 0.28),
    ("long_day", 8 * 60, 12 * 60, 0.15),
    ("night", 20 * 60, 12 * 60, 0.12),
    ("short_night", 22 * 60, 9 * 60, 0.15),
)
SUPPORTED_LIVING_SHIFTS = (
    ("day", 9 * 60, 8 * 60, 0.30),
    ("late", 15 * 60, 7 * 60, 0.30),
    ("waking_night", 22 * 60, 9 * 60, 0.20),
    ("long_day", 8 * 60, 12 * 60, 0.20),
)
#: The rare over-length shift that exercises the ``length`` rule (13.5 hours).
OVERLONG_SHIFT = ("extended_day", 7 * 60, 13 * 60 + 30)

#: Reason: (emergency, urgent, routine) probabilities.
PRIORITY_BY_REASON: dict[str, tuple[float, float, float]] = {
    "emergency_home_care": (0.55, 0.40, 0.05),
    "sickness": (0.12, 0.28, 0.60),
    "service_closure": (0.08, 0.32, 0.60),
    "winter_pressure": (0.06, 0.24, 0.70),
    "holiday": (0.02, 0.10, 0.88),
    "vacancy": (0.02, 0.14, 0.84),
    "other": (0.05, 0.20, 0.75),
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FEMALE_NAMES = _words(
    "Olivia Amelia Isla Ava Mia Grace Sophie Emily Jessica Chloe Lucy Hannah Ellie Megan "
    "Rebecca Sarah Laura Gemma Joanne Claire Nicola Lisa Karen Tracey Julie Donna Michelle "
    "Amina Fatima Aisha Zainab Priya Anjali Grace Blessing Chipo Tendai Maria Rosa Joy Mercy "
    "Precious Favour Esther Agnieszka Katarzyna Ioana Elena"
)
MALE_NAMES = _words(
    "Oliver George Harry Jack Jacob Noah Charlie Thomas James William Daniel Ryan Liam "
    "Adam Ben Craig Darren Lee Paul Mark Mohammed Ali Imran Bilal Rahul Arjun Samuel "
    "Emmanuel Tinashe Kwame Chinedu Joseph John Piotr Andrei Mihai"
)
OTHER_NAMES = ("Alex", "Sam", "Charlie", "Jordan", "Robin", "Rowan")
SURNAMES = _words(
    "Smith Jones Taylor Brown Wilson Evans Thomas Roberts Walker Wright Robinson Thompson "
    "Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke Clark Turner Hill "
    "Scott Cooper Ward Morris Moore Kelly Ashworth Holt Lord Greenhalgh Kenyon Schofield "
    "Hussain Khan Ahmed Patel Begum Shah Iqbal Okafor Adeyemi Mensah Moyo Ncube Dube "
    "Santos Reyes Cruz Kowalski Nowak Popescu Ionescu"
)
OVERSEAS_COUNTRIES = ("IN", "PH", "NG", "ZW", "GH", "KE", "ZA", "NP")


@dataclass(frozen=True)
class Mix:
    """The knobs of the generator; the defaults model Bury's flex bank."""

    #: Share of gaps that are shifts at care homes or supported living (rest: visits).
    shift_share: float = 0.18
    #: Share of workers who are female (the rest male, about 1 in 60 ``other``).
    female_share: float = 0.80
    #: Travel modes and their shares.
    travel_modes: tuple[tuple[str, float], ...] = (
        ("drive", 0.38),
        ("public_transport", 0.30),
        ("walk", 0.22),
        ("cycle", 0.10),
    )
    #: Kinds of worker: a main job elsewhere, student visa, supplementary visa, bank only.
    worker_kinds: tuple[tuple[str, float], ...] = (
        ("main_job", 0.52),
        ("student", 0.12),
        ("supplementary", 0.16),
        ("bank_only", 0.20),
    )
    #: Share of workers with a compliance defect that rules them out of every gap.
    defect_rate: float = 0.10
    #: Share of workers with a check that lapses during the horizon.
    lapse_rate: float = 0.05
    #: Home-care clients per visit gap.
    clients_per_visit: float = 0.25
    #: Share of clients whose calls are double-handed (headcount 2).
    double_handed_clients: float = 0.12
    #: Share of clients with short (15 or 20 minute) calls.
    short_call_clients: float = 0.10
    #: Share of workers near the 48-hour average (and of those, none opted out).
    near_wtd_limit: float = 0.06
    #: Share of workers who signed the 48-hour opt-out.
    wtd_opt_out: float = 0.08


# ------------------------------------------------------------------------- helpers


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle kilometres (close enough to geodesic for generating data)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _loc(place: Postcode | CareHome) -> dict[str, Any]:
    return {"lat": place.lat, "lon": place.lon, "postcode": place.postcode}


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _add_years(day: dt.date, years: int) -> dt.date:
    return _add_months(day, 12 * years)


_CELL_LAT = 0.009  # about 1 km
_CELL_LON = 0.015  # about 1 km at Bury's latitude


class _Grid:
    """Postcode units bucketed in cells of about 1 km, for nearby look-ups."""

    def __init__(self, units: Sequence[Postcode]) -> None:
        self.units = units
        self.cells: dict[tuple[int, int], list[int]] = {}
        for index, unit in enumerate(units):
            self.cells.setdefault(self._cell(unit.lat, unit.lon), []).append(index)

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lat / _CELL_LAT), math.floor(lon / _CELL_LON))

    def near(self, lat: float, lon: float, km: float) -> list[Postcode]:
        """Units within ``km`` of a point, in file order."""
        ci, cj = self._cell(lat, lon)
        reach = math.ceil(km) + 1
        found: list[int] = []
        for di in range(-reach, reach + 1):
            for dj in range(-reach, reach + 1):
                for index in self.cells.get((ci + di, cj + dj), ()):
                    unit = self.units[index]
                    if _km(lat, lon, unit.lat, unit.lon) <= km:
                        found.append(index)
        return [self.units[i] for i in sorted(found)]


@dataclass
class _Patch:
    centre: Postcode
    units: list[Postcode]
    clients: list[int] = field(default_factory=list)


@dataclass
class _HomeCare:
    index: int
    weight: float
    patches: list[_Patch]
    clients: list[int] = field(default_factory=list)


@dataclass
class _Client:
    index: int
    provider: int  # index into the home-care agencies
    place: Postcode
    gender: str | None
    skills: list[str]
    double: bool
    short_calls: bool
    tolerance: int


@dataclass
class _Person:
    """What the generator keeps about a worker beyond its JSON record."""

    lat: float
    lon: float
    reach_km: float
    gender: str


# ----------------------------------------------------------------------- generator


class _Generator:
    def __init__(
        self,
        workers: int,
        gaps: int,
        seed: int,
        start: dt.date,
        days: int,
        as_of: dt.datetime | None,
        mix: Mix,
    ) -> None:
        if workers < 0 or gaps < 0:
            raise ValueError("workers and gaps must not be negative")
        if days < 1:
            raise ValueError("days must be at least 1")
        if start.weekday() != 0:
            raise ValueError(f"start {start.isoformat()} is not a Monday")
        self.n_workers, self.n_gaps, self.seed = workers, gaps, seed
        self.rng = random.Random(seed)
        self.mix = mix
        self.tz = ZoneInfo(TIMEZONE)
        self.start, self.days = start, days
        self.end_date = start + dt.timedelta(days=days)
        if as_of is None:
            as_of = self.local(-1, 14 * 60)
        elif as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=self.tz)
        self.as_of = as_of
        self.today = as_of.astimezone(self.tz).date()
        self.postcodes = postcodes()
        self.grid = _Grid(self.postcodes)
        self.homes = care_homes()
        self.providers: list[dict[str, Any]] = []
        self.care_home_ids: list[str] = []
        self.nursing: set[str] = set()
        self.living_ids: list[str] = []
        self.agencies: list[_HomeCare] = []
        self.agency_ids: list[str] = []
        self.clients: list[_Client] = []
        self.workers: list[dict[str, Any]] = []
        self.people: list[_Person] = []
        self.gaps: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    # ---------------------------------------------------------------- small tools

    def local(self, day: int, minute: int) -> dt.datetime:
        """Local time ``minute`` minutes after midnight of horizon day ``day``."""
        day += minute // (24 * 60)
        minute %= 24 * 60
        date = self.start + dt.timedelta(days=day)
        return dt.datetime.combine(date, dt.time(minute // 60, minute % 60), tzinfo=self.tz)

    @staticmethod
    def iso(moment: dt.datetime) -> str:
        return moment.astimezone(UTC).isoformat()

    def pick(self, weighted: Sequence[tuple[T, float]]) -> T:
        total = sum(w for _, w in weighted)
        x = self.rng.random() * total
        for item, weight in weighted:
            x -= weight
            if x < 0:
                return item
        return weighted[-1][0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def lapse_day(self) -> dt.date:
        """A date inside the horizon (not its first day when it has more than one)."""
        low = 1 if self.days >= 2 else 0
        return self.start + dt.timedelta(days=self.rng.randint(low, max(low, self.days - 2)))

    def any_postcode(self) -> Postcode:
        return self.rng.choice(self.postcodes)

    # ------------------------------------------------------------------ providers

    def build_providers(self) -> None:
        g = self.n_gaps
        n_ch = min(len(self.homes), max(2, 6 + g // 40))
        n_hc = min(40, max(2, 3 + g // 45))
        n_sl = min(10, max(1, g // 300))
        chosen = sorted(self.rng.sample(range(len(self.homes)), n_ch))
        for number, index in enumerate(chosen, start=1):
            home = self.homes[index]
            pid = f"CH{number:02d}"
            self.providers.append(
                {"id": pid, "name": home.name, "kind": "care_home", "location": _loc(home)}
            )
            self.care_home_ids.append(pid)
            if home.nursing:
                self.nursing.add(pid)
        for number in range(1, n_hc + 1):
            patches = []
            for _ in range(self.rng.randint(2, 4)):
                centre = self.any_postcode()
                units = self.grid.near(centre.lat, centre.lon, 0.9)
                patches.append(_Patch(centre, units))
            office = self.rng.choice(patches[0].units)
            pid = f"HC{number:02d}"
            area = AREA_NAMES.get(office.district, "Bury")
            self.providers.append(
                {
                    "id": pid,
                    "name": f"{area} Home Care {number:02d}",
                    "kind": "home_care",
                    "location": _loc(office),
                }
            )
            self.agencies.append(_HomeCare(number - 1, self.rng.uniform(0.5, 2.0), patches))
            self.agency_ids.append(pid)
        for number in range(1, n_sl + 1):
            place = self.any_postcode()
            pid = f"SL{number:02d}"
            area = AREA_NAMES.get(place.district, "Bury")
            self.providers.append(
                {
                    "id": pid,
                    "name": f"{area} Supported Living {number:02d}",
                    "kind": "supported_living",
                    "location": _loc(place),
                }
            )
            self.living_ids.append(pid)

    def build_clients(self, n_visits: int) -> None:
        if n_visits == 0:
            return
        n = max(1, round(n_visits * self.mix.clients_per_visit))
        weights = [(agency, agency.weight) for agency in self.agencies]
        for index in range(n):
            agency = self.pick(weights)
            patch = self.rng.choice(agency.patches)
            short = self.chance(self.mix.short_call_clients)
            double = not short and self.chance(self.mix.double_handed_clients)
            skills = [
                name
                for name, p in (
                    ("medication", 0.25),
                    ("dementia", 0.10),
                    ("catheter", 0.05),
                    ("peg_feeding", 0.03),
                    ("end_of_life", 0.04),
                    ("complex_care", 0.03),
                )
                if self.chance(p)
            ]
            if double and self.chance(0.75):
                skills.insert(0, "hoist")
            gender = self.pick([("female", 0.20), ("male", 0.03), (None, 0.77)])
            client = _Client(
                index=index,
                provider=agency.index,
                place=self.rng.choice(patch.units),
                gender=gender,
                skills=skills,
                double=double,
                short_calls=short,
                tolerance=self.pick([(0, 0.3), (15, 0.4), (30, 0.3)]),
            )
            self.clients.append(client)
            agency.clients.append(index)
            patch.clients.append(index)

    # -------------------------------------------------------------------- workers

    def build_workers(self) -> None:
        patches = [patch for agency in self.agencies for patch in agency.patches]
        for number in range(1, self.n_workers + 1):
            self.workers.append(self.worker(f"W{number:04d}", patches))

    def worker(self, wid: str, patches: Sequence[_Patch]) -> dict[str, Any]:
        rng, mix = self.rng, self.mix
        kind = self.pick(mix.worker_kinds)
        gender = (
            "female"
            if self.chance(mix.female_share)
            else self.pick([("male", 0.95), ("other", 0.05)])
        )
        first = rng.choice(
            FEMALE_NAMES if gender == "female" else MALE_NAMES if gender == "male" else OTHER_NAMES
        )
        age = rng.randint(19, 26) if kind == "student" else rng.randint(19, 66)
        dob = _add_years(self.today, -age) - dt.timedelta(days=rng.randint(1, 364))
        if kind == "student":
            mode = self.pick(
                [("walk", 0.35), ("public_transport", 0.40), ("cycle", 0.15), ("drive", 0.10)]
            )
        else:
            mode = self.pick(mix.travel_modes)
        if mode in ("walk", "cycle") and patches and self.chance(0.6):
            patch = rng.choice(patches)
            near = self.grid.near(patch.centre.lat, patch.centre.lon, 1.2)
            home = rng.choice(near or patch.units)
        else:
            home = self.any_postcode()
        reach = {
            "walk": rng.choice((2.0, 2.5, 3.0, 3.0, 3.5, 4.0, 5.0)),
            "cycle": rng.choice((5.0, 6.0, 8.0, 10.0)),
            "public_transport": 8.0,
            "drive": rng.choice((15.0, 18.0, 20.0, 20.0, 25.0)),
        }[mode]

        record: dict[str, Any] = {
            "id": wid,
            "name": f"{first} {rng.choice(SURNAMES)}",
            "gender": gender,
            "date_of_birth": dob.isoformat(),
            "home": _loc(home),
            "travel_mode": mode,
            "max_travel_km": reach,
        }
        main_hours, commitments, busy = self.main_job(kind)
        availability = self.availability(kind, busy)
        record["skills"] = self.skills()
        record["training"] = self.training()
        record["experience"] = self.experience(kind)
        record["right_to_work"] = self.right_to_work(kind)
        record["dbs"] = self.dbs()
        record["reg19"] = dict.fromkeys(REG19_FLAGS, True)
        record["availability"] = availability
        record["commitments"] = commitments
        if kind == "student":
            offered = rng.choice((10, 12, 12, 15, 16, 18, 20))
        elif kind == "supplementary":
            offered = rng.choice((8, 10, 12, 15, 16, 18, 20, 20))
        else:
            offered = rng.choice((12, 15, 16, 18, 18, 18, 20, 20, 22, 24))
        record["max_hours_per_week"] = offered
        opt_out = self.chance(mix.wtd_opt_out)
        record["wtd_opt_out"] = opt_out
        record["previous_weekly_hours"] = self.previous_hours(kind, main_hours, opt_out)
        record["history"] = []
        if self.chance(mix.defect_rate):
            self.defect(record, kind)
        elif self.chance(mix.lapse_rate / (1 - mix.defect_rate)):
            self.lapse(record, kind)
        self.people.append(_Person(home.lat, home.lon, reach, gender))
        return record

    def main_job(self, kind: str) -> tuple[float, list[dict[str, Any]], set[int]]:
        """Weekly hours, commitments, and the horizon days they take."""
        rng = self.rng
        commitments: list[dict[str, Any]] = []
        busy: set[int] = set()
        if kind in ("main_job", "supplementary"):
            if kind == "supplementary" or self.chance(0.5):
                place: dict[str, Any] | None = _loc(rng.choice(self.homes))
            else:
                place = _loc(self.any_postcode())
            if self.chance(0.08) and kind != "supplementary":
                place = None
            long_days = self.chance(0.5) if kind == "supplementary" else self.chance(0.15)
            if long_days:
                pattern = [(d, 8 * 60, 12 * 60) for d in sorted(rng.sample(range(7), 3))]
            else:
                n_days = rng.choice((4, 5, 5))
                length = rng.choice((420, 450, 450)) if n_days == 5 else rng.choice((450, 480, 510))
                begin = rng.choice((7 * 60, 7 * 60 + 30, 8 * 60, 9 * 60))
                pattern = [(d, begin, length) for d in sorted(rng.sample(range(5), n_days))]
            hours = sum(length for _, _, length in pattern) / 60
            for day in range(self.days):
                for weekday, begin, length in pattern:
                    if day % 7 == weekday:
                        s = self.local(day, begin)
                        item: dict[str, Any] = {
                            "start": self.iso(s),
                            "end": self.iso(s + dt.timedelta(minutes=length)),
                            "location": place,
                            "label": "main job",
                            "main_job": True,
                        }
                        commitments.append(item)
                        busy.add(day)
            return hours, commitments, busy
        if kind == "student" and self.chance(0.3):
            place = _loc(self.any_postcode())
            for day in range(self.days):
                if day % 7 == 5:
                    s = self.local(day, 9 * 60)
                    commitments.append(
                        {
                            "start": self.iso(s),
                            "end": self.iso(s + dt.timedelta(hours=8)),
                            "location": place,
                            "label": "part-time job",
                            "main_job": False,
                        }
                    )
                    busy.add(day)
            return 8.0, commitments, busy
        if kind == "bank_only" and self.chance(0.15):
            day = self.rng.randrange(self.days)
            s = self.local(day, 8 * 60)
            commitments.append(
                {
                    "start": self.iso(s),
                    "end": self.iso(s + dt.timedelta(hours=12)),
                    "location": _loc(rng.choice(self.homes)),
                    "label": "agency shift",
                    "main_job": False,
                }
            )
            busy.add(day)
        return 0.0, commitments, busy

    def availability(self, kind: str, busy: set[int]) -> list[dict[str, str]]:
        rng = self.rng
        nights = self.chance(0.25 if kind != "student" else 0.15)
        parent = kind == "bank_only" and self.chance(0.35)
        p_off = {"main_job": 0.6, "supplementary": 0.55, "student": 0.7, "bank_only": 0.7}[kind]
        p_evening = 0.45
        windows: list[tuple[int, int, int]] = []  # (day, start minute, end minute)
        for day in range(self.days):
            weekday = day % 7
            if day in busy:
                if kind in ("main_job", "supplementary"):
                    if self.chance(0.04):  # does not quite fit around the main job
                        windows.append((day, 13 * 60, 21 * 60))
                    elif self.chance(p_evening):
                        end = rng.choice((21 * 60, 21 * 60, 22 * 60))
                        windows.append((day, rng.choice((16 * 60 + 30, 17 * 60, 18 * 60)), end))
                continue
            if kind == "student" and weekday < 5:
                if self.chance(0.6):
                    windows.append((day, rng.choice((16 * 60, 16 * 60 + 30, 17 * 60)), 22 * 60))
                if self.chance(0.25):
                    windows.append((day, 7 * 60, 10 * 60 + 30))
                continue
            if parent and weekday < 5:
                if self.chance(0.8):
                    windows.append((day, 9 * 60 + 30, 14 * 60 + 30))
                continue
            if not self.chance(p_off if weekday < 5 else p_off + 0.15):
                continue
            patterns: list[tuple[list[tuple[int, int]], float]] = [
                ([(7 * 60, 22 * 60)], 0.25),
                ([(7 * 60, 15 * 60)], 0.20),
                ([(14 * 60, 22 * 60)], 0.20),
                ([(7 * 60, 10 * 60 + 30), (16 * 60 + 30, 22 * 60)], 0.20),
                ([(8 * 60, 20 * 60)], 0.15),
            ]
            if nights:
                patterns.append(([(20 * 60, 32 * 60)], 0.35))
            for begin, end in self.pick(patterns):
                windows.append((day, begin, end))
        periods = sorted((self.local(d, s), self.local(d, e)) for d, s, e in windows)
        merged: list[list[dt.datetime]] = []
        for s, e in periods:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        return [{"start": self.iso(s), "end": self.iso(e)} for s, e in merged]

    def skills(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for name, share in SKILL_SHARES:
            if not self.chance(share):
                continue
            expires = None
            if name in ("medication", "peg_feeding") and self.chance(0.5):
                expires = self.today + dt.timedelta(days=self.rng.randint(self.days + 10, 365))
            out.append({"name": name, "expires": expires.isoformat() if expires else None})
        return out

    def training(self) -> list[dict[str, Any]]:
        out = []
        for course, period in MANDATORY_TRAINING:
            completed = self.days_ago(3, max(3, period - self.days - 10))
            expires = completed + dt.timedelta(days=period)
            out.append(
                {
                    "course": course,
                    "completed": completed.isoformat(),
                    "expires": expires.isoformat(),
                }
            )
        return out

    def experience(self, kind: str) -> list[dict[str, Any]]:
        rng = self.rng
        out: list[dict[str, Any]] = []

        def role(name: str, sector: str, country: str, s: dt.date, e: dt.date | None) -> None:
            out.append(
                {
                    "role": name,
                    "sector": sector,
                    "country": country,
                    "start": s.isoformat(),
                    "end": e.isoformat() if e else None,
                }
            )

        if kind == "supplementary":
            arrived = self.days_ago(330, 1500)
            abroad = arrived - dt.timedelta(days=rng.randint(700, 2500))
            role(
                "nurse" if self.chance(0.4) else "care_assistant",
                "health",
                rng.choice(OVERSEAS_COUNTRIES),
                abroad,
                arrived - dt.timedelta(days=30),
            )
            role("senior_care_assistant", "adult_social_care", "GB", arrived, None)
            return out
        if kind == "student":
            began = self.days_ago(330, 1000)
            role("care_assistant", "adult_social_care", "GB", began, None)
            if self.chance(0.3):
                role("retail_assistant", "retail", "GB", began - dt.timedelta(days=200), began)
            return out
        began = self.days_ago(400, 7000)
        sector = "health" if self.chance(0.2) else "adult_social_care"
        if self.chance(0.35):
            middle = began + (self.today - began) / 2
            role("care_assistant", sector, "GB", began, middle)
            role(
                "senior_care_assistant",
                "adult_social_care",
                "GB",
                middle + dt.timedelta(days=rng.randint(0, 20)),
                None,
            )
        else:
            role(
                "care_assistant" if sector != "health" else "healthcare_assistant",
                sector,
                "GB",
                began,
                None,
            )
        if self.chance(0.15):  # a bank role held at the same time
            s = began + dt.timedelta(days=rng.randint(0, (self.today - began).days // 2))
            role(
                "bank_healthcare_assistant",
                "health",
                "GB",
                s,
                None if self.chance(0.5) else s + dt.timedelta(days=rng.randint(60, 400)),
            )
        if self.chance(0.25):
            s = began - dt.timedelta(days=rng.randint(400, 3000))
            role("shop_assistant", "retail", "GB", s, began - dt.timedelta(days=1))
        return out

    def right_to_work(self, kind: str) -> dict[str, Any]:
        rng = self.rng
        if kind == "student":
            year = self.today.year if self.today.month >= 8 else self.today.year - 1
            return {
                "check": "online",
                "checked_on": self.days_ago(10, 300).isoformat(),
                "permission_expires": dt.date(year + rng.choice((2, 2, 3, 4)), 1, 31).isoformat(),
                "weekly_hour_limit": 20,
                "limit_scope": "all_work",
                "limit_lifted": [
                    {
                        "start": dt.date(year, 12, 19).isoformat(),
                        "end": dt.date(year + 1, 1, 10).isoformat(),
                    },
                    {
                        "start": dt.date(year + 1, 3, 27).isoformat(),
                        "end": dt.date(year + 1, 4, 18).isoformat(),
                    },
                    {
                        "start": dt.date(year + 1, 6, 12).isoformat(),
                        "end": dt.date(year + 1, 9, 20).isoformat(),
                    },
                ],
            }
        if kind == "supplementary":
            return {
                "check": "online",
                "checked_on": self.days_ago(20, 900).isoformat(),
                "permission_expires": (
                    self.today + dt.timedelta(days=rng.randint(120, 1500))
                ).isoformat(),
                "weekly_hour_limit": 20,
                "limit_scope": "outside_main_job",
            }
        check = self.pick(
            [("list_a", 0.64), ("idsp", 0.25), ("online", 0.07), ("list_b_group2", 0.04)]
        )
        if check == "list_b_group2":
            return {"check": check, "checked_on": self.days_ago(10, 140).isoformat()}
        return {"check": check, "checked_on": self.days_ago(15, 1800).isoformat()}

    def dbs(self) -> dict[str, Any]:
        if self.chance(0.4):
            issued = self.days_ago(60, 2400)
            checked: str | None = self.days_ago(1, 300).isoformat()
            update = True
        else:
            issued = self.days_ago(30, 1000)
            checked, update = None, False
        return {
            "level": "enhanced",
            "adults_barred_list": True,
            "issued": issued.isoformat(),
            "update_service": update,
            "last_status_check": checked,
        }

    def previous_hours(self, kind: str, main: float, opt_out: bool) -> list[float]:
        rng = self.rng
        if not opt_out and self.chance(self.mix.near_wtd_limit) and kind != "student":
            return [round(rng.uniform(45.5, 51.0), 1) for _ in range(16)]
        if kind == "student":
            low, high = 8.0, 20.0
        elif kind == "bank_only":
            low, high = 12.0, 38.0
        else:
            low = max(30.0, main)
            high = main + 22.0 if opt_out else min(48.0, main + 14.0)
        return [round(rng.uniform(low, high), 1) for _ in range(16)]

    # ------------------------------------------------------- defects and lapses

    def defect(self, record: dict[str, Any], kind: str) -> None:
        """Make the worker fail one check for the whole horizon."""
        rng = self.rng
        visa = kind in ("student", "supplementary")
        what = self.pick(
            [
                ("dbs_expired", 0.20),
                ("dbs_stale_check", 0.10),
                ("dbs_level", 0.05),
                ("reg19", 0.20),
                ("training_expired", 0.15),
                ("training_missing", 0.05),
                ("experience", 0.20),
                ("right_to_work", 0.05),
            ]
        )
        if what == "dbs_expired":
            record["dbs"].update(
                issued=self.days_ago(1100, 1900).isoformat(),
                update_service=False,
                last_status_check=None,
            )
        elif what == "dbs_stale_check":
            record["dbs"].update(
                issued=self.days_ago(1200, 2400).isoformat(),
                update_service=True,
                last_status_check=self.days_ago(380, 700).isoformat(),
            )
        elif what == "dbs_level":
            if self.chance(0.5):
                record["dbs"]["level"] = "standard"
            else:
                record["dbs"]["adults_barred_list"] = False
        elif what == "reg19":
            record["reg19"][rng.choice(REG19_FLAGS)] = False
        elif what == "training_expired":
            item = rng.choice(record["training"])
            expires = self.days_ago(1, 120)
            item["expires"] = expires.isoformat()
            item["completed"] = (expires - dt.timedelta(days=365)).isoformat()
        elif what == "training_missing":
            record["training"].pop(rng.randrange(len(record["training"])))
        elif what == "experience":
            days = rng.randint(230, 273)  # just under nine months
            first = self.today - dt.timedelta(days=days - 1)
            if self.chance(0.4):  # overlapping periods that count once
                middle = first + dt.timedelta(days=days // 2)
                record["experience"] = [
                    {
                        "role": "care_assistant",
                        "sector": "adult_social_care",
                        "country": "GB",
                        "start": first.isoformat(),
                        "end": (middle + dt.timedelta(days=60)).isoformat(),
                    },
                    {
                        "role": "bank_healthcare_assistant",
                        "sector": "health",
                        "country": "GB",
                        "start": middle.isoformat(),
                        "end": None,
                    },
                ]
            else:
                record["experience"] = [
                    e
                    for e in record["experience"]
                    if e["country"] != "GB" or e["sector"] not in ("adult_social_care", "health")
                ] + [
                    {
                        "role": "care_assistant",
                        "sector": "adult_social_care",
                        "country": "GB",
                        "start": first.isoformat(),
                        "end": None,
                    },
                ]
        elif what == "right_to_work":
            if visa:
                record["right_to_work"]["permission_expires"] = self.days_ago(1, 60).isoformat()
            else:
                checked = _add_months(self.today, -6) - dt.timedelta(days=rng.randint(1, 40))
                record["right_to_work"] = {
                    "check": "list_b_group2",
                    "checked_on": checked.isoformat(),
                }

    def lapse(self, record: dict[str, Any], kind: str) -> None:
        """Make a check lapse (or, for age, start to pass) during the horizon."""
        rng = self.rng
        day = self.lapse_day()  # the first day on which the check fails
        last = day - dt.timedelta(days=1)
        visa = kind in ("student", "supplementary")
        what = self.pick(
            [
                ("training", 0.30),
                ("dbs", 0.20),
                ("status_check", 0.10),
                ("right_to_work", 0.20),
                ("skill", 0.15),
                ("age", 0.05),
            ]
        )
        if what == "training":
            item = rng.choice(record["training"])
            item["expires"] = last.isoformat()
            item["completed"] = (last - dt.timedelta(days=365)).isoformat()
        elif what == "dbs":
            record["dbs"].update(
                issued=(day - dt.timedelta(days=1096)).isoformat(),
                update_service=False,
                last_status_check=None,
            )
        elif what == "status_check":
            record["dbs"].update(
                issued=self.days_ago(1200, 2400).isoformat(),
                update_service=True,
                last_status_check=(day - dt.timedelta(days=366)).isoformat(),
            )
        elif what == "right_to_work":
            if visa:
                record["right_to_work"]["permission_expires"] = last.isoformat()
            else:
                record["right_to_work"] = {
                    "check": "list_b_group2",
                    "checked_on": _add_months(last, -6).isoformat(),
                }
        elif what == "skill":
            if not record["skills"]:
                record["skills"].append({"name": "medication", "expires": None})
            rng.choice(record["skills"])["expires"] = last.isoformat()
        else:  # turns 18 during the horizon: not ready before that day
            record["date_of_birth"] = _add_years(day, -18).isoformat()
            first = self.today - dt.timedelta(days=rng.randint(280, 420))
            record["experience"] = [
                {
                    "role": "apprentice_care_assistant",
                    "sector": "adult_social_care",
                    "country": "GB",
                    "start": first.isoformat(),
                    "end": None,
                }
            ]

    # ----------------------------------------------------------------------- gaps

    def priority(self, reason: str) -> str:
        e, u, r = PRIORITY_BY_REASON[reason]
        return self.pick([("emergency", e), ("urgent", u), ("routine", r)])

    def add_gap(self, gap: dict[str, Any], begin: dt.datetime, end: dt.datetime) -> None:
        gap["start"], gap["end"] = self.iso(begin), self.iso(end)
        key = (
            begin.astimezone(UTC),
            gap["provider_id"],
            gap.get("client_id") or "",
            len(self.gaps),
        )
        self.gaps.append((key, gap))

    def build_shifts(self, count: int) -> None:
        made = 0
        overlong_at = self.rng.randrange(count) if count >= 20 else -1
        while made < count:
            living = bool(self.living_ids) and self.chance(0.2)
            if living:
                provider = self.rng.choice(self.living_ids)
                reason = self.pick(
                    [("sickness", 0.4), ("holiday", 0.25), ("vacancy", 0.3), ("other", 0.05)]
                )
                table: Sequence[tuple[str, int, int, float]] = SUPPORTED_LIVING_SHIFTS
            else:
                provider = self.rng.choice(self.care_home_ids)
                reason = self.pick(
                    [
                        ("sickness", 0.35),
                        ("holiday", 0.2),
                        ("vacancy", 0.25),
                        ("winter_pressure", 0.15),
                        ("other", 0.05),
                    ]
                )
                table = CARE_HOME_SHIFTS
            begin, length = self.pick([((b, ln), w) for _, b, ln, w in table])
            run = {"sickness": (1, 3), "holiday": (3, 5), "vacancy": (2, 5)}.get(reason, (1, 3))
            first = self.rng.randrange(self.days)
            headcount = 2 if self.chance(0.2) else 1
            skills: list[str] = []
            if provider in self.nursing and self.chance(0.5):
                skills.append(
                    self.rng.choice(("peg_feeding", "catheter", "end_of_life", "medication"))
                )
            elif self.chance(0.3):
                skills.append("medication")
            if self.chance(0.2):
                skills.append("dementia" if not living else "complex_care")
            gender = "female" if self.chance(0.03) else None
            for day in range(first, min(self.days, first + self.rng.randint(*run))):
                if made >= count:
                    break
                if made == overlong_at or self.chance(0.002):
                    _, begin, length = OVERLONG_SHIFT
                s = self.local(day, begin)
                e = self.local(day, begin + length)
                excluded = (
                    [self.rng.choice(self.workers)["id"]]
                    if self.workers and self.chance(0.03)
                    else []
                )
                gap = {
                    "provider_id": provider,
                    "client_id": None,
                    "kind": "shift",
                    "reason": reason,
                    "priority": self.priority(reason),
                    "start_tolerance_minutes": 0,
                    "location": None,
                    "skills": list(dict.fromkeys(skills)),
                    "headcount": headcount,
                    "carer_gender": gender,
                    "excluded_workers": excluded,
                }
                self.add_gap(gap, s, e)
                made += 1

    def visit_length(self, client: _Client, window: int) -> int:
        if client.short_calls and window in (1, 2) and self.chance(0.8):
            return self.rng.choice((15, 20))
        if client.double:
            return self.pick([(30, 0.5), (45, 0.35), (60, 0.15)])
        return self.pick([(30, 0.55), (45, 0.27), (60, 0.18)])

    def add_visit(
        self, client: _Client, reason: str, priority: str, day: int, minute: int, length: int
    ) -> None:
        s = self.local(day, minute)
        gap = {
            "provider_id": self.agency_ids[client.provider],
            "client_id": f"C{client.index + 1:04d}",
            "kind": "visit",
            "reason": reason,
            "priority": priority,
            "start_tolerance_minutes": client.tolerance
            if self.chance(0.8)
            else self.rng.choice((0, 15, 30)),
            "location": None,
            "skills": list(client.skills),
            "headcount": 2 if client.double else 1,
            "carer_gender": None,
            "excluded_workers": [],
        }
        self.add_gap(gap, s, s + dt.timedelta(minutes=length))

    def build_visits(self, count: int) -> None:
        made = 0
        rng = self.rng
        agencies = [(a, a.weight) for a in self.agencies if a.clients]
        while made < count:
            agency = self.pick(agencies)
            bundle = self.pick(
                [("round", 0.60), ("package", 0.06), ("closure", 0.03), ("single", 0.31)]
            )
            if bundle == "round":
                patch = rng.choice(
                    [p for p in agency.patches if p.clients] or [rng.choice(agency.patches)]
                )
                pool = patch.clients or agency.clients
                reason = self.pick(
                    [
                        ("sickness", 0.45),
                        ("holiday", 0.2),
                        ("vacancy", 0.15),
                        ("winter_pressure", 0.2),
                    ]
                )
                priority = self.priority(reason)
                day = rng.randrange(self.days)
                window = rng.randrange(len(CALL_WINDOWS))
                minute, close = CALL_WINDOWS[window]
                minute += rng.choice((0, 0, 15, 30))
                chosen = rng.sample(pool, min(len(pool), rng.randint(2, 6)))
                here = self.clients[chosen[0]]
                order = [here]
                rest = [self.clients[i] for i in chosen[1:]]
                while rest:  # nearest neighbour: a walkable round
                    nxt = min(
                        rest,
                        key=lambda c: _km(here.place.lat, here.place.lon, c.place.lat, c.place.lon),
                    )
                    rest.remove(nxt)
                    order.append(nxt)
                    here = nxt
                prev: _Client | None = None
                for client in order:
                    if made >= count or minute >= close:
                        break
                    if prev is not None:
                        km = _km(prev.place.lat, prev.place.lon, client.place.lat, client.place.lon)
                        walk = math.ceil(km * 1.3 / 4.5 * 60)
                        minute += max(5, 5 * math.ceil(walk / 5))
                        if minute >= close:
                            break
                    length = self.visit_length(client, window)
                    self.add_visit(client, reason, priority, day, minute, length)
                    made += 1
                    minute += length
                    prev = client
            elif bundle in ("package", "closure"):
                reason = "emergency_home_care" if bundle == "package" else "service_closure"
                n_clients = 1 if bundle == "package" else rng.randint(1, 2)
                first = rng.randrange(self.days)
                span = rng.randint(1, 4) if bundle == "package" else rng.randint(2, 4)
                for index in rng.sample(agency.clients, min(n_clients, len(agency.clients))):
                    client = self.clients[index]
                    windows = sorted(rng.sample(range(4), rng.randint(2, 4)))
                    for day in range(first, min(self.days, first + span)):
                        for window in windows:
                            if made >= count:
                                break
                            lo, hi = CALL_WINDOWS[window]
                            length = self.visit_length(client, window)
                            minute = lo + 15 * rng.randrange(max(1, (hi - lo - length) // 15))
                            if reason == "emergency_home_care":
                                priority = (
                                    self.priority(reason)
                                    if day == first
                                    else self.pick([("urgent", 0.6), ("routine", 0.4)])
                                )
                            else:
                                priority = self.priority(reason)
                            self.add_visit(client, reason, priority, day, minute, length)
                            made += 1
            else:
                client = self.clients[rng.choice(agency.clients)]
                reason = self.pick(
                    [
                        ("sickness", 0.35),
                        ("holiday", 0.2),
                        ("winter_pressure", 0.15),
                        ("vacancy", 0.15),
                        ("emergency_home_care", 0.1),
                        ("other", 0.05),
                    ]
                )
                window = rng.randrange(len(CALL_WINDOWS))
                lo, hi = CALL_WINDOWS[window]
                length = self.visit_length(client, window)
                minute = lo + 15 * rng.randrange(max(1, (hi - lo - length) // 15))
                self.add_visit(
                    client, reason, self.priority(reason), rng.randrange(self.days), minute, length
                )
                made += 1

    # -------------------------------------------------------------------- history

    def build_history(self) -> None:
        rng = self.rng
        n_w = len(self.workers)
        if n_w == 0:
            return
        known: list[dict[tuple[str, str | None], int]] = [{} for _ in range(n_w)]
        places = [(p["id"], p["location"]) for p in self.providers]
        for w, person in enumerate(self.people):
            candidates = rng.sample(places, min(len(places), 8))
            keep = [
                pid
                for pid, loc in candidates
                if _km(person.lat, person.lon, loc["lat"], loc["lon"]) <= person.reach_km * 1.2
            ]
            for pid in keep[: rng.randint(0, 3)]:
                known[w][(pid, None)] = rng.randint(1, 40)
            if self.clients:
                sample = rng.sample(self.clients, min(len(self.clients), 12))
                fits = [
                    c
                    for c in sample
                    if c.gender in (None, person.gender)
                    and _km(person.lat, person.lon, c.place.lat, c.place.lon) <= person.reach_km
                ]
                for c in fits[: rng.randint(0, 3)]:
                    known[w][(self.agency_ids[c.provider], f"C{c.index + 1:04d}")] = rng.randint(
                        1, 60
                    )
        for client in self.clients:
            cid = f"C{client.index + 1:04d}"
            pid = self.agency_ids[client.provider]
            if client.short_calls:  # short calls go only to carers the client knows
                drawn = rng.sample(range(n_w), min(n_w, 80))
                ranked = sorted(
                    drawn,
                    key=lambda w: (
                        client.gender not in (None, self.people[w].gender),
                        _km(
                            self.people[w].lat,
                            self.people[w].lon,
                            client.place.lat,
                            client.place.lon,
                        )
                        > self.people[w].reach_km,
                        _km(
                            self.people[w].lat,
                            self.people[w].lon,
                            client.place.lat,
                            client.place.lon,
                        ),
                    ),
                )
                for w in ranked[: rng.randint(1, 3)]:
                    known[w][(pid, cid)] = rng.randint(3, 80)
        for w, entries in enumerate(known):
            self.workers[w]["history"] = [
                {"provider_id": pid, "client_id": cid, "engagements": n}
                for (pid, cid), n in sorted(
                    entries.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
                )
            ]
        by_client: dict[str, list[str]] = {}
        for record in self.workers:
            for entry in record["history"]:
                if entry["client_id"]:
                    by_client.setdefault(entry["client_id"], []).append(record["id"])
        self.client_known = by_client

    def client_records(self) -> list[dict[str, Any]]:
        out = []
        rng = self.rng
        for client in self.clients:
            cid = f"C{client.index + 1:04d}"
            known = getattr(self, "client_known", {}).get(cid, [])
            preferred = [rng.choice(known)] if known and self.chance(0.3) else []
            excluded: list[str] = []
            if self.workers and self.chance(0.03):
                wid = rng.choice(self.workers)["id"]
                if wid not in known:
                    excluded.append(wid)
            out.append(
                {
                    "id": cid,
                    "provider_id": self.agency_ids[client.provider],
                    "location": _loc(client.place),
                    "carer_gender": client.gender,
                    "excluded_workers": excluded,
                    "preferred_workers": preferred,
                }
            )
        return out

    # ---------------------------------------------------------------------- build

    def build(self) -> dict[str, Any]:
        n_shifts = round(self.n_gaps * self.mix.shift_share)
        n_visits = self.n_gaps - n_shifts
        self.build_providers()
        self.build_clients(n_visits)
        self.build_workers()
        self.build_shifts(n_shifts)
        self.build_visits(n_visits)
        self.build_history()
        gaps = []
        for number, (_, gap) in enumerate(sorted(self.gaps, key=lambda item: item[0]), start=1):
            gaps.append({"id": f"G{number:05d}", **gap})
        horizon_start = self.local(0, 0)
        horizon_end = self.local(self.days, 0)
        return {
            "format": SCENARIO_FORMAT,
            "name": f"bury-sample-w{self.n_workers}-g{self.n_gaps}-s{self.seed}",
            "timezone": TIMEZONE,
            "as_of": self.iso(self.as_of),
            "horizon": {"start": self.iso(horizon_start), "end": self.iso(horizon_end)},
            "policy": {},
            "providers": self.providers,
            "clients": self.client_records(),
            "workers": self.workers,
            "gaps": gaps,
            "pinned": [],
        }


def generate_dict(
    workers: int,
    gaps: int,
    seed: int,
    start: dt.date = DEFAULT_START,
    days: int = 7,
    as_of: dt.datetime | None = None,
    mix: Mix | None = None,
    version: int = 1,
) -> dict[str, Any]:
    """The scenario as a JSON-ready dict (not validated; see :func:`generate`)."""
    data = _Generator(workers, gaps, seed, start, days, as_of, mix or Mix()).build()
    return add_version_2(data, seed) if version >= 2 else data


def generate(
    workers: int,
    gaps: int,
    seed: int,
    start: dt.date = DEFAULT_START,
    days: int = 7,
    as_of: dt.datetime | None = None,
    mix: Mix | None = None,
    version: int = 1,
) -> Scenario:
    """A validated sample scenario of Bury's flex bank (``version`` 2: with the records
    of :mod:`flexbank.sample.version2`).

    ``start`` must be a Monday; the horizon is ``days`` local days from its midnight
    (Europe/London). ``as_of`` defaults to 14:00 local on the day before ``start``.
    The same arguments always give the same scenario.
    """
    return load_scenario(generate_dict(workers, gaps, seed, start, days, as_of, mix, version))
