"""Sign in with a one-time link sent by email (besides access tokens and the links in
offer messages). In development the log channel prints the link."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from flexbank.services import sign_in_links
from flexbank.web import forms
from flexbank.web.auth import keep_session
from flexbank.web.common import HOME, CsrfForm, PageError, Web


def register(router: APIRouter, web: Web) -> None:
    @router.post("/sign-in/email")
    def ask_for_link(request: Request, form: CsrfForm) -> Response:
        email = forms.text(form, "email")
        if "@" not in email:
            return web.render(
                request,
                "sign_in.html",
                status=400,
                title="Sign in",
                errors={"email": "Enter your email address, like name@example.com"},
                next_url="",
                email=email,
            )
        sign_in_links.request_link(web.ctx, email)
        return web.render(request, "sign_in_sent.html", title="Check your email", email=email)

    @router.get("/sign-in/email")
    def use_link(request: Request, token: str = "") -> Response:
        actor = sign_in_links.redeem(web.ctx, token)
        if actor is None:
            raise PageError(
                403,
                "This sign-in link has expired or was used already",
                "Ask for a new link on the sign-in page. Each link works once, for "
                f"{web.settings.sign_in_link_minutes} minutes.",
            )
        web.session(request).sign_in(actor)
        # a server-side session, as for every sign-in: signing out ends it
        sid = web.bank.open_session(actor)
        return keep_session(web, web.redirect(request, HOME[actor.role]), sid)
