"""One search in a second process while this process runs another: a second core put to
work where the search holds this process's interpreter lock for all of its time (OR-Tools'
vehicle routing library does; two threads of it take as long as one after the other).

The second process is forked, so the task (a closure over the problem) is not copied
through a pipe; only its answer comes back, pickled. Where forking is not available
(Windows, or inside a daemonic process, which may not have children) :func:`can_fork` says
so and the caller runs its searches one after the other.

>>> other = Forked(lambda: search(problem, seconds=30))
>>> mine = search_differently(problem, seconds=30)
>>> theirs = other.result(timeout=35)               # None when it failed or ran late
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Forked", "can_fork"]

T = TypeVar("T")

#: seconds a child that has answered is given to exit before it is stopped
EXIT_SECONDS = 1.0


def can_fork() -> bool:
    """Whether this process may fork a child to run a task."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return not multiprocessing.current_process().daemon


def _run(task: Callable[[], T], answer: multiprocessing.connection.Connection) -> None:
    try:
        value: T | None = task()
    except Exception:  # the parent learns only that there is no answer
        value = None
    try:
        answer.send(value)
    except Exception:  # an answer that cannot be pickled is no answer
        answer.send(None)
    finally:
        answer.close()


class Forked(Generic[T]):
    """``task`` running in a forked child process from the moment this is made."""

    def __init__(self, task: Callable[[], T]) -> None:
        context = multiprocessing.get_context("fork")
        self._answer, sent = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(task, sent), daemon=True)
        self._process.start()
        sent.close()  # the child holds its own end; EOF reaches us if it dies

    def result(self, timeout: float) -> T | None:
        """The task's answer, or None when it raised, died or took longer than
        ``timeout`` seconds from now (the child is then stopped)."""
        value: T | None = None
        try:
            if self._answer.poll(max(0.0, timeout)):
                value = self._answer.recv()
                self._process.join(EXIT_SECONDS)  # answered: let it finish on its own
        except (EOFError, OSError):
            value = None
        finally:
            self._answer.close()
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
        return value
