"""Rule 9, working time (and 9b, night workers): the 48-hour average.

Version 2 cases: a new starter's window keeps only the weeks from the week of
``employment_start`` (reg 4(4)); an opted-out night worker is still bound (reg 6); a
window ending after the assignment's week binds too.
"""

import pytest
from cases import Case, assign, gap, scenario, three_ways, worker

WEEK = [gap(f"G{d}", f"2026-12-0{d} 08:00", f"2026-12-0{d} 18:00") for d in range(1, 6)]
FOUR = WEEK[:4]
BUSY = worker(previous_weekly_hours=[48.0] * 16)  # 768 h: room for 48 h more
STARTER = worker(employment_start="2026-11-23", previous_weekly_hours=[60.0])
NIGHTS = [
    gap("N1", "2026-12-01 21:00", "2026-12-02 07:00"),
    gap("N2", "2026-12-03 21:00", "2026-12-04 07:00"),
]
DAYS = [
    gap("N1", "2026-12-01 08:00", "2026-12-01 18:00"),
    gap("N2", "2026-12-03 08:00", "2026-12-03 18:00"),
]
OPTED_OUT = worker(wtd_opt_out=True, previous_weekly_hours=[50.0] * 16)  # 800 h
# 15 weeks of 50 h before, 60 h of other work in the week after the assignment's: the
# window ending then holds 750 + 60 + the assignment (the one ending at its week, 760)
OTHER_WORK = [
    {
        "start": f"2026-12-{d:02d}T08:00:00+00:00",
        "end": f"2026-12-{d:02d}T18:00:00+00:00",
        "location": None,
    }
    for d in range(7, 13)
]
LATER = worker(previous_weekly_hours=[50.0] * 15, commitments=OTHER_WORK)
TEN = gap("G1", "2026-12-01 08:00", "2026-12-01 18:00")
SIX = gap("G1", "2026-12-01 08:00", "2026-12-01 14:00")

CASES = [
    Case("50 hours on 768", 9, scenario(WEEK, [BUSY]), tuple(assign(g) for g in WEEK), False),
    Case("40 hours on 768", 9, scenario(FOUR, [BUSY]), tuple(assign(g) for g in FOUR), True),
    Case("a new starter's two weeks: 60 + 40 over 96", 9, scenario(FOUR, [STARTER]),
         tuple(assign(g) for g in FOUR), False),
    Case("a new starter's 60 + 30 within 96", 9, scenario(FOUR[:3], [STARTER]),
         tuple(assign(g) for g in FOUR[:3]), True),
    Case("the new starter in /1 (no such field, 60 + 40 on 816)", 9,
         scenario(FOUR, [worker(version=1, previous_weekly_hours=[60.0])], version=1),
         tuple(assign(g) for g in FOUR), True),
    Case("a window ending the week after: 820 h", 9, scenario([TEN], [LATER]), (assign(TEN),),
         False),
    Case("a window ending the week after: 816 h", 9, scenario([SIX], [LATER]), (assign(SIX),),
         True),
    Case("the window ending after it is not bound in /1", 9,
         scenario([TEN], [worker(version=1, previous_weekly_hours=[50.0] * 15,
                                 commitments=OTHER_WORK)], version=1),
         (assign(TEN),), True),
    Case("9b: opted out, 20 night hours on 800", 9, scenario(NIGHTS, [OPTED_OUT]),
         tuple(assign(g) for g in NIGHTS), False),
    Case("9b: opted out, 20 day hours on 800", 9, scenario(DAYS, [OPTED_OUT]),
         tuple(assign(g) for g in DAYS), True),
    Case("9b in /1: the opt-out holds for nights", 9,
         scenario(NIGHTS, [worker(version=1, wtd_opt_out=True,
                                  previous_weekly_hours=[50.0] * 16)], version=1),
         tuple(assign(g) for g in NIGHTS), True),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_9(case: Case) -> None:
    three_ways(case)
