"""The Train page's "Download the model" gives a .safetensors file that rnnlab.checkpoint loads back.

The button's bytes are made when the learner clicks (a deferred download): Streamlit keeps the
callable in its media file manager and runs it on the click. AppTest builds a fresh manager for
each run and drops it afterwards, so the test keeps a reference to the one the button registered
with, and asks it for the file as the server would on a click (``execute_deferred``).
"""

import os
from pathlib import Path

import pytest
import torch
from streamlit.runtime.media_file_manager import MediaFileManager

from rnnlab.checkpoint import load_checkpoint
from rnnlab.generation import generate
from tests.app.conftest import open_page, run_until
from tests.app.test_runs import reopen, run_ids
from tests.app.test_train_page import TRAIN_PAGE, badge, button, is_done, tiny_settings


@pytest.fixture
def deferred_downloads(monkeypatch):
    """{file id: (manager, file name)} of every deferred download registered (the real method runs)."""
    registered = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        registered[file_id] = (self, file_name)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return registered


def click_download(at, registered) -> tuple[str, bytes]:
    """The file name and bytes the browser gets when the learner clicks the download button."""
    (download,) = at.download_button
    assert download.label == "Download the model"
    manager, file_name = registered[download.proto.deferred_file_id]
    url = manager.execute_deferred(download.proto.deferred_file_id)
    return file_name, manager.read_file(url.rsplit("/", 1)[-1]).content


def weights(checkpoint) -> dict[str, torch.Tensor]:
    return checkpoint.model.state_dict()


def finished_run(app, seconds: float):
    """The Train page after a tiny run on the Zen of Python finished, and the run's id."""
    at = open_page(app, TRAIN_PAGE)
    tiny_settings(at, seconds=seconds)
    button(at, "train_start").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "finished")
    (run_id,) = run_ids(at)
    return at, run_id


def test_the_downloaded_model_loads_back_and_is_the_runs_model(app, deferred_downloads):
    at, run_id = finished_run(app, seconds=2)

    file_name, data = click_download(at, deferred_downloads)
    assert file_name == "charrnn-1-lstm32.safetensors"
    checkpoint = load_checkpoint(data)
    assert checkpoint.config.cell == "lstm" and checkpoint.config.hidden_size == 32
    assert checkpoint.vocab.size == 46  # the Zen of Python's symbols and the unknown one
    assert checkpoint.corpus_name == "The Zen of Python"
    training = checkpoint.training
    assert training["steps"] > 10
    assert training["config"]["seq_len"] == 16 and training["config"]["batch_size"] == 8
    # The same weights the run stored in its folder at the end, and the loss the page shows.
    saved = load_checkpoint(Path(os.environ["RNNLAB_RUNS_DIR"]) / run_id / "model.safetensors")
    assert weights(checkpoint).keys() == weights(saved).keys()
    assert all(torch.equal(weights(checkpoint)[name], weights(saved)[name]) for name in weights(saved))
    button(at, "train_explore").click().run()
    assert training["val_loss"] == pytest.approx(at.session_state["current_model"].val_loss)
    # A working model: it writes the Zen's characters.
    text = generate(checkpoint.model, checkpoint.vocab, "Beautiful", length=40, seed=0).text
    assert len(text) == 40 and set(text) <= set(checkpoint.vocab.tokens)


def test_a_reopened_run_downloads_the_same_model(app, deferred_downloads):
    at, run_id = finished_run(app, seconds=1)
    _, first = click_download(at, deferred_downloads)

    again = reopen([run_id])  # another browser session opens the link: the run is rebuilt from its folder
    assert badge(again) == "finished" and not again.exception
    file_name, second = click_download(again, deferred_downloads)
    assert file_name == "charrnn-1-lstm32.safetensors"
    before, after = load_checkpoint(first), load_checkpoint(second)
    assert after.vocab.tokens == before.vocab.tokens
    assert after.training["steps"] == before.training["steps"]
    assert all(torch.equal(weights(after)[name], tensor) for name, tensor in weights(before).items())
