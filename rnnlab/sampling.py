"""How the next token is picked: logits processors, one small pure step each, then a choice.

The order is fixed (:data:`PROCESSOR_ORDER`)::

    no unknown -> repetition penalty -> temperature -> top-k -> top-p -> min-p -> choose

("no unknown", off by default, keeps the unknown token from being chosen: at word level, where
every rare word folds into it, it is often the single most likely token.)

Every processor is a callable ``logits (V,) -> logits (V,)`` on a numpy float array: it returns a
new array (the input is never changed) and marks each removed token with ``-inf``, so its
probability is exactly 0. A processor that is switched off is left out of the list, so the UI
shows one stage per active setting (:func:`apply_processors`).

One implementation serves the bars and the generation loop (:mod:`rnnlab.generation`): the same
processors (the penalty's work is :func:`penalise_repeats`, which generation calls on its window
of the text so far), the same :func:`probabilities` and the same :func:`choose_token`. They are
numpy because generation runs them at every step, and at this size (a few dozen to a few
thousand tokens) a numpy operation costs about a microsecond where a torch call costs several.
torch stays where the model is: :func:`distribution_after_ids` converts the model's logits once.

The choice (:func:`choose_token`) is one of:

* greedy: the most probable token (the first one, by id, if several tie);
* "same random draw": one fixed number ``u`` in [0, 1) through the inverse CDF, with the tokens
  ordered from most to least probable (ties by id). ``u = 0`` picks the most probable token,
  ``u`` near 1 the least probable surviving one, so when temperature or top-k reshape the bars
  the same ``u`` visibly lands on a different token;
* a random draw: the same inverse CDF, with ``u`` drawn from a seeded ``torch.Generator``.

Conventions, chosen so every result is exact and reproducible:

* Ties are always broken by vocabulary id: the lower id wins (top-k keeps exactly ``k`` tokens,
  top-p keeps the smallest prefix of the stable descending order, a near-zero temperature keeps
  only the first argmax).
* Thresholds on probabilities (top-p "reaches p", min-p ">= p * max") allow
  :data:`PROBABILITY_TOLERANCE` of rounding, so that hand-computed cases such as
  0.5 + 0.3 reaching 0.8 come out as a person expects.
* Probabilities are computed in float64 (:func:`probabilities`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

import numpy as np
import torch

from rnnlab.errors import SettingsError
from rnnlab.stepper import Stepper
from rnnlab.vocab import UNKNOWN_ID, Vocabulary

PROCESSOR_ORDER = ("no unknown", "repetition penalty", "temperature", "top-k", "top-p", "min-p")

# Below this temperature the division would overflow; the result is greedy (first argmax only).
GREEDY_TEMPERATURE = 1e-4

# Rounding allowed when a probability is compared with a threshold (top-p, min-p).
PROBABILITY_TOLERANCE = 1e-6

# Used when the prompt has no tokens (an empty box): the model starts as after a line break.
FALLBACK_PROMPT = "\n"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _float_array(values) -> np.ndarray:
    """``values`` (a numpy array, a CPU tensor, a list) as a numpy float array, copied only if needed."""
    array = np.asarray(values)
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def probabilities(logits: np.ndarray) -> np.ndarray:
    """Softmax in float64 over the last axis (one row of logits or a table of rows); ``-inf`` -> 0.

    A new array; the logits are never changed.
    """
    probs = logits.astype(np.float64)
    # One row: its max as a scalar, which is cheaper (generation calls this at every step).
    probs -= probs[probs.argmax()] if probs.ndim == 1 else probs.max(axis=-1, keepdims=True)
    np.exp(probs, out=probs)
    probs /= probs.sum(axis=-1, keepdims=True)
    return probs


def most_probable_first(probs: np.ndarray) -> np.ndarray:
    """Token ids from most to least probable, equal ones in id order (each row of a table)."""
    return (-probs).argsort(kind="stable")


# --- the processors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoUnknown:
    """Never choose the unknown token (id 0), which stands for every symbol outside the vocabulary.

    At word level every rare word becomes that one token, so the model rightly finds it likely,
    and text full of it says little. Its logit becomes ``-inf``; the others keep theirs.
    """

    name: ClassVar[str] = "no unknown"

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        out = logits.copy()
        out[UNKNOWN_ID] = -np.inf
        return out


@dataclass(frozen=True)
class RepetitionPenalty:
    """CTRL-style penalty for tokens seen in ``previous_ids``, as in Hugging Face.

    A positive logit is divided by ``penalty`` and a negative one multiplied by it, so with
    ``penalty > 1`` a repeated token always becomes less likely (and with ``penalty < 1`` more).
    A token seen several times is penalised once.
    """

    penalty: float
    previous_ids: tuple[int, ...] = ()
    name: ClassVar[str] = "repetition penalty"

    def __post_init__(self):
        if not _number(self.penalty) or self.penalty <= 0:
            raise SettingsError(f"The repetition penalty must be a number above 0, not {self.penalty!r}.")
        object.__setattr__(self, "previous_ids", tuple(int(i) for i in self.previous_ids))

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        return penalise_repeats(logits, self.previous_ids, self.penalty)


def penalise_repeats(logits: np.ndarray, previous_ids: Sequence[int], penalty: float) -> np.ndarray:
    """What :class:`RepetitionPenalty` does, as a function of the ids (a sequence or an integer
    array): generation calls it at every step with its window of the text so far, instead of
    building a processor for each token."""
    out = logits.copy()
    if len(previous_ids):
        # A repeated id is set twice to the same value: both read the scores before the change.
        seen = np.asarray(previous_ids, dtype=np.intp)  # no copy when it is already an id array
        scores = out[seen]
        out[seen] = np.where(scores > 0, scores / penalty, scores * penalty)
    return out


@dataclass(frozen=True)
class Temperature:
    """Divide the logits by ``t``: below 1 sharpens the distribution, above 1 flattens it.

    For ``t`` below :data:`GREEDY_TEMPERATURE` the limit is taken instead of dividing: only the
    argmax keeps its logit (the first one, by id, if several tie), every other token becomes
    ``-inf``. This is exactly greedy choice, with no overflow or NaN.
    """

    t: float
    name: ClassVar[str] = "temperature"

    def __post_init__(self):
        if not _number(self.t) or self.t < 0:
            raise SettingsError(f"The temperature must be a number of at least 0, not {self.t!r}.")

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        if self.t < GREEDY_TEMPERATURE:
            best = int(logits.argmax())  # numpy's argmax returns the first of tied maxima
            out = np.full_like(logits, -np.inf)
            out[best] = logits[best]
            return out
        return logits / self.t


@dataclass(frozen=True)
class TopK:
    """Keep exactly the ``k`` highest logits (ties at the cut go to the lower id); k >= V keeps all."""

    k: int
    name: ClassVar[str] = "top-k"

    def __post_init__(self):
        if not _whole(self.k) or self.k < 1:
            raise SettingsError(f"Top-k must be a whole number of at least 1, not {self.k!r}.")

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        out = logits.copy()
        if self.k < len(out):
            out[most_probable_first(logits)[self.k :]] = -np.inf
        return out


@dataclass(frozen=True)
class TopP:
    """Nucleus: keep the fewest most-probable tokens whose probabilities add up to at least ``p``.

    Tokens are taken from most to least probable (ties by id); the most probable one is always
    kept. ``p = 1`` keeps every token.
    """

    p: float
    name: ClassVar[str] = "top-p"

    def __post_init__(self):
        if not _number(self.p) or not 0 < self.p <= 1:
            raise SettingsError(f"Top-p must be above 0 and at most 1, not {self.p!r}.")

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        out = logits.copy()
        if self.p < 1:
            probs = probabilities(logits)
            order = most_probable_first(probs)
            # The most probable token, then each next one while the tokens before it are short of p.
            before = probs[order].cumsum()[:-1]
            kept = 1 + int(before.searchsorted(self.p - PROBABILITY_TOLERANCE, side="left"))
            out[order[kept:]] = -np.inf
        return out


@dataclass(frozen=True)
class MinP:
    """Keep the tokens whose probability is at least ``p`` times that of the most probable token."""

    p: float
    name: ClassVar[str] = "min-p"

    def __post_init__(self):
        if not _number(self.p) or not 0 <= self.p <= 1:
            raise SettingsError(f"Min-p must be from 0 to 1, not {self.p!r}.")

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        probs = probabilities(logits)
        out = logits.copy()
        out[probs < self.p * probs.max() * (1 - PROBABILITY_TOLERANCE)] = -np.inf
        return out


Processor = NoUnknown | RepetitionPenalty | Temperature | TopK | TopP | MinP


# --- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SamplingSettings:
    """The sliders. Each default switches its processor off."""

    temperature: float = 1.0
    top_k: int = 0  # 0 = off
    top_p: float = 1.0  # 1 = off
    min_p: float = 0.0  # 0 = off
    repetition_penalty: float = 1.0  # 1 = off
    repetition_window: int = 64  # how many previous tokens the penalty looks at
    no_unknown: bool = False  # True = the unknown token is never chosen

    def __post_init__(self):
        if not _number(self.temperature) or self.temperature < 0:
            raise SettingsError(f"The temperature must be a number of at least 0, not {self.temperature!r}.")
        if not _whole(self.top_k) or self.top_k < 0:
            raise SettingsError(f"Top-k must be a whole number of at least 0 (0 = off), not {self.top_k!r}.")
        if not _number(self.top_p) or not 0 < self.top_p <= 1:
            raise SettingsError(f"Top-p must be above 0 and at most 1 (1 = off), not {self.top_p!r}.")
        if not _number(self.min_p) or not 0 <= self.min_p <= 1:
            raise SettingsError(f"Min-p must be from 0 to 1 (0 = off), not {self.min_p!r}.")
        if not _number(self.repetition_penalty) or self.repetition_penalty <= 0:
            raise SettingsError(
                f"The repetition penalty must be a number above 0 (1 = off), not {self.repetition_penalty!r}."
            )
        if not _whole(self.repetition_window) or self.repetition_window < 1:
            raise SettingsError(
                f"The repetition window must be a whole number of at least 1, not {self.repetition_window!r}."
            )

    def processors(self, previous_ids: Sequence[int] = ()) -> list[Processor]:
        """The active processors in :data:`PROCESSOR_ORDER`.

        ``previous_ids`` is the text so far; the penalty looks at its last ``repetition_window`` ids.
        """
        active: list[Processor] = []
        if self.no_unknown:
            active.append(NoUnknown())
        if self.repetition_penalty != 1.0:
            window = tuple(previous_ids)[-self.repetition_window :]
            active.append(RepetitionPenalty(self.repetition_penalty, window))
        if self.temperature != 1.0:
            active.append(Temperature(self.temperature))
        if self.top_k > 0:
            active.append(TopK(self.top_k))
        if self.top_p < 1.0:
            active.append(TopP(self.top_p))
        if self.min_p > 0.0:
            active.append(MinP(self.min_p))
        return active


# --- stages, choice, entropy ------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """The distribution after one processor: its logits, probabilities (float64) and surviving
    tokens, each a numpy array of shape (V,)."""

    name: str
    logits: np.ndarray
    probs: np.ndarray
    kept: np.ndarray  # bool, True where the token can still be chosen

    @classmethod
    def of(cls, name: str, logits: np.ndarray) -> Stage:
        return cls(name, logits, probabilities(logits), logits > -np.inf)


def apply_processors(logits, processors: Sequence[Processor]) -> list[Stage]:
    """Run the processors in turn on ``logits`` (V,), a numpy array or a CPU tensor.

    ``stages[0]`` is the model's own distribution (named "model"), then one stage per processor;
    the last stage is what the choice uses.
    """
    stages = [Stage.of("model", _float_array(logits))]
    for processor in processors:
        stages.append(Stage.of(processor.name, processor(stages[-1].logits)))
    return stages


def choose_token(
    probs,
    *,
    greedy: bool,
    generator: torch.Generator | None = None,
    uniform: float | None = None,
) -> int:
    """Pick one token id from a 1-D probability vector (a numpy array, a CPU tensor, a list).

    * ``greedy``: the most probable token, the lowest id among ties (``generator`` and ``uniform``
      are ignored). Logits give the same token, since the softmax keeps their order;
    * ``uniform`` in [0, 1): inverse CDF with tokens ordered from most to least probable (ties by
      id): the first token whose cumulative probability exceeds ``uniform``. Tokens of probability
      0 are never picked;
    * otherwise the same inverse CDF with a number drawn from ``generator`` (the global torch
      RNG if None), which is a draw from ``probs``.
    """
    if greedy:
        return int(np.asarray(probs).argmax())  # the first of tied maxima
    if uniform is None:
        uniform = float(torch.rand((), generator=generator, dtype=torch.float64))
    elif not _number(uniform) or not 0 <= uniform < 1:
        raise SettingsError(f"A random draw must be at least 0 and below 1, not {uniform!r}.")
    probs = np.asarray(probs, dtype=np.float64)
    order = most_probable_first(probs)
    rank = int(probs[order].cumsum().searchsorted(uniform, side="right"))
    if rank == len(order):  # rounding left the total just below u: the least probable surviving token
        rank = np.count_nonzero(probs) - 1
    return int(order[rank])


def entropy_bits(probs) -> float:
    """Shannon entropy in bits, with 0 * log 0 = 0."""
    p = np.asarray(probs, dtype=np.float64)
    p = p[p > 0]
    return max(0.0, float(-(p * np.log2(p)).sum()))  # a certain choice is 0 bits, not -0


def effective_choices(probs) -> float:
    """2 ** entropy: "as uncertain as a fair choice among this many tokens"."""
    return 2.0 ** entropy_bits(probs)


# --- the next-token distribution -------------------------------------------------------------------


class TokenRow(NamedTuple):
    """One bar of the chart."""

    token: str
    original: float  # probability from the model (T = 1, no processors)
    final: float  # probability after every active processor
    kept: bool
    token_id: int


@dataclass
class NextTokenDistribution:
    """Everything the bar chart and the ``next`` command show about one next-token choice."""

    tokens: list[str]  # vocabulary order: tokens[i] has id i
    original_probs: list[float]
    final_probs: list[float]
    kept: list[bool]
    stages: list[Stage]  # stages[0] is the model; see apply_processors
    entropy_bits_original: float
    entropy_bits_final: float
    effective_choices_original: float = field(init=False)
    effective_choices_final: float = field(init=False)

    def __post_init__(self):
        self.effective_choices_original = 2.0**self.entropy_bits_original
        self.effective_choices_final = 2.0**self.entropy_bits_final

    @property
    def greedy_id(self) -> int:
        """The token greedy choice takes (lowest id among ties)."""
        return choose_token(self.stages[-1].probs, greedy=True)

    def top(self, n: int = 10) -> list[TokenRow]:
        """The ``n`` rows with the highest original probability (ties by id)."""
        order = sorted(range(len(self.tokens)), key=lambda i: (-self.original_probs[i], i))
        return [
            TokenRow(self.tokens[i], self.original_probs[i], self.final_probs[i], self.kept[i], i)
            for i in order[:n]
        ]


def distribution_from_logits(
    logits,
    tokens: Sequence[str],
    settings: SamplingSettings,
    previous_ids: Sequence[int] = (),
) -> NextTokenDistribution:
    """The distribution for given model logits (V,), a numpy array or a CPU tensor;
    ``previous_ids`` feed the repetition penalty."""
    stages = apply_processors(logits, settings.processors(previous_ids))
    original, final = stages[0].probs, stages[-1].probs
    return NextTokenDistribution(
        tokens=list(tokens),
        original_probs=original.tolist(),
        final_probs=final.tolist(),
        kept=stages[-1].kept.tolist(),
        stages=stages,
        entropy_bits_original=entropy_bits(original),
        entropy_bits_final=entropy_bits(final),
    )


def encode_prompt(vocab: Vocabulary, prompt: str) -> list[int]:
    """Token ids of the prompt. A prompt with no tokens falls back to :data:`FALLBACK_PROMPT`
    (a line break) when the vocabulary has one, else it is a :class:`SettingsError`."""
    ids = vocab.encode(prompt)
    if ids:
        return ids
    if FALLBACK_PROMPT in vocab.index:
        return [vocab.index[FALLBACK_PROMPT]]
    raise SettingsError("The prompt needs at least one character or word to start from.")


@contextmanager
def eval_mode(model: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """``model.eval()`` for the block, then the previous mode back (training may be paused, not over)."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def next_token_distribution(
    model: torch.nn.Module | Stepper, vocab: Vocabulary, prompt: str, settings: SamplingSettings
) -> NextTokenDistribution:
    """What the model thinks comes after ``prompt``, before and after every active processor.

    The prompt warms the state in one call; its ids are the repetition history. An empty prompt
    starts from a line break (see :func:`encode_prompt`). ``model`` is a ``CharRNN`` or a
    :class:`~rnnlab.stepper.Stepper` built from one: the stepper is cheaper for a short prompt
    (its logits are those generation starts from), the model's forward pass for a long one.
    """
    ids = encode_prompt(vocab, prompt)
    return distribution_after_ids(model, vocab, ids, settings)


def distribution_after_ids(
    model: torch.nn.Module | Stepper, vocab: Vocabulary, ids: Sequence[int], settings: SamplingSettings
) -> NextTokenDistribution:
    """Like :func:`next_token_distribution`, for token ids (no re-tokenizing of text)."""
    ids = list(ids)
    if isinstance(model, Stepper):
        logits, _ = model.warm_up(ids)
    else:
        with eval_mode(model), torch.no_grad():
            logits = model.warm_up(ids)[0].numpy()
    return distribution_from_logits(logits, vocab.tokens, settings, previous_ids=ids)
