"""Runs survive a refresh and travel by link (``?run=<id>``); bad links get a message; jobs queue."""

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP_FILE, open_page, plotly_specs, release_session, run_until
from tests.app.test_train_page import TRAIN_PAGE, badge, button, is_done, tiny_settings


def run_ids(at) -> list[str]:
    """The run ids in the address bar (AppTest keeps one value as a string, several as a list)."""
    value = at.query_params.get("run", [])
    return [value] if isinstance(value, str) else list(value)


def finished_run(app) -> tuple[AppTest, str]:
    at = open_page(app, TRAIN_PAGE)
    tiny_settings(at, seconds=1)
    button(at, "train_start").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "finished")
    (run_id,) = run_ids(at)
    return at, run_id


def reopen(run_ids: list[str], page: str = TRAIN_PAGE, **params: str) -> AppTest:
    """A new browser session (a refresh, another tab, the teacher) opening the link."""
    release_session()
    at = AppTest.from_file(str(APP_FILE), default_timeout=60)
    at.query_params.update(params)
    at.query_params["run"] = run_ids
    return at.switch_page(page).run()


def test_a_refresh_comes_back_to_the_run_its_curves_and_its_model(app):
    at, run_id = finished_run(app)
    (before,) = plotly_specs(at)

    again = reopen([run_id])
    assert not again.exception and not again.warning
    assert badge(again) == "finished"
    (after,) = plotly_specs(again)
    assert [trace["name"] for trace in after["data"]] == [trace["name"] for trace in before["data"]]
    assert [trace["y"] for trace in after["data"]] == [trace["y"] for trace in before["data"]]
    assert run_ids(again) == [run_id]  # the link stays in the address bar
    button(again, "train_explore").click().run()
    assert again.session_state["current_model"].label == "#1 LSTM 32 · The Zen of Python"
    release_session()


def test_the_run_link_works_on_any_page_and_several_runs_keep_their_order(app):
    at, first = finished_run(app)
    button(at, "train_start").click().run()
    run_until(at, lambda at: len(run_ids(at)) == 2 and is_done(at) and badge(at) == "finished")
    ids = run_ids(at)
    assert ids[0] == first
    home = reopen(ids, page="app_pages/home.py")
    assert not home.exception
    assert run_ids(home) == ids
    train = home.switch_page(TRAIN_PAGE).run()
    (table,) = train.dataframe
    assert list(table.value["run"]) == ["#1 LSTM 32 · The Zen of Python", "#2 LSTM 32 · The Zen of Python"]
    assert list(table.value["state"]) == ["finished", "finished"]
    release_session()


def test_a_bad_or_unknown_link_gets_a_message_and_the_app_keeps_working():
    for link, words in [("../../etc/passwd", "not valid"), ("A" * 22, "no run with this link")]:
        at = reopen([link])
        assert not at.exception
        assert any(words in warning.value for warning in at.warning)
        assert run_ids(at) == []  # the bad link is dropped from the address bar
        assert not button(at, "train_start").disabled
    swedish = reopen(["../x"], lang="sv")
    assert [w.value for w in swedish.warning] == [
        "Länken till körningen är inte giltig. Kontrollera att hela länken kom med."
    ]
    release_session()


def test_beyond_the_server_limit_a_run_waits_in_the_queue(app):
    from ui.state import training_slots

    slots = training_slots()
    others = [f"another learner {n}" for n in range(slots.limit)]
    for other in others:
        assert slots.acquire(other)
    try:
        at = open_page(app, TRAIN_PAGE)
        tiny_settings(at, seconds=1)
        button(at, "train_start").click().run()
        run_until(at, lambda at: badge(at) == "queued")
        assert any("1st in the queue" in (bar.text or "") for bar in at.progress)
        assert not button(at, "train_stop").disabled
    finally:
        for other in others:
            slots.release(other)
    run_until(at, lambda at: is_done(at) and badge(at) == "finished")
    assert not at.exception


def test_a_model_too_big_for_the_server_is_refused_before_it_starts(app):
    at = open_page(app, TRAIN_PAGE)
    at.select_slider(key="train_hidden_size").set_value(512)
    at.select_slider(key="train_num_layers").set_value(3)
    at.select_slider(key="train_seq_len").set_value(256)
    at.select_slider(key="train_batch_size").set_value(128).run()
    button(at, "train_start").click().run()
    assert not at.exception
    (error,) = [element.value for element in at.error]
    assert error.startswith("This model is too big to train here: it would need about 2,")
    assert run_ids(at) == [] and not at.get("plotly_chart")
    assert at.select_slider(key="train_hidden_size").value == 512  # the settings are kept to adjust
    assert not button(at, "train_start").disabled
