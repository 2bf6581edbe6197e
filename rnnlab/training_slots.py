"""A server-wide limit on how many training jobs run at once, with a first-come queue for the rest.

On a classroom server 30 learners may press Start together; with 2 cores, 30 jobs at once would
each crawl (and the sliders of everyone else with them). Each job takes a slot before it trains
and gives it back when it pauses or ends; the others wait in order and can show their place.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from pathlib import Path


def available_cores(cgroup_cpu_max: str = "/sys/fs/cgroup/cpu.max") -> int:
    """The cores this process may use: those it is pinned to, and no more than a container's CPU
    quota (cgroup v2 ``cpu.max``), where ``os.cpu_count()`` would count the whole host's."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = Path(cgroup_cpu_max).read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def default_slot_count() -> int:
    """``RNNLAB_MAX_TRAINING_JOBS`` if set, else the number of cores (:func:`available_cores`)."""
    return _setting("RNNLAB_MAX_TRAINING_JOBS", available_cores(), low=1)


def torch_threads_per_job(slot_count: int, cores: int | None = None) -> int:
    """Torch threads each job may use so that all slots together fit the cores (at least 1)."""
    cores = cores or available_cores()
    return max(1, cores // max(1, slot_count))


def _setting(name: str, default: int, low: int) -> int:
    configured = os.environ.get(name, "").strip()
    return int(configured) if configured.lstrip("-").isdigit() and int(configured) >= low else default


def training_threads() -> int:
    """``RNNLAB_TORCH_THREADS`` if set, else :func:`torch_threads_per_job` for the server's slots."""
    return _setting("RNNLAB_TORCH_THREADS", torch_threads_per_job(default_slot_count()), low=1)


def training_niceness() -> int:
    """``RNNLAB_TRAINING_NICENESS`` if set (0-19), else 10: how much lower the CPU priority of a
    training process is than the pages', so that slider redraws come first and training takes
    what is left."""
    return min(19, _setting("RNNLAB_TRAINING_NICENESS", 10, low=0))


class TrainingSlots:
    """``limit`` places to train; :meth:`acquire` waits in a first-come, first-served queue."""

    def __init__(self, limit: int):
        if limit < 1:
            raise ValueError("a server needs at least one training slot")
        self.limit = limit
        self._holders: set[Hashable] = set()
        self._waiting: list[Hashable] = []
        self._changed = threading.Condition()

    def acquire(self, holder: Hashable, give_up: Callable[[], bool] = lambda: False, poll: float = 0.2) -> bool:
        """Block until ``holder`` has a slot (True) or ``give_up()`` becomes true while waiting (False)."""
        with self._changed:
            if holder in self._holders:
                return True
            if not any(waiting is holder for waiting in self._waiting):
                self._waiting.append(holder)
            try:
                while not (self._waiting[0] is holder and len(self._holders) < self.limit):
                    if give_up():
                        return False
                    self._changed.wait(poll)
                self._holders.add(holder)
                return True
            finally:
                self._waiting.remove(holder)
                self._changed.notify_all()

    def try_acquire(self, holder: Hashable) -> bool:
        """Take a free slot at once if nobody is waiting for one (True), else take nothing (False)."""
        with self._changed:
            if holder not in self._holders and (self._waiting or len(self._holders) >= self.limit):
                return False
            self._holders.add(holder)
            return True

    def join_queue(self, holder: Hashable) -> None:
        """Take a place in the queue now (so :meth:`position` knows it); :meth:`acquire` then waits."""
        with self._changed:
            if holder not in self._holders and not any(waiting is holder for waiting in self._waiting):
                self._waiting.append(holder)

    def release(self, holder: Hashable) -> None:
        with self._changed:
            self._holders.discard(holder)
            self._changed.notify_all()

    def position(self, holder: Hashable) -> int | None:
        """1 for the next in line, 2 for the one after...; None when not waiting."""
        with self._changed:
            for index, waiting in enumerate(self._waiting):
                if waiting is holder:
                    return index + 1
        return None

    @property
    def running(self) -> int:
        with self._changed:
            return len(self._holders)

    @property
    def waiting(self) -> int:
        with self._changed:
            return len(self._waiting)
