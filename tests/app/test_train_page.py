"""The Train page through the whole app (AppTest, real training of tiny models, no mocks)."""

import codecs
import re

import pytest

from rnnlab.builtin_corpora import load_builtin
from rnnlab.corpus import BINARY_MESSAGE, CP1252_WARNING, check_trainable
from rnnlab.errors import CorpusError
from rnnlab.trainer import TrainConfig
from tests.app.conftest import click_stale, open_page, plotly_specs, run_until

TRAIN_PAGE = "app_pages/train.py"
ZEN_CHARS = len(load_builtin("zen"))
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
TEXT = "the cat sat on the mat. the dog sat on the log.\n" * 40


def library_message(text: str, seq_len: int, level: str = "char") -> str:
    with pytest.raises(CorpusError) as error:
        check_trainable(text, level=level, seq_len=seq_len, val_fraction=0.1)
    return str(error.value)


def translated(key: str, language: str = "en") -> str:
    """The widget key of a choice whose options are translated (see ui.i18n.translated_choice)."""
    return f"{key}.{language}"


def errors(at) -> list[str]:
    return [element.value for element in at.error]


def button(at, key: str):
    return at.button(key=key)


def tiny_settings(at, *, seconds: int, language: str = "en") -> None:
    """A tiny model on the Zen of Python: trains a few hundred steps in a couple of seconds."""
    at.radio(key=translated("train_source", language)).set_value("builtin")
    at.selectbox(key=translated("train_builtin", language)).select("zen")
    at.select_slider(key="train_hidden_size").set_value(32)
    at.select_slider(key="train_seq_len").set_value(16)
    at.select_slider(key="train_batch_size").set_value(8)
    at.select_slider(key="train_learning_rate").set_value(0.01)
    at.number_input(key="train_max_seconds").set_value(seconds)
    at.run()


def loaded_counts(at) -> dict[str, int]:
    """The counts line under the text: {'characters': 857, 'distinct symbols': 45, ...}."""
    (line,) = [markdown.value for markdown in at.markdown if "distinct symbols" in markdown.value]
    counts = {}
    for part in line.split(" · "):
        match = re.fullmatch(r"(.*?)\s*\*\*([\d,]+)\*\*\s*(.*)", part)
        before, number, after = match.groups()
        counts[before or after.split(" (")[0]] = int(number.replace(",", ""))
    return counts


def sample_slider(at):
    (slider,) = [s for s in at.select_slider if s.label == "Samples after step"]
    return slider


def badge(at) -> str:
    """The state badge of the live panel ('training', 'paused', 'finished'...)."""
    for markdown in at.markdown:
        if "-badge[" in markdown.value:
            return markdown.value.rsplit(" ", 1)[-1].rstrip("]")
    return ""


def is_done(at) -> bool:
    return any(b.label == "Explore in Generate" for b in at.button)


def test_page_loads_with_a_trainable_default_text_and_no_pretrained_model(app):
    app.session_state["current_model"] = None  # as when pretrained/ holds no model
    app.run()
    assert any("No model yet" in caption.value for caption in app.sidebar.caption)
    at = app.switch_page(TRAIN_PAGE).run()
    assert not at.exception
    assert not errors(at)
    assert at.title[0].value == "Train a model"
    assert int(loaded_counts(at)["characters"]) > 100_000
    assert not button(at, "train_start").disabled
    assert button(at, "train_stop").disabled and button(at, "train_pause").disabled
    assert at.session_state["current_model"] is None


def test_builtin_zen_shows_its_stats_and_proposes_a_sequence_length_that_fits(app):
    at = open_page(app, TRAIN_PAGE)
    at.select_slider(key="train_seq_len").set_value(128)
    at.selectbox(key=translated("train_builtin")).select("zen").run()
    counts = loaded_counts(at)
    assert counts["characters"] == ZEN_CHARS
    assert counts["distinct symbols"] == len(set(load_builtin("zen")))
    assert counts["vocabulary of"] == counts["distinct symbols"] + 1  # + the unknown symbol
    assert at.code[0].value.startswith("The Zen of Python")
    # A sequence length of 128 is too long for 857 characters: the library says why...
    assert errors(at) == [library_message(load_builtin("zen"), 128)]
    assert button(at, "train_start").disabled
    # ...and the page offers the longest one that fits.
    propose = button(at, "train_use_seq_len")
    assert propose.label == "Use sequence length 64"
    propose.click().run()
    assert not errors(at) and not at.exception
    assert at.select_slider(key="train_seq_len").value == 64
    assert not button(at, "train_start").disabled


def test_pasted_text_too_short_shows_the_library_message_and_keeps_the_settings(app):
    at = open_page(app, TRAIN_PAGE)
    at.select_slider(key="train_hidden_size").set_value(64)
    at.radio(key=translated("train_source")).set_value("paste").run()
    at.text_area(key="train_pasted").input("Too short to learn anything from.").run()
    assert not at.exception
    assert errors(at) == [library_message("Too short to learn anything from.", TrainConfig().seq_len)]
    assert button(at, "train_start").disabled
    # Nothing the learner did is lost: the text and the settings are still there,
    # also after a visit to another page.
    assert at.text_area(key="train_pasted").value == "Too short to learn anything from."
    assert at.select_slider(key="train_hidden_size").value == 64
    at.switch_page("app_pages/home.py").run()
    at.switch_page(TRAIN_PAGE).run()
    assert at.radio(key=translated("train_source")).value == "paste"
    assert at.text_area(key="train_pasted").value == "Too short to learn anything from."
    assert at.select_slider(key="train_hidden_size").value == 64
    at.text_area(key="train_pasted").input(TEXT).run()
    assert not errors(at)
    assert not button(at, "train_start").disabled


def test_rare_symbols_beyond_the_vocabulary_are_counted(app):
    at = open_page(app, TRAIN_PAGE)
    at.radio(key=translated("train_source")).set_value("paste").run()
    many_symbols = "".join(chr(0x4E00 + i) for i in range(300)) * 5  # 300 distinct, 256 kept (with �)
    at.text_area(key="train_pasted").input(many_symbols).run()
    assert not errors(at)
    assert loaded_counts(at)["distinct symbols"] == 300
    assert any(info.value.startswith("45 rare symbols (225 occurrences) are folded") for info in at.info)


def test_uploads_a_windows_1252_text_and_refuses_a_binary_file(app):
    at = open_page(app, TRAIN_PAGE)
    at.radio(key=translated("train_source")).set_value("upload").run()
    assert at.file_uploader(key="train_upload").allowed_type == [".txt", ".md"]
    text = "Café, naïve façade. " * 100
    at.file_uploader(key="train_upload").upload("notes.txt", codecs.encode(text, "cp1252"), "text/plain")
    at.run()
    assert not at.exception and not errors(at)
    assert [warning.value for warning in at.warning] == [CP1252_WARNING]
    assert at.code[0].value == text[:300]
    assert not button(at, "train_start").disabled

    at.file_uploader(key="train_upload").set_value(("photo.txt", PNG_BYTES, "text/plain"))
    at.run()
    assert not at.exception
    assert errors(at) == ["This is a PNG image, not text; upload a .txt file."]
    assert button(at, "train_start").disabled

    at.file_uploader(key="train_upload").set_value(("data.txt", bytes(range(256)) * 8, "text/plain"))
    at.run()
    assert errors(at) == [BINARY_MESSAGE]


def test_stop_with_nothing_running_is_harmless(app):
    at = open_page(app, TRAIN_PAGE)
    assert button(at, "train_stop").disabled
    click_stale(button(at, "train_stop")).run()
    click_stale(button(at, "train_pause")).run()
    click_stale(button(at, "train_resume")).run()
    assert not at.exception and not errors(at)
    assert not at.get("plotly_chart")
    assert not button(at, "train_start").disabled


def test_a_short_run_from_start_to_generate(app):
    at = open_page(app, TRAIN_PAGE)
    tiny_settings(at, seconds=2)
    button(at, "train_start").click().run()
    assert not at.exception and not errors(at)
    run_until(at, lambda at: is_done(at) and badge(at) == "finished")
    assert not at.exception
    assert badge(at) == "finished"
    assert at.progress[0].text.startswith("finished ·")

    # The chart: one train and one validation curve, validation falling (the Zen is tiny: by the end
    # the model may overfit it, so the lowest point counts), three reference lines.
    (spec,) = plotly_specs(at)
    traces = {trace["name"]: trace for trace in spec["data"]}
    label = "#1 LSTM 32 · The Zen of Python"
    assert set(traces) == {f"{label} · train", f"{label} · validation"}
    val = traces[f"{label} · validation"]["y"]
    assert len(val) >= 3 and min(val[1:]) < val[0] - 0.3
    assert [shape["name"] for shape in spec["layout"]["shapes"]] == ["uniform", "unigram", "bigram"]
    annotations = [annotation["text"] for annotation in spec["layout"]["annotations"]]
    assert any(text.startswith("uniform (ln V)") for text in annotations)
    assert spec["layout"]["yaxis"]["title"]["text"] == "loss (nats per character)"

    # Units and x axis are chart controls.
    at.radio(key=translated("train_chart_unit")).set_value("bits")
    at.radio(key=translated("train_chart_x")).set_value("seconds").run()
    (spec,) = plotly_specs(at)
    assert spec["layout"]["yaxis"]["title"]["text"] == "loss (bits per character)"
    assert spec["layout"]["xaxis"]["title"]["text"] == "training time (seconds)"
    bits_val = {trace["name"]: trace for trace in spec["data"]}[f"{label} · validation"]["y"]
    assert bits_val[-1] == pytest.approx(val[-1] / 0.6931471805599453)

    # Samples: a greedy and a sampled line, and a slider to look back at earlier ones.
    metrics = {metric.label: metric for metric in at.metric}
    assert metrics["Validation loss"].value.endswith("nats")
    steps = sample_slider(at)
    newest = int(steps.options[-1].replace(",", ""))
    assert steps.value == newest
    samples = [code.value for code in at.code[1:]]
    assert len(samples) == 2 and all(samples)
    steps.set_value(0).run()
    assert sample_slider(at).value == 0
    assert [code.value for code in at.code[1:]] != samples
    at.run()
    assert sample_slider(at).value == 0  # it stays where the learner put it
    sample_slider(at).set_value(newest).run()
    assert [code.value for code in at.code[1:]] == samples

    # A stop that arrives after the run ended changes nothing.
    click_stale(button(at, "train_stop")).run()
    assert badge(at) == "finished" and not at.exception

    # Download and Explore in Generate.
    (download,) = at.download_button
    assert download.label == "Download the model"
    assert download.proto.deferred_file_id  # the bytes are made when the learner clicks
    button(at, "train_explore").click().run()
    model = at.session_state["current_model"]
    assert model.label == label and model.source == "run"
    assert model.checkpoint.vocab.size == 46
    assert model.val_loss == pytest.approx(val[-1])


def test_step_pause_resume_stop_and_a_double_clicked_start(app):
    at = open_page(app, TRAIN_PAGE)
    tiny_settings(at, seconds=60)

    button(at, "train_step").click().run()  # no run yet: one is made, one step taken, then it waits
    assert badge(at) == "paused"
    assert at.progress[0].text.endswith("step 1")
    button(at, "train_step").click().run()
    assert at.progress[0].text.endswith("step 2")
    assert button(at, "train_start").disabled and not button(at, "train_resume").disabled

    button(at, "train_resume").click().run()
    assert badge(at) == "training"
    run_until(at, lambda at: int(at.progress[0].text.rsplit(" ", 1)[-1].replace(",", "")) > 20)

    click_stale(button(at, "train_start")).run()  # a second click on Start while it trains
    assert not at.exception
    assert all("#2" not in markdown.value for markdown in at.markdown)

    button(at, "train_pause").click().run()
    assert badge(at) == "paused"
    paused_at = at.progress[0].text
    at.run()
    assert at.progress[0].text == paused_at

    button(at, "train_stop").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "stopped")
    assert badge(at) == "stopped"
    assert any("keeps what it learned" in info.value for info in at.info)
    assert all("#2" not in markdown.value for markdown in at.markdown)

    # A second run is kept beside the first, and the chart can overlay both.
    button(at, "train_start").click().run()
    button(at, "train_stop").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "stopped")
    at.multiselect(key="train_chart_overlay").select(1).run()
    (spec,) = plotly_specs(at)
    names = [trace["name"] for trace in spec["data"]]
    assert len(names) == 4 and any(name.startswith("#1 ") for name in names)
    assert any(name.startswith("#2 ") for name in names)
