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

The steps are :mod:`rnnlab.sampling`'s own, so the text always agrees with the bars: the
processors of ``settings.processors()``, built once, except the repetition penalty, which looks
at the text so far and runs as :func:`~rnnlab.sampling.penalise_repeats` on the window of the
last ``repetition_window`` ids; then :func:`~rnnlab.sampling.probabilities` and
:func:`~rnnlab.sampling.choose_token`.

Speed (``bench/generate_speed.py``): per step only the stepper, the active processors and the
choice run, all in numpy (a torch call costs several times a numpy one at this size). The random
numbers are drawn once, and the step records are built afterwards from stacked arrays in a few
batched operations. One 300-token continuation of the default model takes about 20-30 ms on 2
CPU cores.
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
    NextTokenDistribution,
    SamplingSettings,
    choose_token,
    distribution_after_ids,
    distribution_from_logits,
    encode_prompt,
    most_probable_first,
    penalise_repeats,
    probabilities,
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


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities (float64) of each row (the last axis) of logits."""
    shifted = logits.astype(np.float64)
    shifted -= shifted.max(axis=-1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted


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
    original_probs = probabilities(original_logits)
    final_probs = original_probs if final_logits is original_logits else probabilities(final_logits)
    rows, ids = np.arange(len(chosen)), np.asarray(chosen)
    probability = final_probs[rows, ids].tolist()
    original = original_probs[rows, ids].tolist()
    top_ids = most_probable_first(final_probs)[:, :ALTERNATIVES]
    top_probs = np.take_along_axis(final_probs, top_ids, axis=1).tolist()
    alternatives = [
        tuple(zip(map(tokens.__getitem__, row), p, strict=True))
        for row, p in zip(top_ids.tolist(), top_probs, strict=True)
    ]
    draws = [None] * len(chosen) if uniforms is None else uniforms
    return [
        StepRecord(
            position=i,
            token=tokens[token_id],
            token_id=token_id,
            probability=probability[i],
            original_probability=original[i],
            alternatives=alternatives[i],
            uniform=draws[i],
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
    processors = settings.processors()
    # The repetition penalty (first in PROCESSOR_ORDER, when on) looks at the text so far: it runs
    # at each step on ``history``, the last ``repetition_window`` ids. The others are built once.
    penalised = settings.repetition_penalty != 1.0
    after_penalty = processors[1:] if penalised else processors
    raw_logits: list[np.ndarray] = []
    final_logits: list[np.ndarray] = []
    chosen: list[int] = []
    logits, state = stepper.warm_up(ids)
    for position in range(length):
        raw_logits.append(logits)
        if processors:
            if penalised:
                logits = penalise_repeats(logits, history, settings.repetition_penalty)
            for processor in after_penalty:
                logits = processor(logits)
            final_logits.append(logits)
        if draws is None:  # the softmax keeps the order: the first maximum of the logits
            token_id = choose_token(logits, greedy=True)
        else:
            token_id = choose_token(probabilities(logits), greedy=False, uniform=draws[position])
        token_id = forced.get(position, token_id)
        chosen.append(token_id)
        history.append(token_id)
        if position + 1 < length:
            logits, state = stepper.step(token_id, state)
    steps = []
    if chosen:
        original = np.stack(raw_logits)
        final = np.stack(final_logits) if processors else original
        same_draw = None if uniforms is None else draws  # checked floats, one per step
        steps = _step_records(vocab.tokens, chosen, original, final, same_draw, forced)
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
        return distribution_from_logits(logits, vocab.tokens, settings, previous_ids=ids)
    # A model's own forward pass: for a long history it beats the stepper's token-by-token warm-up.
    return distribution_after_ids(model, vocab, ids, settings)
