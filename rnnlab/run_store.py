"""Training runs stored as they go, so a refresh, a closed tab or a server restart loses nothing.

One folder per run under the runs directory (``RNNLAB_RUNS_DIR``, default ``data/runs`` in the
project), named by an unguessable id that is the run's link (``?run=<id>``)::

    <id>/run.json            label, settings, state, step, seconds (rewritten on every change)
    <id>/corpus.txt.gz       the training text (to rebuild the run, and for the copy detector)
    <id>/events.jsonl        every TrainingEvent, one JSON object per line, appended as it happens
    <id>/model.safetensors   the weights at the latest evaluation (and at the end)

A :class:`RunRecorder` listens to the job and writes these files. :meth:`RunStore.open` finds a
run by id: the live job if it is training in this server, else a dormant job rebuilt from disk. A
run found on disk still "running" was cut off by a server restart: it becomes "stopped" at its
last checkpoint, unless the server that trains it is still alive (several app servers may share
one runs directory; each touches ``.servers/<its id>`` every few seconds): then it is shown as
training "elsewhere", read-only. Live jobs are stopped (keeping their weights) once nobody has watched them for a
grace period, so a refresh or a teacher's second tab does not stop them but a closed tab does.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import math
import os
import re
import secrets
import socket
import threading
import time
import weakref
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from rnnlab.checkpoint import load_checkpoint
from rnnlab.errors import RnnLabError
from rnnlab.job import ACTIVE_STATES, STATES, TrainingJob
from rnnlab.trainer import HistoryRow, TrainConfig, Trainer, TrainingEvent
from rnnlab.training_slots import TrainingSlots

RUN_ID = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16): 128 random bits
FORMAT_VERSION = 1
MAX_RUN_JSON_BYTES = 1_000_000
DEFAULT_GRACE_SECONDS = 90.0
HEARTBEAT_SECONDS = 10.0  # how often a server says it is alive; 3 missed beats and it counts as gone


class RunNotFound(RnnLabError):
    """No readable run has this id (a wrong or old link, or the run was deleted)."""


def default_runs_dir() -> Path:
    """``RNNLAB_RUNS_DIR`` if set, else ``data/runs`` inside the project."""
    configured = os.environ.get("RNNLAB_RUNS_DIR", "").strip()
    return Path(configured) if configured else Path(__file__).resolve().parent.parent / "data" / "runs"


def new_run_id() -> str:
    return secrets.token_urlsafe(16)


def is_run_id(value: str) -> bool:
    return isinstance(value, str) and RUN_ID.fullmatch(value) is not None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass
class StoredRun:
    """A run and its job (live, or rebuilt from disk), as :meth:`RunStore.open` hands it out."""

    run_id: str
    label: str
    source_name: str
    created: str
    job: TrainingJob

    @property
    def trainer(self) -> Trainer:
        return self.job.trainer


class RunRecorder:
    """A job listener that writes one run's folder as the job goes."""

    def __init__(self, folder: Path, record: dict):
        self.folder = folder
        self.record = record  # the contents of run.json
        self._lock = threading.Lock()

    def __call__(self, job: TrainingJob, event: TrainingEvent) -> None:
        with self._lock:
            if event.kind == "eval":  # the weights first: a recorded evaluation always has its checkpoint
                _write_atomically(self.folder / "model.safetensors", job.trainer.checkpoint_bytes())
            with open(self.folder / "events.jsonl", "a", encoding="utf-8") as events:
                events.write(json.dumps(asdict(event)) + "\n")
            if event.kind != "step":
                self.save_state(job.state, job.message, job.trainer)

    def save_state(self, state: str, message: str, trainer: Trainer) -> None:
        history = trainer.history
        self.record.update(
            state=state,
            message=message,
            step=trainer.step,
            seconds=round(trainer.seconds, 3),
            val_loss=history[-1].val_loss if history else None,
            updated=_now(),
        )
        _write_atomically(self.folder / "run.json", json.dumps(self.record, indent=1).encode())


class RunStore:
    """Creates, records and reopens runs in ``root``; keeps track of who watches the live ones."""

    def __init__(
        self,
        root: Path | str | None = None,
        *,
        slots: TrainingSlots | None = None,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
    ):
        self.root = Path(root) if root is not None else default_runs_dir()
        self.slots = slots
        self.grace_seconds = grace_seconds
        self._lock = threading.Lock()
        self._open: weakref.WeakValueDictionary[str, StoredRun] = weakref.WeakValueDictionary()
        self._live: dict[str, StoredRun] = {}  # active jobs stay reachable while they train
        self._watchers: dict[str, set] = {}
        self.server_id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
        self._heartbeat: threading.Thread | None = None
        self._closed = threading.Event()

    # --- creating -------------------------------------------------------------------------------
    def create(self, trainer: Trainer, *, label: str, source_name: str, text: str) -> StoredRun:
        """A new run folder for ``trainer`` (not started) whose job records itself as it goes."""
        run_id = new_run_id()
        folder = self.root / run_id
        folder.mkdir(parents=True)
        (folder / "corpus.txt.gz").write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=5))
        record = {
            "format_version": FORMAT_VERSION,
            "id": run_id,
            "label": label,
            "source_name": source_name,
            "corpus_name": trainer.corpus_name,
            "created": _now(),
            "config": trainer.config.to_dict(),
            "server": self.server_id,
        }
        self._start_heartbeat()
        recorder = RunRecorder(folder, record)
        recorder.save_state("ready", "", trainer)
        job = TrainingJob(trainer, on_event=[recorder, self._forget_when_done], slots=self.slots)
        run = StoredRun(run_id, label, source_name, record["created"], job)
        with self._lock:
            self._open[run_id] = run
            self._live[run_id] = run
        return run

    def _forget_when_done(self, job: TrainingJob, event: TrainingEvent) -> None:
        if job.state not in ACTIVE_STATES and job.state != "ready":
            with self._lock:
                for run_id, run in list(self._live.items()):
                    if run.job is job:
                        del self._live[run_id]

    # --- reopening ------------------------------------------------------------------------------
    def open(self, run_id: str) -> StoredRun:
        """The run with this id: the live one if it is in memory, else rebuilt from its folder.

        Raises :class:`RunNotFound` with a sentence for a learner when there is no such run.
        """
        if not is_run_id(run_id):
            raise RunNotFound("This run link is not valid: check that it was copied whole.")
        with self._lock:
            run = self._open.get(run_id)
        if run is not None:
            return run
        run = self._load(run_id)
        if run.job.state == "elsewhere":  # a snapshot: read again on the next open
            return run
        with self._lock:  # two sessions opening the same link at once share one job
            return self._open.setdefault(run_id, run)

    def _load(self, run_id: str) -> StoredRun:
        folder = self.root / run_id
        try:
            record_bytes = (folder / "run.json").read_bytes()[: MAX_RUN_JSON_BYTES + 1]
            if len(record_bytes) > MAX_RUN_JSON_BYTES:
                raise ValueError("run.json is too large")
            record = json.loads(record_bytes)
            text = gzip.decompress((folder / "corpus.txt.gz").read_bytes()).decode("utf-8")
            config = TrainConfig.from_dict(record["config"])
            events = _read_events(folder / "events.jsonl")
            model_file = folder / "model.safetensors"
            corpus_name = record.get("corpus_name", record.get("source_name", ""))
            if model_file.exists():
                checkpoint = load_checkpoint(model_file)
                saved_step = int(checkpoint.training.get("steps", 0))
                history = [
                    HistoryRow(e.step, e.seconds, e.train_loss, e.val_loss)
                    for e in events
                    if e.kind == "eval" and e.step <= saved_step
                ]
                trainer = Trainer.restored(text, config, checkpoint, history, corpus_name=corpus_name)
                if not history or history[-1].step < trainer.step:
                    events = _with_saved_evaluation(events, trainer, checkpoint.training)
            else:
                trainer = Trainer(text, config, corpus_name=corpus_name)
        except FileNotFoundError as error:
            raise RunNotFound("There is no run with this link on this server (it may have been deleted).") from error
        except (OSError, ValueError, KeyError, TypeError, RnnLabError) as error:
            raise RunNotFound(f"This run's files are damaged, so it cannot be opened ({error}).") from error

        recorder = RunRecorder(folder, record)
        job = TrainingJob(trainer, on_event=[recorder], slots=self.slots)
        job.events = events
        state = record.get("state", "stopped")
        job.state, job.message = (state, record.get("message", "")) if state in STATES else ("stopped", "")
        if (job.state in ACTIVE_STATES or job.state == "ready") and self.is_alive(record.get("server", "")):
            job.state = "elsewhere"
            job.message = "This run is training on another app server: reload the page to see how far it got."
        elif job.state in ACTIVE_STATES or job.state == "ready":
            # Nothing trains it in this server: it was cut off by a restart (or never started).
            message = (
                f"The server restarted while this run was training; it stopped at step {trainer.step} "
                "with the weights of its last evaluation."
                if trainer.history
                else "The server restarted before this run started training."
            )
            job.state, job.message = "stopped", message
            job.events = _up_to_last_checkpoint(events, trainer.step)  # its later steps were lost
            stopped = TrainingEvent("stopped", trainer.step, trainer.seconds, trainer.progress, message=message)
            job.events.append(stopped)
            recorder(job, stopped)
        return StoredRun(run_id, record.get("label", run_id), record.get("source_name", ""), record["created"], job)

    # --- servers sharing the runs directory -----------------------------------------------------
    def _heartbeat_file(self, server_id: str) -> Path:
        return self.root / ".servers" / server_id

    def _start_heartbeat(self) -> None:
        with self._lock:
            if self._heartbeat is not None:
                return
            self._heartbeat = threading.Thread(target=self._beat, name="rnnlab-heartbeat", daemon=True)
        self._heartbeat_file(self.server_id).parent.mkdir(parents=True, exist_ok=True)
        self._heartbeat_file(self.server_id).touch()
        self._heartbeat.start()

    def _beat(self) -> None:
        while not self._closed.wait(HEARTBEAT_SECONDS):
            with contextlib.suppress(OSError):  # the next beat tries again
                self._heartbeat_file(self.server_id).touch()

    def is_alive(self, server_id: str) -> bool:
        """Whether the server ``server_id`` (another process sharing the runs directory) still beats."""
        if not server_id or server_id == self.server_id or "/" in server_id or server_id.startswith("."):
            return False
        try:
            age = time.time() - self._heartbeat_file(server_id).stat().st_mtime
        except OSError:
            return False
        return age < 3.5 * HEARTBEAT_SECONDS

    def close(self) -> None:
        """This server shuts down cleanly: its runs no longer count as training elsewhere."""
        self._closed.set()
        self._heartbeat_file(self.server_id).unlink(missing_ok=True)

    # --- watching -------------------------------------------------------------------------------
    def watch(self, run_id: str, watcher) -> None:
        """``watcher`` (e.g. a browser session) has this run open: it keeps training."""
        with self._lock:
            self._watchers.setdefault(run_id, set()).add(watcher)

    def unwatch(self, run_id: str, watcher) -> None:
        """``watcher`` left; if nobody else watches within the grace period, the run stops (keeping its weights)."""
        with self._lock:
            watchers = self._watchers.get(run_id, set())
            watchers.discard(watcher)
            run = self._live.get(run_id)
            if watchers or run is None:
                return
        timer = threading.Timer(self.grace_seconds, self._stop_if_unwatched, args=(run_id,))
        timer.daemon = True
        timer.start()

    def _stop_if_unwatched(self, run_id: str) -> None:
        with self._lock:
            if self._watchers.get(run_id):
                return
            self._watchers.pop(run_id, None)
            run = self._live.get(run_id)
        if run is not None:
            run.job.stop()
            if not run.job.is_active:  # a job that never started ends at once
                with self._lock:
                    self._live.pop(run_id, None)

    def live_count(self) -> int:
        with self._lock:
            return len(self._live)


def _with_saved_evaluation(events: list[TrainingEvent], trainer: Trainer, summary: dict) -> list[TrainingEvent]:
    """The events with the saved weights' evaluation added, and the trainer's curve with its point,
    when the server stopped between writing an evaluation's weights and recording the evaluation."""
    val_loss, train_loss = summary.get("val_loss"), summary.get("train_loss")
    if not all(isinstance(loss, float) and math.isfinite(loss) for loss in (val_loss, train_loss)):
        return events
    row = HistoryRow(trainer.step, trainer.seconds, train_loss, val_loss)
    trainer.history.append(row)
    evaluation = TrainingEvent(
        "eval", row.step, row.seconds, trainer.progress, train_loss=row.train_loss, val_loss=row.val_loss
    )
    return [e for e in events if e.step <= row.step] + [evaluation]


def _up_to_last_checkpoint(events: list[TrainingEvent], saved_step: int) -> list[TrainingEvent]:
    """The events up to the last evaluation whose weights were saved (at step ``saved_step``)."""
    last = max((i for i, e in enumerate(events) if e.kind == "eval" and e.step <= saved_step), default=-1)
    return events[: last + 1]


def _read_events(path: Path) -> list[TrainingEvent]:
    """The events of a run; a line cut short by a crash (the last one) is skipped."""
    if not path.exists():
        return []
    events = []
    known = set(TrainingEvent.__dataclass_fields__)
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
            events.append(TrainingEvent(**{k: v for k, v in data.items() if k in known}))
        except (ValueError, TypeError):
            continue
    return events
