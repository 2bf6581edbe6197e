"""What one training step will cost (memory and arithmetic), known before anything is allocated.

A shared classroom server must refuse a model that would take all its memory or make every step
last a minute (stop would then take a minute too). The estimate follows the shapes:

* arithmetic: ~6 floating-point operations per parameter per token (forward + backward), the
  usual rule for dense networks (an LSTM's parameters are all used at every step);
* memory: the activations kept for the backward pass, ~4 bytes x batch x steps x
  (6 x input features + 10 x hidden per layer + 4.5 x vocabulary), plus weights, gradients and
  the two Adam moments (16 bytes per parameter). Measured with torch 2.13 on CPU, this is within
  ~20 % of the peak resident-memory growth of a step for LSTM char and word models, with
  embedding or one-hot input.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from rnnlab.errors import SettingsError
from rnnlab.model import CharRNN

DEFAULT_MAX_STEP_MEMORY_MB = 1024
DEFAULT_MAX_STEP_GFLOP = 60.0  # about 1.5 s per step on one 2020s CPU core


@dataclass(frozen=True)
class TrainingCost:
    parameters: int
    memory_bytes: int
    flops_per_step: float

    @property
    def memory_mb(self) -> float:
        return self.memory_bytes / 2**20

    @property
    def gflop_per_step(self) -> float:
        return self.flops_per_step / 1e9


@dataclass(frozen=True)
class StepLimits:
    """The most one training step may cost on this server."""

    max_memory_mb: float = DEFAULT_MAX_STEP_MEMORY_MB
    max_gflop: float = DEFAULT_MAX_STEP_GFLOP

    @classmethod
    def from_environment(cls) -> StepLimits:
        """``RNNLAB_MAX_STEP_MEMORY_MB`` and ``RNNLAB_MAX_STEP_GFLOP`` if set, else the defaults."""
        return cls(
            _positive_number("RNNLAB_MAX_STEP_MEMORY_MB", DEFAULT_MAX_STEP_MEMORY_MB),
            _positive_number("RNNLAB_MAX_STEP_GFLOP", DEFAULT_MAX_STEP_GFLOP),
        )


def _positive_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def training_cost(config, vocab_size: int) -> TrainingCost:
    """The cost of one step of ``config`` (a :class:`rnnlab.trainer.TrainConfig`) on this vocabulary."""
    model_config = config.model_config(vocab_size)
    with torch.device("meta"):  # shapes only: no memory is allocated
        parameters = CharRNN(model_config).num_parameters()
    tokens = config.batch_size * config.seq_len
    features = model_config.embedding_size if model_config.input == "embedding" else vocab_size
    per_token = 6 * features + 10 * model_config.num_layers * model_config.hidden_size + 4.5 * vocab_size
    activations = int(4 * tokens * per_token)
    return TrainingCost(parameters, activations + 16 * parameters, 6.0 * parameters * tokens)


def excess(cost: TrainingCost, limits: StepLimits) -> dict[str, tuple[float, float]]:
    """The limits ``cost`` goes over: ``{"memory_mb": (needed, allowed), "gflop": (needed, allowed)}``."""
    over = {}
    if cost.memory_mb > limits.max_memory_mb:
        over["memory_mb"] = (cost.memory_mb, limits.max_memory_mb)
    if cost.gflop_per_step > limits.max_gflop:
        over["gflop"] = (cost.gflop_per_step, limits.max_gflop)
    return over


def check_step_cost(cost: TrainingCost, limits: StepLimits) -> None:
    """Raise :class:`SettingsError` (a sentence for the learner) if one step costs more than ``limits``."""
    over = excess(cost, limits)
    reasons = []
    if "memory_mb" in over:
        reasons.append("about {:,.0f} MB of memory (this server allows {:,.0f})".format(*over["memory_mb"]))
    if "gflop" in over:
        reasons.append(
            "about {:,.0f} billion operations per step (this server allows {:,.0f}, about a second)".format(
                *over["gflop"]
            )
        )
    if reasons:
        raise SettingsError(
            "This model is too big to train here: it would need "
            + " and ".join(reasons)
            + ". Choose a smaller hidden size, batch or sequence length, or fewer layers."
        )
