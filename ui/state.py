"""What one browser session owns: its training runs and its current model.

Runs are stored by the server-wide :class:`rnnlab.run_store.RunStore` (one folder per run) and
named in the URL (``?run=<id>&run=<id>``), so a refresh, a reopened tab or a teacher with the link
comes back to them. A session's list of runs lives in a per-session resource
(``st.cache_resource(scope="session")``): when the session ends it stops *watching* its runs, and
a run nobody watches stops after a grace period, keeping its weights. The current model is a
small record in ``st.session_state``.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass, field

import streamlit as st

from rnnlab.checkpoint import Checkpoint
from rnnlab.pretrained import find_pretrained
from rnnlab.run_store import DEFAULT_GRACE_SECONDS, RunNotFound, RunStore, StoredRun
from rnnlab.trainer import TrainConfig, Trainer
from rnnlab.trainer_process import ProcessTrainer, start_host_in_background
from rnnlab.training_slots import TrainingSlots, default_slot_count, training_niceness, training_threads

CURRENT_MODEL_KEY = "current_model"
DEFAULT_PRETRAINED = "shakespeare_char_lstm"
RUN_PARAM = "run"  # the URL query parameter naming the session's runs, oldest first
MAX_RUNS_PER_SESSION = 20


@st.cache_resource(show_spinner=False)
def training_slots() -> TrainingSlots:
    """The server-wide limit on jobs training at once (``RNNLAB_MAX_TRAINING_JOBS``, default: the cores).

    Made once per server, when the first page runs: the host of the training processes starts
    then too (a few seconds, in the background), so that the first Start does not wait for it.
    """
    start_host_in_background()
    return TrainingSlots(default_slot_count())


def new_trainer(text: str, config: TrainConfig, corpus_name: str) -> ProcessTrainer:
    """A trainer for this server: its steps run in a child process at a lower CPU priority
    (``RNNLAB_TRAINING_NICENESS``), so training never holds up the pages (see rnnlab.trainer_process)."""
    return ProcessTrainer(
        text, config, corpus_name=corpus_name, niceness=training_niceness(), threads=training_threads()
    )


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    """The server's runs (``RNNLAB_RUNS_DIR``; a run nobody watches stops after ``RNNLAB_GRACE_SECONDS``)."""
    grace = os.environ.get("RNNLAB_GRACE_SECONDS", "").strip()
    grace_seconds = float(grace) if grace.replace(".", "", 1).isdigit() else DEFAULT_GRACE_SECONDS
    return RunStore(slots=training_slots(), grace_seconds=grace_seconds)


@dataclass
class Run:
    """One run as this session lists it: the stored run plus its number in the session."""

    number: int
    stored: StoredRun

    @property
    def run_id(self) -> str:
        return self.stored.run_id

    @property
    def label(self) -> str:
        return f"#{self.number} {self.stored.label}"

    @property
    def job(self):
        return self.stored.job

    @property
    def source_name(self) -> str:
        return self.stored.source_name

    @property
    def trainer(self) -> Trainer:
        return self.stored.job.trainer


@dataclass(eq=False)  # compared and hashed by identity: the store keeps it in sets of watchers
class SessionRuns:
    """All runs of one browser session, oldest first."""

    store: RunStore
    runs: list[Run] = field(default_factory=list)
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _append(self, stored: StoredRun) -> Run:
        run = Run(next(self._numbers), stored)
        self.runs.append(run)
        self.store.watch(stored.run_id, self)
        return run

    def start(self, trainer: Trainer, source_name: str, *, text: str, single_step: bool = False) -> Run | None:
        """Store a new run for ``trainer`` and start it (or run one step), unless one is active: then None.

        The check and the start happen under one lock, so a double-clicked Start makes one run.
        """
        with self._lock:
            if any(run.job.is_active for run in self.runs):
                return None
            config = trainer.config
            label = f"{config.cell.upper()} {config.hidden_size} · {source_name}"
            run = self._append(self.store.create(trainer, label=label, source_name=source_name, text=text))
            if single_step:
                run.job.step_once()
            else:
                run.job.start()
            return run

    def open(self, run_id: str) -> Run:
        """Add the stored run ``run_id`` to this session (no-op if listed); raises RunNotFound."""
        with self._lock:
            listed = next((run for run in self.runs if run.run_id == run_id), None)
            if listed is not None:
                return listed
            return self._append(self.store.open(run_id))

    @property
    def latest(self) -> Run | None:
        return self.runs[-1] if self.runs else None

    @property
    def active(self) -> Run | None:
        """The run whose job is queued, running or paused, if any (one at a time per session)."""
        return next((run for run in reversed(self.runs) if run.job.is_active), None)

    def get(self, number: int) -> Run | None:
        return next((run for run in self.runs if run.number == number), None)

    def run_ids(self) -> list[str]:
        return [run.run_id for run in self.runs]

    def leave(self) -> None:
        """The session ended: stop watching its runs (nobody else watching: they stop after the grace period)."""
        for run in self.runs:
            self.store.unwatch(run.run_id, self)


def _leave(runs: SessionRuns) -> None:
    runs.leave()


@st.cache_resource(scope="session", on_release=_leave, show_spinner=False)
def session_runs() -> SessionRuns:
    """This browser session's runs."""
    return SessionRuns(run_store())


def sync_runs_with_url() -> list[str]:
    """Open the runs named in the URL, then name all of the session's runs there; returns problems.

    Called on every page, so a refresh anywhere comes back to the runs, and a teacher's copy of
    the link opens them too.
    """
    runs = session_runs()
    problems = []
    for run_id in st.query_params.get_all(RUN_PARAM)[:MAX_RUNS_PER_SESSION]:
        if run_id in runs.run_ids():
            continue
        try:
            runs.open(run_id)
        except RunNotFound as error:
            problems.append(str(error))
    name_runs_in_url(runs)
    return problems


def name_runs_in_url(runs: SessionRuns) -> None:
    """Name the session's runs in the URL (``?run=<id>&run=<id>``); called again when a run starts,
    since while it trains only the live panel reruns, and a refresh must find the new run."""
    ids = runs.run_ids()[-MAX_RUNS_PER_SESSION:]
    if st.query_params.get_all(RUN_PARAM) != ids:
        if ids:
            st.query_params[RUN_PARAM] = ids
        else:  # only bad links were given: drop them, the warning says why
            del st.query_params[RUN_PARAM]


@dataclass
class CurrentModel:
    """The model the Generate page and the sidebar use."""

    label: str
    checkpoint: Checkpoint
    source: str  # "run", "pretrained" or "upload"
    val_loss: float | None = None


@st.cache_resource(show_spinner=False)
def load_pretrained(name: str) -> Checkpoint | None:
    """A shipped model, loaded once per server and shared read-only by every session."""
    shipped = find_pretrained(name)
    return None if shipped is None else shipped.load()


def pretrained_choice(name: str) -> CurrentModel | None:
    """A shipped model as the current model, labelled with its card's title."""
    shipped = find_pretrained(name)
    checkpoint = load_pretrained(name)
    if shipped is None or checkpoint is None:
        return None
    training = checkpoint.metadata.get("training", {}) or {}
    return CurrentModel(shipped.title, checkpoint, "pretrained", training.get("val_loss"))


def run_choice(run: Run) -> CurrentModel:
    """A snapshot of a run's model (training can go on without changing what Generate shows)."""
    from rnnlab.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(run.trainer.checkpoint_bytes())
    history = run.trainer.history
    return CurrentModel(run.label, checkpoint, "run", history[-1].val_loss if history else None)


def current_model() -> CurrentModel | None:
    """The session's current model; the default pretrained model until the learner picks one."""
    if CURRENT_MODEL_KEY not in st.session_state:
        st.session_state[CURRENT_MODEL_KEY] = pretrained_choice(DEFAULT_PRETRAINED)
    return st.session_state[CURRENT_MODEL_KEY]


def set_current_model(choice: CurrentModel) -> None:
    st.session_state[CURRENT_MODEL_KEY] = choice
