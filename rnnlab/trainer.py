"""Training: the settings, the loop (readable top to bottom), and the learning-rate schedule.

``Trainer`` is synchronous and UI-free: call ``run()`` from a notebook or the CLI, or drive it one
``train_step()`` at a time. ``rnnlab.job.TrainingJob`` runs it in a background thread for the app.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields

import torch
from torch.nn import functional as F

from rnnlab.corpus import check_trainable, text_fingerprint
from rnnlab.data import random_windows, split_train_val, stream_batches
from rnnlab.errors import CheckpointError, SettingsError, TrainingDiverged
from rnnlab.metrics import bits, perplexity, reference_losses
from rnnlab.model import CharRNN, ModelConfig
from rnnlab.vocab import Vocabulary

# Bounds that keep one learner from taking a shared server's memory (see also model.LIMITS).
SETTING_RANGES = {
    "hidden_size": (8, 1024),
    "num_layers": (1, 4),
    "embedding_size": (4, 512),
    "seq_len": (4, 512),
    "batch_size": (1, 512),
    "learning_rate": (1e-6, 10.0),
    "dropout": (0.0, 0.9),
    "decay_fraction": (0.01, 1.0),
    "val_fraction": (0.01, 0.5),
    "max_seconds": (0.1, 24 * 3600),
    "max_steps": (1, 10_000_000),
    "evaluations": (1, 100_000),
}

# How the settings are called in a message to a learner (the Train page's words).
SETTING_NAMES = {
    "hidden_size": "Hidden size",
    "num_layers": "The number of layers",
    "embedding_size": "Embedding size",
    "seq_len": "Sequence length",
    "batch_size": "Batch size",
    "learning_rate": "Learning rate",
    "dropout": "Dropout",
    "decay_fraction": "The learning-rate decay fraction",
    "val_fraction": "The validation fraction",
    "max_seconds": "The time budget in seconds",
    "max_steps": "The number of steps",
    "evaluations": "The number of evaluations",
}


# Modules draw their initial weights from torch's global generator: one seeded model at a time,
# or two learners pressing Start together interleave their draws and neither gets its seed's model.
_SEEDED_INIT_LOCK = threading.Lock()

# A sampled evaluation reads rows of about this many tokens, each starting from a zero state.
EVAL_ROW_TOKENS = 1024

# Training stops as diverged when a batch loss exceeds this many times the uniform loss ln V.
DIVERGENCE_FACTOR = 3.0


@dataclass
class TrainConfig:
    """Every training setting, with defaults = the fast recipe (see bench/time_to_quality.py).

    On 2 CPU cores many small updates beat few large ones: a 192-unit LSTM on 24 x 64-token
    windows learnt most per second of the recipes we measured, with AdamW (weight decay 0.1) at a
    peak learning rate of 1e-2 held until the last 30 % of the budget, then decayed linearly to 0
    (at the same number of steps this ends 0.03 nats lower than a cosine decay without weight decay).
    """

    level: str = "char"
    cell: str = "lstm"
    hidden_size: int = 192
    num_layers: int = 1
    embedding_size: int = 64
    input: str = "embedding"
    dropout: float = 0.0
    seq_len: int = 64
    batch_size: int = 24
    learning_rate: float = 1e-2
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    warmup_fraction: float = 0.02
    decay_fraction: float = 0.3
    final_lr_fraction: float = 0.0
    max_seconds: float | None = 60.0
    max_steps: int | None = None
    evaluations: int = 20
    eval_tokens: int = 8_192
    val_fraction: float = 0.1
    max_vocab: int | None = None
    seed: int = 1337
    sample_length: int = 100

    def __post_init__(self):
        for name, (low, high) in SETTING_RANGES.items():
            value = getattr(self, name)
            if value is None and name in ("max_seconds", "max_steps"):
                continue
            if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
                raise SettingsError(f"{SETTING_NAMES[name]} must be between {low:g} and {high:g}, not {value!r}.")
        if self.max_seconds is None and self.max_steps is None:
            raise SettingsError("Give a time budget (seconds) or a number of steps.")
        if self.level not in ("char", "word"):
            raise SettingsError(f"level must be 'char' or 'word', not {self.level!r}.")

    def model_config(self, vocab_size: int) -> ModelConfig:
        try:
            return ModelConfig(
                vocab_size=vocab_size,
                cell=self.cell,
                hidden_size=self.hidden_size,
                num_layers=self.num_layers,
                input=self.input,
                embedding_size=self.embedding_size,
                dropout=self.dropout,
            )
        except ValueError as error:
            raise SettingsError(str(error)[:1].upper() + str(error)[1:] + ".") from error

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class TrainingEvent:
    """One thing a UI can show: a step, an evaluation (with samples), or a change of state."""

    kind: str  # "step" | "eval" | "paused" | "resumed" | "finished" | "stopped" | "diverged" | "failed"
    step: int
    seconds: float
    progress: float
    train_loss: float | None = None
    val_loss: float | None = None
    learning_rate: float | None = None
    chars_per_second: float | None = None
    sample_greedy: str | None = None
    sample_sampled: str | None = None
    message: str = ""


def learning_rate_at(progress: float, config: TrainConfig) -> float:
    """Warm up, hold, then decay, over progress 0..1 ("warm-up, stable, decay").

    Linear warm-up to the peak over ``warmup_fraction``, the peak until the last
    ``decay_fraction`` of the budget, then a straight line down to ``final_lr_fraction`` of the
    peak. Because the budget is known, the decay can always end exactly when training does.
    """
    peak = config.learning_rate
    if progress < config.warmup_fraction:
        return peak * (progress + 1e-3) / (config.warmup_fraction + 1e-3)
    remaining = max(0.0, 1.0 - progress)
    if remaining >= config.decay_fraction:
        return peak
    final = config.final_lr_fraction
    return peak * (final + (1.0 - final) * remaining / config.decay_fraction)


@dataclass
class HistoryRow:
    """One evaluation point of the loss curves (losses in nats)."""

    step: int
    seconds: float
    train_loss: float
    val_loss: float


class Trainer:
    """Owns the vocabulary, data, model and optimizer of one training run."""

    def __init__(self, text: str, config: TrainConfig | None = None, *, corpus_name: str = "custom text"):
        self.config = config = config or TrainConfig()
        check_trainable(text, level=config.level, seq_len=config.seq_len, val_fraction=config.val_fraction)
        self.corpus_name = corpus_name
        self.corpus_hash = text_fingerprint(text)
        self.vocab = Vocabulary.build(text, config.level, config.max_vocab)
        ids = torch.tensor(self.vocab.encode(text), dtype=torch.long)
        self.chars_per_token = len(text) / max(1, len(ids))
        self.train_ids, self.val_ids = split_train_val(ids, config.val_fraction)
        self.references = reference_losses(self.train_ids.numpy(), self.val_ids.numpy(), self.vocab.size)

        with _SEEDED_INIT_LOCK, torch.random.fork_rng():
            torch.manual_seed(config.seed)
            self.model = CharRNN(config.model_config(self.vocab.size))
        self.batch_generator = torch.Generator().manual_seed(config.seed)
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(),
            lr=config.learning_rate,
            betas=(0.9, 0.99),
            weight_decay=config.weight_decay,
        )
        self.step = 0
        self.seconds = 0.0  # time spent training and evaluating (pauses excluded)
        self.history: list[HistoryRow] = []
        self._losses_since_eval: list[float] = []
        self._evaluations_done = 0
        self._last_good_weights = copy.deepcopy(self.model.state_dict())
        # A loss this far above guessing uniformly (ln V) only comes from a run that blew up.
        self.divergence_threshold = DIVERGENCE_FACTOR * self.references["uniform"]

    @classmethod
    def restored(
        cls, text: str, config: TrainConfig, checkpoint, history: list[HistoryRow], *, corpus_name: str
    ) -> Trainer:
        """The trainer of a stored run: the same text and settings, its saved weights, curve and counters.

        ``checkpoint`` is a :class:`rnnlab.checkpoint.Checkpoint` saved by this run. The optimizer's
        moments are not stored, so training on from here starts them afresh.
        """
        trainer = cls(text, config, corpus_name=corpus_name)
        if trainer.vocab.tokens != checkpoint.vocab.tokens or trainer.model.config != checkpoint.config:
            raise CheckpointError("The stored model does not match the stored text and settings of this run.")
        trainer.model.load_state_dict(checkpoint.model.state_dict())
        trainer._last_good_weights = copy.deepcopy(trainer.model.state_dict())
        trainer.history = list(history)
        summary = checkpoint.training
        trainer.step = int(summary.get("steps", history[-1].step if history else 0))
        trainer.seconds = float(summary.get("seconds", history[-1].seconds if history else 0.0))
        trainer._evaluations_done = int(trainer.progress * config.evaluations)
        return trainer

    # --- the budget -------------------------------------------------------------------------
    @property
    def progress(self) -> float:
        """0 at the start, 1 when the time or step budget is used up."""
        parts = []
        if self.config.max_steps:
            parts.append(self.step / self.config.max_steps)
        if self.config.max_seconds:
            parts.append(self.seconds / self.config.max_seconds)
        return min(1.0, max(parts))

    @property
    def finished(self) -> bool:
        return self.progress >= 1.0

    def learning_rate(self) -> float:
        return learning_rate_at(self.progress, self.config)

    # --- one step ---------------------------------------------------------------------------
    def train_step(self) -> float:
        """Get a batch, forward, loss, backward, clip, step. Returns the batch loss in nats."""
        started = time.perf_counter()
        self.model.train()
        x, y = random_windows(
            self.train_ids, self.config.seq_len, self.config.batch_size, self.batch_generator
        )
        logits, _ = self.model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        value = loss.item()
        if (
            not (math.isfinite(value) and math.isfinite(grad_norm.item()))
            or value > self.divergence_threshold
        ):
            self.model.load_state_dict(self._last_good_weights)
            raise TrainingDiverged(
                f"Training diverged at step {self.step + 1} (the loss became {value:.3g} nats): "
                "the learning rate is probably too high. The last good weights were kept."
            )
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate()
        self.optimizer.step()
        self.step += 1
        self.seconds += time.perf_counter() - started
        self._losses_since_eval.append(value)
        return value

    # --- evaluation -------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self, max_tokens: int | None = None, num_streams: int = 32, ids: torch.Tensor | None = None) -> float:
        """Mean loss (nats) on the validation ids (or ``ids``): all of them, or ``max_tokens`` spread evenly.

        The state is carried along contiguous streams of the text, as in generation.
        """
        started = time.perf_counter()
        self.model.eval()
        ids = self.val_ids if ids is None else ids
        if max_tokens is not None:  # rows of about 1,000 tokens: the cold start of each row costs little
            num_streams = min(num_streams, max(1, max_tokens // EVAL_ROW_TOKENS))
        num_streams = max(1, min(num_streams, (len(ids) - 1) // 2))
        total, count, state = 0.0, 0, None
        for x, y in stream_batches(ids, num_streams, self.config.seq_len, tokens=max_tokens):
            logits, state = self.model(x, state)
            total += F.cross_entropy(
                logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum"
            ).item()
            count += y.numel()
        self.seconds += time.perf_counter() - started
        return total / max(1, count)

    def is_evaluation_due(self) -> bool:
        return self.progress >= (self._evaluations_done + 1) / self.config.evaluations

    def sample_prompt(self) -> str:
        return "\n" if "\n" in self.vocab.index else self.vocab.tokens[1]

    def samples(self) -> tuple[str, str]:
        """A greedy and a sampled (T = 0.8) continuation of :meth:`sample_prompt`."""
        from rnnlab.generation import generate
        from rnnlab.sampling import SamplingSettings

        started = time.perf_counter()
        self.model.eval()
        prompt, length = self.sample_prompt(), self.config.sample_length
        greedy = generate(self.model, self.vocab, prompt, length=length, greedy=True).text
        settings = SamplingSettings(temperature=0.8)
        sampled = generate(
            self.model, self.vocab, prompt, length=length, settings=settings, seed=self.step
        ).text
        self.seconds += time.perf_counter() - started
        return greedy, sampled

    def evaluation_event(self, max_tokens: int | None = None) -> TrainingEvent:
        """Evaluate, sample, record a history row and keep these weights as the last good ones."""
        val_loss = self.evaluate(self.config.eval_tokens if max_tokens is None else max_tokens)
        greedy, sampled = self.samples()
        losses = self._losses_since_eval
        # The mean batch loss since the last evaluation; with no step since (the start, a resumed
        # run) it is measured on the training text.
        train_loss = (
            sum(losses) / len(losses) if losses else self.evaluate(self.config.eval_tokens, ids=self.train_ids)
        )
        self._losses_since_eval = []
        self._evaluations_done = int(self.progress * self.config.evaluations)
        self.history.append(HistoryRow(self.step, self.seconds, train_loss, val_loss))
        if math.isfinite(val_loss):
            self._last_good_weights = copy.deepcopy(self.model.state_dict())
        return TrainingEvent(
            "eval",
            self.step,
            self.seconds,
            self.progress,
            train_loss=train_loss,
            val_loss=val_loss,
            learning_rate=self.learning_rate(),
            chars_per_second=self.chars_per_second(),
            sample_greedy=greedy,
            sample_sampled=sampled,
        )

    def step_event(self, loss: float) -> TrainingEvent:
        return TrainingEvent(
            "step",
            self.step,
            self.seconds,
            self.progress,
            train_loss=loss,
            learning_rate=self.learning_rate(),
            chars_per_second=self.chars_per_second(),
        )

    def chars_per_second(self) -> float:
        tokens = self.step * self.config.batch_size * self.config.seq_len
        return tokens * self.chars_per_token / max(self.seconds, 1e-9)

    # --- the loop ---------------------------------------------------------------------------
    def run(
        self,
        on_event: Callable[[TrainingEvent], None] = lambda event: None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> dict:
        """Train until the budget is used or ``should_stop()``; returns :meth:`summary`.

        Raises :class:`TrainingDiverged` (weights rolled back to the last good ones) on NaN/inf.
        """
        if not self.history:
            on_event(self.evaluation_event())
        while not self.finished and not should_stop():
            on_event(self.step_event(self.train_step()))
            if self.is_evaluation_due() and not self.finished:
                on_event(self.evaluation_event())
        on_event(self.evaluation_event(max_tokens=len(self.val_ids)))
        return self.summary()

    # --- results ----------------------------------------------------------------------------
    def summary(self) -> dict:
        """The metrics of the run so far (losses in nats, plus bits and perplexity)."""
        val_loss = self.history[-1].val_loss if self.history else float("nan")
        return {
            "val_loss": val_loss,
            "val_bits_per_char": bits(val_loss) / self.chars_per_token,
            "val_bits_per_token": bits(val_loss),
            "val_perplexity": perplexity(val_loss),
            "train_loss": self.history[-1].train_loss if self.history else float("nan"),
            "chars_per_second": self.chars_per_second(),
            "steps": self.step,
            "seconds": self.seconds,
            "vocab_size": self.vocab.size,
            "parameters": self.model.num_parameters(),
            "references": dict(self.references),
            "corpus_name": self.corpus_name,
            "config": self.config.to_dict(),
        }

    def close(self) -> None:
        """Free what only training needs (nothing here; a ``ProcessTrainer`` ends its child process).
        The results (history, summary, checkpoint) stay readable."""

    def checkpoint_bytes(self, path=None) -> bytes:
        """The model as .safetensors bytes (also written to ``path`` if given)."""
        from rnnlab.checkpoint import save_checkpoint

        return save_checkpoint(
            path,
            self.model,
            self.vocab,
            training=self.summary(),
            corpus_name=self.corpus_name,
            corpus_hash=self.corpus_hash,
        )
