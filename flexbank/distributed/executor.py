"""Where the parts of a solve run: in this process (the default, no Ray needed) or as
Ray tasks (``pip install flexbank[ray]``).

Both run a task function over a list of jobs and yield ``(job number, result)`` as the
results come in. Given the same jobs in deterministic mode they give the same results,
so a plan solved on a cluster equals the plan solved here.

Ray is imported only when a :class:`RayExecutor` is made.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from flexbank.distributed.jobs import Job, JobResult

Task = Callable[[Job], JobResult]

#: A Ray task whose worker process dies is run again this many times.
RETRIES = 3


class Executor(Protocol):
    #: the CPUs it has
    slots: int

    def concurrency(self, jobs: int) -> int:
        """How many of ``jobs`` jobs given at once run at the same time."""
        ...

    def run(self, task: Task, jobs: Sequence[Job]) -> Iterator[tuple[int, JobResult]]: ...

    def close(self) -> None: ...


class InProcess:
    """Every job in this process, one after another."""

    slots = 1

    def concurrency(self, jobs: int) -> int:
        return 1

    def run(self, task: Task, jobs: Sequence[Job]) -> Iterator[tuple[int, JobResult]]:
        for i, job in enumerate(jobs):
            yield i, task(job)

    def close(self) -> None:
        pass


class RayExecutor:
    """Jobs as Ray tasks on a local Ray (``address="auto"`` starts one when none is
    running; ``"local"`` always starts one) or a cluster (``"ray://host:10001"`` or a
    head node's address).

    ``cpus_per_task`` (1 by default) is what each task reserves, so a machine runs as
    many jobs at once as it has CPUs and the rest wait: a job then has its core to
    itself, and its wall-clock limit is the time it computes. None shares the cluster's
    CPUs among the jobs of a call instead, so every job runs at once (Ray's CPUs are
    logical: the operating system shares the cores); measured on the 5,000 x 40,000
    week on 2 cores, ten region jobs at once each ran 60 to 90 s past their limit,
    because what a job does outside CP-SAT (building its model, its phone round, its
    explanations) took five times as long. A background job reserves no CPU: it runs
    at the lowest priority beside the others.
    """

    def __init__(
        self,
        address: str = "auto",
        *,
        num_cpus: int | None = None,
        cpus_per_task: float | None = 1.0,
        retries: int = RETRIES,
    ) -> None:
        try:
            import ray
        except ImportError as error:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "Ray is not installed: pip install 'flexbank[ray]' (or run without --ray)"
            ) from error
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address == "local" or (address == "auto" and not _cluster_running()):
                options["num_cpus"] = num_cpus or os.cpu_count() or 1
                ray.init(**options)
            else:
                ray.init(address=address, **options)
            self._started = True
        self.cpus_per_task = cpus_per_task
        self.retries = retries
        self.slots = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._remote = ray.remote(_run_task)
        # a background job lowers its worker process's priority, so that process ends
        # with it (max_calls=1) rather than serving other jobs at that priority
        self._background = ray.remote(max_calls=1)(_run_background_task)

    def concurrency(self, jobs: int) -> int:
        if self.cpus_per_task is None:
            return max(jobs, 1)
        return max(1, min(jobs, int(self.slots / self.cpus_per_task)))

    def run(self, task: Task, jobs: Sequence[Job]) -> Iterator[tuple[int, JobResult]]:
        ray = self._ray
        if not jobs:
            return
        cpus = self.cpus_per_task
        if cpus is None:
            cpus = min(1.0, self.slots / len(jobs))
        remote = self._remote.options(num_cpus=cpus, max_retries=self.retries)
        background = self._background.options(num_cpus=0, max_retries=self.retries)
        pending = {
            (background if job.background else remote).remote(task, job): i
            for i, job in enumerate(jobs)
        }
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    yield pending.pop(ref), ray.get(ref)
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


#: Where Ray notes the address of the cluster last started on this machine.
CURRENT_CLUSTER = "/tmp/ray/ray_current_cluster"


def _cluster_running() -> bool:
    """Whether a Ray cluster is running on this machine (or RAY_ADDRESS is set): the
    address Ray noted answers (a cluster that was stopped leaves its note behind)."""
    if os.environ.get("RAY_ADDRESS"):
        return True
    try:
        with open(CURRENT_CLUSTER, encoding="utf-8") as note:
            host, _, port = note.read().strip().rpartition(":")
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except (OSError, ValueError):
        return False


def _run_task(task: Task, job: Job) -> JobResult:
    """The body of a Ray task."""
    return task(job)


def _run_background_task(task: Task, job: Job) -> JobResult:
    """A background job's task body: the lowest priority first (see ``Job.background``)."""
    os.nice(19)
    return task(job)


def executor_for(address: str | None, **options: Any) -> Executor:
    """In-process for None or ``""``, else a :class:`RayExecutor` for the address."""
    if not address:
        return InProcess()
    return RayExecutor(address, **options)


__all__ = ["RETRIES", "Executor", "InProcess", "RayExecutor", "Task", "executor_for"]
