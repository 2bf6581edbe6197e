"""Start names the new run in the address at once, while it trains (AppTest, real training, no mocks).

In the browser only the live panel reruns while a run trains, so the address written at the top
of the page (ui.state.sync_runs_with_url) would name the run only when it ends; a refresh or a
copied link before that would lose it.
"""

from tests.app.conftest import open_page, run_until
from tests.app.test_runs import run_ids
from tests.app.test_train_page import TRAIN_PAGE, badge, button, is_done, tiny_settings


def test_the_address_names_a_run_from_the_moment_it_starts(app):
    at = open_page(app, TRAIN_PAGE)
    tiny_settings(at, seconds=60)
    assert run_ids(at) == []
    button(at, "train_start").click().run()
    assert badge(at) in ("training", "queued")
    (run_id,) = run_ids(at)  # in the same run as the click: before the live panel polls
    button(at, "train_stop").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "stopped")
    assert run_ids(at) == [run_id]

    # A second run is added behind the first, also at once.
    button(at, "train_start").click().run()
    first, second = run_ids(at)
    assert first == run_id and second != run_id
    button(at, "train_stop").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "stopped")
