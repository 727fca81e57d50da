"""Sending the outbox from the web process: ``flexbank serve`` runs this unless the
scheduler runs in the same process (which has its own dispatch job), so a message is
delivered seconds after the change that caused it."""

from __future__ import annotations

import logging
import threading

from flexbank.services.contract import Bank

log = logging.getLogger("flexbank.notifications")


class OutboxPump:
    """A daemon thread calling ``bank.dispatch_notifications()`` every ``seconds``."""

    def __init__(self, bank: Bank, seconds: float = 5.0) -> None:
        self.bank = bank
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-pump", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def pump_once(self) -> dict[str, int]:
        return self.bank.dispatch_notifications()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.pump_once()
            except Exception as e:  # the next round retries; never stop serving pages
                log.warning("outbox dispatch failed: %s", type(e).__name__)
            self._stop.wait(self.seconds)
