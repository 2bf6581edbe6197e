"""Shared AppTest helpers: the whole app (navigation and sidebar included), real Streamlit, no mocks."""

import json
import os
import tempfile
import time
from pathlib import Path

import pytest
import torch
from streamlit.runtime.caching.cache_resource_api import clear_session_cache
from streamlit.testing.v1 import AppTest

APP_FILE = Path(__file__).resolve().parents[2] / "streamlit_app.py"

# Every AppTest runs under this session id, so session-scoped resources (ui.state.session_runs)
# would leak from one test into the next: each test starts and ends with them released.
APPTEST_SESSION_ID = "test session id"

# Runs are stored in a throw-away folder, and a run stops as soon as its (test) session ends.
os.environ["RNNLAB_RUNS_DIR"] = tempfile.mkdtemp(prefix="rnnlab-apptest-runs-")
os.environ["RNNLAB_GRACE_SECONDS"] = "0"

# On 2 shared cores, torch's default of one thread per core makes each thread spin while it waits
# for the other (a training step can take 50x longer); one thread keeps a tiny model fast.
torch.set_num_threads(1)


def release_session() -> None:
    """Drop this session's resources; releasing ``session_runs`` stops its training jobs."""
    clear_session_cache(APPTEST_SESSION_ID)


@pytest.fixture
def app():
    """A fresh AppTest of ``streamlit_app.py`` (not run yet); its training runs stop afterwards."""
    release_session()
    at = AppTest.from_file(str(APP_FILE), default_timeout=60)
    yield at
    release_session()


def open_page(at: AppTest, page: str, *, pretrained: bool = True) -> AppTest:
    """Run the app, then switch to ``page`` (e.g. "app_pages/train.py").

    ``pretrained=False`` makes the session start without a current model, as when pretrained/
    holds no model (``ui.state.current_model`` then returns None).
    """
    if not pretrained:
        at.session_state["current_model"] = None
    at.run()
    return at.switch_page(page).run()


def click_stale(button):
    """Click ``button`` as the browser still showed it before the last rerun (a double click,
    or a click that races the end of a run), even if the page has disabled it since."""
    button.proto.disabled = False
    return button.click()


def plotly_specs(at: AppTest) -> list[dict]:
    """The Plotly figures on the page, as the JSON dicts sent to the browser."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def run_until(at: AppTest, condition, *, timeout: float = 30.0, pause: float = 0.3) -> AppTest:
    """Rerun the page (as the browser's polling would) until ``condition(at)``, at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition(at):
        if time.monotonic() > deadline:
            raise AssertionError(f"the page did not reach the expected state within {timeout} s")
        time.sleep(pause)
        at.run()
    return at
