import math

import numpy as np
import pytest

from rnnlab.metrics import bigram_loss, bits, convert_loss, perplexity, reference_losses, unigram_loss


def test_units_by_hand():
    assert bits(math.log(2)) == pytest.approx(1.0)
    assert perplexity(math.log(65)) == pytest.approx(65.0)
    assert convert_loss(1.0, "nats") == 1.0
    assert convert_loss(math.log(4), "bits") == pytest.approx(2.0)
    with pytest.raises(ValueError):
        convert_loss(1.0, "furlongs")


def test_unigram_loss_by_hand():
    # train counts: 0 x3, 1 x1, 2 x0; add-one: p(0) = 4/7, p(1) = 2/7, p(2) = 1/7
    train, val = np.array([0, 0, 0, 1]), np.array([0, 2])
    expected = -(math.log(4 / 7) + math.log(1 / 7)) / 2
    assert unigram_loss(train, val, 3) == pytest.approx(expected)


def test_bigram_loss_by_hand():
    train = np.array([0, 1, 0, 1, 0, 2])  # pairs: (0,1) x2, (1,0) x2, (0,2) x1
    val = np.array([0, 1, 1, 2, 0])  # pairs (0,1) seen, (1,1) unseen, (1,2) unseen, (2,0): 2 never came first
    v, d = 3, 0.75
    uni = np.array([3 + 1, 2 + 1, 1 + 1]) / (6 + 3)  # add-one unigram
    # after 0: count 3 (2 of them to 1, 1 to 2), 2 distinct successors; after 1: count 2, 1 successor
    p01 = (2 - d + d * 2 * uni[1]) / 3
    p11 = (0 + d * 1 * uni[1]) / 2
    p12 = (0 + d * 1 * uni[2]) / 2
    p20 = uni[0]  # backs off to the unigram
    expected = -(math.log(p01) + math.log(p11) + math.log(p12) + math.log(p20)) / 4
    assert bigram_loss(train, val, v, discount=d) == pytest.approx(expected)


def test_bigram_probabilities_after_a_token_sum_to_one():
    train = np.array([0, 1, 0, 1, 0, 2, 2, 1])
    v = 3
    for previous in range(v):
        total = sum(math.exp(-bigram_loss(train, np.array([previous, w]), v)) for w in range(v))
        assert total == pytest.approx(1.0)


def test_bigram_beats_unigram_with_a_large_word_vocabulary():
    """Add-alpha smoothing put the bigram line above the unigram one at word level (6,000+ words)."""
    rng = np.random.default_rng(0)
    vocab_size = 6000
    # Zipf-like words with some structure: each word tends to be followed by one of a few others.
    words = np.minimum(rng.zipf(1.3, size=60_000), vocab_size) - 1
    followers = rng.integers(0, vocab_size, size=(vocab_size, 3))
    ids = words.copy()
    ids[1::2] = followers[words[0::2], rng.integers(0, 3, size=len(ids[1::2]))]
    train, val = ids[:54_000], ids[54_000:]
    refs = reference_losses(train, val, vocab_size)
    assert refs["bigram"] < refs["unigram"] < refs["uniform"]


def test_references_are_ordered_on_real_text():
    text = "abracadabra and a cat on a mat " * 50
    symbols = sorted(set(text))
    ids = np.array([symbols.index(c) for c in text])
    refs = reference_losses(ids[:1200], ids[1200:], len(symbols))
    assert refs["uniform"] == pytest.approx(math.log(len(symbols)))
    assert refs["bigram"] < refs["unigram"] < refs["uniform"]
