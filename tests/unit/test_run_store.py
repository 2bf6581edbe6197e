"""Runs stored as they go: reopened by link, after a restart, after a closed tab; bad links refused."""

import json
import shutil

import pytest
import torch

from rnnlab.checkpoint import load_checkpoint
from rnnlab.job import run_to_completion
from rnnlab.run_store import RunNotFound, RunStore, is_run_id
from rnnlab.trainer import Trainer
from tests.conftest import quick_config
from tests.unit.test_job import wait_until


def new_run(store, text, **config):
    return store.create(Trainer(text, quick_config(**config)), label="LSTM test", source_name="cats", text=text)


def test_a_finished_run_is_stored_and_reopens_after_a_restart(tmp_path, pattern_text):
    store = RunStore(tmp_path)
    run = new_run(store, pattern_text, max_steps=40)
    assert is_run_id(run.run_id)
    assert run_to_completion(run.job, timeout=60) == "finished"
    folder = tmp_path / run.run_id
    record = json.loads((folder / "run.json").read_text())
    assert record["state"] == "finished" and record["step"] == 40 and record["label"] == "LSTM test"
    assert len((folder / "events.jsonl").read_text().splitlines()) == len(run.job.events)

    reopened = RunStore(tmp_path).open(run.run_id)  # a new server process
    assert reopened.job is not run.job
    assert reopened.job.state == "finished" and reopened.label == "LSTM test" and reopened.source_name == "cats"
    assert reopened.job.events == run.job.events
    assert reopened.trainer.history == run.trainer.history
    assert reopened.trainer.step == 40
    for name, weight in run.trainer.model.state_dict().items():
        assert torch.equal(weight, reopened.trainer.model.state_dict()[name])
    assert load_checkpoint(folder / "model.safetensors").vocab == run.trainer.vocab


def test_a_server_stopped_between_saving_weights_and_their_evaluation_keeps_both(tmp_path, pattern_text):
    """The weights of an evaluation are written before its event: a crash in between loses no point."""
    store = RunStore(tmp_path)
    run = new_run(store, pattern_text, max_steps=40)
    assert run_to_completion(run.job, timeout=60) == "finished"
    store.close()
    folder = tmp_path / run.run_id
    lines = (folder / "events.jsonl").read_text().splitlines()
    last_eval = max(i for i, line in enumerate(lines) if json.loads(line)["kind"] == "eval")
    (folder / "events.jsonl").write_text("\n".join(lines[:last_eval]) + "\n")  # its event never written
    record = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps(dict(record, state="running")))  # cut off while training

    reopened = RunStore(tmp_path).open(run.run_id)
    assert reopened.job.state == "stopped" and "restarted" in reopened.job.message
    assert reopened.trainer.step == 40 and reopened.trainer.history[-1].step == 40
    assert reopened.trainer.history[-1].val_loss == pytest.approx(run.trainer.history[-1].val_loss)
    assert [(e.kind, e.step) for e in reopened.job.events[-2:]] == [("eval", 40), ("stopped", 40)]


def test_opening_a_live_run_twice_gives_the_same_job(tmp_path, pattern_text):
    store = RunStore(tmp_path)
    run = new_run(store, pattern_text, max_steps=10)
    assert store.open(run.run_id) is run
    assert store.live_count() == 1
    run_to_completion(run.job, timeout=60)
    assert store.live_count() == 0  # a done job is not held for ever
    assert store.open(run.run_id) is run  # still found while a session holds it


def test_a_run_cut_off_by_a_restart_reopens_stopped_at_its_last_checkpoint(tmp_path, pattern_text):
    store = RunStore(tmp_path)
    run = new_run(store, pattern_text, max_steps=100_000, evaluations=2000)
    run.job.start()
    try:
        assert wait_until(lambda: len(run.trainer.history) >= 3)
        store.close()  # the old server is gone: its heartbeat stops
        reopened = RunStore(tmp_path).open(run.run_id)  # a new server process
    finally:
        run.job.stop()
        run.job.wait(10)
    assert reopened.job.state == "stopped" and not reopened.job.is_active
    assert "restarted" in reopened.job.message
    assert reopened.job.events[-1].kind == "stopped"
    saved = reopened.trainer.history[-1]
    assert reopened.trainer.step == saved.step > 0
    # The curve ends where the saved weights are: the steps after them were lost with the server.
    assert [e.kind for e in reopened.job.events[-2:]] == ["eval", "stopped"]
    assert reopened.job.events[-2].step == saved.step
    reopened.job.start()  # a dormant job does not train again
    assert reopened.job.state == "stopped"


def test_a_closed_tab_stops_the_run_after_the_grace_period_and_keeps_its_weights(tmp_path, pattern_text):
    store = RunStore(tmp_path, grace_seconds=0.2)
    run = new_run(store, pattern_text, max_steps=100_000)
    store.watch(run.run_id, "tab")
    run.job.start()
    assert wait_until(lambda: run.trainer.step >= 3)
    store.unwatch(run.run_id, "tab")
    assert run.job.wait(timeout=10) and run.job.state == "stopped"
    reopened = RunStore(tmp_path).open(run.run_id)
    assert reopened.job.state == "stopped"
    assert reopened.trainer.step == run.trainer.step
    assert reopened.trainer.history[-1] == run.trainer.history[-1]


def test_a_refresh_within_the_grace_period_keeps_the_run_training(tmp_path, pattern_text):
    store = RunStore(tmp_path, grace_seconds=0.3)
    run = new_run(store, pattern_text, max_steps=100_000)
    store.watch(run.run_id, "old tab")
    run.job.start()
    store.unwatch(run.run_id, "old tab")
    store.watch(run.run_id, "new tab")  # the refreshed page opened ?run=<id>
    try:
        import time

        time.sleep(0.6)
        assert run.job.state == "running"
    finally:
        run.job.stop()
        run.job.wait(10)


@pytest.mark.parametrize("link", ["", "../../etc/passwd", "short", "a" * 23, "x" * 21 + "/", None])
def test_malformed_links_are_refused_with_a_message(tmp_path, link):
    with pytest.raises(RunNotFound, match="not valid"):
        RunStore(tmp_path).open(link)


def test_unknown_and_damaged_runs_are_refused_with_a_message(tmp_path, pattern_text):
    store = RunStore(tmp_path)
    with pytest.raises(RunNotFound, match="no run with this link"):
        store.open("A" * 22)
    run = new_run(store, pattern_text, max_steps=10)
    run_to_completion(run.job, timeout=60)
    (tmp_path / run.run_id / "run.json").write_text("{not json")
    with pytest.raises(RunNotFound, match="damaged"):
        RunStore(tmp_path).open(run.run_id)


def test_a_half_written_last_event_line_is_skipped(tmp_path, pattern_text):
    store = RunStore(tmp_path)
    run = new_run(store, pattern_text, max_steps=10)
    run_to_completion(run.job, timeout=60)
    with open(tmp_path / run.run_id / "events.jsonl", "a") as events:
        events.write('{"kind": "step", "st')
    assert RunStore(tmp_path).open(run.run_id).job.events == run.job.events


def test_a_failing_disk_does_not_stop_the_training(tmp_path, pattern_text):
    store = RunStore(tmp_path)
    run = new_run(store, pattern_text, max_steps=30)
    shutil.rmtree(tmp_path / run.run_id)
    assert run_to_completion(run.job, timeout=60) == "finished"
    assert "FileNotFoundError" in run.job.listener_error


def test_run_ids_are_long_random_and_distinct(tmp_path, pattern_text):
    store = RunStore(tmp_path)
    ids = {new_run(store, pattern_text).run_id for _ in range(5)}
    assert len(ids) == 5 and all(is_run_id(i) and len(i) == 22 for i in ids)


def test_a_run_training_on_another_server_sharing_the_folder_is_shown_not_touched(tmp_path, pattern_text):
    training_server, other_server = RunStore(tmp_path), RunStore(tmp_path)
    run = new_run(training_server, pattern_text, max_steps=100_000, evaluations=2000)
    run.job.start()
    try:
        assert wait_until(lambda: len(run.trainer.history) >= 2)
        seen = other_server.open(run.run_id)
        assert seen.job.state == "elsewhere" and not seen.job.is_active
        assert "another app server" in seen.job.message
        record = json.loads((tmp_path / run.run_id / "run.json").read_text())
        assert record["state"] == "running"  # the other server wrote nothing
        assert run.job.state == "running"
        assert other_server.open(run.run_id) is not seen  # a snapshot, read again on each open
    finally:
        run.job.stop()
        run.job.wait(10)
    assert other_server.open(run.run_id).job.state == "stopped"
    training_server.close()


def test_records_written_after_the_last_checkpoint_are_not_shown_after_a_crash(tmp_path, pattern_text):
    store = RunStore(tmp_path)
    run = new_run(store, pattern_text, max_steps=30)
    run_to_completion(run.job, timeout=60)
    folder = tmp_path / run.run_id
    last_eval = [e for e in run.job.events if e.kind == "eval"][-1]
    with open(folder / "events.jsonl", "a") as events:  # steps and an evaluation whose weights never got saved
        for step in (31, 32):
            events.write(json.dumps({"kind": "step", "step": step, "seconds": 1.0, "progress": 1.0}) + "\n")
        events.write(json.dumps({"kind": "eval", "step": 32, "seconds": 1.0, "progress": 1.0, "val_loss": 0.1}) + "\n")
    record = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps(record | {"state": "running"}))
    store.close()  # the server that trained it is gone
    reopened = RunStore(tmp_path).open(run.run_id)
    assert reopened.job.state == "stopped"
    assert reopened.trainer.history[-1].step == last_eval.step == reopened.trainer.step
    assert [e.step for e in reopened.job.events[-2:]] == [last_eval.step, last_eval.step]
