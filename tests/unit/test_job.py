import time

from rnnlab.job import TrainingJob, run_to_completion
from rnnlab.trainer import Trainer
from tests.conftest import quick_config


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_job_runs_in_background_and_reports_events(pattern_text):
    job = TrainingJob(Trainer(pattern_text, quick_config(max_steps=40)))
    assert run_to_completion(job, timeout=60) == "finished"
    kinds = [event.kind for event in job.events]
    assert kinds[0] == "eval" and kinds[-1] == "finished"
    assert kinds.count("step") == 40
    evals = [event for event in job.events if event.kind == "eval"]
    assert all(event.sample_greedy and event.sample_sampled for event in evals)
    assert evals[-1].val_loss < evals[0].val_loss
    assert job.events_since(len(job.events) - 1) == [job.events[-1]]


def test_stop_is_quick_and_keeps_the_model(pattern_text):
    job = TrainingJob(Trainer(pattern_text, quick_config(max_steps=None, max_seconds=120)))
    job.start()
    assert wait_until(lambda: job.trainer.step >= 3)
    asked = time.monotonic()
    job.stop()
    assert job.wait(timeout=10)
    took = time.monotonic() - asked
    assert job.state == "stopped"
    assert took < 2.0, f"stopping took {took:.2f} s"
    assert job.events[-1].kind == "stopped"
    assert job.events[-2].kind == "eval"  # a final evaluation of the weights it keeps


def test_stop_is_quick_even_when_a_full_evaluation_would_be_slow(pattern_text):
    """A wide model on a long text: its full validation pass takes seconds, a stop must not."""
    long_text = pattern_text * 250  # ~700k characters, 70k validation tokens
    trainer = Trainer(long_text, quick_config(max_steps=None, max_seconds=120, hidden_size=512))
    started = time.perf_counter()
    trainer.evaluate(max_tokens=len(trainer.val_ids))
    full_pass = time.perf_counter() - started
    job = TrainingJob(trainer)
    job.start()
    assert wait_until(lambda: job.trainer.step >= 2)
    asked = time.monotonic()
    job.stop()
    assert job.wait(timeout=30)
    took = time.monotonic() - asked
    assert job.state == "stopped" and job.events[-2].kind == "eval"
    assert took < min(1.0, full_pass / 2), f"stopping took {took:.2f} s (a full evaluation takes {full_pass:.2f} s)"


def test_pause_resume_and_single_step(pattern_text):
    job = TrainingJob(Trainer(pattern_text, quick_config(max_steps=10_000)))
    job.step_once()
    assert wait_until(lambda: job.state == "paused" and job.trainer.step == 1)
    time.sleep(0.3)
    assert job.trainer.step == 1  # exactly one step, then it waits
    job.step_once()
    assert wait_until(lambda: job.trainer.step == 2)
    job.resume()
    assert wait_until(lambda: job.trainer.step >= 6)
    assert job.state == "running"
    job.pause()
    assert wait_until(lambda: job.state == "paused")
    paused_at = job.trainer.step
    time.sleep(0.3)
    assert job.trainer.step == paused_at
    job.stop()
    assert job.wait(timeout=10) and job.state == "stopped"
    kinds = [event.kind for event in job.events]
    assert "paused" in kinds and "resumed" in kinds


def test_stop_before_start_and_double_start(pattern_text):
    job = TrainingJob(Trainer(pattern_text, quick_config()))
    job.stop()
    assert job.state == "stopped"
    job.start()
    assert job.wait(timeout=10)
    other = TrainingJob(Trainer(pattern_text, quick_config(max_steps=20)))
    other.start()
    other.start()  # a double click starts one run, not two
    assert other.wait(timeout=30)
    assert [event.kind for event in other.events].count("step") == 20


def test_divergence_is_reported_not_raised(pattern_text):
    settings = quick_config(max_steps=200, learning_rate=10.0, grad_clip=1e9, cell="rnn", input="onehot")
    job = TrainingJob(Trainer(pattern_text, settings))
    assert run_to_completion(job, timeout=60) == "diverged"
    assert "learning rate" in job.message
    assert job.events[-1].kind == "diverged"
    weights = job.trainer.model.state_dict().values()
    assert all(bool(w.isfinite().all()) for w in weights)
    assert job.trainer.evaluate() < 2 * job.trainer.references["uniform"]  # the last good weights
