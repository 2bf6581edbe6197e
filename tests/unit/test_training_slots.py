"""The server-wide training limit: a first-come queue, visible places, pause frees a slot."""

import os
import threading
import time

import pytest

from rnnlab.job import TrainingJob
from rnnlab.trainer import Trainer
from rnnlab.training_slots import TrainingSlots, default_slot_count, torch_threads_per_job
from tests.conftest import quick_config
from tests.unit.test_job import wait_until


def test_slots_are_given_in_order_of_arrival():
    slots = TrainingSlots(1)
    first, second, third = object(), object(), object()
    assert slots.acquire(first)
    got = []

    def wait_for_slot(holder, name):
        slots.acquire(holder)
        got.append(name)

    threads = [threading.Thread(target=wait_for_slot, args=(second, "second"))]
    threads[0].start()
    assert wait_until(lambda: slots.position(second) == 1)
    threads.append(threading.Thread(target=wait_for_slot, args=(third, "third")))
    threads[1].start()
    assert wait_until(lambda: slots.position(third) == 2)
    assert slots.position(first) is None and slots.running == 1 and slots.waiting == 2
    slots.release(first)
    assert wait_until(lambda: got == ["second"])
    assert slots.position(third) == 1
    slots.release(second)
    assert wait_until(lambda: got == ["second", "third"])
    for thread in threads:
        thread.join(5)


def test_giving_up_leaves_the_queue():
    slots = TrainingSlots(1)
    slots.acquire("busy")
    stop = threading.Event()
    result = []
    thread = threading.Thread(target=lambda: result.append(slots.acquire("late", give_up=stop.is_set, poll=0.01)))
    thread.start()
    assert wait_until(lambda: slots.position("late") == 1)
    stop.set()
    thread.join(5)
    assert result == [False] and slots.waiting == 0 and slots.running == 1


def test_limits_come_from_the_environment_and_the_cores(monkeypatch):
    monkeypatch.setenv("RNNLAB_MAX_TRAINING_JOBS", "3")
    assert default_slot_count() == 3
    monkeypatch.setenv("RNNLAB_MAX_TRAINING_JOBS", "lots")
    assert default_slot_count() >= 1
    assert torch_threads_per_job(2, cores=2) == 1
    assert torch_threads_per_job(1, cores=8) == 8
    assert torch_threads_per_job(16, cores=2) == 1
    with pytest.raises(ValueError):
        TrainingSlots(0)


def test_jobs_beyond_the_limit_queue_and_start_when_a_slot_frees(pattern_text):
    slots = TrainingSlots(1)
    first = TrainingJob(Trainer(pattern_text, quick_config(max_steps=100_000)), slots=slots)
    second = TrainingJob(Trainer(pattern_text, quick_config(max_steps=20)), slots=slots)
    first.start()
    assert wait_until(lambda: first.trainer.step >= 2)
    second.start()
    assert wait_until(lambda: second.state == "queued")
    assert second.queue_position() == 1 and second.is_active
    time.sleep(0.3)
    assert second.trainer.step == 0  # it waits: one job trains at a time
    first.pause()  # a paused job gives its slot to the next in line
    assert second.wait(timeout=30) and second.state == "finished"
    assert [e.kind for e in second.events].count("queued") == 1
    first.resume()
    assert wait_until(lambda: first.state == "running" and slots.running == 1)
    first.stop()
    assert first.wait(timeout=10) and first.state == "stopped"
    assert slots.running == 0 and slots.waiting == 0


def test_stopping_a_queued_job_ends_it_without_training(pattern_text):
    slots = TrainingSlots(1)
    slots.acquire("someone else")
    job = TrainingJob(Trainer(pattern_text, quick_config()), slots=slots)
    job.start()
    assert wait_until(lambda: job.queue_position() == 1)
    job.stop()
    assert job.wait(timeout=5) and job.state == "stopped"
    assert job.trainer.step == 0 and slots.waiting == 0
    assert "waiting" in job.message


def test_a_job_with_a_free_slot_never_shows_as_queued(pattern_text):
    slots = TrainingSlots(1)
    job = TrainingJob(Trainer(pattern_text, quick_config(max_steps=20)), slots=slots)
    job.start()
    assert job.wait(timeout=30) and job.state == "finished"
    assert "queued" not in [event.kind for event in job.events]
    assert slots.running == 0


def test_a_free_slot_is_not_taken_past_someone_waiting():
    slots = TrainingSlots(1)
    slots.acquire("first")
    waiting = threading.Thread(target=slots.acquire, args=("second",))
    waiting.start()
    assert wait_until(lambda: slots.position("second") == 1)
    assert not slots.try_acquire("third")  # full
    slots.release("first")
    assert wait_until(lambda: slots.running == 1 and slots.waiting == 0)
    assert not slots.try_acquire("third")  # "second" got it
    waiting.join(5)


def test_available_cores_follows_a_container_quota(tmp_path):
    from rnnlab.training_slots import available_cores

    pinned = len(os.sched_getaffinity(0))
    assert available_cores(str(tmp_path / "missing")) == pinned
    quota = tmp_path / "cpu.max"
    quota.write_text("max 100000\n")
    assert available_cores(str(quota)) == pinned
    quota.write_text("100000 100000\n")  # one core's worth
    assert available_cores(str(quota)) == 1
    quota.write_text("50000 100000\n")  # half a core still counts as one
    assert available_cores(str(quota)) == 1


def test_bad_settings_fall_back_to_the_defaults(monkeypatch):
    from rnnlab.training_slots import training_niceness, training_threads

    monkeypatch.setenv("RNNLAB_TORCH_THREADS", "two")
    monkeypatch.setenv("RNNLAB_TRAINING_NICENESS", "-5")
    monkeypatch.setenv("RNNLAB_MAX_TRAINING_JOBS", "0")
    assert default_slot_count() >= 1
    assert training_threads() == torch_threads_per_job(default_slot_count())
    assert training_niceness() == 10
    monkeypatch.setenv("RNNLAB_TRAINING_NICENESS", "40")
    assert training_niceness() == 19
