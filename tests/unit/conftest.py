"""Tiny models for the sampling and generation tests.

``bigram_model(table)`` builds a CharRNN whose next-token logits after token ``j`` are exactly
``table[j]``: one-hot input, an RNN layer with weights 20·I (tanh(20) is 1.0 in float32) and no
recurrence, and a head whose column ``j`` is ``table[j]``. Expectations can then be computed by hand.
"""

import math

import pytest
import torch

from rnnlab.model import CharRNN, ModelConfig
from rnnlab.vocab import UNKNOWN, Vocabulary

ABCD = Vocabulary(tokens=(UNKNOWN, "a", "b", "c", "d"))  # ids: 0 = unknown, a=1, b=2, c=3, d=4


def make_bigram_model(table) -> CharRNN:
    table = torch.as_tensor(table, dtype=torch.float32)
    size = table.shape[0]
    model = CharRNN(ModelConfig(vocab_size=size, cell="rnn", hidden_size=size, input="onehot"))
    with torch.no_grad():
        model.rnn.weight_ih_l0.copy_(20.0 * torch.eye(size))
        model.rnn.weight_hh_l0.zero_()
        model.rnn.bias_ih_l0.zero_()
        model.rnn.bias_hh_l0.zero_()
        model.head.weight.copy_(table.T)  # logits = head.weight @ onehot(j) = table[j]
        model.head.bias.zero_()
    return model


def log_row(probs) -> list[float]:
    """Logits whose softmax is ``probs`` (0 -> a very unlikely token, not -inf)."""
    return [math.log(p) if p > 0 else -30.0 for p in probs]


@pytest.fixture
def abcd() -> Vocabulary:
    return ABCD


@pytest.fixture
def constant_model() -> CharRNN:
    """Always predicts a: 0.5, b: 0.3, c: 0.15, d: 0.05 (unknown ~0), whatever came before."""
    row = log_row([0.0, 0.5, 0.3, 0.15, 0.05])
    return make_bigram_model([row] * 5)


@pytest.fixture
def successor_model() -> CharRNN:
    """After a comes b (p ~ 0.83), after b comes c, c -> d, d -> a; unknown -> a."""
    table = torch.zeros(5, 5)
    for current, following in {0: 1, 1: 2, 2: 3, 3: 4, 4: 1}.items():
        table[current, following] = 3.0
    return make_bigram_model(table)


def make_random_model(cell: str = "lstm", num_layers: int = 1, vocab_size: int = 5, seed: int = 0) -> CharRNN:
    """An untrained model with seeded weights, scaled up so its distributions are not flat."""
    config = ModelConfig(
        vocab_size=vocab_size, cell=cell, hidden_size=16, embedding_size=8, num_layers=num_layers
    )
    with torch.random.fork_rng():  # leave the global RNG as it was
        torch.manual_seed(seed)
        model = CharRNN(config)
    with torch.no_grad():
        model.head.weight.mul_(8.0)
    return model


@pytest.fixture
def random_lstm() -> CharRNN:
    return make_random_model("lstm")


@pytest.fixture
def bigram_model():
    """The :func:`make_bigram_model` factory (test modules cannot import a conftest reliably)."""
    return make_bigram_model


@pytest.fixture
def random_model():
    """The :func:`make_random_model` factory."""
    return make_random_model
