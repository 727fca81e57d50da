"""Read each published format into an ``Instance``, and iolab solution files into a ``Solution``.

- Mankowska et al. 2014 keyword text (``nbNodes``, ``r``, ``DS``, ``a``, ``d``, ``p``,
  ``mind``/``maxd``, ``e``/``l``), in Kummer's adapted form; Kummer et al. 2021's
  ``txt-original`` files are the same format.
- iolab JSON (``central_offices``, patients in matrix order after the office), the form of
  iolab's Mankowska and Kummer conversions.
- iolab "extended" JSON (``departing_points``, ``distance_matrix_index``, working shifts,
  incompatible caregivers).

Large files are stored gzip-compressed (``.gz``); every reader opens either form.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from benchmarks.published.instance import (
    Caregiver,
    Coordinates,
    Depot,
    Instance,
    InstanceError,
    Patient,
    Sync,
    Task,
)
from benchmarks.published.solution import Route, Solution, Visit

_BLOCKS = ("nbNodes", "nbVehi", "nbServi", "r", "DS", "a", "x", "y", "d", "p", "mind", "maxd")


def resolve(path: Path) -> Path:
    """The file itself, or its ``.gz`` form when only that is stored."""
    if path.exists():
        return path
    packed = path.with_name(path.name + ".gz")
    if packed.exists():
        return packed
    raise FileNotFoundError(f"{path} (nor {packed.name})")


def read_text(path: Path) -> str:
    real = resolve(path)
    if real.suffix == ".gz":
        with gzip.open(real, "rt", encoding="utf-8") as handle:
            return handle.read()
    return real.read_text(encoding="utf-8")


def stem(path: Path) -> str:
    """The instance name: the file name without ``.gz``, ``.txt`` or ``.json``."""
    name = path.name.removesuffix(".gz")
    for suffix in (".txt", ".json"):
        name = name.removesuffix(suffix)
    return name


def family_of(name: str) -> str:
    if name.startswith("HHCRSP_"):
        return "kummer"
    if name.startswith("Instanz"):
        return "mankowska"
    return "extended"


# ------------------------------------------------------------------ Mankowska text


def _blocks(text: str, where: str) -> dict[str, list[list[float]]]:
    out: dict[str, list[list[float]]] = {}
    key: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        if words[0][0].isalpha():
            key = words[0]
            out[key] = []
            continue
        if key is None:
            raise InstanceError(f"{where} line {number}: numbers before the first keyword")
        try:
            out[key].append([float(word) for word in words])
        except ValueError as exc:
            raise InstanceError(f"{where} line {number} ({key}): {exc}") from None
    missing = [block for block in (*_BLOCKS, "e", "l") if block not in out]
    if missing:
        raise InstanceError(f"{where}: missing block(s) {', '.join(missing)}")
    return out


def _flat(rows: list[list[float]]) -> list[float]:
    return [value for row in rows for value in row]


def read_mankowska(path: Path) -> Instance:
    """Mankowska et al. 2014 (and Kummer et al. 2021 ``txt-original``) keyword text.

    Node 0 and node n-1 are the depot; patients are nodes 1..n-2, named ``p1``..; services
    ``s1``..; caregivers ``c1``.. (the names iolab's JSON conversion uses). Double services
    are patients requiring two services; ``DS`` (1-based) must list exactly those.
    """
    name = stem(path)
    b = _blocks(read_text(path), str(path))
    n, vehicles, services = (int(b[k][0][0]) for k in ("nbNodes", "nbVehi", "nbServi"))
    r, a, d, p = b["r"], b["a"], b["d"], b["p"]
    mind, maxd, e, late = (_flat(b[k]) for k in ("mind", "maxd", "e", "l"))
    xs, ys = _flat(b["x"]), _flat(b["y"])
    shapes = {
        "r": (len(r), n),
        "a": (len(a), vehicles),
        "d": (len(d), n),
        "p": (len(p), n * vehicles),
        "mind": (len(mind), n),
        "maxd": (len(maxd), n),
        "e": (len(e), n),
        "l": (len(late), n),
        "x": (len(xs), n),
    }
    for block, (got, want) in shapes.items():
        if got != want:
            raise InstanceError(f"{path}: block {block} has {got} rows/values, expected {want}")
    last = n - 1
    if any(abs(d[last][j] - d[0][j]) > 1e-6 for j in range(n)):
        raise InstanceError(f"{path}: d: the closing depot (node {last}) differs from node 0")
    travel = tuple(tuple(row[:last]) for row in d[:last])

    patients = []
    for i in range(1, last):
        needed = [s for s in range(services) if r[i][s] == 1]
        if not 1 <= len(needed) <= 2:
            raise InstanceError(f"{path}: r: node {i} requires {len(needed)} services")
        tasks = []
        for s in needed:
            durations = {p[i * vehicles + v][s] for v in range(vehicles)}
            if len(durations) != 1:
                raise InstanceError(f"{path}: p: node {i} service {s + 1} differs by caregiver")
            tasks.append(Task(f"s{s + 1}", durations.pop()))
        sync = None
        if len(needed) == 2:  # Mankowska: maxd 0 means simultaneous
            simultaneous = maxd[i] == 0
            sync = Sync("simultaneous") if simultaneous else Sync("sequential", mind[i], maxd[i])
        patients.append(
            Patient(
                id=f"p{i}",
                node=i,
                window=(e[i], late[i]),
                tasks=tuple(tasks),
                sync=sync,
                location=(xs[i], ys[i]),
            )
        )
    listed = {int(v) - 1 for v in _flat(b["DS"])}
    doubles = {pt.node for pt in patients if pt.is_double}
    if listed != doubles:
        raise InstanceError(f"{path}: DS lists {sorted(listed)}, r has doubles {sorted(doubles)}")
    caregivers = tuple(
        Caregiver(f"c{v + 1}", frozenset(f"s{s + 1}" for s in range(services) if a[v][s] == 1), 0)
        for v in range(vehicles)
    )
    family = family_of(name)
    return Instance(
        name=name,
        family=family,
        caregivers=caregivers,
        patients=tuple(patients),
        depots=(Depot("d", 0, (xs[0], ys[0])),),
        travel=travel,
        coordinates="latlon" if family == "kummer" else "euclidean",
    )


# ------------------------------------------------------------------ iolab JSON


def _field(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise InstanceError(f"{where}: missing field {key!r}")
    return obj[key]


def _point(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    return (float(value[0]), float(value[1]))


def _patient(raw: dict[str, Any], node: int, defaults: dict[str, float], where: str) -> Patient:
    pid = str(_field(raw, "id", where))
    here = f"{where} patient {pid}"
    tasks = []
    for req in _field(raw, "required_caregivers", here):
        service = str(_field(req, "service", here))
        if service not in defaults:
            raise InstanceError(f"{here}: unknown service {service!r}")
        tasks.append(Task(service, float(req.get("duration") or defaults[service])))
    if not 1 <= len(tasks) <= 2:
        raise InstanceError(f"{here}: required_caregivers has {len(tasks)} entries (1 or 2)")
    sync = None
    raw_sync = raw.get("synchronization")
    if len(tasks) == 2:
        if raw_sync is None:
            raise InstanceError(f"{here}: two services need a synchronization")
        if raw_sync["type"] == "simultaneous":
            sync = Sync("simultaneous")
        elif raw_sync["type"] == "sequential":
            low, high = _field(raw_sync, "distance", here)
            if low > high:
                raise InstanceError(f"{here}: synchronization distance {low} > {high}")
            sync = Sync("sequential", float(low), float(high))
        else:
            raise InstanceError(f"{here}: synchronization type {raw_sync['type']!r}")
    start, end = _field(raw, "time_window", here)
    return Patient(
        id=pid,
        node=node,
        window=(float(start), float(end)),
        tasks=tuple(tasks),
        sync=sync,
        incompatible=frozenset(raw.get("incompatible_caregivers") or ()),
        location=_point(raw.get("location")),
    )


def read_iolab(path: Path) -> Instance:
    """iolab JSON: the Mankowska/Kummer conversions and the "extended" instances."""
    where = str(path)
    data = json.loads(read_text(path))
    name = stem(path)
    defaults = {
        str(s["id"]): float(s.get("default_duration") or 0) for s in _field(data, "services", where)
    }
    travel = tuple(tuple(float(v) for v in row) for row in _field(data, "distances", where))
    raw_patients = _field(data, "patients", where)
    if "departing_points" in data:
        # departing points come first in the matrix, in list order, where no index is given
        depots = tuple(
            Depot(
                str(dp["id"]), int(dp.get("distance_matrix_index", i)), _point(dp.get("location"))
            )
            for i, dp in enumerate(data["departing_points"])
        )
        node_of = {dp.id: dp.node for dp in depots}
        patients = tuple(
            _patient(raw, int(_field(raw, "distance_matrix_index", where)), defaults, where)
            for raw in raw_patients
        )
        caregivers = []
        for raw in _field(data, "caregivers", where):
            cid = str(_field(raw, "id", where))
            point = raw.get("starting_point_id", raw.get("departing_point"))
            if point not in node_of:
                raise InstanceError(f"{where} caregiver {cid}: unknown departing point {point!r}")
            index = raw.get("distance_matrix_index", node_of[point])
            if index != node_of[point]:
                raise InstanceError(
                    f"{where} caregiver {cid}: distance_matrix_index {index} is not that of {point}"
                )
            shift = raw.get("working_shift")
            caregivers.append(
                Caregiver(
                    cid,
                    frozenset(_field(raw, "abilities", where)),
                    node_of[point],
                    (float(shift[0]), float(shift[1])) if shift else None,
                )
            )
        family = "extended"
        coordinates: Coordinates = "lonlat"
    else:
        offices = _field(data, "central_offices", where)
        if len(offices) != 1:
            raise InstanceError(f"{where}: central_offices has {len(offices)} entries (1)")
        depots = (Depot(str(offices[0]["id"]), 0, _point(offices[0].get("location"))),)
        patients = tuple(
            _patient(raw, node, defaults, where) for node, raw in enumerate(raw_patients, start=1)
        )
        caregivers = [
            Caregiver(str(raw["id"]), frozenset(_field(raw, "abilities", where)), 0)
            for raw in _field(data, "caregivers", where)
        ]
        family = family_of(name)
        coordinates = "latlon" if family == "kummer" else "euclidean"
    skills = {s for c in caregivers for s in c.skills}
    for c in caregivers:
        if not c.skills <= defaults.keys():
            raise InstanceError(
                f"{where} caregiver {c.id}: unknown abilities {sorted(c.skills - defaults.keys())}"
            )
    for pt in patients:
        for task in pt.tasks:
            if task.service not in skills:
                raise InstanceError(f"{where} patient {pt.id}: no caregiver can do {task.service}")
    return Instance(
        name=name,
        family=family,
        caregivers=tuple(caregivers),
        patients=patients,
        depots=depots,
        travel=travel,
        coordinates=coordinates,
    )


def read_instance(path: Path) -> Instance:
    """Any published instance file, by its extension (``.txt`` or ``.json``, maybe ``.gz``)."""
    inner = path.name.removesuffix(".gz")
    if inner.endswith(".txt"):
        return read_mankowska(path)
    if inner.endswith(".json"):
        return read_iolab(path)
    raise InstanceError(f"{path}: not a .txt or .json instance")


# ------------------------------------------------------------------ iolab solutions


def read_iolab_solution(path: Path) -> tuple[Solution, dict[str, float]]:
    """An iolab solution file: its routes, and its ``cost_components`` where it has them."""
    data = json.loads(read_text(path))
    routes = []
    for raw in _field(data, "routes", str(path)):
        visits = tuple(
            Visit(
                patient=str(loc["patient"]),
                service=str(loc["service"]),
                start=float(loc["arrival_time"]),
                end=float(loc["departure_time"]) if "departure_time" in loc else None,
            )
            for loc in raw.get("locations") or ()
        )
        routes.append(Route(str(raw["caregiver_id"]), visits))
    costs = {str(k): float(v) for k, v in (data.get("cost_components") or {}).items()}
    return Solution(tuple(routes)), costs
