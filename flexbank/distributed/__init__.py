"""The daily allocation of a large bank, part by part, in this process or on Ray.

The outer ring of the matching core: the core (:mod:`flexbank.matching`) splits and
solves; this package decides where the parts run. Ray is imported only when a Ray
executor is made (``pip install flexbank[ray]``).
"""

from flexbank.distributed.executor import Executor, InProcess, RayExecutor, executor_for
from flexbank.distributed.solve import Progress, ProgressHook, solve

__all__ = [
    "Executor",
    "InProcess",
    "Progress",
    "ProgressHook",
    "RayExecutor",
    "executor_for",
    "solve",
]
