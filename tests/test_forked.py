"""A search run in a forked second process (``flexbank.matching.forked``): its answer
comes back; a failure, an answer that cannot be sent, or one that comes too late is no
answer, and the child is gone afterwards."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from flexbank.matching.forked import Forked, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="this platform cannot fork")


def test_the_answer_comes_from_another_process_with_the_parents_data() -> None:
    routes = {1: [3, 4], 2: [5]}  # seen by the child without being sent to it
    parent = os.getpid()
    task = Forked(lambda: (os.getpid(), {w: gaps[::-1] for w, gaps in routes.items()}))
    answer = task.result(timeout=10)
    assert answer is not None
    pid, reversed_routes = answer
    assert pid != parent
    assert reversed_routes == {1: [4, 3], 2: [5]}


def test_a_task_that_raises_gives_no_answer() -> None:
    def fails() -> int:
        raise ValueError("no routes")

    assert Forked(fails).result(timeout=10) is None


def test_an_answer_that_cannot_be_sent_is_no_answer() -> None:
    assert Forked(lambda: threading.Lock()).result(timeout=10) is None


def test_a_late_task_is_stopped_and_gives_no_answer() -> None:
    task = Forked(lambda: time.sleep(30) or 1)
    assert task.result(timeout=0.5) is None
    assert not task._process.is_alive()
    assert task._process.exitcode == -signal.SIGTERM  # stopped, not waited for
