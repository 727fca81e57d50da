"""What every page shares: templates, the signed session cookie, CSRF, role guards and
the mapping of service errors to error pages.

The session is a cookie signed with the service's signing key (itsdangerous): it
holds the signed-in :class:`Actor` (never the API token), a per-session CSRF token and
one-off messages. Every form carries the CSRF token in a hidden field and every POST
checks it. Role rules are the service layer's: pages call the :class:`Bank` with the
signed-in actor and turn ``Forbidden`` into a 403 page and ``NotFound`` into a 404
page; a page that belongs to one role also refuses other roles up front.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.datastructures import FormData

from flexbank import timeline
from flexbank.services.contract import Actor, Bank, Forbidden, NotFound, Role
from flexbank.settings import Settings
from flexbank.web import plain

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

SESSION_COOKIE = "flexbank_session"
SESSION_HOURS = 12
CSRF_FIELD = "csrf_token"
_SESSION_SALT = "flexbank.web-session"
_LINK_SALT = "flexbank.web-worker-link"

HOME: dict[Role, str] = {
    "coordinator": "/app/coordinator",
    "provider": "/app/provider",
    "worker": "/app/worker",
}
NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    "coordinator": (
        ("Control room", "/app/coordinator"),
        ("Allocation", "/app/coordinator/runs"),
        ("Compliance", "/app/coordinator/compliance"),
        ("Workers", "/app/coordinator/workers"),
        ("Run the bank", "/app/coordinator/bank"),
        ("Reports", "/app/reports"),
    ),
    "provider": (
        ("Your gaps", "/app/provider"),
        ("Post a gap", "/app/provider/gaps/new"),
        ("Clients", "/app/provider/clients"),
        ("Messages", "/app/provider/messages"),
        ("Reports", "/app/reports"),
    ),
    "worker": (
        ("Offers", "/app/worker"),
        ("Bookings", "/app/worker/bookings"),
        ("Availability", "/app/worker/availability"),
        ("Documents", "/app/worker/documents"),
        ("Messages", "/app/worker/messages"),
    ),
}
ROLE_LABEL: dict[Role, str] = {
    "coordinator": "Flex coordinator",
    "provider": "Care provider",
    "worker": "Care worker",
}


# ----------------------------------------------------------------------- errors


class SignInRequired(Exception):
    """No one is signed in: go to the sign-in page and come back."""

    def __init__(self, next_url: str) -> None:
        super().__init__("sign in required")
        self.next_url = next_url


class CsrfError(Exception):
    """A form was posted without this session's CSRF token."""


class PageError(Exception):
    """Show an error page with this status, title and message."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


# ---------------------------------------------------------------------- session


@dataclass
class Session:
    csrf: str
    actor: Actor | None = None
    messages: list[dict[str, str]] = field(default_factory=list)
    dirty: bool = False

    def flash(self, text: str, kind: str = "success", heading: str = "") -> None:
        self.messages.append({"kind": kind, "text": text, "heading": heading})
        self.dirty = True

    def sign_in(self, actor: Actor) -> None:
        self.actor = actor
        self.csrf = secrets.token_urlsafe(24)  # a new token for the new identity
        self.dirty = True

    def sign_out(self) -> None:
        self.actor = None
        self.csrf = secrets.token_urlsafe(24)
        self.dirty = True

    def dump(self) -> dict[str, Any]:
        actor = None
        if self.actor is not None:
            actor = [self.actor.role, self.actor.subject_id, self.actor.name]
        return {"c": self.csrf, "a": actor, "m": self.messages}

    @classmethod
    def load(cls, data: object) -> Session | None:
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        actor = None
        raw = data.get("a")
        if isinstance(raw, list) and len(raw) == 3 and raw[0] in HOME:
            actor = Actor(raw[0], raw[1], str(raw[2]))
        messages = data.get("m")
        return cls(
            csrf=data["c"],
            actor=actor,
            messages=list(messages) if isinstance(messages, list) else [],
        )


# -------------------------------------------------------------------- formatting


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def duration_text(delta: dt.timedelta) -> str:
    """'2 h 05 min', '3 days 4 h', '25 min' (rounded down to minutes)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 0:
        return "-" + duration_text(-delta)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{_plural(days, 'day')} {hours} h"
    if hours:
        return f"{hours} h {mins:02d} min" if mins else f"{hours} h"
    return f"{mins} min"


def hours_text(hours: float) -> str:
    whole = round(hours * 60)
    h, m = divmod(whole, 60)
    return f"{h} h {m:02d}" if m else f"{h} h"


class Formatter:
    """Dates and times in the service's timezone, as people in Bury read them."""

    def __init__(self, tz: str, clock: Callable[[], dt.datetime]) -> None:
        self.tz = tz
        self.clock = clock

    def local(self, instant: dt.datetime) -> dt.datetime:
        return instant.astimezone(timeline.zone(self.tz))

    def when(self, instant: dt.datetime | None) -> str:
        if instant is None:
            return ""
        return self.local(instant).strftime("%a %-d %b, %H:%M")

    def time(self, instant: dt.datetime) -> str:
        return self.local(instant).strftime("%H:%M")

    def day(self, value: dt.datetime | dt.date | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = self.local(value).date()
        return value.strftime("%a %-d %b %Y")

    def span(self, start: dt.datetime, end: dt.datetime) -> str:
        """'Mon 30 Nov, 07:00 to 15:00' (the end's day shown when it differs)."""
        s, e = self.local(start), self.local(end)
        tail = e.strftime("%H:%M") if s.date() == e.date() else self.when(end)
        return f"{self.when(start)} to {tail}"

    def until(self, instant: dt.datetime) -> str:
        delta = instant - self.clock()
        if delta.total_seconds() < 0:
            return f"started {duration_text(-delta)} ago"
        return f"in {duration_text(delta)}"


def humanise(code: str) -> str:
    return code.replace("_", " ").capitalize()


# ---------------------------------------------------------------------- the web


class Web:
    """The pages' shared state: the Bank, settings, templates, clock and session."""

    def __init__(
        self,
        bank: Bank,
        settings: Settings,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.bank = bank
        self.settings = settings
        #: the service layer's context, for the pages' own service modules
        self.ctx: Any = getattr(bank, "ctx", None)
        self.clock: Callable[[], dt.datetime] = clock or _bank_clock(bank)
        self.fmt = Formatter(settings.timezone, self.clock)
        key = settings.signing_key()
        self.sessions = URLSafeTimedSerializer(key, salt=_SESSION_SALT)
        self.links = URLSafeTimedSerializer(key, salt=_LINK_SALT)
        self.secure_cookie = settings.base_url.startswith("https://")
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html", "svg"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            when=self.fmt.when,
            time=self.fmt.time,
            day=self.fmt.day,
            span=self.fmt.span,
            until=self.fmt.until,
            hours=hours_text,
            duration=duration_text,
            humanise=humanise,
            word=plain.word,
            pct=lambda x: f"{x * 100:.0f}%" if x is not None else "–",
            km=lambda x: f"{x:.1f} km",
        )
        self.env.globals.update(
            role_label=ROLE_LABEL, plural=_plural, settings=settings, run_name=plain.run_name
        )

    def today(self) -> dt.date:
        return timeline.local_date(self.clock(), self.settings.timezone)

    # session -------------------------------------------------------------------
    def session(self, request: Request) -> Session:
        cached = getattr(request.state, "web_session", None)
        if isinstance(cached, Session):
            return cached
        session = None
        raw = request.cookies.get(SESSION_COOKIE)
        if raw:
            try:
                session = Session.load(self.sessions.loads(raw, max_age=SESSION_HOURS * 3600))
            except BadSignature:
                session = None
        if session is None:
            session = Session(csrf=secrets.token_urlsafe(24), dirty=True)
        request.state.web_session = session
        return session

    def _save(self, request: Request, response: Response) -> None:
        session = self.session(request)
        if session.dirty:
            response.set_cookie(
                SESSION_COOKIE,
                self.sessions.dumps(session.dump()),
                max_age=SESSION_HOURS * 3600,
                httponly=True,
                samesite="lax",
                secure=self.secure_cookie,
                path="/",
            )

    def actor(self, request: Request) -> Actor | None:
        return self.session(request).actor

    def require(self, request: Request, *roles: Role) -> Actor:
        """The signed-in actor, if one of ``roles`` (all roles when none given)."""
        actor = self.actor(request)
        if actor is None:
            path = request.url.path
            if request.url.query:
                path += "?" + request.url.query
            raise SignInRequired(path)
        if roles and actor.role not in roles:
            raise Forbidden(f"a {actor.role} cannot open this page")
        return actor

    # responses -----------------------------------------------------------------
    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        session = self.session(request)
        actor = session.actor
        messages = list(session.messages)
        if messages:
            session.messages.clear()
            session.dirty = True
        path = request.url.path
        nav = []
        if actor is not None:
            for label, href in NAV[actor.role]:
                home = href == HOME[actor.role]
                active = path == href if home else path.startswith(href)
                nav.append({"label": label, "href": href, "active": active})
        title = context.pop("title", "")
        html = self.env.get_template(template).render(
            request=request,
            actor=actor,
            nav=nav,
            messages=messages,
            csrf_field=Markup(
                f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(session.csrf)}">'
            ),
            csrf_token=session.csrf,
            title=title,
            fmt=self.fmt,
            now=self.clock(),
            today=self.today(),
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        self._save(request, response)
        return response

    def redirect(self, request: Request, url: str) -> RedirectResponse:
        response = RedirectResponse(url, status_code=303)
        self._save(request, response)
        return response

    def error_page(self, request: Request, status: int, title: str, message: str) -> HTMLResponse:
        return self.render(request, "error.html", status=status, title=title, message=message)

    # links ---------------------------------------------------------------------
    def read_worker_link(self, token: str) -> tuple[str, int | None]:
        data = self.links.loads(token, max_age=int(self.settings.offer_link_hours * 3600))
        if not isinstance(data, dict) or not isinstance(data.get("w"), str):
            raise BadSignature("not a worker link")
        offer = data.get("o")
        return data["w"], offer if isinstance(offer, int) else None


async def csrf_form(request: Request) -> FormData:
    """The posted form, after checking the session's CSRF token (a dependency of every
    POST page; the session is read through the Web stored by the router)."""
    web: Web = request.scope["route"].web
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = web.session(request).csrf
    if not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise CsrfError("the form's security token is missing or out of date")
    return form


CsrfForm = Annotated[FormData, Depends(csrf_form)]


def worker_link_token(settings: Settings, worker_id: str, offer_id: int | None = None) -> str:
    """A signed token naming a worker (and an offer) for ``/sign-in/link``."""
    serializer = URLSafeTimedSerializer(settings.signing_key(), salt=_LINK_SALT)
    return serializer.dumps({"w": worker_id, "o": offer_id})


def _bank_clock(bank: Bank) -> Callable[[], dt.datetime]:
    """The Bank's own clock when it has one (so pages agree with it), else UTC now."""
    for name in ("clock", "_clock", "now"):
        candidate = getattr(bank, name, None)
        if callable(candidate):
            try:
                value = candidate()
            except TypeError:
                continue
            if isinstance(value, dt.datetime):
                return candidate
    return lambda: dt.datetime.now(dt.UTC)


def sign_in_url(next_url: str) -> str:
    return "/sign-in?next=" + quote(next_url, safe="/")


def safe_next(next_url: str | None, fallback: str) -> str:
    """Only local page paths are followed after sign-in (no open redirects)."""
    if next_url and next_url.startswith("/app") and "//" not in next_url and "\\" not in next_url:
        return next_url
    return fallback


def page_route_class(web: Web) -> type[APIRoute]:
    """A route class turning the pages' exceptions into pages (routers have no
    exception handlers of their own)."""
    page_web = web

    class PageRoute(APIRoute):
        web: Web = page_web

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
                try:
                    return await original(request)
                except SignInRequired as e:
                    return web.redirect(request, sign_in_url(e.next_url))
                except CsrfError:
                    return web.error_page(
                        request,
                        403,
                        "Your form has expired",
                        "The form was sent without its security token, or from an "
                        "old page. Go back, reload the page and try again.",
                    )
                except Forbidden:
                    return web.error_page(
                        request,
                        403,
                        "You cannot open this page",
                        "Your account does not give you access to this page.",
                    )
                except NotFound:
                    return web.error_page(
                        request,
                        404,
                        "Page not found",
                        "There is no such record, or it is not yours to see.",
                    )
                except PageError as e:
                    return web.error_page(request, e.status, e.title, e.message)

            return handler

    return PageRoute


def error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    """Errors as the error summary lists them: text and the field's id."""
    return [{"href": f"#{key}", "text": text} for key, text in errors.items()]


def choices(values: Sequence[str]) -> list[tuple[str, str]]:
    return [(v, humanise(v)) for v in values]
