"""Shared fixtures: small texts and quick training settings (real torch, no mocks)."""

import pytest

from rnnlab.trainer import TrainConfig

PATTERN_TEXT = "the cat sat on the mat. the dog sat on the log.\n" * 60


@pytest.fixture
def pattern_text() -> str:
    """A short, very regular text a tiny model learns in a few seconds."""
    return PATTERN_TEXT


def quick_config(**overrides) -> TrainConfig:
    """A tiny model and a step budget, so a run takes about a second on 2 cores."""
    settings = dict(
        hidden_size=48,
        embedding_size=16,
        seq_len=24,
        batch_size=16,
        learning_rate=1e-2,
        max_seconds=None,
        max_steps=60,
        evaluations=4,
        sample_length=20,
    )
    settings.update(overrides)
    return TrainConfig(**settings)


def pytest_configure(config):
    """One torch thread: tests train tiny models, where a second thread only adds contention."""
    import torch

    torch.set_num_threads(1)
