"""Two things worth pointing out in generated text: a loop at its end, and a verbatim copy.

* :func:`find_loop`: greedy output often settles into repeating one cycle forever
  ("the company and a second the company and a second ...").
* :func:`longest_copy`: the longest piece of the output that appears word for word in the
  training text (memorisation rather than generalisation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rnnlab.vocab import join_tokens

# A loop region shorter than this many tokens is not reported: " that that" (10 characters)
# is ordinary English, and "aa" is just a double letter.
MIN_LOOP_SPAN = 12

# Shorter shared strings are ordinary phrases (" of the ", " and the "), not memorisation.
MIN_COPY_LENGTH = 20


@dataclass(frozen=True)
class Loop:
    """The output ends with ``tokens[start:]``, which repeats a cycle of ``cycle_length`` tokens.

    ``repeats`` counts the whole cycles in that region (a partial cycle may finish it), and
    ``cycle_text`` is the cycle as it first appears at ``start``.
    """

    start: int
    cycle_length: int
    repeats: int
    cycle_text: str
    span: int  # tokens from start to the end of the output


@dataclass(frozen=True)
class Copy:
    """``generated[start:end]`` (== ``text``) appears verbatim in the training text at ``training_start``."""

    start: int
    end: int
    text: str
    training_start: int


def find_loop(
    tokens: Sequence,
    *,
    min_repeats: int = 2,
    min_cycle: int = 1,
    max_cycle: int | None = None,
    min_span: int = MIN_LOOP_SPAN,
    level: str = "char",
) -> Loop | None:
    """The repeating cycle the output ends in, or None.

    ``tokens`` is a string (characters) or a list of tokens. For each cycle length ``c`` the
    repeating region is the longest ending of ``tokens`` in which every token equals the one
    ``c`` earlier. A cycle counts when its region holds at least ``min_repeats`` whole cycles and
    at least ``min_span`` tokens. Among those, the longest region wins, and between equally long
    regions the shorter cycle (so "abab..." is cycle "ab", not "abab"). ``level`` only says how
    to join the cycle's tokens into ``cycle_text``.
    """
    n = len(tokens)
    longest = n // max(min_repeats, 1)
    max_cycle = longest if max_cycle is None else min(max_cycle, longest)
    best: Loop | None = None
    for cycle in range(max(min_cycle, 1), max_cycle + 1):
        j = n - 1
        while j >= cycle and tokens[j] == tokens[j - cycle]:
            j -= 1
        span = n - 1 - j + cycle  # the matching tail plus the cycle it matches against
        repeats = span // cycle
        if repeats < min_repeats or span < min_span or (best is not None and span <= best.span):
            continue
        start = n - span
        best = Loop(start, cycle, repeats, join_tokens(list(tokens[start : start + cycle]), level), span)
        if span == n:  # the whole output is the loop: no longer cycle can cover more
            break
    return best


def longest_copy(generated: str, training_text: str, *, min_length: int = MIN_COPY_LENGTH) -> Copy | None:
    """The longest substring of ``generated`` found verbatim in ``training_text`` (first one if
    several are as long), or None when it is shorter than ``min_length`` characters.

    One pass over the output: at each start it only asks whether a match longer than the best so
    far exists, so there are about ``len(generated) + best length`` substring searches
    (a few milliseconds for 300 characters against 1 MB of training text).
    """
    n = len(generated)
    best_start, best_length = -1, max(min_length, 1) - 1
    for start in range(n):
        while start + best_length < n and generated[start : start + best_length + 1] in training_text:
            best_start, best_length = start, best_length + 1
    if best_start < 0:
        return None
    text = generated[best_start : best_start + best_length]
    return Copy(best_start, best_start + best_length, text, training_text.find(text))
