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
    train = np.array([0, 1, 0, 1, 0])  # pairs: (0,1) x2, (1,0) x2
    val = np.array([0, 1, 1])  # pairs (0,1) seen, (1,1) unseen
    alpha, v = 0.1, 2
    p01 = (2 + alpha) / (2 + alpha * v)
    p11 = (0 + alpha) / (2 + alpha * v)
    assert bigram_loss(train, val, v, alpha=alpha) == pytest.approx(-(math.log(p01) + math.log(p11)) / 2)


def test_references_are_ordered_on_real_text():
    text = "abracadabra and a cat on a mat " * 50
    symbols = sorted(set(text))
    ids = np.array([symbols.index(c) for c in text])
    refs = reference_losses(ids[:1200], ids[1200:], len(symbols))
    assert refs["uniform"] == pytest.approx(math.log(len(symbols)))
    assert refs["bigram"] < refs["unigram"] < refs["uniform"]
