import math

import pytest
import torch

from rnnlab.errors import CorpusError, SettingsError, TrainingDiverged
from rnnlab.trainer import TrainConfig, Trainer, learning_rate_at
from tests.conftest import quick_config


def test_short_run_learns_well_below_uniform(pattern_text):
    trainer = Trainer(pattern_text, quick_config(max_steps=120))
    uniform = trainer.references["uniform"]
    first = trainer.evaluate()
    assert first == pytest.approx(uniform, abs=0.3)  # an untrained model is about uniform
    summary = trainer.run()
    assert summary["steps"] == 120
    assert summary["val_loss"] < 0.4 * uniform
    assert summary["val_loss"] < trainer.references["bigram"]
    assert summary["val_bits_per_char"] == pytest.approx(summary["val_loss"] / math.log(2))
    assert [row.step for row in trainer.history] == sorted(row.step for row in trainer.history)
    assert trainer.history[-1].step == 120


def test_same_seed_same_run(pattern_text):
    losses = []
    for _ in range(2):
        trainer = Trainer(pattern_text, quick_config(max_steps=5, seed=7))
        losses.append([trainer.train_step() for _ in range(5)])
    assert losses[0] == losses[1]
    other = Trainer(pattern_text, quick_config(max_steps=5, seed=8))
    assert [other.train_step() for _ in range(5)] != losses[0]


def test_seed_does_not_touch_global_rng(pattern_text):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    Trainer(pattern_text, quick_config())
    assert torch.equal(torch.rand(3), expected)


def test_nan_guard_stops_and_keeps_last_good_weights(pattern_text):
    trainer = Trainer(pattern_text, quick_config())
    trainer.train_step()
    trainer.evaluation_event()  # these weights become the last good ones
    good = trainer.model.head.weight.detach().clone()
    with torch.no_grad():
        trainer.model.head.weight.fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match="learning rate"):
        trainer.train_step()
    assert torch.equal(trainer.model.head.weight, good)


def test_learning_rate_schedule():
    config = TrainConfig(learning_rate=1.0, warmup_fraction=0.1, decay_fraction=0.4, final_lr_fraction=0.1)
    assert learning_rate_at(0.0, config) < 0.05
    assert learning_rate_at(0.05, config) == pytest.approx(0.5, abs=0.01)  # halfway up the warm-up
    assert learning_rate_at(0.1, config) == pytest.approx(1.0)
    assert learning_rate_at(0.6, config) == pytest.approx(1.0)  # held at the peak until the decay
    assert learning_rate_at(0.8, config) == pytest.approx(0.55)  # halfway down the straight line
    assert learning_rate_at(1.0, config) == pytest.approx(0.1)
    assert learning_rate_at(1.2, config) == pytest.approx(0.1)  # never below the final value


def test_time_budget_ends_the_run(pattern_text):
    trainer = Trainer(pattern_text, quick_config(max_steps=None, max_seconds=1.0))
    trainer.run()
    assert trainer.finished
    assert 1.0 <= trainer.seconds < 3.0


def test_word_level_run(pattern_text):
    trainer = Trainer(pattern_text, quick_config(level="word", seq_len=8, max_steps=40))
    assert "cat" in trainer.vocab.tokens
    assert trainer.run()["val_loss"] < trainer.references["uniform"]


@pytest.mark.parametrize(
    "settings, phrase",
    [
        ({"learning_rate": 0}, "learning rate"),
        ({"hidden_size": 100_000}, "hidden size"),
        ({"seq_len": 2}, "^Sequence length must be between 4 and 512, not 2"),
        ({"batch_size": 0}, "^Batch size must be"),
        ({"max_seconds": None, "max_steps": None}, "budget"),
        ({"level": "byte"}, "level"),
        ({"cell": "transformer"}, "cell"),
    ],
)
def test_bad_settings_get_a_clear_message(pattern_text, settings, phrase):
    with pytest.raises(SettingsError, match=f"(?i){phrase}"):
        Trainer(pattern_text, TrainConfig(**settings))


def test_too_short_text_is_refused():
    with pytest.raises(CorpusError):
        Trainer("tiny", TrainConfig())


def test_first_history_row_measures_the_training_loss(pattern_text):
    """Before any step there is no batch loss to average: row 0 measures it on the training text."""
    trainer = Trainer(pattern_text, quick_config(max_steps=5))
    trainer.run()
    first = trainer.history[0]
    assert first.step == 0
    assert first.train_loss != first.val_loss  # measured, not copied from the validation loss
    assert abs(first.train_loss - trainer.references["uniform"]) < 0.5  # random weights: about ln V


def test_trainers_built_at_once_in_threads_get_their_seeded_weights(pattern_text):
    """Two learners pressing Start together: each model is drawn from its own seed, not interleaved."""
    import threading

    expected = Trainer(pattern_text, quick_config()).model.state_dict()
    barrier, built = threading.Barrier(6), []

    def build():
        barrier.wait()
        built.append(Trainer(pattern_text, quick_config()).model.state_dict())

    threads = [threading.Thread(target=build) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 6
    for weights in built:
        assert all(torch.equal(weights[name], value) for name, value in expected.items())
