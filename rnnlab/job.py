"""A training run in a background thread that a UI polls: start, pause, resume, stop, step once.

The job never calls back into the UI: it appends :class:`TrainingEvent` records to a list, and
the UI reads the new ones with :meth:`TrainingJob.events_since`. Listeners (``on_event``) run in
the job's thread, after each event: a :class:`rnnlab.run_store.RunRecorder` saves the run as it goes.

On a shared server, jobs take a place from :class:`rnnlab.training_slots.TrainingSlots` before
they train ("queued" until one is free) and give it back while paused and when done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from rnnlab.errors import TrainingDiverged
from rnnlab.trainer import Trainer, TrainingEvent
from rnnlab.training_slots import TrainingSlots

# "elsewhere": a stored run that another app server is training (see rnnlab.run_store).
STATES = ("ready", "queued", "running", "paused", "finished", "stopped", "diverged", "failed", "elsewhere")
ACTIVE_STATES = ("queued", "running", "paused")
DONE_STATES = ("finished", "stopped", "diverged", "failed")


class TrainingJob:
    """Owns a :class:`Trainer` and the thread that drives it. All methods are thread-safe."""

    def __init__(
        self,
        trainer: Trainer,
        *,
        on_event: Iterable[Callable[[TrainingJob, TrainingEvent], None]] = (),
        slots: TrainingSlots | None = None,
    ):
        self.trainer = trainer
        self.events: list[TrainingEvent] = []
        self.state = "ready"
        self.message = ""
        self.listeners = list(on_event)
        self.slots = slots
        self._has_slot = False
        self.listener_error = ""  # the last failure of a listener (e.g. saving the run)
        self._unheard: list[TrainingEvent] = []  # events appended under the lock, for listeners
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
        return self.state in ACTIVE_STATES

    def queue_position(self) -> int | None:
        """1 for the next job to get a training slot, 2 after it...; None when not waiting."""
        if self.state != "queued" or self.slots is None:
            return None
        return self.slots.position(self)

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
        self._tell_listeners(event)

    def _tell_listeners(self, event: TrainingEvent) -> None:
        for listener in self.listeners:
            try:
                listener(self, event)
            except Exception as error:  # e.g. a full disk: the training goes on, the UI can warn
                self.listener_error = f"{type(error).__name__}: {error}"

    def _wait_while_paused(self) -> bool:
        """Block while paused with no single step pending; False when asked to stop.

        A paused job gives its training slot back, so a paused learner does not hold up the queue.
        """
        with self._lock:
            must_pause = self._paused and self._steps_to_run == 0 and not self._stop_requested
            if must_pause and self.state != "paused":
                self.state = "paused"
                self._emit_later(self._state_event("paused"))
        self._flush_later()
        if must_pause:
            self._give_slot_back()
        with self._lock:
            while self._paused and self._steps_to_run == 0 and not self._stop_requested:
                self._lock.wait(0.2)
            if self._stop_requested:
                return False
            if self._steps_to_run:
                self._steps_to_run -= 1
            elif self.state == "paused":
                self.state = "running"
                self._emit_later(self._state_event("resumed"))
        self._flush_later()
        return True

    def _take_slot(self) -> bool:
        """Wait (state "queued") for a training slot if the server limits them; False when stopped."""
        if self.slots is None or self._has_slot:
            return True
        if self.slots.try_acquire(self):  # a free slot: no queue to show
            self._has_slot = True
            return True
        self.slots.join_queue(self)
        with self._lock:
            state_before = self.state
            self.state = "queued"
            self._emit_later(self._state_event("queued"))
        self._flush_later()
        self._has_slot = self.slots.acquire(self, give_up=lambda: self._stop_requested)
        with self._lock:
            if self.state == "queued":
                self.state = state_before
        return self._has_slot

    def _give_slot_back(self) -> None:
        if self.slots is not None and self._has_slot:
            self.slots.release(self)
            self._has_slot = False

    def _emit_later(self, event: TrainingEvent) -> None:
        """Append ``event`` (lock held); listeners hear of it at the next :meth:`_flush_later`."""
        self.events.append(event)
        self._unheard.append(event)

    def _flush_later(self) -> None:
        with self._lock:
            unheard, self._unheard = self._unheard, []
        for event in unheard:
            self._tell_listeners(event)

    def _state_event(self, kind: str, message: str = "") -> TrainingEvent:
        t = self.trainer
        return TrainingEvent(kind, t.step, t.seconds, t.progress, message=message)

    def _run(self) -> None:
        trainer = self.trainer
        try:
            if not self._take_slot():
                self._finish("stopped", "Stopped before it started: it was still waiting for a free place.")
                return
            if not trainer.history:
                self._emit(trainer.evaluation_event())
            while not trainer.finished and self._wait_while_paused() and self._take_slot():
                self._emit(trainer.step_event(trainer.train_step()))
                if trainer.is_evaluation_due() and not trainer.finished:
                    self._emit(trainer.evaluation_event())
            # A finished run is measured on all of its validation text; a stopped one as during
            # training (a sample of it), so that Stop answers within a second even for a long text.
            self._emit(trainer.evaluation_event(max_tokens=None if self._stop_requested else len(trainer.val_ids)))
            final = "stopped" if self._stop_requested else "finished"
            self._finish(
                final, "Stopped: the model keeps what it learned so far." if final == "stopped" else ""
            )
        except TrainingDiverged as error:
            self._finish("diverged", str(error))
        except Exception as error:  # a bug, not a learner's mistake: report it, never crash the server
            self._finish("failed", f"Training failed unexpectedly: {type(error).__name__}: {error}")
        finally:
            self._give_slot_back()
            trainer.close()

    def _finish(self, state: str, message: str) -> None:
        with self._lock:
            self.state = state
            self.message = message
            self._emit_later(self._state_event(state, message))
        self._flush_later()


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
