"""Logs without personal data: a log-record factory that scrubs what a worker's
record could leak (names, dates of birth, home locations, DBS and right-to-work data,
contact details) from every log message and traceback, whatever logger wrote it.

The engines already hide statement parameters (``hide_parameters``); this is the net
under that: PostgreSQL ``DETAIL`` lines, reprs of records and ``[parameters: ...]``.
Unexpected errors are logged by :mod:`flexbank.api.guards` with their type and
frames only, never their message.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

#: fields of the format whose values are personal
PERSONAL = (
    "name",
    "date_of_birth",
    "home",
    "email",
    "phone",
    "dbs",
    "right_to_work",
    "reg19",
    "postcode",
    "lat",
    "lon",
    "certificate_number",
    "share_code",
)

_KEYS = "|".join(PERSONAL)
_FIELD = re.compile(
    r"""(?P<key>["']?\b(?:""" + _KEYS + r""")\b["']?\s*[:=]\s*)"""
    r"""(?P<value>[\w.]+\([^()]*\)|"[^"]*"|'[^']*'|\{[^{}]*\}|\([^()]*\)|[^,\s)}\]]+)"""
)
_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s|$)", re.DOTALL)
_DETAIL = re.compile(r"DETAIL:.*")
HIDDEN = "<hidden>"


def scrub(text: str) -> str:
    """``text`` with personal values replaced by ``<hidden>``."""
    text = _PARAMETERS.sub("[parameters hidden]", text)
    text = _DETAIL.sub("DETAIL: " + HIDDEN, text)
    return _FIELD.sub(lambda m: m.group("key") + HIDDEN, text)


def _scrubbed(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it as usual
        message = str(record.msg)
    cleaned = scrub(message)
    if cleaned != message:  # otherwise msg and args stay for formatters that read them
        record.msg, record.args = cleaned, ()
    if record.exc_info and record.exc_info[0] is not None:
        text = "".join(traceback.format_exception(*record.exc_info))
        record.exc_text = scrub(text)
        record.exc_info = None
    return record


_installed: list[Callable[..., logging.LogRecord]] = []


def install() -> None:
    """Scrub every log record of this process (idempotent)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _scrubbed(previous(*args, **kwargs))

    _installed.append(factory)
    logging.setLogRecordFactory(factory)
