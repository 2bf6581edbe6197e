"""A :class:`~rnnlab.trainer.Trainer` whose steps run in a child process: for a shared server.

In one Python process, threads share one interpreter lock. A training thread takes it between
its torch calls hundreds of times a second, and every page redraw of every learner waits for it
too: measured on 2 cores, one 300-character generation took 13 ms alone and 42 ms next to two
training threads. A :class:`ProcessTrainer` keeps the trainer's data in this process (vocabulary,
ids, reference losses, curve, counters) and runs its twin in a child process, which does the
work: ``train_step`` and ``evaluation_event`` are calls over a pipe (well under a millisecond
each against a step's tens). The server's interpreter is then free for the pages, and the
child can run at a lower CPU priority (``niceness``) so that redraws come first.

The twin is built from the same text and settings, so it starts from exactly the same weights
(both are seeded; :meth:`ProcessTrainer.start` checks it). After each call the child's counters
(step, seconds, losses since the last evaluation, evaluations done) are copied here; the weights
come back with every evaluation, and on demand when a checkpoint is taken (:meth:`checkpoint_bytes`).

**Where children come from.** One *host* process per server (``python -m rnnlab.trainer_process``,
started on first use or by :func:`start_host_in_background`) imports torch and trains one step of
a tiny model, so that what torch loads on first use (its compiler stack: ~800 modules, 1.5 s) is
loaded once. It then forks a child for each trainer and hands it the child's end of a socket
pair (sent over the host's control socket). Forking a single-threaded process that already has
torch loaded starts a child in milliseconds, sharing those pages. (The standard library's
forkserver would do the same, but its children import the parent's ``__main__``: inside
Streamlit that is the app script itself.) A child ends when its trainer is closed, when its
socket closes (the server exited) or if it crashes; the job then fails with a message.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnlab.errors import RnnLabError
from rnnlab.trainer import HistoryRow, TrainConfig, Trainer, TrainingEvent

# What the child sends back after each call, so that this side's counters follow it.
_COUNTERS = ("step", "seconds", "_losses_since_eval", "_evaluations_done")
_PID_BYTES = 16  # the host answers each fork with the child's pid, padded to this many bytes


class TrainingProcessError(RnnLabError):
    """The training process could not start or ended unexpectedly."""


def _weights(model: torch.nn.Module) -> dict[str, np.ndarray]:
    return {name: tensor.detach().numpy().copy() for name, tensor in model.state_dict().items()}


def _load_weights(model: torch.nn.Module, weights: dict[str, np.ndarray]) -> None:
    model.load_state_dict({name: torch.from_numpy(array) for name, array in weights.items()})


# --- the child: one trainer's twin ------------------------------------------------------------------


def _serve(connection: Connection) -> None:
    """Build the twin from the first message, then answer calls until the socket closes or ``None`` comes."""
    text, config, corpus_name, niceness, threads = connection.recv()
    if niceness:
        os.nice(niceness)
    torch.set_num_threads(max(1, threads))
    try:
        trainer = Trainer(text, TrainConfig.from_dict(config), corpus_name=corpus_name)
    except Exception as error:
        connection.send(("error", TrainingProcessError(f"Training could not start: {error}")))
        return
    connection.send(("ok", _weights(trainer.model)))
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):  # the server went away
            return
        if request is None:
            return
        method, args = request
        try:
            if method == "weights":
                value: Any = _weights(trainer.model)
            else:
                value = getattr(trainer, method)(*args)
                if method == "evaluation_event":
                    value = (value, _weights(trainer.model))
            reply = ("ok", value)
        except RnnLabError as error:  # TrainingDiverged: the twin already rolled back its weights
            reply = ("error", error)
        except Exception as error:  # a bug: its text, not the exception (it may not pickle)
            reply = ("error", TrainingProcessError(f"Training failed: {type(error).__name__}: {error}"))
        connection.send((*reply, {name: getattr(trainer, name) for name in _COUNTERS}))


# --- the host: forks the children -------------------------------------------------------------------


def _warm_up() -> None:
    """One step of a tiny model, so that what torch imports on first use is loaded before any fork."""
    from rnnlab.generation import generate

    tiny = TrainConfig(
        max_steps=1, max_seconds=None, hidden_size=8, embedding_size=4, seq_len=4, batch_size=1, eval_tokens=16
    )
    trainer = Trainer("abc\n" * 32, tiny, corpus_name="warm-up")
    trainer.train_step()
    trainer.evaluate()
    generate(trainer.model, trainer.vocab, "a", length=2)


def _host(control: socket.socket) -> None:
    """Fork a child for each file descriptor that arrives on ``control``; end when it closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped as they end
    with contextlib.suppress(Exception):  # a failed warm-up only loses the head start
        _warm_up()
    while True:
        try:
            _, fds, _, _ = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not fds:  # the server closed its end
            return
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _serve(Connection(fds[0]))
            finally:
                os._exit(0)
        os.close(fds[0])
        control.sendall(str(pid).encode().ljust(_PID_BYTES))


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    """``size`` bytes from a stream socket, or fewer if it closes first."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


class _Host:
    """This process's handle on the host (started once, restarted if it died)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._process: subprocess.Popen | None = None

    def _start_locked(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        here, there = socket.socketpair()
        package_root = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "rnnlab.trainer_process", str(there.fileno())],
                pass_fds=(there.fileno(),),
                env=dict(os.environ, PYTHONPATH=path),
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C in the server's terminal is not the host's
            )
        except OSError as error:
            raise TrainingProcessError(f"The training processes could not start ({error}).") from error
        finally:
            there.close()
        self._control = here

    def start(self) -> None:
        with self._lock:
            self._start_locked()

    def fork(self) -> tuple[Connection, int]:
        """A new child: the connection to it and its pid."""
        with self._lock:
            self._start_locked()
            here, there = socket.socketpair()
            try:
                socket.send_fds(self._control, [b"f"], [there.fileno()])
                reply = _receive_exactly(self._control, _PID_BYTES)  # the first time, after the warm-up
            except OSError as error:
                here.close()
                raise TrainingProcessError(f"The training processes stopped answering ({error}).") from error
            finally:
                there.close()
            if len(reply) < _PID_BYTES:
                here.close()
                self._process.wait()
                raise TrainingProcessError("The training processes ended unexpectedly; try again.")
            return Connection(here.detach()), int(reply)


_HOST = _Host()


def start_host_in_background() -> None:
    """Start the host now (a few seconds, once per server) in a thread, so the first Start need not wait."""
    threading.Thread(target=_HOST.start, name="rnnlab-trainer-host", daemon=True).start()


# --- this side ---------------------------------------------------------------------------------------


class ProcessTrainer(Trainer):
    """A :class:`Trainer` whose training steps and evaluations run in a child process.

    Everything else (vocabulary, ids, references, history, summary, checkpoints) is this
    process's own, so a UI reads it without asking the child. ``niceness`` lowers the child's
    CPU priority (0 leaves it), ``threads`` sets its torch threads. The child starts at the first
    call (or :meth:`start`) and ends with :meth:`close`.
    """

    def __init__(
        self,
        text: str,
        config: TrainConfig | None = None,
        *,
        corpus_name: str = "custom text",
        niceness: int = 0,
        threads: int = 1,
    ):
        super().__init__(text, config, corpus_name=corpus_name)
        self._text = text
        self.niceness = niceness
        self.threads = threads
        self._lock = threading.RLock()  # one call at a time on the socket; the model read or written whole
        self._connection: Connection | None = None
        self._pid: int | None = None
        self._closed = False
        self._weights_step = 0  # the step of the weights in self.model

    # --- the child ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the child (if not yet) and check that its twin has the same initial weights."""
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._connection is not None:
            return
        if self._closed:
            raise TrainingProcessError("This training process was closed.")
        self._connection, self._pid = _HOST.fork()
        try:
            self._connection.send((self._text, self.config.to_dict(), self.corpus_name, self.niceness, self.threads))
        except OSError as error:
            self._end_child()
            raise TrainingProcessError("The training process ended unexpectedly.") from error
        weights = self._receive()
        if any(not np.array_equal(weights[name], array) for name, array in _weights(self.model).items()):
            self._end_child()
            raise TrainingProcessError("The training process did not start from the same weights.")

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._pid if self._connection is not None else None

    def _receive(self):
        """The child's answer to the last request; its counters are copied here first."""
        try:
            status, value, *counters = self._connection.recv()
        except (EOFError, OSError) as error:
            self._end_child()
            raise TrainingProcessError("The training process ended unexpectedly.") from error
        for name, counter in (counters[0] if counters else {}).items():
            setattr(self, name, counter)
        if status == "error":
            if counters == []:  # it could not even start
                self._end_child()
            raise value
        return value

    def _call_locked(self, method: str, *args):
        self._start_locked()
        try:
            self._connection.send((method, args))
        except OSError as error:
            self._end_child()
            raise TrainingProcessError("The training process ended unexpectedly.") from error
        return self._receive()

    def _end_child(self) -> None:
        connection, self._connection = self._connection, None  # the child ends when its socket closes
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.send(None)
            connection.close()

    def close(self) -> None:
        """End the child; this side keeps the latest weights (taken from it first, if it is alive)."""
        with self._lock:
            if self._connection is not None and self._weights_step != self.step:
                with contextlib.suppress(RnnLabError):
                    self._take_weights_locked()
            self._closed = True
            self._end_child()

    def _take_weights_locked(self) -> None:
        _load_weights(self.model, self._call_locked("weights"))
        self._weights_step = self.step

    # --- the work, in the child -------------------------------------------------------------------
    def train_step(self) -> float:
        with self._lock:
            return self._call_locked("train_step")

    def evaluation_event(self, max_tokens: int | None = None) -> TrainingEvent:
        with self._lock:
            event, weights = self._call_locked("evaluation_event", max_tokens)
            _load_weights(self.model, weights)
            self._weights_step = event.step
            self.history.append(HistoryRow(event.step, event.seconds, event.train_loss, event.val_loss))
        return event

    def checkpoint_bytes(self, path=None) -> bytes:
        """As :meth:`Trainer.checkpoint_bytes`, with the child's latest weights (at most a step old)."""
        with self._lock:
            if self._connection is not None and self._weights_step != self.step:
                self._take_weights_locked()
            return super().checkpoint_bytes(path)


if __name__ == "__main__":  # the host, started by _Host with its control socket's descriptor
    _host(socket.socket(fileno=int(sys.argv[1])))
