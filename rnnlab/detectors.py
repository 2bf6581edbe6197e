"""Two things worth pointing out in generated text: a loop at its end, and a verbatim copy.

* :func:`find_loop`: greedy output often settles into repeating one cycle forever
  ("the company and a second the company and a second ...").
* :func:`longest_copy`: the longest piece of the output that appears word for word in the
  training text (memorisation rather than generalisation). For a large text that is searched
  again and again (each slider move on the Generate page), build a :class:`CopyIndex` once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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


def _piece_hashes(text: str, piece: int) -> np.ndarray:
    """A rolling hash (mod 2**64) of every ``piece``-character piece of ``text``, in order."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.uint64)
    count = len(codes) - piece + 1
    hashes = np.zeros(max(count, 0), dtype=np.uint64)
    if count <= 0:
        return hashes
    base = np.uint64(1_000_003)
    with np.errstate(over="ignore"):
        for offset in range(piece):
            hashes = hashes * base + codes[offset : offset + count]
    return hashes


@dataclass(frozen=True, eq=False)
class CopyIndex:
    """A training text with the sorted hashes of all its ``piece``-character pieces (8 bytes each).

    A copy of ``piece`` or more characters can only start where every piece of it has a known
    hash, so :func:`longest_copy` skips the searches that cannot succeed (a hash that matches by
    chance only costs the exact search it would have made anyway).
    """

    text: str
    piece: int
    hashes: np.ndarray

    @classmethod
    def build(cls, text: str, piece: int = MIN_COPY_LENGTH) -> CopyIndex:
        return cls(text, piece, np.unique(_piece_hashes(text, piece)))

    def unknown_pieces_before(self, generated: str) -> np.ndarray:
        """``result[j]``: how many pieces of ``generated`` starting before ``j`` the text lacks."""
        hashes = _piece_hashes(generated, self.piece)
        found = np.searchsorted(self.hashes, hashes).clip(max=max(len(self.hashes) - 1, 0))
        known = (self.hashes[found] == hashes) if len(self.hashes) else np.zeros(len(hashes), dtype=bool)
        return np.concatenate(([0], np.cumsum(~known)))


def longest_copy(
    generated: str, training_text: str | CopyIndex, *, min_length: int = MIN_COPY_LENGTH
) -> Copy | None:
    """The longest substring of ``generated`` found verbatim in ``training_text`` (first one if
    several are as long), or None when it is shorter than ``min_length`` characters.

    One pass over the output: at each start it only asks whether a match longer than the best so
    far exists, so there are about ``len(generated) + best length`` substring searches. Each
    search that fails reads the whole text (about 90 ms for 300 characters against 1 MB); with a
    :class:`CopyIndex` only the searches that can succeed are made.
    """
    index = training_text if isinstance(training_text, CopyIndex) else None
    text = training_text.text if index is not None else training_text
    use_index = index is not None and min_length >= index.piece
    unknown = index.unknown_pieces_before(generated) if use_index else None
    n = len(generated)
    best_start, best_length = -1, max(min_length, 1) - 1
    for start in range(n):
        while start + best_length < n:
            length = best_length + 1
            if use_index and unknown[start + length - index.piece + 1] != unknown[start]:
                break  # a piece of this candidate is nowhere in the text
            if generated[start : start + length] not in text:
                break
            best_start, best_length = start, length
    if best_start < 0:
        return None
    copied = generated[best_start : best_start + best_length]
    return Copy(best_start, best_start + best_length, copied, text.find(copied))
