"""Fixtures for the web pages: the service app (API + pages over a SqlBank on SQLite
with a Bury sample) served by uvicorn in a thread, and Playwright on Debian's Chromium.

Browser tests skip, with the reason, when /usr/bin/chromium or node_modules/axe-core
is missing, except under CI (``CI`` set), where they fail: CI must run them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from web_support import AXE, CHROMIUM, ROOT, Service, build_service

from flexbank.adapters import database


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A fresh bank for each test module (so modules do not share offers)."""
    svc = build_service(tmp_path_factory.mktemp("web-bank"))
    yield svc
    database.dispose(svc.settings.resolved_database_url())


# ------------------------------------------------------------------ a live server


@pytest.fixture(scope="module")
def live_url(service: Service) -> Iterator[str]:
    """The service app on 127.0.0.1 at a free port, in a background thread."""
    config = uvicorn.Config(service.app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-web-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


# ---------------------------------------------------------------------- browsers


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (run scripts/ci-browser-setup.sh)"
    if not AXE.exists():
        return f"{AXE.relative_to(ROOT)} is missing (run npm ci)"
    return None


@pytest.fixture(scope="session")
def browser_ready() -> None:
    reason = _browser_missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_ready: None
) -> dict[str, Any]:
    """pytest-playwright's launch arguments, on Debian's Chromium (never a download)."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}
