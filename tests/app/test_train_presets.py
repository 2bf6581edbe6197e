"""The Train page's presets ("Quick demo (20 s)", "Better (2 min)"): a click moves every settings widget
to the preset's values, and the next Start trains with them (AppTest, the whole app, real training)."""

import json
import os
from pathlib import Path

import pytest

from tests.app.conftest import open_page, run_until
from tests.app.test_runs import run_ids
from tests.app.test_train_page import TRAIN_PAGE, badge, button, errors, is_done, translated
from ui.train_widgets import PRESETS, setting_key

PRESET_LABELS = {"quick": "Quick demo (20 s)", "better": "Better (2 min)"}
PRESET_SECONDS = {"quick": 20, "better": 120}  # what the labels promise
# Settings as far from both presets as the widgets allow, so that every preset value has to move.
AWAY_FROM_PRESETS = {"hidden_size": 32, "num_layers": 2, "seq_len": 16, "batch_size": 8, "learning_rate": 1e-3}


def setting_values(at) -> dict:
    """What the settings widgets show now, by TrainConfig field."""
    values = {name: at.select_slider(key=setting_key(name)).value for name in AWAY_FROM_PRESETS}
    values["cell"] = at.radio(key=setting_key("cell")).value
    values["max_seconds"] = at.number_input(key=setting_key("max_seconds")).value
    values["level"] = at.radio(key=translated(setting_key("level"))).value
    return values


def stored_config(run_id: str) -> dict:
    """The settings the run was started with, as its folder records them (run.json)."""
    record = json.loads((Path(os.environ["RNNLAB_RUNS_DIR"]) / run_id / "run.json").read_text())
    return record["config"]


def move_away_from_presets(at) -> None:
    at.selectbox(key=translated("train_builtin")).select("zen")
    at.radio(key=setting_key("cell")).set_value("gru")
    for name, value in AWAY_FROM_PRESETS.items():
        at.select_slider(key=setting_key(name)).set_value(value)
    at.number_input(key=setting_key("max_seconds")).set_value(7)
    at.run()


@pytest.mark.parametrize("preset", list(PRESETS))
def test_a_preset_sets_every_settings_widget_and_start_trains_with_it(app, preset):
    at = open_page(app, TRAIN_PAGE)
    move_away_from_presets(at)
    before = setting_values(at)
    assert before["cell"] == "gru" and before["max_seconds"] == 7

    preset_button = button(at, f"train_preset_{preset}")
    assert preset_button.label == PRESET_LABELS[preset]
    assert PRESETS[preset]["max_seconds"] == PRESET_SECONDS[preset]
    preset_button.click().run()
    assert not at.exception and not errors(at)
    shown = setting_values(at)
    assert {name: shown[name] for name in PRESETS[preset]} == PRESETS[preset]
    assert shown["level"] == before["level"] == "char"  # a preset leaves what it does not name
    assert at.selectbox(key=translated("train_builtin")).value == "zen"  # and the text
    at.run()
    assert setting_values(at) == shown  # the values stay on the next rerun (no widget resets them)

    button(at, "train_start").click().run()
    assert not at.exception and not errors(at)
    (run_id,) = run_ids(run_until(at, lambda at: run_ids(at)))  # the address names the run from the next rerun
    config = stored_config(run_id)
    expected = {**PRESETS[preset], "max_seconds": float(PRESETS[preset]["max_seconds"])}
    assert {name: config[name] for name in expected} == expected
    hidden = PRESETS[preset]["hidden_size"]
    assert any(f"#1 LSTM {hidden} · The Zen of Python" in markdown.value for markdown in at.markdown)
    button(at, "train_stop").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "stopped")


def test_a_setting_changed_after_a_preset_is_the_one_used(app):
    at = open_page(app, TRAIN_PAGE)
    at.selectbox(key=translated("train_builtin")).select("zen").run()
    button(at, "train_preset_better").click().run()
    at.select_slider(key=setting_key("hidden_size")).set_value(64)
    at.number_input(key=setting_key("max_seconds")).set_value(1).run()
    button(at, "train_start").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "finished")
    (run_id,) = run_ids(at)
    config = stored_config(run_id)
    assert config["hidden_size"] == 64 and config["max_seconds"] == 1.0
    assert config["batch_size"] == PRESETS["better"]["batch_size"]
    assert config["learning_rate"] == PRESETS["better"]["learning_rate"]
    # The other preset moves the settings again, also after a run; the finished run keeps its own.
    button(at, "train_preset_quick").click().run()
    assert at.select_slider(key=setting_key("hidden_size")).value == PRESETS["quick"]["hidden_size"]
    assert at.number_input(key=setting_key("max_seconds")).value == PRESETS["quick"]["max_seconds"]
    assert stored_config(run_id)["hidden_size"] == 64
    assert badge(at) == "finished"
