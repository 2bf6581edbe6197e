"""The cost estimate of a training step: close to what torch really uses; too-big models refused."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rnnlab.errors import SettingsError
from rnnlab.model import CharRNN
from rnnlab.trainer import TrainConfig
from rnnlab.training_cost import StepLimits, check_step_cost, training_cost

ROOT = Path(__file__).resolve().parents[2]


def test_parameters_match_the_real_model():
    config = TrainConfig(cell="gru", hidden_size=96, num_layers=2, embedding_size=24)
    assert training_cost(config, 70).parameters == CharRNN(config.model_config(70)).num_parameters()
    onehot = TrainConfig(input="onehot", hidden_size=32)
    assert training_cost(onehot, 50).parameters == CharRNN(onehot.model_config(50)).num_parameters()


def test_memory_estimate_is_close_to_the_peak_of_a_real_training_step():
    """One-hot input over ~2,000 symbols: the activations dominate, as in a word-level model.

    The peak is the kernel's high-water mark of this process (VmHWM), reset just before the steps.
    """
    script = textwrap.dedent(
        """
        import json, re, torch
        from rnnlab.trainer import TrainConfig, Trainer
        from rnnlab.training_cost import training_cost

        def kb(field):
            return int(re.search(field + r":\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))

        torch.set_num_threads(1)
        text = "".join(chr(0x4E00 + (i * 7919) % 2000) for i in range(60_000))
        config = TrainConfig(input="onehot", hidden_size=64, seq_len=64, batch_size=64, max_vocab=3000,
                             max_steps=2, max_seconds=None)
        trainer = Trainer(text, config)
        before = kb("VmRSS")
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset the high-water mark to the current size
        trainer.train_step(); trainer.train_step()
        grown = (kb("VmHWM") - before) * 1024
        print(json.dumps({"grown": grown, "estimate": training_cost(config, trainer.vocab.size).memory_bytes}))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["estimate"] > 100 * 2**20
    assert 0.7 < figures["grown"] / figures["estimate"] < 1.3, figures


def test_the_default_recipe_and_the_presets_fit_the_default_limits():
    limits = StepLimits()
    for config in (TrainConfig(), TrainConfig(hidden_size=256, batch_size=32), TrainConfig(hidden_size=512)):
        check_step_cost(training_cost(config, 70), limits)  # does not raise
    check_step_cost(training_cost(TrainConfig(level="word", hidden_size=256), 10_000), limits)


def test_a_model_too_big_for_the_server_is_refused_with_the_reason():
    huge = TrainConfig(hidden_size=512, num_layers=3, seq_len=256, batch_size=128)
    refusal = r"too big to train here: it would need about 2,\d{3} MB of memory \(this server allows 1,024\)"
    with pytest.raises(SettingsError, match=refusal):
        check_step_cost(training_cost(huge, 66), StepLimits())
    with pytest.raises(SettingsError, match="billion operations per step"):
        check_step_cost(training_cost(TrainConfig(), 66), StepLimits(max_memory_mb=1e6, max_gflop=0.1))


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RNNLAB_MAX_STEP_MEMORY_MB", "4096")
    monkeypatch.setenv("RNNLAB_MAX_STEP_GFLOP", "nonsense")
    assert StepLimits.from_environment() == StepLimits(max_memory_mb=4096)
