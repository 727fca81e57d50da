"""The composition root: settings -> channels -> SqlBank -> the FastAPI app.

``uvicorn --factory flexbank.service:create_service_app`` serves it with settings
from the environment (``FLEXBANK_*``); ``flexbank serve`` does the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from flexbank.services.contract import Bank
from flexbank.services.notifications import Channel
from flexbank.settings import Settings


def build_channels(settings: Settings) -> list[Channel]:
    """The notification channels named in ``settings.channels`` (log, webhook, email)."""
    from flexbank.adapters.channels import EmailChannel, LogChannel, WebhookChannel

    channels: list[Channel] = []
    for name in dict.fromkeys(c.strip().lower() for c in settings.channels):
        if name == "log":
            channels.append(LogChannel(show_links=settings.links_in_log()))
        elif name == "webhook":
            if not settings.webhook_url:
                raise ValueError("the webhook channel needs FLEXBANK_WEBHOOK_URL")
            channels.append(WebhookChannel(settings.webhook_url, settings.signing_key()))
        elif name == "email":
            if not settings.smtp_host:
                raise ValueError("the email channel needs FLEXBANK_SMTP_HOST")
            channels.append(
                EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
            )
        elif name:
            raise ValueError(f"unknown notification channel {name!r} (log, webhook, email)")
    return channels


def bootstrap(settings: Settings | None = None, channels: Sequence[Channel] | None = None) -> Bank:
    """The service layer for ``settings`` (default: from the environment)."""
    from flexbank.services.bank import SqlBank

    settings = settings or Settings()
    if channels is None:
        channels = build_channels(settings)
    bank: Bank = SqlBank(settings, channels=channels)
    return bank


def build_app(bank: Bank, settings: Settings) -> FastAPI:
    """The REST API plus the web pages (and their static files) over one Bank."""
    from flexbank.api.app import create_app
    from flexbank.web import mount_static, web_router

    app = create_app(bank, settings)
    app.include_router(web_router(bank, settings))
    mount_static(app)
    return app


def create_service_app(settings: Settings | None = None) -> FastAPI:
    """The API and pages over a bootstrapped SqlBank."""
    settings = settings or Settings()
    return build_app(bootstrap(settings), settings)
