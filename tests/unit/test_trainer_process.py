"""ProcessTrainer: the same training as Trainer, with the steps in a child process (real processes)."""

import os
import signal
import time
from pathlib import Path

import pytest
import torch

from rnnlab.errors import TrainingDiverged
from rnnlab.job import TrainingJob, run_to_completion
from rnnlab.trainer import Trainer
from rnnlab.trainer_process import ProcessTrainer, TrainingProcessError
from tests.conftest import quick_config


def child_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def process_trainer(pattern_text):
    trainer = ProcessTrainer(pattern_text, quick_config(max_steps=30))
    yield trainer
    trainer.close()


def test_the_child_trains_exactly_like_a_trainer_here(process_trainer, pattern_text):
    here = Trainer(pattern_text, quick_config(max_steps=30))
    assert process_trainer.evaluation_event().val_loss == here.evaluation_event().val_loss
    for _ in range(12):
        assert process_trainer.train_step() == here.train_step()
    assert process_trainer.step == here.step == 12
    assert process_trainer.seconds > 0
    theirs, ours = process_trainer.evaluation_event(), here.evaluation_event()
    fields = ("val_loss", "train_loss", "sample_greedy", "sample_sampled")
    assert [getattr(theirs, f) for f in fields] == [getattr(ours, f) for f in fields]
    # The evaluation brought the child's weights back; the curve is this side's.
    for name, tensor in here.model.state_dict().items():
        assert torch.equal(process_trainer.model.state_dict()[name], tensor), name
    assert [row.step for row in process_trainer.history] == [0, 12]


def test_a_checkpoint_has_the_latest_weights_and_the_child_ends_on_close(process_trainer, pattern_text):
    here = Trainer(pattern_text, quick_config(max_steps=30))
    for _ in range(3):
        process_trainer.train_step()
        here.train_step()
    from rnnlab.checkpoint import load_checkpoint

    saved = load_checkpoint(process_trainer.checkpoint_bytes())
    assert saved.training["steps"] == 3
    for name, tensor in here.model.state_dict().items():
        assert torch.equal(saved.model.state_dict()[name], tensor), name
    pid = process_trainer.pid
    assert child_alive(pid)
    process_trainer.close()
    assert wait_until(lambda: not child_alive(pid)), "the child kept running after close()"
    assert process_trainer.pid is None
    assert load_checkpoint(process_trainer.checkpoint_bytes()).training["steps"] == 3  # still readable


def test_the_child_runs_at_the_lower_priority_it_was_given(pattern_text):
    trainer = ProcessTrainer(pattern_text, quick_config(), niceness=7)
    try:
        trainer.start()
        nice = int(Path(f"/proc/{trainer.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        assert nice == os.nice(0) + 7
    finally:
        trainer.close()


def test_divergence_in_the_child_reaches_the_caller_with_the_last_good_weights(pattern_text):
    settings = quick_config(max_steps=200, learning_rate=10.0, grad_clip=1e9, cell="rnn", input="onehot")
    trainer = ProcessTrainer(pattern_text, settings)
    try:
        trainer.evaluation_event()
        good = {name: tensor.clone() for name, tensor in trainer.model.state_dict().items()}
        with pytest.raises(TrainingDiverged, match="learning rate"):
            for _ in range(200):
                trainer.train_step()
        trainer.close()  # takes the child's (rolled back) weights
        for name, tensor in trainer.model.state_dict().items():
            assert torch.equal(tensor, good[name]), name
    finally:
        trainer.close()


def test_a_job_whose_child_dies_fails_with_a_message_and_keeps_its_curve(pattern_text):
    trainer = ProcessTrainer(pattern_text, quick_config(max_steps=None, max_seconds=120))
    job = TrainingJob(trainer)
    job.start()
    assert wait_until(lambda: trainer.step >= 3 and trainer.history)
    os.kill(trainer.pid, signal.SIGKILL)
    assert job.wait(timeout=10)
    assert job.state == "failed"
    assert "ended unexpectedly" in job.message
    assert trainer.history and trainer.history[0].step == 0


def test_a_job_with_a_process_trainer_runs_stops_quickly_and_ends_its_child(pattern_text):
    trainer = ProcessTrainer(pattern_text, quick_config(max_steps=40))
    assert run_to_completion(TrainingJob(trainer), timeout=60) == "finished"
    assert trainer.step == 40 and trainer.history[-1].step == 40
    assert trainer.pid is None

    trainer = ProcessTrainer(pattern_text, quick_config(max_steps=None, max_seconds=120))
    job = TrainingJob(trainer)
    job.start()
    assert wait_until(lambda: trainer.step >= 3)
    pid = trainer.pid
    asked = time.monotonic()
    job.stop()
    assert job.wait(timeout=10) and job.state == "stopped"
    assert time.monotonic() - asked < 2.0
    assert wait_until(lambda: not child_alive(pid))


def test_a_closed_trainer_cannot_train_again(pattern_text):
    trainer = ProcessTrainer(pattern_text, quick_config())
    trainer.close()
    with pytest.raises(TrainingProcessError, match="closed"):
        trainer.train_step()
