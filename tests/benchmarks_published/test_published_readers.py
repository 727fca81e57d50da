"""Readers of the published instance formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.published.instance import InstanceError
from benchmarks.published.readers import read_instance, read_iolab, read_mankowska, stem

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "published" / "data"
MANKOWSKA = DATA / "mankowska-hhcrsp-2014"
IOLAB = DATA / "iolab-hhcrsp-mankowska-json-small"
KUMMER = DATA / "kummer-hhcrsp-2021"
EXTENDED = DATA / "iolab-hhcrsp-extended-small"

ALL = sorted(
    [
        *MANKOWSKA.glob("Instanz*"),
        *IOLAB.glob("Instanz*"),
        *KUMMER.glob("*/HHCRSP_*"),
        *EXTENDED.glob("*.json*"),
        *EXTENDED.glob("validation/*.json*"),
    ]
)


def test_every_copied_instance_is_found() -> None:
    # 50 Mankowska texts, 20 iolab JSON, 1 + 38 Kummer, 20 + toy + 3 extended
    assert len(ALL) == 50 + 20 + 39 + 24


@pytest.mark.parametrize("path", ALL, ids=lambda p: stem(p))
def test_every_instance_reads_consistently(path: Path) -> None:
    inst = read_instance(path)
    assert inst.patients and inst.caregivers
    size = len(inst.travel)
    assert size == len(inst.depots) + len(inst.patients)
    assert sorted([p.node for p in inst.patients] + [d.node for d in inst.depots]) == list(
        range(size)
    )
    skills = set().union(*(c.skills for c in inst.caregivers))
    for p in inst.patients:
        assert p.window[0] <= p.window[1]
        assert all(t.service in skills and t.duration > 0 for t in p.tasks)
        assert (p.sync is not None) == p.is_double
        if p.sync is not None and p.sync.kind == "sequential":
            assert 0 <= p.sync.min_gap <= p.sync.max_gap


@pytest.mark.parametrize(
    ("name", "patients", "caregivers", "doubles"),
    [("10_1", 10, 3, 3), ("25_4", 25, 5, 8), ("50_8", 50, 10, 15), ("75_5", 75, 15, 23)],
)
def test_mankowska_sizes(name: str, patients: int, caregivers: int, doubles: int) -> None:
    inst = read_mankowska(MANKOWSKA / f"InstanzCPLEX_HCSRP_{name}.txt")
    assert (len(inst.patients), len(inst.caregivers)) == (patients, caregivers)
    assert sum(p.is_double for p in inst.patients) == doubles
    assert inst.family == "mankowska"


def test_family_e_is_compressed_and_reads() -> None:
    inst = read_mankowska(MANKOWSKA / "InstanzVNS_HCSRP_100_1.txt")  # only .txt.gz is stored
    assert not (MANKOWSKA / "InstanzVNS_HCSRP_100_1.txt").exists()
    assert (len(inst.patients), len(inst.caregivers)) == (100, 20)


def test_a1_as_published() -> None:
    inst = read_mankowska(MANKOWSKA / "InstanzCPLEX_HCSRP_10_1.txt")
    p1, p8, p9 = inst.patient("p1"), inst.patient("p8"), inst.patient("p9")
    assert p1.window == (345, 465) and [t.service for t in p1.tasks] == ["s4"]
    assert p1.tasks[0].duration == 14
    assert p8.sync is not None and p8.sync.kind == "simultaneous"
    assert p9.sync is not None and (p9.sync.min_gap, p9.sync.max_gap) == (51, 102)
    assert inst.caregivers[1].skills == {"s5", "s6"}
    assert inst.travel[0][1] == pytest.approx(38.470768)


@pytest.mark.parametrize("path", sorted(IOLAB.glob("Instanz*.json")), ids=lambda p: p.stem)
def test_text_and_json_forms_agree(path: Path) -> None:
    text, js = read_mankowska(MANKOWSKA / f"{path.stem}.txt"), read_iolab(path)
    assert text.caregivers == js.caregivers
    for a, b in zip(text.patients, js.patients, strict=True):
        assert (a.id, a.node, a.window, a.tasks, a.sync) == (
            b.id,
            b.node,
            b.window,
            b.tasks,
            b.sync,
        )
    for row_a, row_b in zip(text.travel, js.travel, strict=True):
        assert row_a == pytest.approx(row_b, abs=0.0006)  # the JSON rounds to 0.001


def test_kummer_original_text_has_road_times() -> None:
    inst = read_mankowska(KUMMER / "txt-original" / "HHCRSP_10_3_80_1.0_C_R.txt")
    assert inst.family == "kummer" and inst.coordinates == "latlon"
    assert (len(inst.patients), len(inst.caregivers)) == (10, 3)
    assert inst.travel[0][1] != inst.travel[1][0]  # road times are not symmetric


def test_extended_has_homes_shifts_and_incompatibilities() -> None:
    inst = read_iolab(EXTENDED / "000-cesena-p20-d4-i0.25-pt0.74-0.07-0.19-c5-6-4-5.json")
    assert inst.family == "extended" and len(inst.depots) == 4
    c0 = next(c for c in inst.caregivers if c.id == "c0")
    assert (c0.home, c0.shift) == (1, (390, 690))
    assert inst.patient("p1").incompatible == {"c6"}
    p4 = inst.patient("p4")
    assert p4.sync is not None and p4.sync.kind == "simultaneous"


# ------------------------------------------------------------------ bad input


def _a1_text() -> str:
    return (MANKOWSKA / "InstanzCPLEX_HCSRP_10_1.txt").read_text()


def test_ds_that_disagrees_with_r_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "InstanzCPLEX_bad.txt"
    bad.write_text(_a1_text().replace("DS\n11 10 9", "DS\n11 10"))
    with pytest.raises(InstanceError, match="DS lists"):
        read_mankowska(bad)


def test_a_missing_block_is_named(tmp_path: Path) -> None:
    text = _a1_text()
    bad = tmp_path / "InstanzCPLEX_bad.txt"
    bad.write_text(text[: text.index("mind")])
    with pytest.raises(InstanceError, match=r"missing block.*mind"):
        read_mankowska(bad)


def test_a_bad_number_names_the_line_and_block(tmp_path: Path) -> None:
    bad = tmp_path / "InstanzCPLEX_bad.txt"
    bad.write_text(_a1_text().replace("85 47 54", "85 forty-seven 54"))
    with pytest.raises(InstanceError, match=r"line \d+ \(x\)"):
        read_mankowska(bad)


def _a1_json() -> dict[str, object]:
    data: dict[str, object] = json.loads((IOLAB / "InstanzCPLEX_HCSRP_10_1.json").read_text())
    return data


def test_a_double_service_without_synchronization_is_rejected(tmp_path: Path) -> None:
    data = _a1_json()
    patients = data["patients"]
    assert isinstance(patients, list)
    del patients[7]["synchronization"]
    bad = tmp_path / "InstanzCPLEX_bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(InstanceError, match="patient p8: two services need a synchronization"):
        read_iolab(bad)


def test_an_unknown_service_is_rejected(tmp_path: Path) -> None:
    data = _a1_json()
    patients = data["patients"]
    assert isinstance(patients, list)
    patients[0]["required_caregivers"][0]["service"] = "s9"
    bad = tmp_path / "InstanzCPLEX_bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(InstanceError, match="patient p1: unknown service 's9'"):
        read_iolab(bad)
