"""The flex coordinator's pages: the 7-day dashboard, allocation runs (start, progress,
review, explain, publish), the compliance register, and each worker's week (a
timeline) and day round (an SVG diagram of the ordered visits, no map tiles)."""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from flexbank import geo, timeline
from flexbank.matching.phone_comparison import behind_phone_round
from flexbank.models import PRIORITIES, Location, Worker
from flexbank.policy import Policy
from flexbank.services.contract import (
    Actor,
    Conflict,
    GapOut,
    NotFound,
    RunOut,
)
from flexbank.web import forms
from flexbank.web.common import CsrfForm, PageError, Web, duration_text, hours_text
from flexbank.web.control_room import gap_rows
from flexbank.web.lists import matches, paginate
from flexbank.web.plain import run_name, sentence, word
from flexbank.web.records import register_of
from flexbank.web.run_progress import is_parts, parts_rows
from flexbank.web.week_checks import WeekCheck, week_checks

DASHBOARD_DAYS = 7
ROWS_PER_PRIORITY = 30


# ----------------------------------------------------------------- allocation jobs


@dataclass
class Job:
    """An allocation run started from the pages, solving in a background thread."""

    id: str
    started: float
    status: str = "running"
    run_id: int | None = None
    error: str = ""
    events: list[dict[str, str]] = field(default_factory=list)
    finished: float | None = None

    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started


class Jobs:
    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def start(self, work: Callable[[Job], RunOut]) -> Job:
        job = Job(uuid.uuid4().hex[:12], time.monotonic())
        with self.lock:
            self.jobs[job.id] = job

        def run() -> None:
            try:
                out = work(job)
                job.run_id = out.id
                job.status = out.status
                job.error = out.error or ""
            except Exception as e:  # shown on the page; the service logs its own
                job.status = "failed"
                job.error = f"{type(e).__name__}: {e}"
            finally:
                job.finished = time.monotonic()

        threading.Thread(target=run, name=f"allocation-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job:
        with self.lock:
            job = self.jobs.get(job_id)
        if job is None:
            raise NotFound(f"no allocation job {job_id}")
        return job


# ------------------------------------------------------------------ a worker's week


@dataclass(frozen=True)
class Engagement:
    kind: str  # booking, planned, commitment
    start: dt.datetime
    end: dt.datetime
    label: str
    location: Location | None
    gap_id: str | None = None
    main_job: bool = False


@dataclass(frozen=True)
class Block:
    """Part of a timeline row: minutes from the local day's midnight."""

    kind: str  # availability, commitment, booking, planned, travel
    x0: float
    x1: float
    label: str


@dataclass
class DayRow:
    day: dt.date
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Leg:
    """Travel before an engagement, and the rest since the one before."""

    to: Engagement
    start: dt.datetime
    minutes: int
    km: float
    origin: str
    rest_before: dt.timedelta | None


@dataclass
class WeekView:
    monday: dt.date
    rows: list[DayRow]
    engagements: list[Engagement]
    legs: list[Leg]
    bank_hours: float
    planned_hours: float
    commitment_hours: float
    main_job_hours: float
    offered_hours: float
    visa_limit: float | None
    visa_scope: str
    visa_hours: float
    wtd_average: float
    wtd_weeks: int
    wtd_limit: float
    wtd_opt_out: bool
    short_rests: int  # duty periods breaking daily rest (the checker's rule 7)
    checks: list[WeekCheck] = field(default_factory=list)  # the checker's verdicts


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def _clip(
    start: dt.datetime, end: dt.datetime, lo: dt.datetime, hi: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    s, e = max(start, lo), min(end, hi)
    return (s, e) if e > s else None


def _add_block(
    row: DayRow,
    lo: dt.datetime,
    hi: dt.datetime,
    kind: str,
    start: dt.datetime,
    end: dt.datetime,
    label: str,
) -> None:
    part = _clip(start, end, lo, hi)
    if part is not None:
        x0 = (part[0] - lo).total_seconds() / 60
        x1 = (part[1] - lo).total_seconds() / 60
        row.blocks.append(Block(kind, x0, x1, label))


def week_view(
    worker: Worker,
    engagements: Sequence[Engagement],
    monday: dt.date,
    tz: str,
    policy: Policy,
    as_of: dt.datetime | None = None,
) -> WeekView:
    """Bookings, plans and commitments of one local ISO week, with travel and rest, and
    the rules the week breaks as the independent checker judges them."""
    week_start, week_end = timeline.week_bounds(monday, tz)
    inside = sorted(
        (e for e in engagements if e.end > week_start and e.start < week_end),
        key=lambda e: (e.start, e.end),
    )
    legs: list[Leg] = []
    previous: Engagement | None = None
    for eng in inside:
        origin, place = "home", worker.home
        rest = None
        if previous is not None:
            rest = eng.start - previous.end
            if rest < dt.timedelta(hours=3) and previous.location is not None:
                origin, place = previous.label, previous.location
        if eng.kind != "commitment" and eng.location is not None:
            minutes = geo.travel_minutes(place, eng.location, worker.travel_mode, policy)
            km = geo.distance_km(place, eng.location)
            legs.append(
                Leg(eng, eng.start - dt.timedelta(minutes=minutes), minutes, km, origin, rest)
            )
        elif rest is not None:
            legs.append(Leg(eng, eng.start, 0, 0.0, origin, rest))
        previous = eng

    rows: list[DayRow] = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        lo = timeline.local_midnight(day, tz)
        hi = timeline.local_midnight(day + dt.timedelta(days=1), tz)
        row = DayRow(day)

        for period in worker.availability:
            _add_block(row, lo, hi, "availability", period.start, period.end, "available")
        for leg in legs:
            if leg.minutes:
                label = f"travel {leg.minutes} min"
                _add_block(row, lo, hi, "travel", leg.start, leg.to.start, label)
        for eng in inside:
            _add_block(row, lo, hi, eng.kind, eng.start, eng.end, eng.label)
        rows.append(row)

    def total(kinds: tuple[str, ...], main_job: bool | None = None) -> float:
        hours = 0.0
        for eng in inside:
            if eng.kind not in kinds or (main_job is not None and eng.main_job != main_job):
                continue
            part = _clip(eng.start, eng.end, week_start, week_end)
            if part:
                hours += _hours(part[1] - part[0])
        return hours

    bank_hours = total(("booking",))
    planned_hours = total(("planned",))
    commitment_hours = total(("commitment",))
    main_job_hours = total(("commitment",), main_job=True)
    rtw = worker.right_to_work
    scope = rtw.limit_scope
    flex = bank_hours + planned_hours
    visa_hours = flex + commitment_hours - (main_job_hours if scope == "outside_main_job" else 0)
    weeks = [*worker.previous_weekly_hours, flex + commitment_hours][-policy.wtd_reference_weeks :]
    checks = week_checks(worker, engagements, monday, tz, as_of or week_start)
    short = sum(1 for c in checks if c.rule == 7)
    return WeekView(
        monday=monday,
        rows=rows,
        engagements=inside,
        legs=legs,
        bank_hours=bank_hours,
        planned_hours=planned_hours,
        commitment_hours=commitment_hours,
        main_job_hours=main_job_hours,
        offered_hours=worker.max_hours_per_week,
        visa_limit=rtw.weekly_hour_limit,
        visa_scope=scope,
        visa_hours=visa_hours,
        wtd_average=sum(weeks) / len(weeks) if weeks else 0.0,
        wtd_weeks=len(weeks),
        wtd_limit=policy.wtd_average_hours,
        wtd_opt_out=worker.wtd_opt_out,
        short_rests=short,
        checks=checks,
    )


# ------------------------------------------------------------------- a day's round


@dataclass(frozen=True)
class Stop:
    number: int
    engagement: Engagement
    x: float
    y: float
    leg_km: float
    leg_minutes: int
    wait: dt.timedelta | None


@dataclass
class Round:
    day: dt.date
    mode: str
    home: tuple[float, float]
    stops: list[Stop]
    back_km: float
    back_minutes: int
    width: int
    height: int

    @property
    def travel_minutes(self) -> int:
        return sum(s.leg_minutes for s in self.stops) + self.back_minutes


def day_round(
    worker: Worker,
    engagements: Sequence[Engagement],
    day: dt.date,
    tz: str,
    policy: Policy,
    width: int = 600,
    height: int = 420,
) -> Round:
    """The day's visits in order, laid out on a local flat projection of lat/lon."""
    lo = timeline.local_midnight(day, tz)
    hi = timeline.local_midnight(day + dt.timedelta(days=1), tz)
    todays = sorted(
        (
            e
            for e in engagements
            if e.kind != "commitment" and e.location is not None and lo <= e.start < hi
        ),
        key=lambda e: e.start,
    )
    points = [worker.home] + [e.location for e in todays if e.location is not None]
    lat0 = sum(p.lat for p in points) / len(points)
    scale_x = math.cos(math.radians(lat0))
    xs = [p.lon * scale_x for p in points]
    ys = [p.lat for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 0.002)
    margin = 40
    unit = min(width - 2 * margin, height - 2 * margin) / span
    cx = (max(xs) + min(xs)) / 2
    cy = (max(ys) + min(ys)) / 2

    def project(loc: Location) -> tuple[float, float]:
        return (
            round(width / 2 + (loc.lon * scale_x - cx) * unit, 1),
            round(height / 2 - (loc.lat - cy) * unit, 1),
        )

    stops: list[Stop] = []
    place = worker.home
    previous_end: dt.datetime | None = None
    for number, eng in enumerate(todays, start=1):
        assert eng.location is not None
        minutes = geo.travel_minutes(place, eng.location, worker.travel_mode, policy)
        km = geo.distance_km(place, eng.location)
        wait = None
        if previous_end is not None:
            wait = eng.start - previous_end - dt.timedelta(minutes=minutes)
        x, y = project(eng.location)
        stops.append(Stop(number, eng, x, y, km, minutes, wait))
        place, previous_end = eng.location, eng.end
    back_km = geo.distance_km(place, worker.home) if todays else 0.0
    back_minutes = (
        geo.travel_minutes(place, worker.home, worker.travel_mode, policy) if todays else 0
    )
    return Round(
        day, worker.travel_mode, project(worker.home), stops, back_km, back_minutes, width, height
    )


# --------------------------------------------------------------------- the routes


def register(router: APIRouter, web: Web) -> None:
    bank = web.bank
    jobs = Jobs()
    policy = Policy()
    tz = web.settings.timezone

    def parse_day(value: str | None, fallback: dt.date) -> dt.date:
        if not value:
            return fallback
        try:
            return dt.date.fromisoformat(value)
        except ValueError as e:
            raise PageError(400, "That date is not valid", "Use a date like 2026-11-30.") from e

    # allocation ------------------------------------------------------------------
    @router.get("/app/coordinator/runs")
    def runs(request: Request) -> Response:
        actor = web.require(request, "coordinator")
        tomorrow = web.today() + dt.timedelta(days=1)
        return web.render(
            request,
            "coordinator/runs.html",
            title="Allocation",
            runs=sorted(bank.list_runs(actor), key=lambda r: r.id, reverse=True),
            values={
                "date": {
                    "day": str(tomorrow.day),
                    "month": str(tomorrow.month),
                    "year": str(tomorrow.year),
                },
                "days": str(web.settings.horizon_days),
                "time_limit": f"{web.settings.solver_time_limit:g}",
            },
            errors={},
            live=True,
        )

    @router.post("/app/coordinator/runs")
    def start_run(request: Request, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        errors: dict[str, str] = {}
        parts = forms.date_parts(form, "date")
        start = forms.parse_date(parts, "first day", errors, "date-day")
        days_text, limit_text = forms.text(form, "days"), forms.text(form, "time_limit")
        days = int(days_text) if days_text.isdigit() and 1 <= int(days_text) <= 28 else None
        if days is None:
            errors["days"] = "Enter the number of days, from 1 to 28"
        try:
            limit = float(limit_text)
            if not 1 <= limit <= 600:
                raise ValueError
        except ValueError:
            limit = None
            errors["time_limit"] = "Enter a time limit in seconds, from 1 to 600"
        if errors or start is None or days is None or limit is None:
            return web.render(
                request,
                "coordinator/runs.html",
                status=400,
                title="Allocation",
                runs=sorted(bank.list_runs(actor), key=lambda r: r.id, reverse=True),
                values={"date": parts, "days": days_text, "time_limit": limit_text},
                errors=errors,
                live=True,
            )

        def work(job: Job) -> RunOut:
            def hook(progress: Any) -> None:
                if is_parts(progress):  # solved part by part (FLEXBANK_RAY_ADDRESS)
                    job.events[:] = parts_rows(progress)
                    return
                # hours of a priority over the whole week: the stages of whole models and
                # the final check against the bound (a neighbourhood's figures are its own)
                whole = progress.phase.endswith(" hours") or progress.phase == "bound"
                if progress.stage not in PRIORITIES or not whole:
                    return
                bound = float(progress.bound)
                short = max(0.0, bound - progress.objective) / bound if bound > 0 else 0.0
                final = " (final check)" if progress.phase == "bound" else ""
                job.events.append(
                    {
                        "stage": word(str(progress.stage)) + final,
                        "objective": hours_text(progress.objective / 60),
                        "bound": hours_text(bound / 60),
                        "gap": f"{short:.0%}",
                        "elapsed": f"{progress.elapsed:.1f} s",
                    }
                )
                del job.events[:-12]

            return bank.run_allocation(actor, start, days, limit, progress=hook)

        job = jobs.start(work)
        return web.redirect(request, f"/app/coordinator/runs/jobs/{job.id}")

    def job_state(job: Job) -> dict[str, Any]:
        done = job.finished is not None
        text = {
            "running": "Planning",
            "succeeded": "Finished: review the plan",
            "failed": "Failed",
            "published": "Published",
        }.get(job.status, job.status)
        return {
            "status": job.status,
            "status_text": text,
            "elapsed_text": f"{job.elapsed():.0f} s",
            "done": done,
            "events": job.events,
            "error": job.error,
            "location": f"/app/coordinator/runs/{job.run_id}" if done and job.run_id else None,
        }

    @router.get("/app/coordinator/runs/jobs/{job_id}.json")
    def job_json(request: Request, job_id: str) -> Response:
        web.require(request, "coordinator")
        return JSONResponse(job_state(jobs.get(job_id)), headers={"Cache-Control": "no-store"})

    @router.get("/app/coordinator/runs/jobs/{job_id}")
    def job_page(request: Request, job_id: str) -> Response:
        web.require(request, "coordinator")
        job = jobs.get(job_id)
        state = job_state(job)
        if state["location"]:
            return web.redirect(request, state["location"])
        return web.render(
            request,
            "coordinator/job.html",
            title="Allocation running",
            job=job,
            state=state,
            live=True,
        )

    def run_rows(actor: Actor, run: RunOut) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        gaps = _gaps_of_run(actor, run)
        workers = {w.id: w for w in bank.list_workers(actor)}
        rows = {r["gap"].id: r for r in gap_rows(web, list(gaps.values()))}
        assignments = []
        unfilled = []
        if run.plan is not None:
            for a in run.plan.assignments:
                gap = gaps.get(a.gap_id)
                worker = workers.get(a.worker_id)
                km = None
                if gap is not None and worker is not None:
                    km = geo.distance_km(worker.home, gap.location)
                assignments.append(
                    {"a": a, "gap": gap, "row": rows.get(a.gap_id), "worker": worker, "km": km}
                )
            for u in run.plan.unfilled:
                unfilled.append({"u": u, "gap": gaps.get(u.gap_id), "row": rows.get(u.gap_id)})
        return assignments, unfilled

    def keep(
        item: dict[str, Any], day: str, priority: str, provider: str, worker: str, q: str
    ) -> bool:
        gap, row = item["gap"], item["row"]
        if gap is None or row is None:
            return not (day or priority or provider or worker or q)
        if day and web.fmt.local(gap.start).date().isoformat() != day:
            return False
        if priority and gap.priority != priority:
            return False
        if provider and gap.provider_id != provider:
            return False
        w = item.get("worker")
        if worker and (w is None or w.id != worker):
            return False
        return matches(q, row["provider"], row["client"], row["place"], gap.id, w.name if w else "")

    @router.get("/app/coordinator/runs/{run_id}")
    def run_page(
        request: Request,
        run_id: int,
        show: str = "assigned",
        day: str = "",
        priority: str = "",
        provider: str = "",
        worker: str = "",
        q: str = "",
        page: str = "",
    ) -> Response:
        actor = web.require(request, "coordinator")
        run = bank.get_run(actor, run_id)
        assignments, unfilled = run_rows(actor, run)
        show = "unfilled" if show == "unfilled" else "assigned"
        items = assignments if show == "assigned" else unfilled
        chosen = [i for i in items if keep(i, day, priority, provider, worker, q)]
        query = {
            "show": show,
            "day": day,
            "priority": priority,
            "provider": provider,
            "worker": worker,
            "q": q,
        }
        listing = paginate(chosen, page, f"/app/coordinator/runs/{run_id}", query)
        days = sorted({web.fmt.local(i["gap"].start).date() for i in items if i["gap"]})
        providers = sorted(
            {(i["gap"].provider_id, i["row"]["provider"]) for i in items if i["row"]},
            key=lambda p: p[1],
        )
        people = sorted(
            {(i["worker"].id, i["worker"].name) for i in assignments if i.get("worker")},
            key=lambda p: p[1],
        )
        stages = _stages(run)
        return web.render(
            request,
            "coordinator/run.html",
            title=run_name(run.key, run.id),
            run=run,
            listing=listing,
            show=show,
            filters=query,
            filtered=any(v for k, v in query.items() if k != "show"),
            assigned_count=len(assignments),
            unfilled_count=len(unfilled),
            day_options=[("", "Any day")] + [(d.isoformat(), web.fmt.day(d)) for d in days],
            priority_options=[("", "Any priority")] + [(p, word(p)) for p in PRIORITIES],
            provider_options=[("", "Any provider"), *providers],
            worker_options=[("", "Any worker"), *people],
            stages=stages,
            behind=behind_phone_round(
                {s["priority"]: s["objective"] or 0.0 for s in stages},
                {s["priority"]: s["baseline"] for s in stages if s["baseline"] is not None},
            ),
            sentence=sentence,
        )

    def publish_counts(actor: Actor, run: RunOut) -> tuple[int, int]:
        """The offers a publish would send, and to how many workers: the publish's own
        rules (open gaps not started, places left, nobody booked, waiting, holding or
        having declined the gap is offered it again)."""
        if run.plan is None:
            return 0, 0
        gaps = _gaps_of_run(actor, run)
        by_gap: dict[str, list[Any]] = {}
        for offer in bank.list_offers(actor):
            by_gap.setdefault(offer.gap_id, []).append(offer)
        now = web.clock()
        planned: dict[str, list[str]] = {}
        for a in run.plan.assignments:
            planned.setdefault(a.gap_id, []).append(a.worker_id)
        sending: list[str] = []
        for gap_id, workers in planned.items():
            gap = gaps.get(gap_id)
            if gap is None or gap.status != "open" or gap.start <= now:
                continue
            offers = by_gap.get(gap_id, [])
            booked = set(gap.booked_workers)
            held = {o.worker_id for o in offers if o.status == "accepted"} - booked
            waiting = {o.worker_id for o in offers if o.status == "offered"}
            declined = {o.worker_id for o in offers if o.status == "declined"}
            places = gap.headcount - len(booked) - len(held) - len(waiting)
            for worker_id in sorted(workers):
                if places <= 0:
                    break
                if worker_id in booked | held | waiting | declined:
                    continue
                sending.append(worker_id)
                places -= 1
        return len(sending), len(set(sending))

    @router.get("/app/coordinator/runs/{run_id}/publish")
    def publish_page(request: Request, run_id: int) -> Response:
        actor = web.require(request, "coordinator")
        run = bank.get_run(actor, run_id)
        offers, workers = publish_counts(actor, run)
        return web.render(
            request,
            "coordinator/publish.html",
            title="Publish the plan",
            run=run,
            offers=offers,
            workers=workers,
        )

    def _gaps_of_run(actor: Actor, run: RunOut) -> dict[str, GapOut]:
        first = timeline.local_date(run.horizon_start, tz)
        last = timeline.local_date(run.horizon_end - dt.timedelta(minutes=1), tz)
        return {g.id: g for g in bank.list_gaps(actor, start=first, end=last)}

    @router.get("/app/coordinator/runs/{run_id}/gaps/{gap_id}")
    def explain(request: Request, run_id: int, gap_id: str) -> Response:
        actor = web.require(request, "coordinator")
        run = bank.get_run(actor, run_id)
        gap = bank.get_gap(actor, gap_id)
        reasons = bank.explain(actor, run_id, gap_id)
        workers = {w.id: w for w in bank.list_workers(actor)}
        by_code: dict[str, list[str]] = {}
        for reason in reasons:
            by_code.setdefault(reason.code, []).append(reason.worker_id)
        unfilled = None
        if run.plan is not None:
            unfilled = next((u for u in run.plan.unfilled if u.gap_id == gap_id), None)
        return web.render(
            request,
            "coordinator/explain.html",
            title=f"Why: {word(gap.kind).lower()} on {web.fmt.when(gap.start)}",
            row=gap_rows(web, [gap])[0],
            sentence=sentence,
            run=run,
            gap=gap,
            reasons=reasons,
            by_code=by_code,
            workers=workers,
            unfilled=unfilled,
        )

    @router.post("/app/coordinator/runs/{run_id}/publish")
    def publish(request: Request, run_id: int, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        session = web.session(request)
        if forms.text(form, "confirm") != "yes":
            return web.redirect(request, f"/app/coordinator/runs/{run_id}/publish")
        try:
            offers = bank.publish_run(actor, run_id)
        except Conflict as e:
            session.flash(str(e), kind="error", heading="The plan could not be published")
            return web.redirect(request, f"/app/coordinator/runs/{run_id}")
        people = len({o.worker_id for o in offers})
        session.flash(
            f"The plan is published: {len(offers)} offers sent to {people} "
            f"worker{'s' if people != 1 else ''}."
        )
        return web.redirect(request, f"/app/coordinator/runs/{run_id}")

    # compliance ------------------------------------------------------------------
    @router.get("/app/coordinator/compliance")
    def compliance(request: Request, days: int = 30) -> Response:
        actor = web.require(request, "coordinator")
        days = max(1, min(days, 365))
        register = register_of(bank.list_workers(actor), web.clock(), tz, days)
        return web.render(
            request,
            "coordinator/compliance.html",
            title="Compliance register",
            register=register,
            counts=register.counts(),
            days=days,
        )

    # workers -----------------------------------------------------------------------
    def engagements_of(
        actor: Actor, worker: Worker, first: dt.date, last: dt.date
    ) -> list[Engagement]:
        gaps = {
            g.id: g for g in bank.list_gaps(actor, start=first - dt.timedelta(days=1), end=last)
        }
        providers = {p.id: p.name for p in bank.list_providers(actor)}
        out: list[Engagement] = []
        booked_gaps = set()
        for b in bank.list_bookings(actor, worker_id=worker.id):
            if b.status == "cancelled":
                continue
            gap = gaps.get(b.gap_id)
            if gap is None:
                try:
                    gap = bank.get_gap(actor, b.gap_id)
                except NotFound:
                    gap = None
            label = f"{b.gap_id} {providers.get(b.provider_id, b.provider_id)}"
            out.append(
                Engagement(
                    "booking", b.start, b.end, label, gap.location if gap else None, b.gap_id
                )
            )
            booked_gaps.add(b.gap_id)
        latest = _latest_plan(actor)
        if latest is not None and latest.plan is not None:
            for a in latest.plan.assignments:
                if a.worker_id != worker.id or a.gap_id in booked_gaps:
                    continue
                gap = gaps.get(a.gap_id)
                if gap is None or gap.status == "cancelled":
                    continue
                label = f"{a.gap_id} {providers.get(gap.provider_id, gap.provider_id)} (planned)"
                out.append(Engagement("planned", a.start, a.end, label, gap.location, a.gap_id))
        for c in worker.commitments:
            label = c.label or ("main job" if c.main_job else "commitment")
            out.append(
                Engagement("commitment", c.start, c.end, label, c.location, None, c.main_job)
            )
        return out

    def _latest_plan(actor: Actor) -> RunOut | None:
        done = [r for r in bank.list_runs(actor) if r.status in ("succeeded", "published")]
        if not done:
            return None
        return bank.get_run(actor, max(done, key=lambda r: r.id).id)

    @router.get("/app/coordinator/workers/{worker_id}")
    def worker_week(request: Request, worker_id: str, week: str | None = None) -> Response:
        actor = web.require(request, "coordinator")
        worker = bank.get_worker(actor, worker_id)
        monday = timeline.week_monday(parse_day(week, web.today() + dt.timedelta(days=1)))
        engagements = engagements_of(actor, worker, monday, monday + dt.timedelta(days=6))
        view = week_view(worker, engagements, monday, tz, policy, web.clock())
        return web.render(
            request,
            "coordinator/week.html",
            title=f"{worker.name}: week of {monday:%-d %b}",
            worker=worker,
            view=view,
            previous_week=monday - dt.timedelta(days=7),
            next_week=monday + dt.timedelta(days=7),
        )

    @router.get("/app/coordinator/workers/{worker_id}/day")
    def worker_day(request: Request, worker_id: str, date: str | None = None) -> Response:
        actor = web.require(request, "coordinator")
        worker = bank.get_worker(actor, worker_id)
        day = parse_day(date, web.today() + dt.timedelta(days=1))
        engagements = engagements_of(actor, worker, day, day)
        plan = day_round(worker, engagements, day, tz, policy)
        return web.render(
            request,
            "coordinator/day.html",
            title=f"{worker.name}: round on {day:%-d %b}",
            worker=worker,
            round=plan,
            day=day,
            previous_day=day - dt.timedelta(days=1),
            next_day=day + dt.timedelta(days=1),
            duration=duration_text,
        )


def _stages(run: RunOut) -> list[dict[str, Any]]:
    """Covered hours against the proven bound, per priority (the lexicographic stages)."""
    metrics: dict[str, Any] = dict(run.metrics)
    if run.plan is not None and not metrics.get("covered_hours"):
        metrics.update(run.plan.metrics.model_dump(mode="json"))
    covered = metrics.get("covered_hours") or {}
    bound = metrics.get("upper_bound_hours") or {}
    baseline = metrics.get("baseline_covered_hours") or {}
    proven = metrics.get("stages_proven") or {}
    rows = []
    for p in PRIORITIES:
        rows.append(
            {
                "priority": p,
                "stage": f"{p.capitalize()} hours",
                "objective": covered.get(p),
                "bound": bound.get(p),
                "baseline": baseline.get(p),
                "proven": proven.get(p),
            }
        )
    return rows
