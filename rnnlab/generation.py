"""Prompt -> text, one token at a time, with a record of every choice; and beam search.

:func:`generate` warms the state with the prompt, then repeats: logits -> processors (see
:mod:`rnnlab.sampling`) -> choose -> feed the chosen token back. The steps run on a
:class:`~rnnlab.stepper.Stepper` (one token in, next logits out, with weights snapshot when it is
built): pass one as ``model`` to reuse it, or pass the ``CharRNN`` and a fresh one is built (2-3
ms for the default model). Three ways to choose:

* greedy (``greedy=True``): always the most probable token (the first among equal logits);
* sampled with ``seed``: a private ``torch.Generator`` (the global RNG is never touched) draws
  ``length`` numbers in [0, 1) up front, one per step, used as in "same random draw" mode; so
  ``seed=s`` gives the same text as ``uniforms=fixed_uniforms(s, length)``;
* "same random draw" (``uniforms=fixed_uniforms(seed, length)``): step ``i`` uses the number
  ``uniforms[i]`` through the inverse CDF (tokens from most to least probable, see
  :func:`rnnlab.sampling.choose_token`), so changing temperature or top-k shows how the very same
  draw lands on a different token.

``forced={step: token_id}`` overrides the choice at that step (the "force another token and
watch the text branch" exercise). The random draw of a forced step is still consumed, so every
later step uses the same random numbers as the unforced run: the branch differs only because
of the forced token.

:func:`beam_search` keeps the ``width`` most probable continuations (sum of log-probabilities
from the model itself, no processors) and returns the best one.

Speed (``bench/generate_speed.py``): per step only the stepper, the active processors and the
choice run, all in numpy (a torch call costs several times a numpy one at this size; the
processors are numpy twins of :mod:`rnnlab.sampling`'s, tested equal). The random numbers are
drawn once, and the step records are built afterwards from stacked arrays in a few batched
operations. One 300-token continuation of the default model takes about 20-30 ms on 2 CPU cores.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import torch

from rnnlab.errors import SettingsError
from rnnlab.sampling import (
    GREEDY_TEMPERATURE,
    PROBABILITY_TOLERANCE,
    NextTokenDistribution,
    SamplingSettings,
    distribution_after_ids,
    distribution_from_logits,
    encode_prompt,
)
from rnnlab.stepper import Stepper
from rnnlab.vocab import Vocabulary, join_tokens, tokenize

MODES = ("greedy", "sampled", "beam")
MAX_LENGTH = 10_000  # tokens; the step records keep two (length, V) tables in memory
ALTERNATIVES = 5  # how many top tokens each StepRecord lists


@dataclass(frozen=True)
class StepRecord:
    """One generated token and the distribution it came from."""

    position: int  # step index in the continuation, from 0
    token: str
    token_id: int
    probability: float  # final probability (after the processors) of the chosen token
    original_probability: float  # the model's own probability (T = 1, no processors)
    alternatives: tuple[tuple[str, float], ...]  # top tokens by final probability (ties by id)
    uniform: float | None = None  # the random number used, in "same random draw" mode
    forced: bool = False  # the token was forced, not chosen


@dataclass
class Generation:
    """The prompt, the continuation and how each of its tokens was picked."""

    prompt: str
    text: str  # the continuation only
    steps: list[StepRecord]
    mode: str  # 'greedy' | 'sampled' | 'beam'
    level: str = "char"
    seed: int | None = None  # the generator seed actually used, when sampled with a generator
    settings: SamplingSettings | None = None

    @property
    def token_ids(self) -> list[int]:
        return [step.token_id for step in self.steps]

    @property
    def full_text(self) -> str:
        """Prompt and continuation (at word level with the vocabulary's spacing rules)."""
        if self.level == "char":
            return self.prompt + self.text
        return join_tokens(tokenize(self.prompt, self.level) + [s.token for s in self.steps], self.level)

    @property
    def log_probability(self) -> float:
        """Natural log of the model's own probability of the whole continuation (-inf if any was 0)."""
        return sum(math.log(s.original_probability) if s.original_probability > 0 else -math.inf for s in self.steps)


def fixed_uniforms(seed: int, length: int) -> list[float]:
    """``length`` reproducible numbers in [0, 1) for "same random draw" mode."""
    generator = torch.Generator().manual_seed(int(seed))
    return torch.rand(length, generator=generator, dtype=torch.float64).tolist()


def _check_length(length: int) -> None:
    if not isinstance(length, int) or isinstance(length, bool) or not 0 <= length <= MAX_LENGTH:
        raise SettingsError(f"The length must be a whole number from 0 to {MAX_LENGTH}, not {length!r}.")


def _stepper(model: torch.nn.Module | Stepper) -> Stepper:
    """``model`` itself if it is a stepper, else a fresh stepper with its current weights."""
    return model if isinstance(model, Stepper) else Stepper.from_model(model)


def _probs(logits: np.ndarray) -> np.ndarray:
    """Probabilities (float64) of one row of logits; ``-inf`` becomes 0.

    numpy, not ``torch.softmax`` as in :mod:`rnnlab.sampling`: inside the step loop a torch call
    costs several times more. The two agree to about 1e-16, far inside the 1e-6 tolerance that
    top-p and min-p allow at their thresholds.
    """
    probs = logits.astype(np.float64)
    probs -= probs[probs.argmax()]
    np.exp(probs, out=probs)
    probs /= probs.sum()
    return probs


def _process(logits: np.ndarray, settings: SamplingSettings, history: Sequence[int]) -> np.ndarray:
    """``settings.processors(history)`` applied to one row of logits, in numpy.

    The same logits as the torch processors of :mod:`rnnlab.sampling` (the tests compare them
    bit for bit), at a few microseconds per processor instead of tens: generation runs them at
    every step. Works on one copy; the input array is never modified.
    """
    out = logits.copy()
    penalty = settings.repetition_penalty
    if penalty != 1.0 and history:
        seen = np.fromiter(history, dtype=np.int64, count=len(history))
        scores = out[seen]
        out[seen] = np.where(scores > 0, scores / penalty, scores * penalty)
    t = settings.temperature
    if t != 1.0:
        if t < GREEDY_TEMPERATURE:  # only the first maximum survives
            best = int(out.argmax())
            kept = out[best]
            out.fill(-np.inf)
            out[best] = kept
        else:
            out /= t
    if 0 < settings.top_k < len(out):
        out[(-out).argsort(kind="stable")[settings.top_k :]] = -np.inf  # ties keep the lower id
    if settings.top_p < 1.0:
        probs = _probs(out)
        order = (-probs).argsort(kind="stable")
        cumulative = probs[order].cumsum()
        # the most probable token, then each one while the tokens before it are short of p
        kept = 1 + int(cumulative[:-1].searchsorted(settings.top_p - PROBABILITY_TOLERANCE, side="left"))
        out[order[kept:]] = -np.inf
    if settings.min_p > 0.0:
        probs = _probs(out)
        out[probs < settings.min_p * probs[probs.argmax()] * (1 - PROBABILITY_TOLERANCE)] = -np.inf
    return out


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities (float64) of each row (the last axis) of logits."""
    shifted = logits.astype(np.float64)
    shifted -= shifted.max(axis=-1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted


def _inverse_cdf(probs: np.ndarray, uniform: float) -> int:
    """:func:`rnnlab.sampling.choose_token` with ``uniform``, in numpy (a few microseconds).

    Tokens from most to least probable (ties by id); the first whose cumulative probability
    exceeds ``uniform``; tokens of probability 0 are never picked.
    """
    order = (-probs).argsort(kind="stable")
    sorted_probs = probs[order]
    rank = int(sorted_probs.cumsum().searchsorted(uniform, side="right"))
    if rank == len(probs) or sorted_probs[rank] == 0:  # rounding left the total just below uniform
        rank = int(np.count_nonzero(probs)) - 1  # the least probable token that can be chosen
    return int(order[rank])


def _check_uniforms(uniforms: Sequence[float], length: int) -> list[float]:
    """The first ``length`` numbers as floats, each in [0, 1)."""
    if len(uniforms) < length:
        raise SettingsError(f"Same-draw mode needs {length} random numbers, not {len(uniforms)}.")
    numbers = []
    for u in uniforms[:length]:
        if isinstance(u, bool) or not isinstance(u, Real) or not 0 <= u < 1:
            raise SettingsError(f"A random draw must be at least 0 and below 1, not {u!r}.")
        numbers.append(float(u))
    return numbers


def _softmax_rows(logits: np.ndarray) -> np.ndarray:
    """Probabilities (float64) of each row of a (steps, V) logit table (one torch call: for a
    whole table, torch's vectorised exp beats numpy's)."""
    return torch.softmax(torch.from_numpy(logits).double(), dim=-1).numpy()


def _step_records(
    tokens: Sequence[str],
    chosen: list[int],
    original_logits: np.ndarray,
    final_logits: np.ndarray,
    uniforms: Sequence[float] | None,
    forced: Mapping[int, int],
) -> list[StepRecord]:
    """Build all records at once from (steps, V) logit tables (a few batched operations)."""
    if not chosen:
        return []
    original_probs = _softmax_rows(original_logits)
    final_probs = original_probs if final_logits is original_logits else _softmax_rows(final_logits)
    rows, ids = np.arange(len(chosen)), np.asarray(chosen)
    probability = final_probs[rows, ids].tolist()
    original = original_probs[rows, ids].tolist()
    top_ids = np.argsort(-final_probs, axis=1, kind="stable")[:, :ALTERNATIVES]  # ties by id
    top_probs = np.take_along_axis(final_probs, top_ids, axis=1).tolist()
    top_tokens = [[tokens[j] for j in row] for row in top_ids.tolist()]
    return [
        StepRecord(
            position=i,
            token=tokens[token_id],
            token_id=token_id,
            probability=probability[i],
            original_probability=original[i],
            alternatives=tuple(zip(top_tokens[i], top_probs[i], strict=True)),
            uniform=None if uniforms is None else float(uniforms[i]),
            forced=i in forced,
        )
        for i, token_id in enumerate(chosen)
    ]


def generate(
    model: torch.nn.Module | Stepper,
    vocab: Vocabulary,
    prompt: str,
    *,
    length: int = 300,
    settings: SamplingSettings | None = None,
    greedy: bool = False,
    seed: int | None = None,
    uniforms: Sequence[float] | None = None,
    forced: Mapping[int, int] | None = None,
) -> Generation:
    """Continue ``prompt`` by ``length`` tokens (see the module docstring for the modes).

    ``model`` is a ``CharRNN`` or a :class:`~rnnlab.stepper.Stepper` built from one. ``settings``
    defaults to ``SamplingSettings()`` (every processor off). ``seed=None`` when sampling seeds a
    private generator from the operating system; the seed used is kept in ``Generation.seed`` so
    the run can be repeated.
    """
    settings = SamplingSettings() if settings is None else settings
    forced = dict(forced or {})
    _check_length(length)
    if greedy and uniforms is not None:
        raise SettingsError("Choose either greedy output or a fixed sequence of random draws, not both.")
    draws = None if uniforms is None else _check_uniforms(uniforms, length)
    for position, token_id in forced.items():
        if not 0 <= position < length or not 0 <= token_id < vocab.size:
            raise SettingsError(
                f"A forced token needs a step from 0 to {length - 1} and a token id from 0 to "
                f"{vocab.size - 1}, not step {position} and id {token_id}."
            )

    ids = encode_prompt(vocab, prompt)
    stepper = _stepper(model)
    used_seed = None
    if not greedy and uniforms is None:
        generator = torch.Generator()
        if seed is None:
            generator.seed()  # from the operating system, not from the global RNG
        else:
            generator.manual_seed(int(seed))
        used_seed = generator.initial_seed()
        draws = torch.rand(length, generator=generator, dtype=torch.float64).tolist()

    history = deque(ids, maxlen=settings.repetition_window)
    processed = bool(settings.processors())
    raw_logits: list[np.ndarray] = []
    final_logits: list[np.ndarray] = []
    chosen: list[int] = []
    logits, state = stepper.warm_up(ids)
    for position in range(length):
        raw_logits.append(logits)
        if processed:
            logits = _process(logits, settings, history)
            final_logits.append(logits)
        # greedy: the first maximum (like torch.argmax); else the inverse CDF of this step's draw
        token_id = int(logits.argmax()) if draws is None else _inverse_cdf(_probs(logits), draws[position])
        token_id = forced.get(position, token_id)
        chosen.append(token_id)
        history.append(token_id)
        if position + 1 < length:
            logits, state = stepper.step(token_id, state)
    steps = []
    if chosen:
        original = np.stack(raw_logits)
        final = np.stack(final_logits) if processed else original
        steps = _step_records(vocab.tokens, chosen, original, final, uniforms, forced)
    return Generation(
        prompt=prompt,
        text=vocab.decode(chosen),
        steps=steps,
        mode="greedy" if greedy else "sampled",
        level=vocab.level,
        seed=used_seed,
        settings=settings,
    )


def beam_search(
    model: torch.nn.Module | Stepper, vocab: Vocabulary, prompt: str, *, length: int = 100, width: int = 3
) -> Generation:
    """The most probable continuation that beam search finds, scored by summed log-probabilities.

    Every step runs all beams through the stepper together (one row each). No sampling processors
    are applied: beam search looks at the model's own probabilities. Ties between candidates go
    to the better-ranked beam, then to the lower token id, so ``width=1`` is greedy output.
    """
    _check_length(length)
    if not isinstance(width, int) or isinstance(width, bool) or width < 1:
        raise SettingsError(f"The beam width must be a whole number of at least 1, not {width!r}.")
    ids = encode_prompt(vocab, prompt)
    size = vocab.size
    stepper = _stepper(model)
    logits, state = stepper.warm_up(ids)
    log_probs = _log_softmax(logits)[None, :]  # (beams, V)
    scores = np.zeros(1)  # (beams,)
    beams = np.zeros((1, 0), dtype=np.int64)  # (beams, steps so far)
    for position in range(length):
        candidates = (scores[:, None] + log_probs).ravel()  # (beams * V,)
        best = np.argsort(-candidates, kind="stable")[:width]
        parent, token = np.divmod(best, size)
        beams = np.concatenate([beams[parent], token[:, None]], axis=1)
        scores = candidates[best]
        if position + 1 < length:
            logits, state = stepper.step(token, Stepper.select_rows(state, parent))
            log_probs = _log_softmax(logits)
    chosen = beams[0].tolist()
    steps = []
    if chosen:
        # The model's distributions along the winning path, in one pass.
        path_logits, _ = stepper.forward(ids + chosen[:-1])
        path_logits = np.ascontiguousarray(path_logits[len(ids) - 1 :])
        steps = _step_records(vocab.tokens, chosen, path_logits, path_logits, None, {})
    return Generation(prompt=prompt, text=vocab.decode(chosen), steps=steps, mode="beam", level=vocab.level)


def distribution_at(
    model: torch.nn.Module | Stepper,
    vocab: Vocabulary,
    prompt: str,
    generation: Generation,
    position: int,
    settings: SamplingSettings | None = None,
) -> NextTokenDistribution:
    """The distribution the model had just before step ``position`` of ``generation``.

    The history is the prompt's ids plus the generation's token ids (never re-tokenized text, so
    word level and forced tokens are exact). ``position == len(generation.steps)`` gives the
    distribution after the last token. ``settings`` defaults to the generation's own. ``model`` is
    a ``CharRNN`` (one forward pass over the whole history) or a :class:`~rnnlab.stepper.Stepper`.
    """
    if not isinstance(position, int) or not 0 <= position <= len(generation.steps):
        raise SettingsError(f"The step must be from 0 to {len(generation.steps)}, not {position!r}.")
    settings = settings or generation.settings or SamplingSettings()
    ids = encode_prompt(vocab, prompt) + generation.token_ids[:position]
    if isinstance(model, Stepper):
        logits, _ = model.warm_up(ids)
        return distribution_from_logits(torch.from_numpy(logits), vocab.tokens, settings, previous_ids=ids)
    # A model's own forward pass: for a long history it beats the stepper's token-by-token warm-up.
    return distribution_after_ids(model, vocab, ids, settings)
