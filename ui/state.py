"""What one browser session owns: its training runs and its current model.

Runs live in a per-session resource (``st.cache_resource(scope="session")``) so that their
background jobs are stopped when the session ends; the current model is a small record in
``st.session_state``.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

import streamlit as st

from rnnlab.checkpoint import Checkpoint
from rnnlab.job import TrainingJob
from rnnlab.pretrained import list_pretrained

CURRENT_MODEL_KEY = "current_model"
DEFAULT_PRETRAINED = "shakespeare_char_lstm"


@dataclass
class Run:
    """One training run of this session: a job plus what the learner called it."""

    number: int
    label: str
    job: TrainingJob
    source_name: str

    @property
    def trainer(self):
        return self.job.trainer


@dataclass
class SessionRuns:
    """All runs of one browser session, newest last."""

    runs: list[Run] = field(default_factory=list)
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, job: TrainingJob, source_name: str) -> Run:
        with self._lock:
            return self._append(job, source_name)

    def _append(self, job: TrainingJob, source_name: str) -> Run:
        number = next(self._numbers)
        config = job.trainer.config
        label = f"#{number} {config.cell.upper()} {config.hidden_size} · {source_name}"
        run = Run(number, label, job, source_name)
        self.runs.append(run)
        return run

    def start(self, job: TrainingJob, source_name: str, *, single_step: bool = False) -> Run | None:
        """Add ``job`` and start it (or run one step), unless a run is already active: then None.

        The check and the start happen under one lock, so a double-clicked Start makes one run.
        """
        with self._lock:
            if any(run.job.is_active for run in self.runs):
                return None
            run = self._append(job, source_name)
            if single_step:
                job.step_once()
            else:
                job.start()
            return run

    @property
    def latest(self) -> Run | None:
        return self.runs[-1] if self.runs else None

    @property
    def active(self) -> Run | None:
        """The run whose job is running or paused, if any (one at a time per session)."""
        return next((run for run in reversed(self.runs) if run.job.is_active), None)

    def get(self, number: int) -> Run | None:
        return next((run for run in self.runs if run.number == number), None)

    def stop_all(self) -> None:
        for run in self.runs:
            run.job.stop()


def _release_runs(runs: SessionRuns) -> None:
    runs.stop_all()


@st.cache_resource(scope="session", on_release=_release_runs, show_spinner=False)
def session_runs() -> SessionRuns:
    """This browser session's runs (their jobs stop when the session ends)."""
    return SessionRuns()


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
    for model in list_pretrained():
        if model.name == name:
            return model.load()
    return None


def pretrained_choice(name: str) -> CurrentModel | None:
    """A shipped model as the current model, labelled with its card's title."""
    shipped = next((model for model in list_pretrained() if model.name == name), None)
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
