"""Signing in and out: an API token for coordinators and providers, a signed link for
workers (``/sign-in/link?token=``, made by :func:`worker_link`), and the offer link of
a notification (``/sign-in/offer?token=``, the same token as the API's
``/offers/respond``) which signs the worker in on the offer's page, and only there,
while the offer is open.

Every sign-in opens a server-side session (``Bank.open_session``) whose id is the
``flexbank_sid`` cookie; each page request checks it (:func:`_checked`), so signing
out, or revoking the token signed in with, ends the session even for a copied
cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature

from flexbank.services.contract import Actor, Conflict, NotFound
from flexbank.settings import Settings
from flexbank.web.common import (
    HOME,
    CsrfForm,
    PageError,
    Session,
    Web,
    safe_next,
    worker_link_token,
)

LINK_EXPIRED = PageError(
    403,
    "This link has expired or is not valid",
    "Ask the flex team for a new link, or open the newest message we sent you.",
)


SESSION_ID_COOKIE = "flexbank_sid"


def _checked(web: Web) -> None:
    """Make ``web.session`` drop the signed-in actor unless its server-side session is
    live (and, for an offer link's session, the page is that offer's)."""
    plain = web.session

    def session(request: Request) -> Session:
        if isinstance(getattr(request.state, "web_session", None), Session):
            return plain(request)
        current = plain(request)
        if current.actor is not None:
            live = web.bank.session_actor(request.cookies.get(SESSION_ID_COOKIE, ""))
            if live is None or (live[0].role, live[0].subject_id) != (
                current.actor.role,
                current.actor.subject_id,
            ):
                current.actor, current.dirty = None, True
            elif live[1] is not None and not request.url.path.startswith(
                f"/app/worker/offers/{live[1]}"
            ):
                current.actor = None  # this request only: the link opens one offer
        return current

    web.session = session  # type: ignore[method-assign]


def keep_session(web: Web, response: Response, sid: str) -> Response:
    """The response, with the cookie that names the server-side session ``sid``."""
    response.set_cookie(
        SESSION_ID_COOKIE,
        sid,
        max_age=int(web.settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=web.secure_cookie,
        path="/",
    )
    return response


def register(router: APIRouter, web: Web) -> None:
    _checked(web)

    @router.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/app", status_code=303)

    @router.get("/app")
    def start(request: Request) -> Response:
        actor = web.actor(request)
        if actor is None:
            return web.redirect(request, "/sign-in")
        return web.redirect(request, HOME[actor.role])

    @router.get("/app/about")
    def about(request: Request) -> Response:
        return web.render(request, "about.html", title="About")

    @router.get("/sign-in")
    def sign_in_page(request: Request, next: str = "") -> Response:
        return web.render(
            request, "sign_in.html", title="Sign in", errors={}, next_url=safe_next(next, "")
        )

    @router.post("/sign-in")
    def sign_in(request: Request, form: CsrfForm) -> Response:
        token = str(form.get("token", "")).strip()
        next_url = str(form.get("next", ""))
        actor = web.bank.authenticate(token) if token else None
        if actor is None:
            message = "Enter your access token" if not token else "Enter a valid access token"
            return web.render(
                request,
                "sign_in.html",
                status=400 if not token else 401,
                title="Sign in",
                errors={"token": message},
                next_url=safe_next(next_url, ""),
            )
        session = web.session(request)
        session.sign_in(actor)
        sid = web.bank.open_session(actor, token=token)
        return keep_session(web, web.redirect(request, safe_next(next_url, HOME[actor.role])), sid)

    @router.post("/sign-out")
    def sign_out(request: Request, form: CsrfForm) -> Response:
        session = web.session(request)
        session.sign_out()
        session.flash("You have signed out.")
        web.bank.end_session(request.cookies.get(SESSION_ID_COOKIE, ""))
        response = web.redirect(request, "/sign-in")
        response.delete_cookie(SESSION_ID_COOKIE, path="/")
        return response

    @router.get("/sign-in/link")
    def sign_in_link(request: Request, token: str = "") -> Response:
        try:
            worker_id, offer_id = web.read_worker_link(token)
        except BadSignature as e:
            raise LINK_EXPIRED from e
        return _sign_in_worker(request, worker_id, offer_id)

    @router.get("/sign-in/offer")
    def sign_in_offer(request: Request, token: str = "") -> Response:
        try:
            from flexbank.services.tokens import LinkError, OfferLinks
        except ImportError as e:  # pragma: no cover - the service layer ships it
            raise LINK_EXPIRED from e
        links = OfferLinks(web.settings.signing_key(), web.settings.offer_link_hours * 3600)
        try:
            offer_id, worker_id = links.read(token)
        except LinkError as e:
            raise LINK_EXPIRED from e
        return _sign_in_worker(request, worker_id, offer_id, only_offer=True)

    def _sign_in_worker(
        request: Request, worker_id: str, offer_id: int | None, only_offer: bool = False
    ) -> Response:
        try:
            worker = web.bank.get_worker(Actor.system(), worker_id)
        except NotFound as e:
            raise LINK_EXPIRED from e
        session = web.session(request)
        current = session.actor
        target = f"/app/worker/offers/{offer_id}" if offer_id is not None else "/app/worker"
        if current is not None and current.role == "worker" and current.subject_id == worker.id:
            return web.redirect(request, target)  # already signed in (fully)
        actor = Actor("worker", worker.id, worker.name)
        try:
            sid = web.bank.open_session(actor, offer_id=offer_id if only_offer else None)
        except Conflict as e:  # the offer has been answered or has expired
            raise LINK_EXPIRED from e
        session.sign_in(actor)
        return keep_session(web, web.redirect(request, target), sid)


def worker_link(settings: Settings, worker_id: str, offer_id: int | None = None) -> str:
    """The full sign-in link for a worker's pages (optionally landing on one offer);
    valid for ``settings.offer_link_hours``."""
    token = worker_link_token(settings, worker_id, offer_id)
    return f"{settings.base_url.rstrip('/')}/sign-in/link?token={token}"
