"""Loss units and the reference losses a learner needs to judge a loss.

Cross-entropy is measured in nats (natural log). ``bits = nats / ln 2``; ``perplexity = e^nats``,
the number of equally likely choices the model is as unsure as.
"""

from __future__ import annotations

import math

import numpy as np

LN2 = math.log(2.0)
UNITS = ("nats", "bits", "perplexity")


def bits(nats: float) -> float:
    """Nats per token -> bits per token (bits per character at char level)."""
    return nats / LN2


def perplexity(nats: float) -> float:
    """Nats per token -> perplexity (overflow-safe: capped at 1e300)."""
    return math.exp(min(nats, 690.0))


def convert_loss(nats: float, unit: str) -> float:
    """A loss in nats expressed in ``unit`` ('nats', 'bits' or 'perplexity')."""
    if unit == "nats":
        return nats
    if unit == "bits":
        return bits(nats)
    if unit == "perplexity":
        return perplexity(nats)
    raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")


def uniform_loss(vocab_size: int) -> float:
    """Loss of a model that gives every token the same probability: ln V."""
    return math.log(vocab_size)


def unigram_loss(train_ids: np.ndarray, val_ids: np.ndarray, vocab_size: int, alpha: float = 1.0) -> float:
    """Cross-entropy on ``val_ids`` of token frequencies counted on ``train_ids`` (add-alpha smoothed)."""
    return float(-np.log(unigram_probabilities(train_ids, vocab_size, alpha)[val_ids]).mean())


def unigram_probabilities(train_ids: np.ndarray, vocab_size: int, alpha: float = 1.0) -> np.ndarray:
    """Token frequencies counted on ``train_ids``, add-alpha smoothed (every token gets some)."""
    counts = np.bincount(train_ids, minlength=vocab_size).astype(np.float64) + alpha
    return counts / counts.sum()


def bigram_loss(train_ids: np.ndarray, val_ids: np.ndarray, vocab_size: int, discount: float = 0.75) -> float:
    """Cross-entropy on ``val_ids`` of next-token counts given the previous token.

    Interpolated absolute discounting: every pair seen after token ``v`` gives up ``discount`` of
    its count, and what it gives up is spread over all tokens by their unigram frequencies::

        p(w | v) = max(c(v, w) - d, 0) / c(v)  +  d * successors(v) / c(v) * p_unigram(w)

    (a token never seen before anything falls back to ``p_unigram``). Unlike add-alpha smoothing
    this stays below the unigram loss with large vocabularies (word level), where add-alpha hands
    most of the probability to the many pairs that never occur. Counts are kept sparse (pair
    codes), so a 10,000-word vocabulary costs no V x V matrix.
    """
    train_ids = np.asarray(train_ids, dtype=np.int64)
    val_ids = np.asarray(val_ids, dtype=np.int64)
    unigram = unigram_probabilities(train_ids, vocab_size)
    pair_codes, pair_counts = np.unique(train_ids[:-1] * vocab_size + train_ids[1:], return_counts=True)
    previous_counts = np.bincount(train_ids[:-1], minlength=vocab_size).astype(np.float64)
    successors = np.bincount(pair_codes // vocab_size, minlength=vocab_size)
    previous, following = val_ids[:-1], val_ids[1:]
    val_codes = previous * vocab_size + following
    where = np.searchsorted(pair_codes, val_codes).clip(max=len(pair_codes) - 1)
    counts = np.where(pair_codes[where] == val_codes, pair_counts[where], 0)
    context = previous_counts[previous]
    known = context > 0
    safe = np.where(known, context, 1.0)
    interpolated = (np.maximum(counts - discount, 0) + discount * successors[previous] * unigram[following]) / safe
    return float(-np.log(np.where(known, interpolated, unigram[following])).mean())


def reference_losses(train_ids, val_ids, vocab_size: int) -> dict[str, float]:
    """The three dashed lines of the loss chart: uniform, unigram and bigram cross-entropy (nats)."""
    train_ids = np.asarray(train_ids, dtype=np.int64)
    val_ids = np.asarray(val_ids, dtype=np.int64)
    return {
        "uniform": uniform_loss(vocab_size),
        "unigram": unigram_loss(train_ids, val_ids, vocab_size),
        "bigram": bigram_loss(train_ids, val_ids, vocab_size),
    }
