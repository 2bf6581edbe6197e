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

:func:`greedy_and_sampled` gives the Generate page's two continuations (greedy, and sampled as
above) of one prompt at once: exactly what two :func:`generate` calls give, stepped together as
two rows of the stepper, so the prompt warms the state once and each step is one stepper call.

The steps are :mod:`rnnlab.sampling`'s own, so the text always agrees with the bars: the
processors of ``settings.processors()``, built once and applied in their order, except that the
repetition penalty looks at the text so far: it runs as :func:`~rnnlab.sampling.penalise_repeats`
on the window of the last ``repetition_window`` ids; then :func:`~rnnlab.sampling.probabilities`
and :func:`~rnnlab.sampling.choose_token`.

Speed (``bench/generate_speed.py``, ``bench/redraw_speed.py``): per step only the stepper, the
active processors and the choice run, all in numpy (a torch call costs several times a numpy one
at this size). The random numbers are drawn once, and the step records are built afterwards from
stacked arrays in a few batched operations. On 2 CPU cores, with the default model, one
300-token continuation takes about 15-20 ms of CPU and greedy + sampled together about 25 ms,
most of it the stepper's matrix-vector products.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import NamedTuple

import numpy as np
import torch

from rnnlab.errors import SettingsError
from rnnlab.sampling import (
    NextTokenDistribution,
    RepetitionPenalty,
    SamplingSettings,
    choose_token,
    distribution_after_ids,
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


class StepRecord(NamedTuple):
    """One generated token and the distribution it came from (a named tuple: a generation builds
    hundreds of them, at a third of a frozen dataclass's cost)."""

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
    top_tokens = np.array(tokens, dtype=object)[top_ids].tolist()
    alternatives = [tuple(zip(row, p, strict=True)) for row, p in zip(top_tokens, top_probs, strict=True)]
    draws = [None] * len(chosen) if uniforms is None else uniforms
    return [
        StepRecord(i, tokens[token_id], token_id, probability[i], original[i], alternatives[i], draws[i], i in forced)
        for i, token_id in enumerate(chosen)
    ]


class _Continuation:
    """One continuation being generated (one row of the stepper): how it chooses, and its choices.

    The processors of ``settings.processors()`` are built once and applied in their order; the
    repetition penalty among them looks at the text so far: it runs at each step as
    :func:`penalise_repeats` on the window of the last ``repetition_window`` ids. ``draws=None``
    chooses greedily.
    """

    def __init__(self, prompt_ids: list[int], length: int, settings: SamplingSettings, draws, forced):
        self.settings, self.draws, self.forced = settings, draws, forced
        self.ids = np.empty(len(prompt_ids) + length, dtype=np.intp)  # the prompt, then the choices
        self.ids[: len(prompt_ids)] = prompt_ids
        self.start = self.end = len(prompt_ids)
        self.processors = settings.processors()
        self.raw_logits: list[np.ndarray] = []
        self.final_logits: list[np.ndarray] = []

    @property
    def chosen(self) -> list[int]:
        return self.ids[self.start : self.end].tolist()

    def choose(self, logits: np.ndarray, position: int) -> int:
        """The token for step ``position`` given the model's logits (V,); recorded."""
        self.raw_logits.append(logits)
        if self.processors:
            for processor in self.processors:
                if isinstance(processor, RepetitionPenalty):  # built without a history: use the text so far
                    window = self.ids[max(0, self.end - self.settings.repetition_window) : self.end]
                    logits = penalise_repeats(logits, window, processor.penalty)
                else:
                    logits = processor(logits)
            self.final_logits.append(logits)
        if self.draws is None:  # the softmax keeps the order: the first maximum of the logits
            token_id = choose_token(logits, greedy=True)
        else:
            token_id = choose_token(probabilities(logits), greedy=False, uniform=self.draws[position])
        token_id = self.forced.get(position, token_id)
        self.ids[self.end] = token_id
        self.end += 1
        return token_id

    def generation(self, vocab: Vocabulary, prompt: str, *, same_draw: bool, seed: int | None) -> Generation:
        chosen = self.chosen
        steps = []
        if chosen:
            original = np.stack(self.raw_logits)
            final = np.stack(self.final_logits) if self.processors else original
            uniforms = self.draws if same_draw else None  # checked floats, one per step
            steps = _step_records(vocab.tokens, chosen, original, final, uniforms, self.forced)
        return Generation(
            prompt=prompt,
            text=vocab.decode(chosen),
            steps=steps,
            mode="greedy" if self.draws is None else "sampled",
            level=vocab.level,
            seed=seed,
            settings=self.settings,
        )


def _continue_together(stepper: Stepper, prompt_ids: list[int], length: int, rows: list[_Continuation]) -> None:
    """Run every continuation ``length`` steps from the same prompt, one stepper row each (the
    prompt warms the state once; each step is one call for all rows, see :mod:`rnnlab.stepper`)."""
    logits, state = stepper.warm_up(prompt_ids)
    logits = np.repeat(logits[None], len(rows), axis=0)
    state = Stepper.select_rows(state, [0] * len(rows))
    for position in range(length):
        token_ids = [row.choose(logits[i], position) for i, row in enumerate(rows)]
        if position + 1 < length:
            logits, state = stepper.step(token_ids, state)


def _draws(length: int, seed: int | None, uniforms: Sequence[float] | None) -> tuple[list[float], int | None]:
    """The numbers a sampled continuation uses, one per step, and the generator seed (None when
    they are given): ``uniforms`` checked, or drawn from a private generator (see the module)."""
    if uniforms is not None:
        return _check_uniforms(uniforms, length), None
    generator = torch.Generator()
    if seed is None:
        generator.seed()  # from the operating system, not from the global RNG
    else:
        generator.manual_seed(int(seed))
    return torch.rand(length, generator=generator, dtype=torch.float64).tolist(), generator.initial_seed()


def _check_forced(forced: Mapping[int, int] | None, length: int, vocab: Vocabulary) -> dict[int, int]:
    forced = dict(forced or {})
    for position, token_id in forced.items():
        if not 0 <= position < length or not 0 <= token_id < vocab.size:
            raise SettingsError(
                f"A forced token needs a step from 0 to {length - 1} and a token id from 0 to "
                f"{vocab.size - 1}, not step {position} and id {token_id}."
            )
    return forced


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
    _check_length(length)
    if greedy and uniforms is not None:
        raise SettingsError("Choose either greedy output or a fixed sequence of random draws, not both.")
    forced = _check_forced(forced, length, vocab)
    draws, used_seed = (None, None) if greedy else _draws(length, seed, uniforms)
    ids = encode_prompt(vocab, prompt)
    row = _Continuation(ids, length, settings, draws, forced)
    _continue_together(_stepper(model), ids, length, [row])
    return row.generation(vocab, prompt, same_draw=uniforms is not None, seed=used_seed)


def greedy_settings(settings: SamplingSettings) -> SamplingSettings:
    """What greedy text depends on: only the unknown token's ban and the repetition penalty
    (temperature and the cuts never change which token is the most probable)."""
    return SamplingSettings(
        repetition_penalty=settings.repetition_penalty,
        repetition_window=settings.repetition_window,
        no_unknown=settings.no_unknown,
    )


def greedy_and_sampled(
    model: torch.nn.Module | Stepper,
    vocab: Vocabulary,
    prompt: str,
    *,
    length: int = 300,
    settings: SamplingSettings | None = None,
    seed: int | None = None,
    uniforms: Sequence[float] | None = None,
    forced: Mapping[int, int] | None = None,
) -> tuple[Generation, Generation]:
    """The Generate page's two continuations of ``prompt``, stepped together as two stepper rows.

    Each is exactly what :func:`generate` gives alone: the greedy one with
    ``greedy_settings(settings)``, the sampled one with ``settings``, ``seed``, ``uniforms`` and
    ``forced``. Together they cost little more than one: the prompt warms the state once and each
    step runs the model once for both (see :mod:`rnnlab.stepper`).
    """
    settings = SamplingSettings() if settings is None else settings
    _check_length(length)
    forced = _check_forced(forced, length, vocab)
    draws, used_seed = _draws(length, seed, uniforms)
    ids = encode_prompt(vocab, prompt)
    greedy = _Continuation(ids, length, greedy_settings(settings), None, {})
    sampled = _Continuation(ids, length, settings, draws, forced)
    _continue_together(_stepper(model), ids, length, [greedy, sampled])
    return (
        greedy.generation(vocab, prompt, same_draw=False, seed=None),
        sampled.generation(vocab, prompt, same_draw=uniforms is not None, seed=used_seed),
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
    return distribution_after_ids(model, vocab, ids, settings)
