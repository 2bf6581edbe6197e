"""The Generate page's address (``bind="query-params"``) as the server keeps it (AppTest, no mocks).

Moving a control writes the URL in the browser (Streamlit's frontend does it), so that is checked
in a real Chromium: tests/e2e/test_classroom_flows.py (top-k and seed, then a classmate opens the
address). Here: what the server itself keeps in, or takes out of, the address.
"""

import pytest
from streamlit.testing.v1 import AppTest

from rnnlab.pretrained import list_pretrained
from tests.app.conftest import APP_FILE, release_session
from tests.app.test_generate_page import GENERATE, open_generate, output_text
from ui import generate_widgets as gw

pytestmark = pytest.mark.skipif(not list_pretrained(), reason="pretrained/ holds no model")


def open_address(params: dict[str, str]) -> AppTest:
    """A new browser session (another tab, a classmate) opening the Generate page at this address."""
    release_session()
    at = AppTest.from_file(str(APP_FILE), default_timeout=60)
    at.query_params.update(params)
    at.run()
    at = at.switch_page(GENERATE).run()
    assert not at.exception, at.exception
    return at


def test_a_good_address_stays_in_the_address_bar_and_opens_the_same_view_again(app):
    at = open_generate(app, top_k="3", seed="1234")
    assert dict(at.query_params) == {gw.LENGTH: "60", gw.TOP_K: "3", gw.SEED: "1234"}
    at.run()  # a rerun (a poll, another control) keeps it
    assert dict(at.query_params) == {gw.LENGTH: "60", gw.TOP_K: "3", gw.SEED: "1234"}
    sampled, greedy = output_text(at, "Sampled"), output_text(at, "Greedy")

    again = open_address(dict(at.query_params))
    assert again.slider(key=gw.TOP_K).value == 3 and again.number_input(key=gw.SEED).value == 1234
    assert output_text(again, "Sampled") == sampled and output_text(again, "Greedy") == greedy
    assert not again.info
    release_session()


def test_a_corrected_link_value_is_what_the_address_then_says(app):
    at = open_generate(app, top_k="500", temperature="0.3", length="5")
    vocab_size = at.session_state["current_model"].checkpoint.vocab.size
    assert at.slider(key=gw.TOP_K).value == vocab_size  # corrected...
    assert at.select_slider(key=gw.TEMPERATURE).value == 0.32 and at.slider(key=gw.LENGTH).value == 10
    notes = [info.value for info in at.info]
    assert any("top_k=500" in note for note in notes) and any("temperature=0.3" in note for note in notes)
    assert any("length=5" in note for note in notes)  # ...with a note each, shown once
    assert len(notes) == len(set(notes))
    assert dict(at.query_params) == {gw.TOP_K: str(vocab_size), gw.TEMPERATURE: "0.32", gw.LENGTH: "10"}
    sampled = output_text(at, "Sampled")

    again = open_address(dict(at.query_params))  # the copied link opens what the page showed
    assert again.slider(key=gw.TOP_K).value == vocab_size and again.select_slider(key=gw.TEMPERATURE).value == 0.32
    assert output_text(again, "Sampled") == sampled and not again.info
    release_session()
