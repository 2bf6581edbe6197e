"""Classroom flows in a real Chromium against a real ``streamlit run`` server.

* A learner starts training and closes the tab: the server notices the session is gone, stops the
  run after the grace period (``RNNLAB_GRACE_SECONDS``, 1 s here) and keeps its checkpoint; the
  run's link later opens it as "stopped", and its model downloads and loads back.
* A file over the upload limits (the app's 5 MB for a text, Streamlit's ``maxUploadSize`` of
  10 MB in .streamlit/config.toml) gets a clear message, and no traceback.
* A learner's Generate address (top-k and seed moved in the page) opens the same view for a classmate.

The server is this module's own (a short grace period); its runs folder is read to check the run.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from bench.classroom_load import running_server
from rnnlab.checkpoint import load_checkpoint
from rnnlab.corpus import DEFAULT_MAX_BYTES, too_large_message
from tests.e2e.conftest import CHROMIUM
from tests.e2e.test_browser_flows import wait_for_app

pytestmark = pytest.mark.e2e

GRACE_SECONDS = 1
BUDGET_SECONDS = 300
MARKDOWN = '[data-testid="stMain"] [data-testid="stMarkdownContainer"]'
GENERATED = re.compile(r"^ROMEO:")  # a generated text: the default prompt and what follows
CHART_HAS_POINTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .some(p => (p.data || []).some(t => (t.x || []).length >= {count}))"""


@pytest.fixture(scope="module")
def server():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium to run browser tests")
    with running_server(extra_env={"RNNLAB_GRACE_SECONDS": str(GRACE_SECONDS)}) as server:
        yield server


@pytest.fixture
def new_tab(browser):
    """``new_tab()`` opens a page in a browser context of its own (a learner's own browser)."""
    contexts = []

    def open_tab():
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return page

    yield open_tab
    for context in contexts:
        context.close()


def no_traceback(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.locator('[data-testid="stApp"]').inner_text()


def run_record(server, run_id: str) -> dict:
    return json.loads((server.runs_dir / run_id / "run.json").read_text())


def test_a_closed_tab_stops_the_run_and_its_link_reopens_it_stopped_with_its_model(server, new_tab, tmp_path):
    page = new_tab()
    page.goto(f"{server.url}/train")
    wait_for_app(page)
    page.get_by_role("button", name="Quick demo (20 s)").click()
    hidden = page.locator('[data-testid="stSlider"]').filter(has_text="Hidden size")
    expect(hidden.locator('[data-testid="stSliderThumbValue"]')).to_have_text("128")  # the preset arrived
    wait_for_app(page)
    budget = page.get_by_label("Time budget (seconds)", exact=True).and_(page.locator("input"))
    budget.fill(str(BUDGET_SECONDS))  # still training when the tab closes
    budget.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Start").click()
    page.wait_for_function(CHART_HAS_POINTS.replace("{count}", "2"), timeout=60_000)  # a checkpoint is saved
    page.wait_for_url(re.compile(r".*[?&]run="))
    (run_id,) = parse_qs(urlparse(page.url).query)["run"]
    assert run_record(server, run_id)["state"] == "running"

    closed_at = time.monotonic()
    page.context.close()  # the learner closes the tab: the websocket goes, the session ends

    deadline = closed_at + 20
    while run_record(server, run_id)["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    record = run_record(server, run_id)
    assert record["state"] == "stopped", record
    assert record["seconds"] < BUDGET_SECONDS / 2  # stopped early, not at the end of its budget
    saved = load_checkpoint(server.runs_dir / run_id / "model.safetensors")
    assert saved.training["steps"] > 0 and saved.config.hidden_size == 128

    # Later, the link opens the run as stopped, with its curve and its model.
    page = new_tab()
    page.goto(f"{server.url}/train?run={run_id}")
    wait_for_app(page)
    page.get_by_role("button", name="Explore in Generate").wait_for(timeout=60_000)
    progress = page.get_by_text(re.compile(r"^stopped · .*step [\d,]+$")).first  # the live panel's progress line
    progress.wait_for()
    assert progress.inner_text().endswith(f"step {saved.training['steps']:,}")  # at its last checkpoint
    page.wait_for_function(CHART_HAS_POINTS.replace("{count}", "2"))
    no_traceback(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the model").click()
    download = download_info.value
    assert download.suggested_filename == "charrnn-1-lstm128.safetensors"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    downloaded = load_checkpoint(path.read_bytes())
    assert downloaded.training["steps"] == saved.training["steps"]
    assert downloaded.vocab.tokens == saved.vocab.tokens


def test_a_text_over_the_upload_limits_gets_a_clear_message(server, new_tab):
    page = new_tab()
    page.goto(f"{server.url}/train")
    wait_for_app(page)
    page.get_by_text("Upload a .txt file").first.click()
    wait_for_app(page)
    upload = page.locator('input[type="file"]')

    # Over the app's limit for a text (5 MB), under the server's (10 MB): the library's sentence.
    size = DEFAULT_MAX_BYTES + 1024 * 1024
    upload.set_input_files({"name": "big.txt", "mimeType": "text/plain", "buffer": b"a" * size})
    message = too_large_message("file", size, DEFAULT_MAX_BYTES)
    page.get_by_text(message).wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Start").is_disabled()
    no_traceback(page)

    # Over the server's limit: the uploader refuses it in the browser, and says why.
    upload.set_input_files({"name": "huge.txt", "mimeType": "text/plain", "buffer": b"a" * (11 * 1024 * 1024)})
    page.get_by_text(re.compile(r"File must be 10(\.0)? ?MB or smaller")).wait_for()
    wait_for_app(page)
    no_traceback(page)


def test_a_generate_address_opens_the_same_view_for_a_classmate(server, new_tab):
    page = new_tab()
    page.goto(f"{server.url}/generate?length=60")
    wait_for_app(page)
    top_k = page.locator('[data-testid="stSlider"]').filter(has_text="Top-k").get_by_role("slider")
    top_k.focus()
    for _ in range(3):
        top_k.press("ArrowRight")
    page.wait_for_url(re.compile(r".*[?&]top_k=3(&|$)"))
    wait_for_app(page)
    seed = page.get_by_label("Seed", exact=True).and_(page.locator("input"))
    seed.fill("42")
    seed.press("Enter")
    page.wait_for_url(re.compile(r".*[?&]seed=42(&|$)"))
    wait_for_app(page)
    page.get_by_text("Sampled (seed 42)").wait_for()
    texts = page.locator(MARKDOWN).filter(has_text=GENERATED).all_text_contents()
    assert len(texts) == 3  # greedy, sampled, and the sampled text in step mode
    address = page.url

    classmate = new_tab()
    classmate.goto(address)
    wait_for_app(classmate)
    classmate.get_by_text("Sampled (seed 42)").wait_for()
    their_top_k = classmate.locator('[data-testid="stSlider"]').filter(has_text="Top-k")
    expect(their_top_k.locator('[data-testid="stSliderThumbValue"]')).to_have_text("3")
    expect(classmate.get_by_label("Seed", exact=True).and_(classmate.locator("input"))).to_have_value("42")
    expect(classmate.locator(MARKDOWN).filter(has_text=GENERATED)).to_have_text(texts)  # the same texts
    no_traceback(classmate)


def test_a_link_value_the_page_corrects_is_corrected_in_the_address_too(server, new_tab):
    page = new_tab()
    page.goto(f"{server.url}/generate?length=60&top_k=500")
    wait_for_app(page)
    page.get_by_text("top_k=500").wait_for()  # the note says what was corrected
    page.wait_for_url(re.compile(r".*[?&]top_k=66(&|$)"))  # and the address says what the page shows
    top_k = page.locator('[data-testid="stSlider"]').filter(has_text="Top-k")
    expect(top_k.locator('[data-testid="stSliderThumbValue"]')).to_have_text("66")
    no_traceback(page)
