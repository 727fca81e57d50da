"""The compliance checks of rules.md section 1, one small named rule per check.

Each :class:`Rule` has its reason code, the names of the policy parameters it reads,
a plain-English description, a fast ``passes`` test, an ``explain`` that says why it
failed (with the dates involved) and, for checks that depend on dates, ``lapses_on``:
the first date on which a check that passes now would fail.

A rule judges a worker's precomputed :class:`WorkerFacts` against a :class:`Job` (a gap,
or a one-day engagement on a date) in a :class:`Setting` (policy, timezone, as_of).
Every threshold comes from :class:`~flexbank.policy.Policy`, so a council changes one
through the scenario's ``policy`` object, never by code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from flexbank import reasons, timeline
from flexbank.geo import distance_km, travel_minutes, within_km
from flexbank.models import Client, Experience, Gap, Location, Worker
from flexbank.policy import Policy
from flexbank.roads import RoadTimes

#: Reason codes in the order of rules.md section 1 (from the one registry; version 2
#: adds ``night_assessment``, which a version 1 scenario never fails).
CODES: tuple[str, ...] = reasons.compliance_codes(2)
#: The checks that depend only on the worker and a date.
WORKER_CODES: tuple[str, ...] = ("experience", "right_to_work", "dbs", "reg19", "training", "age")

#: Sectors that count as UK care experience (rules.md, ``experience``).
CARE_SECTORS = frozenset({"adult_social_care", "health"})
CARE_COUNTRY = "GB"

#: "No limit": a valid-through date that never comes.
FOREVER = dt.date.max
#: "Never valid": a valid-through date that has always passed.
NEVER = dt.date.min

DAY = dt.timedelta(days=1)
_US = dt.timedelta(microseconds=1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MINUTE_US = 60_000_000
_KM_PER_DEGREE_LAT_MIN = 110.5  # the shortest meridian degree on WGS-84 is 110.574 km

CHECK_LABELS = {
    "list_a": "List A",
    "list_b_group1": "List B Group 1",
    "list_b_group2": "List B Group 2",
    "online": "online check",
    "idsp": "IDSP check",
}
REG19_LABELS = {
    "photo_id_verified": "photo ID verified",
    "conduct_evidence": "evidence of conduct in earlier care work",
    "reasons_for_leaving_verified": "reasons for leaving verified",
    "employment_history_complete": "full employment history",
    "health_declaration": "health declaration",
    "qualifications_verified": "qualifications verified",
}


def micros(instant: dt.datetime) -> int:
    """Microseconds since the epoch: exact integer arithmetic on instants."""
    return (instant - _EPOCH) // _US


# ------------------------------------------------------------------ the setting


@dataclass(frozen=True)
class Setting:
    """What every rule is judged with: the policy, the timezone and ``as_of``."""

    policy: Policy
    tz: str
    as_of: dt.datetime
    as_of_date: dt.date
    version: int = 1  # the scenario's format version (rules.md "Changes in version 2")
    roads: RoadTimes | None = None  # /2.1: the scenario's travel matrices, where it has any

    @classmethod
    def of(cls, policy: Policy, tz: str, as_of: dt.datetime, version: int = 1) -> Setting:
        return cls(policy, tz, as_of, timeline.local_date(as_of, tz), version)


# ------------------------------------------------------------- per-worker facts


def experience_days(experience: Sequence[Experience], as_of_date: dt.date) -> int:
    """Days of UK care experience up to ``as_of_date``, both ends counted, overlaps once.

    Periods in another country or sector, and periods starting after ``as_of_date``,
    are ignored; a null end (and any later end) counts to ``as_of_date``.
    """
    spans = sorted(
        (e.start, min(e.end or as_of_date, as_of_date))
        for e in experience
        if e.country == CARE_COUNTRY and e.sector in CARE_SECTORS and e.start <= as_of_date
    )
    total = 0
    current: tuple[dt.date, dt.date] | None = None
    for start, end in spans:
        if current is not None and start <= current[1] + DAY:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            total += (current[1] - current[0]).days + 1
        current = (start, end)
    if current is not None:
        total += (current[1] - current[0]).days + 1
    return total


def birthday(born: dt.date, years: int) -> dt.date:
    """The date someone born on ``born`` turns ``years`` (29 Feb counts from 1 March)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a non-leap year
        return dt.date(born.year + years, 3, 1)


def rtw_valid_through(worker: Worker) -> dt.date:
    """The last date the right-to-work check covers (:data:`FOREVER` when no limit)."""
    rtw = worker.right_to_work
    if rtw.check in ("list_a", "idsp"):
        return FOREVER
    if rtw.check == "list_b_group2":
        return timeline.add_months(rtw.checked_on, 6)
    # list_b_group1 and online: the permission's expiry; an online check without one
    # shows settled status (list_b_group1 without one is rejected when read).
    return rtw.permission_expires or FOREVER


def _plus(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return FOREVER


def _dbs_barrier(worker: Worker, as_of_date: dt.date) -> str | None:
    """rules.md /2 ``dbs``: what makes the certificate unusable whatever its age."""
    dbs = worker.dbs
    if dbs.issued > as_of_date:
        return f"DBS certificate dated {dbs.issued} is after {as_of_date}: not issued yet"
    if dbs.result == "barred":
        return "DBS shows the worker is barred from work with adults"
    if dbs.result == "information_disclosed":
        if dbs.risk_assessed_on is None:
            return "DBS shows disclosed information and no risk assessment is recorded"
        if dbs.risk_assessed_on > as_of_date:
            return (
                f"DBS shows disclosed information; the risk assessment dated "
                f"{dbs.risk_assessed_on} is after {as_of_date}, so not done yet"
            )
    if dbs.update_service and dbs.last_status_check is not None:
        if dbs.last_status_check > as_of_date:
            return (
                f"DBS Update Service status check dated {dbs.last_status_check} is after "
                f"{as_of_date}, so not done yet"
            )
        if dbs.last_status_result == "new_information":
            return (
                f"DBS Update Service status check of {dbs.last_status_check} shows new "
                "information: a new certificate is needed"
            )
    return None


@dataclass(frozen=True)
class WorkerFacts:
    """Everything about one worker that the rules need, computed once."""

    worker: Worker
    experience_days: int
    rtw_known: bool  # the check was made on or before as_of
    rtw_through: dt.date
    dbs_sound: bool  # enhanced, with the adults' barred list
    dbs_issue_through: dt.date  # last start date the certificate's age allows
    dbs_status_check: dt.date | None  # a usable Update Service status check
    dbs_through: dt.date  # last start date the DBS check passes (NEVER when unsound)
    dbs_barrier: str | None  # /2: why the certificate cannot be used at all
    reg19_missing: tuple[str, ...]
    training: dict[str, dt.date]  # course -> best expiry of records completed by as_of
    training_later: dict[str, dt.date]  # course -> first completion after as_of
    training_through: dt.date  # min over mandatory courses (NEVER when one is missing)
    adult_from: dt.date
    skills: dict[str, dt.date]  # skill -> best expiry (FOREVER for none)
    history_clients: frozenset[str]
    availability: tuple[tuple[int, int], ...]  # (start, end) micros, by start
    night_assessed: dt.date | None  # /2: a night health assessment made by as_of
    history_known: frozenset[str]  # clients with at least one engagement in the history
    static_ok: bool = field(default=False)  # experience, rtw made, dbs sound, reg19
    #: the distance check's verdict per place (lat, lon, matrix place), worked out once:
    #: a week's gaps share far fewer places than there are (worker, gap) pairs
    reach: dict[tuple[float, float, str | None], bool] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, worker: Worker, setting: Setting) -> WorkerFacts:
        policy, as_of_date = setting.policy, setting.as_of_date
        rtw = worker.right_to_work
        dbs = worker.dbs
        dbs_sound = dbs.level == "enhanced" and dbs.adults_barred_list
        issue_through = _plus(dbs.issued, policy.dbs_max_age_days)
        status = dbs.last_status_check
        barrier = _dbs_barrier(worker, as_of_date) if setting.version >= 2 else None
        if not dbs.update_service or status is None or status > as_of_date:
            status = None  # not on the Update Service, or not (yet) checked
        through = issue_through
        if status is not None:
            through = max(through, _plus(status, policy.dbs_status_check_max_age_days))
        training: dict[str, dt.date] = {}
        later: dict[str, dt.date] = {}
        for record in worker.training:
            expires = record.expires or FOREVER
            if record.expires is None and setting.version >= 2:
                expires = timeline.add_months(
                    record.completed, policy.validity_months(record.course)
                )
            if record.completed <= as_of_date:
                training[record.course] = max(training.get(record.course, NEVER), expires)
            else:
                later[record.course] = min(later.get(record.course, FOREVER), record.completed)
        training_through = min(
            (training.get(course, NEVER) for course in policy.mandatory_training),
            default=FOREVER,
        )
        skills: dict[str, dt.date] = {}
        for skill in worker.skills:
            skills[skill.name] = max(skills.get(skill.name, NEVER), skill.expires or FOREVER)
        # a /1 file has no sixth flag (None): five flags are checked, as in version 1
        missing = tuple(name for name, ok in worker.reg19 if ok is False)
        days = experience_days(worker.experience, as_of_date)
        facts = cls(
            worker=worker,
            experience_days=days,
            rtw_known=rtw.checked_on <= as_of_date,
            rtw_through=rtw_valid_through(worker),
            dbs_sound=dbs_sound,
            dbs_issue_through=issue_through,
            dbs_status_check=status,
            dbs_through=through if dbs_sound and barrier is None else NEVER,
            dbs_barrier=barrier,
            reg19_missing=missing,
            training=training,
            training_later=later,
            training_through=training_through,
            adult_from=birthday(worker.date_of_birth, policy.min_age),
            skills=skills,
            history_clients=frozenset(h.client_id for h in worker.history if h.client_id),
            availability=tuple(
                sorted((micros(p.start), micros(p.end)) for p in worker.availability)
            ),
            night_assessed=(
                worker.night_health_assessment
                if worker.night_health_assessment is not None
                and worker.night_health_assessment <= as_of_date
                else None
            ),
            history_known=frozenset(
                h.client_id
                for h in worker.history
                if h.client_id and (setting.version == 1 or h.engagements >= 1)
            ),
        )
        static_ok = (
            days >= policy.min_uk_care_experience_days
            and facts.rtw_known
            and dbs_sound
            and barrier is None
            and not missing
        )
        object.__setattr__(facts, "static_ok", static_ok)
        return facts

    def worker_window_ok(self, start_date: dt.date, end_date: dt.date) -> bool:
        """All the worker-only checks pass for work from ``start_date`` to ``end_date``."""
        return (
            self.static_ok
            and self.adult_from <= start_date <= self.dbs_through
            and end_date <= self.rtw_through
            and end_date <= self.training_through
        )


# ------------------------------------------------------------------------ jobs


@dataclass(frozen=True)
class Job:
    """What a worker would work: a gap, or (``gap`` None) a one-day engagement."""

    start_date: dt.date
    end_date: dt.date
    gap: Gap | None = None
    client: Client | None = None
    location: Location | None = None
    start_us: int = 0  # the gap's start
    length_us: int = 0  # its elapsed length
    tolerance: int = 0  # minutes
    fixed_start_us: int | None = None  # an actual planned start, judged alone
    short: bool = False  # a visit shorter than short_visit_minutes
    night: bool = False  # /2: a night gap (rules.md section 0)
    excluded: frozenset[str] = frozenset()
    genders: tuple[tuple[str, str], ...] = ()  # (who asks, gender)

    @classmethod
    def for_gap(
        cls,
        gap: Gap,
        client: Client | None,
        location: Location,
        setting: Setting,
        start: dt.datetime | None = None,
    ) -> Job:
        length = micros(gap.end) - micros(gap.start)
        genders = []
        if gap.carer_gender is not None:
            genders.append((f"Gap {gap.id}", gap.carer_gender))
        if client is not None and client.carer_gender is not None:
            genders.append((f"Client {client.id}", client.carer_gender))
        excluded = set(gap.excluded_workers)
        if client is not None:
            excluded.update(client.excluded_workers)
        return cls(
            start_date=timeline.first_minute_date(gap.start, setting.tz),
            end_date=timeline.last_minute_date(gap.end, setting.tz),
            gap=gap,
            client=client,
            location=location,
            start_us=micros(gap.start),
            length_us=length,
            tolerance=gap.start_tolerance_minutes + gap.lateness_allowed,  # /2.1: late too
            fixed_start_us=None if start is None else micros(start),
            short=gap.kind == "visit" and length < setting.policy.short_visit_minutes * MINUTE_US,
            night=setting.version >= 2 and night_gap(gap, setting),
            excluded=frozenset(excluded),
            genders=tuple(genders),
        )

    @classmethod
    def on_day(cls, day: dt.date) -> Job:
        """A one-day engagement that is not a night gap."""
        return cls(start_date=day, end_date=day)

    def with_start(self, start: dt.datetime | None) -> Job:
        if start is None and self.fixed_start_us is None:
            return self
        return replace(self, fixed_start_us=None if start is None else micros(start))

    # phrases for messages
    @property
    def ends(self) -> str:
        if self.gap is None:
            return f"the work is on {self.end_date}"
        return f"the gap ends {self.end_date}"

    @property
    def starts(self) -> str:
        return str(self.start_date)


def night_gap(gap: Gap, setting: Setting) -> bool:
    """rules.md section 0 (/2): the engagement from the gap's start to its end has at
    least ``night_min_hours`` of night time."""
    policy = setting.policy
    night = timeline.night_minutes(
        gap.start, gap.end, setting.tz, policy.night_start, policy.night_end
    )
    return night >= round(policy.night_min_hours * 60)


# ---------------------------------------------------------------- availability


def start_ranges(
    availability: Sequence[tuple[int, int]], start_us: int, length_us: int, tolerance: int
) -> list[tuple[int, int]]:
    """Maximal ranges [lo, hi] of minute offsets k in [0, tolerance] such that the
    engagement [start + k, start + k + length] lies inside one availability period."""
    pieces = []
    for p_start, p_end in availability:
        if p_start > start_us + tolerance * MINUTE_US:
            break  # sorted by start: no later period can hold an allowed start
        lo = max(0, -((start_us - p_start) // MINUTE_US))  # ceil((p_start - start) / minute)
        hi = min(tolerance, (p_end - length_us - start_us) // MINUTE_US)
        if lo <= hi:
            pieces.append((lo, hi))
    pieces.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in pieces:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def fits(availability: Sequence[tuple[int, int]], start_us: int, end_us: int) -> bool:
    """``[start, end]`` lies inside one availability period."""
    for p_start, p_end in availability:
        if p_start > start_us:
            return False
        if end_us <= p_end:
            return True
    return False


def _any_start_fits(availability: Sequence[tuple[int, int]], job: Job) -> bool:
    if job.fixed_start_us is not None:
        offset = job.fixed_start_us - job.start_us
        if offset < 0 or offset > job.tolerance * MINUTE_US or offset % MINUTE_US:
            return False
        return fits(availability, job.fixed_start_us, job.fixed_start_us + job.length_us)
    latest = job.start_us + job.tolerance * MINUTE_US
    for p_start, p_end in availability:
        if p_start > latest:
            return False
        lo = max(0, -((job.start_us - p_start) // MINUTE_US))
        if job.start_us + lo * MINUTE_US + job.length_us <= p_end and lo <= job.tolerance:
            return True
    return False


# ------------------------------------------------------------------ formatting


def zone_label(tz: str) -> str:
    if "/" not in tz:
        return tz
    return tz.rsplit("/", 1)[-1].replace("_", " ") + " time"


def _local(us: int, tz: str) -> dt.datetime:
    return (_EPOCH + dt.timedelta(microseconds=us)).astimezone(timeline.zone(tz))


def span_text(start_us: int, end_us: int, tz: str) -> str:
    """``2026-12-01 17:00-17:30`` or ``2026-12-02 20:00 to 2026-12-03 06:00``, local."""
    a, b = _local(start_us, tz), _local(end_us, tz)
    if a.date() == b.date():
        return f"{a:%Y-%m-%d %H:%M}-{b:%H:%M}"
    return f"{a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M}"


def km_text(km: float, limit: float) -> tuple[str, str]:
    """Distances to one decimal, more where one decimal would hide the difference."""
    for digits in (1, 2, 3):
        a, b = f"{km:.{digits}f}", f"{limit:.{digits}f}"
        if a != b:
            break
    return a, f"{limit:g}"


def _age_text(days: int) -> str:
    if days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{days} days"


def _expiry_text(expires: dt.date, job: Job, as_of_date: dt.date) -> str:
    if expires < as_of_date:
        return f"expired {expires}"
    return f"expires {expires}, before {job.ends}"


# ----------------------------------------------------------------------- rules

Check = Callable[[Setting, WorkerFacts, Job], bool]
Explain = Callable[[Setting, WorkerFacts, Job], str]
LapseOn = Callable[[Setting, WorkerFacts, Job], "dt.date | None"]


def _never_lapses(setting: Setting, facts: WorkerFacts, job: Job) -> dt.date | None:
    return None


def _day_after(through: dt.date) -> dt.date | None:
    return None if through >= FOREVER else through + DAY


@dataclass(frozen=True)
class Rule:
    """One check of rules.md section 1."""

    code: str
    params: tuple[str, ...]
    description: str
    passes: Check
    explain: Explain
    lapses_on: LapseOn = _never_lapses
    worker_only: bool = False

    def check(self, setting: Setting, facts: WorkerFacts, job: Job) -> str | None:
        """None when the check passes, else the message saying why it fails."""
        if self.passes(setting, facts, job):
            return None
        return self.explain(setting, facts, job)


# experience ---------------------------------------------------------------


def _experience_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    return f.experience_days >= s.policy.min_uk_care_experience_days


def _experience_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    return (
        f"Only {f.experience_days} days of UK care experience (GB adult social care or "
        f"health) up to {s.as_of_date}; {s.policy.min_uk_care_experience_days} needed"
    )


EXPERIENCE = Rule(
    "experience",
    ("min_uk_care_experience_days",),
    "At least [min_uk_care_experience_days] days of UK care experience (GB, adult social "
    "care or health) up to as_of; overlapping periods count once, both end dates count.",
    _experience_passes,
    _experience_explain,
    worker_only=True,
)


# right to work ------------------------------------------------------------


def _rtw_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    return f.rtw_known and j.end_date <= f.rtw_through


def _rtw_what(f: WorkerFacts) -> str:
    rtw = f.worker.right_to_work
    return f"Right to work ({CHECK_LABELS[rtw.check]}, checked {rtw.checked_on})"


def _rtw_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    rtw = f.worker.right_to_work
    if not f.rtw_known:
        return f"{_rtw_what(f)} is dated after {s.as_of_date}: the check is not done yet"
    if rtw.check == "list_b_group2":
        return f"{_rtw_what(f)} is valid only through {f.rtw_through}; {j.ends}"
    if f.rtw_through < s.as_of_date:
        return f"{_rtw_what(f)}: permission to work expired {f.rtw_through}; {j.ends}"
    return f"{_rtw_what(f)}: permission to work ends {f.rtw_through}; {j.ends}"


def _rtw_lapse(s: Setting, f: WorkerFacts, j: Job) -> dt.date | None:
    return _day_after(f.rtw_through)


RIGHT_TO_WORK = Rule(
    "right_to_work",
    (),
    "The right-to-work check was made on or before as_of and is valid through the gap's "
    "end date (List A, IDSP: no limit; List B Group 1 and online: the permission's expiry; "
    "List B Group 2: 6 calendar months from the check).",
    _rtw_passes,
    _rtw_explain,
    _rtw_lapse,
    worker_only=True,
)


# dbs ----------------------------------------------------------------------


def _dbs_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    return j.start_date <= f.dbs_through


def _dbs_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    dbs = f.worker.dbs
    problems = []
    if f.dbs_barrier is not None:
        problems.append(f.dbs_barrier)
    if dbs.level != "enhanced":
        problems.append(f"DBS is {dbs.level} level, not enhanced")
    if not dbs.adults_barred_list:
        problems.append("DBS does not include the Adults' Barred List")
    if problems:
        return "; ".join(problems)
    policy = s.policy
    age = (j.start_date - dbs.issued).days
    text = (
        f"DBS issued {dbs.issued} is over {_age_text(policy.dbs_max_age_days)} old on "
        f"{j.start_date} ({age} days)"
    )
    if not dbs.update_service:
        return text + " and not on the Update Service"
    if f.dbs_status_check is None:
        if dbs.last_status_check is not None:
            return (
                text + f"; its Update Service status check dated {dbs.last_status_check} "
                f"is after {s.as_of_date}, so not done yet"
            )
        return text + "; on the Update Service but no status check recorded"
    check_age = (j.start_date - f.dbs_status_check).days
    return (
        text + f"; the last Update Service status check ({f.dbs_status_check}) is "
        f"{check_age} days old on {j.start_date}, over "
        f"{policy.dbs_status_check_max_age_days}"
    )


def _dbs_lapse(s: Setting, f: WorkerFacts, j: Job) -> dt.date | None:
    return _day_after(f.dbs_through)


DBS = Rule(
    "dbs",
    ("dbs_max_age_days", "dbs_status_check_max_age_days"),
    "Enhanced DBS with the Adults' Barred List, issued at most [dbs_max_age_days] days "
    "before the gap's start date, or on the Update Service with a status check at most "
    "[dbs_status_check_max_age_days] days before it. Version 2: not barred, disclosed "
    "information risk-assessed, and no new information at the last status check.",
    _dbs_passes,
    _dbs_explain,
    _dbs_lapse,
    worker_only=True,
)


# reg19 --------------------------------------------------------------------


def _reg19_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    return not f.reg19_missing


def _reg19_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    missing = ", ".join(f"{REG19_LABELS.get(m, m)} ({m})" for m in f.reg19_missing)
    return f"Schedule 3 (Regulation 19) recruitment checks incomplete: {missing}"


REG19 = Rule(
    "reg19",
    (),
    "All five Schedule 3 (Regulation 19) recruitment checks are recorded as done "
    "(version 2: all six, with the qualifications verified).",
    _reg19_passes,
    _reg19_explain,
    worker_only=True,
)


# training -----------------------------------------------------------------


def _training_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    return j.end_date <= f.training_through


def _training_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    problems = []
    for course in s.policy.mandatory_training:
        through = f.training.get(course)
        if through is not None and through >= j.end_date:
            continue
        if through is not None:
            problems.append(f"{course} ({_expiry_text(through, j, s.as_of_date)})")
        elif course in f.training_later:
            problems.append(
                f"{course} (completed {f.training_later[course]}, after {s.as_of_date})"
            )
        else:
            problems.append(f"{course} (no record)")
    return "Missing mandatory training: " + ", ".join(problems)


def _training_lapse(s: Setting, f: WorkerFacts, j: Job) -> dt.date | None:
    return _day_after(f.training_through)


TRAINING = Rule(
    "training",
    ("mandatory_training",),
    "Every course in [mandatory_training] was completed on or before as_of and does not "
    "expire before the gap's end date.",
    _training_passes,
    _training_explain,
    _training_lapse,
    worker_only=True,
)


# night assessment (/2) ----------------------------------------------------


def _night_through(s: Setting, f: WorkerFacts) -> dt.date:
    if f.night_assessed is None:
        return NEVER
    return _plus(f.night_assessed, s.policy.night_assessment_max_age_days)


def _night_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    return not j.night or j.start_date <= _night_through(s, f)


def _night_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    assessed = f.worker.night_health_assessment
    head = "Night work needs a night health assessment (Working Time Regulations, reg 7)"
    if assessed is None:
        return f"{head}; none recorded"
    if f.night_assessed is None:
        return f"{head}; the one dated {assessed} is after {s.as_of_date}, so not done yet"
    return (
        f"{head}; the last, on {assessed}, is over "
        f"{s.policy.night_assessment_max_age_days} days old on {j.start_date}"
    )


def _night_lapse(s: Setting, f: WorkerFacts, j: Job) -> dt.date | None:
    if not j.night and (j.gap is not None or f.night_assessed is None):
        return None
    return _day_after(_night_through(s, f))


NIGHT_ASSESSMENT = Rule(
    "night_assessment",
    ("night_assessment_max_age_days",),
    "Version 2: a night gap goes only to a worker whose night health assessment was made "
    "on or before as_of and at most [night_assessment_max_age_days] days before the gap's "
    "start date.",
    _night_passes,
    _night_explain,
    _night_lapse,
)


# age ----------------------------------------------------------------------


def _age_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    return f.adult_from <= j.start_date


def _age_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    years = s.policy.min_age
    return (
        f"Under {years} on {j.start_date} (born {f.worker.date_of_birth}; "
        f"{years} on {f.adult_from})"
    )


AGE = Rule(
    "age",
    ("min_age",),
    "The worker is at least [min_age] on the gap's start date.",
    _age_passes,
    _age_explain,
    worker_only=True,
)


# skill --------------------------------------------------------------------


def _skill_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    if j.gap is None:
        return True
    return all(f.skills.get(name, NEVER) >= j.end_date for name in j.gap.skills)


def _skill_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    assert j.gap is not None
    problems = []
    for name in dict.fromkeys(j.gap.skills):
        through = f.skills.get(name)
        if through is None:
            problems.append(f"{name} (no record)")
        elif through < j.end_date:
            problems.append(f"{name} ({_expiry_text(through, j, s.as_of_date)})")
    word = "skill" if len(problems) == 1 else "skills"
    return f"Needs {word} " + ", ".join(problems)


def _skill_lapse(s: Setting, f: WorkerFacts, j: Job) -> dt.date | None:
    if j.gap is None or not j.gap.skills:
        return None
    return _day_after(min(f.skills.get(name, NEVER) for name in j.gap.skills))


SKILL = Rule(
    "skill",
    (),
    "For every skill the gap needs, the worker has a record of it that does not expire "
    "before the gap's end date.",
    _skill_passes,
    _skill_explain,
    _skill_lapse,
)


# gender -------------------------------------------------------------------


def _gender_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    return all(gender == f.worker.gender for _, gender in j.genders)


def _gender_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    asks = [f"{who} asks for a {g} carer" for who, g in j.genders if g != f.worker.gender]
    return "; ".join(asks) + f"; the worker is {f.worker.gender}"


GENDER = Rule(
    "gender",
    (),
    "The gap's carer_gender and its client's are each unset or equal to the worker's.",
    _gender_passes,
    _gender_explain,
)


# excluded -----------------------------------------------------------------


def _excluded_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    return f.worker.id not in j.excluded


def _excluded_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    who = []
    if j.gap is not None and f.worker.id in j.gap.excluded_workers:
        who.append(f"provider {j.gap.provider_id} (gap {j.gap.id})")
    if j.client is not None and f.worker.id in j.client.excluded_workers:
        who.append(f"client {j.client.id}")
    return "Excluded by " + " and by ".join(who)


EXCLUDED = Rule(
    "excluded",
    (),
    "The worker is not in the gap's or its client's excluded_workers.",
    _excluded_passes,
    _excluded_explain,
)


# short visit --------------------------------------------------------------


def _short_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    if not j.short:
        return True
    return j.gap is not None and j.gap.client_id in f.history_known


def _short_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    assert j.gap is not None
    minutes = j.length_us // MINUTE_US
    head = f"A {minutes}-minute visit (under {s.policy.short_visit_minutes})"
    if j.gap.client_id is None:
        return f"{head} with no client: no carer can be known to the person"
    if j.gap.client_id in f.history_clients:
        return (
            f"{head} goes only to a carer who knows client {j.gap.client_id}; no visits to them yet"
        )
    return f"{head} goes only to a carer who knows client {j.gap.client_id}; no history with them"


SHORT_VISIT = Rule(
    "short_visit",
    ("short_visit_minutes",),
    "A visit shorter than [short_visit_minutes] minutes goes only to a worker whose "
    "history includes the gap's client (NICE NG21).",
    _short_passes,
    _short_explain,
)


# distance -----------------------------------------------------------------


def _distance_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    place = j.location
    if place is None:
        return True
    key = (place.lat, place.lon, place.place)
    known = f.reach.get(key)
    if known is None:
        known = f.reach[key] = _within_reach(s, f, place)
    return known


def _within_reach(s: Setting, f: WorkerFacts, place: Location) -> bool:
    home, limit = f.worker.home, f.worker.max_travel_km
    # Cheap certain "no": a degree of latitude is at least 110.57 km on WGS-84, and no
    # path is shorter than the meridian arc between the two latitudes.
    if abs(home.lat - place.lat) * _KM_PER_DEGREE_LAT_MIN > limit:
        return False
    if not within_km(home, place, limit):
        return False
    most = f.worker.max_travel_minutes  # /2.1
    return most is None or _minutes_to(s, f, place)[0] <= most


def _home_minutes(s: Setting, f: WorkerFacts, j: Job) -> tuple[float, str | None]:
    """/2.1: travel minutes from home to the gap, and the matrix's source where its entry
    was used (rules.md section 0: the matrix entry, else the estimate)."""
    assert j.location is not None
    return _minutes_to(s, f, j.location)


def _minutes_to(s: Setting, f: WorkerFacts, place: Location) -> tuple[float, str | None]:
    worker = f.worker
    if s.roads is not None:
        road = s.roads.minutes(worker.home, place, worker.travel_mode)
        if road is not None:
            return road, s.roads.source(worker.travel_mode)
    return travel_minutes(worker.home, place, worker.travel_mode, s.policy), None


def _distance_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    assert j.location is not None
    km_value = distance_km(f.worker.home, j.location)
    most = f.worker.max_travel_minutes
    if km_value <= f.worker.max_travel_km and most is not None:
        minutes, source = _home_minutes(s, f, j)
        how = f"by road from home ({source})" if source else f"from home by {f.worker.travel_mode}"
        return f"{minutes:g} minutes {how}, more than the {most:g} the worker set"
    km, limit = km_text(km_value, f.worker.max_travel_km)
    return f"Home is {km} km from the gap; limit {limit} km"


DISTANCE = Rule(
    "distance",
    (),
    "The geodesic distance from the worker's home to the gap is at most max_travel_km.",
    _distance_passes,
    _distance_explain,
)


# availability -------------------------------------------------------------


def _availability_passes(s: Setting, f: WorkerFacts, j: Job) -> bool:
    if j.gap is None:
        return True
    return _any_start_fits(f.availability, j)


def _availability_explain(s: Setting, f: WorkerFacts, j: Job) -> str:
    zone = zone_label(s.tz)
    if j.fixed_start_us is not None:
        offset = j.fixed_start_us - j.start_us
        if offset < 0 or offset > j.tolerance * MINUTE_US or offset % MINUTE_US:
            latest = j.start_us + j.tolerance * MINUTE_US
            return (
                f"Start {_local(j.fixed_start_us, s.tz):%Y-%m-%d %H:%M} is not an allowed "
                f"start of the gap ({span_text(j.start_us, latest, s.tz)}, whole minutes; "
                f"{zone})"
            )
        return (
            f"Not available {span_text(j.fixed_start_us, j.fixed_start_us + j.length_us, s.tz)}"
            f" ({zone})"
        )
    if not f.availability:
        return "Offers no availability"
    text = f"Not available {span_text(j.start_us, j.start_us + j.length_us, s.tz)}"
    if j.tolerance:
        last_start = _local(j.start_us + j.tolerance * MINUTE_US, s.tz)
        text += f" nor at any later start up to {last_start:%H:%M}"
    window_end = j.start_us + j.tolerance * MINUTE_US + j.length_us
    near = [span_text(a, b, s.tz) for a, b in f.availability if a < window_end and b > j.start_us]
    text += f" ({zone})"
    if near:
        text += "; offers only " + ", ".join(near)
    return text


AVAILABILITY = Rule(
    "availability",
    (),
    "For at least one allowed start (whole minutes up to start_tolerance_minutes after "
    "the gap's start), the whole engagement fits inside one availability period.",
    _availability_passes,
    _availability_explain,
)


#: The rules in rules.md section 1 order.
RULES: tuple[Rule, ...] = (
    EXPERIENCE,
    RIGHT_TO_WORK,
    DBS,
    REG19,
    TRAINING,
    NIGHT_ASSESSMENT,
    AGE,
    SKILL,
    GENDER,
    EXCLUDED,
    SHORT_VISIT,
    DISTANCE,
    AVAILABILITY,
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
WORKER_RULES: tuple[Rule, ...] = tuple(rule for rule in RULES if rule.worker_only)
GAP_RULES: tuple[Rule, ...] = tuple(rule for rule in RULES if not rule.worker_only)
#: What the register judges for a worker on a day: the worker-only checks, and the
#: lapse of a night health assessment.
REGISTER_RULES: tuple[Rule, ...] = tuple(
    rule for rule in RULES if rule.worker_only or rule is NIGHT_ASSESSMENT
)

assert tuple(rule.code for rule in RULES) == CODES
assert tuple(rule.code for rule in WORKER_RULES) == WORKER_CODES


def worker_facts(worker: Worker, setting: Setting) -> WorkerFacts:
    return WorkerFacts.of(worker, setting)
