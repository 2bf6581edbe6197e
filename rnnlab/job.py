"""A training run in a background thread that a UI polls: start, pause, resume, stop, step once.

The job never calls back into the UI: it appends :class:`TrainingEvent` records to a list, and
the UI reads the new ones with :meth:`TrainingJob.events_since`.
"""

from __future__ import annotations

import threading
import time

from rnnlab.errors import TrainingDiverged
from rnnlab.trainer import Trainer, TrainingEvent

STATES = ("ready", "running", "paused", "finished", "stopped", "diverged", "failed")


class TrainingJob:
    """Owns a :class:`Trainer` and the thread that drives it. All methods are thread-safe."""

    def __init__(self, trainer: Trainer):
        self.trainer = trainer
        self.events: list[TrainingEvent] = []
        self.state = "ready"
        self.message = ""
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop_requested = False
        self._paused = False
        self._steps_to_run = 0  # single steps requested while paused

    # --- commands (return immediately) ----------------------------------------------------
    def start(self) -> None:
        """Start training in the background (no-op if already started or stopped)."""
        with self._lock:
            if self._thread is not None or self.state != "ready":
                return
            self._paused = False
            self._launch()

    def pause(self) -> None:
        with self._lock:
            if self.state == "running":
                self._paused = True
                self._lock.notify_all()

    def resume(self) -> None:
        with self._lock:
            # A pause the thread has not reached yet (state still "running") is cancelled too.
            if self.state in ("paused", "ready") or (self.state == "running" and self._paused):
                self._paused = False
                if self._thread is None:
                    self._launch()
                self._lock.notify_all()

    def step_once(self) -> None:
        """Run exactly one training step, then stay paused (starts the job paused if needed)."""
        with self._lock:
            if self.state not in ("ready", "paused"):
                return
            self._steps_to_run += 1
            if self._thread is None:
                self._paused = True
                self._launch()
            self._lock.notify_all()

    def stop(self) -> None:
        """Ask the job to stop; it finishes the current step (well under a second) and keeps its weights."""
        with self._lock:
            self._stop_requested = True
            if self._thread is None and self.state == "ready":
                self.state = "stopped"
            self._lock.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job's thread has ended; True if it has."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    # --- reading ----------------------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.state in ("running", "paused")

    def events_since(self, index: int) -> list[TrainingEvent]:
        """Events appended after the first ``index`` ones (a UI keeps its own index)."""
        with self._lock:
            return self.events[index:]

    def last_event(self, kind: str | None = None) -> TrainingEvent | None:
        with self._lock:
            for event in reversed(self.events):
                if kind is None or event.kind == kind:
                    return event
        return None

    # --- the thread -------------------------------------------------------------------------
    def _launch(self) -> None:
        self.state = "paused" if self._paused else "running"
        self._thread = threading.Thread(target=self._run, name="rnnlab-training", daemon=True)
        self._thread.start()

    def _emit(self, event: TrainingEvent) -> None:
        with self._lock:
            self.events.append(event)

    def _wait_while_paused(self) -> bool:
        """Block while paused with no single step pending; False when asked to stop."""
        with self._lock:
            was_paused = False
            while self._paused and self._steps_to_run == 0 and not self._stop_requested:
                if not was_paused:
                    self.state, was_paused = "paused", True
                    self.events.append(self._state_event("paused"))
                self._lock.wait(0.2)
            if self._stop_requested:
                return False
            if self._steps_to_run:
                self._steps_to_run -= 1
            elif was_paused or self.state == "paused":
                self.state = "running"
                self.events.append(self._state_event("resumed"))
            return True

    def _state_event(self, kind: str, message: str = "") -> TrainingEvent:
        t = self.trainer
        return TrainingEvent(kind, t.step, t.seconds, t.progress, message=message)

    def _run(self) -> None:
        trainer = self.trainer
        try:
            if not trainer.history:
                self._emit(trainer.evaluation_event())
            while not trainer.finished and self._wait_while_paused():
                self._emit(trainer.step_event(trainer.train_step()))
                if trainer.is_evaluation_due() and not trainer.finished:
                    self._emit(trainer.evaluation_event())
            self._emit(trainer.evaluation_event(max_tokens=len(trainer.val_ids)))
            final = "stopped" if self._stop_requested else "finished"
            self._finish(
                final, "Stopped: the model keeps what it learned so far." if final == "stopped" else ""
            )
        except TrainingDiverged as error:
            self._finish("diverged", str(error))
        except Exception as error:  # a bug, not a learner's mistake: report it, never crash the server
            self._finish("failed", f"Training failed unexpectedly: {type(error).__name__}: {error}")

    def _finish(self, state: str, message: str) -> None:
        with self._lock:
            self.state = state
            self.message = message
            self.events.append(self._state_event(state, message))


def run_to_completion(job: TrainingJob, poll_seconds: float = 0.05, timeout: float | None = None) -> str:
    """Start ``job`` and wait for it (handy in notebooks and tests); returns the final state."""
    job.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    while job._thread is not None and job._thread.is_alive():
        if deadline is not None and time.monotonic() > deadline:
            job.stop()
            deadline = None
        time.sleep(poll_seconds)
    return job.state
