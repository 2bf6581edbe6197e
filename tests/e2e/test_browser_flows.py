"""A learner's flows in a real Chromium against a real ``streamlit run`` server.

Upload a text, train a few seconds and see the curve grow and a sample appear, stop, refresh
the page and find the run again, go to Generate, move the temperature slider and see the bars
change. Screenshots of every page are saved under artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TRAINING_TEXT = (
    "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n"
    "Rough winds do shake the darling buds of May,\nAnd summer's lease hath all too short a date.\n"
) * 80

PLOTLY_DATA = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(
    plot => (plot.data || []).map(trace => ({name: trace.name, x: Array.from(trace.x || []),
                                             y: Array.from(trace.y || [])})))"""


def wait_for_app(page) -> None:
    """Wait until the Streamlit script has finished running (no 'Running...' status)."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
              || !document.querySelector('[data-testid="stStatusWidget"]').innerText.includes('Running')""",
        timeout=60_000,
    )


def plotly_data(page) -> list:
    return page.evaluate(PLOTLY_DATA)


def test_home_page_explains_itself(page, app_url, screenshot):
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("heading", name="Char-RNN Lab").wait_for()
    assert page.get_by_text("language model", exact=False).first.is_visible()
    page.get_by_text("The other 61 characters share the remaining").wait_for()  # the first experiment ran
    screenshot("home")
    page.get_by_role("link", name="See how one is picked").click()  # opens Generate on the same text
    page.wait_for_url(re.compile(r".*/generate\?prompt=To\+be\+or\+not\+to\+b$|.*/generate\?prompt=To%20be.*"))
    wait_for_app(page)
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("To be or not to b")
    page.goto(f"{app_url}/lessons")
    wait_for_app(page)
    page.get_by_role("button", name="Check").first.wait_for()  # a lesson's quiz has rendered
    screenshot("lessons")
    page.get_by_text("Svenska").first.click()
    page.get_by_role("button", name="Kontrollera").first.wait_for()
    screenshot("lessons-svenska")


def test_upload_train_stop_then_generate(page, app_url, screenshot, tmp_path):
    page.goto(f"{app_url}/train")
    wait_for_app(page)

    # 1 · text: upload a file
    page.get_by_text("Upload", exact=False).first.click()
    upload = tmp_path / "sonnet.txt"
    upload.write_text(TRAINING_TEXT)
    page.locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_text("sonnet.txt").first.wait_for()
    page.get_by_text("characters", exact=False).first.wait_for()

    # 2 · settings: the quick preset, then a short time budget
    page.get_by_role("button", name="Quick demo (20 s)").click()
    wait_for_app(page)
    budget = page.get_by_label("Time budget (seconds)", exact=True).and_(page.locator("input"))
    budget.fill("30")
    budget.press("Enter")
    wait_for_app(page)

    # 3 · start, watch the curve grow and a sample appear
    page.get_by_role("button", name="Start").click()
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".some(p => (p.data || []).some(t => (t.x || []).length >= 2))",
        timeout=60_000,
    )
    first = max(len(trace["x"]) for plot in plotly_data(page) for trace in plot)
    page.wait_for_function(
        f"() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        f".some(p => (p.data || []).some(t => (t.x || []).length > {first}))",
        timeout=60_000,
    )
    page.get_by_text("Greedy", exact=False).first.wait_for()
    screenshot("train-running")
    # The sidebar follows the run too (its own fragment, as on every page), not only the live panel.
    sidebar_note = page.locator('[data-testid="stSidebar"]').get_by_text(re.compile(r"^Training #1 .*: \d+%$"))
    expect(sidebar_note).not_to_have_text(sidebar_note.inner_text(), timeout=15_000)

    # 4 · stop: the run ends cleanly and can be explored
    page.get_by_role("button", name="Stop").click()
    page.get_by_role("button", name="Explore in Generate").wait_for(timeout=60_000)
    screenshot("train-stopped")

    # 5 · a refresh comes back to the run (named in the address bar), its curves and its model
    assert "run=" in page.url
    curves = plotly_data(page)
    page.reload()
    wait_for_app(page)
    page.get_by_role("button", name="Explore in Generate").wait_for(timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length > 0")
    assert plotly_data(page) == curves
    screenshot("train-after-refresh")
    page.get_by_role("button", name="Explore in Generate").click()

    # 6 · Generate: move the temperature slider and see the bars change
    page.wait_for_url(re.compile(r".*/generate.*"))
    wait_for_app(page)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length > 0")
    before = json.dumps(plotly_data(page))
    screenshot("generate")
    slider = page.get_by_role("slider").nth(1)  # length, then temperature
    slider.focus()
    for _ in range(5):
        slider.press("ArrowLeft")
    wait_for_app(page)
    page.wait_for_function(
        f"() => JSON.stringify({PLOTLY_DATA.strip()}()) !== {json.dumps(before)}", timeout=30_000
    )
    assert "temperature=" in page.url  # the control is mirrored in the URL
    screenshot("generate-low-temperature")
