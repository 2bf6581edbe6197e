"""Issue 5, every bad input: a clear message in place, no traceback, nothing already done lost.

The whole app in AppTest (navigation, sidebar, real training of tiny models), no mocks. Where it
makes sense a test first sets up what a learner would lose: a finished run (trained once for the
module and opened by its link, ``?run=<id>``, the way a refresh brings it back), settings the
learner changed, a trained model made current; then it feeds the bad input and checks the message
(the library's own sentence where it has one), that the earlier state is all still there, and that
the next action works.

The checklist of issue 5, item -> test:

- empty file; 10-character file; binary (an image); a file over the upload limit (the library's
  5 MB limit, ``rnnlab.corpus.DEFAULT_MAX_BYTES``; AppTest does not enforce the server's
  ``server.maxUploadSize``) -> ``test_a_bad_text_file_is_refused_in_place_and_the_finished_run_stays``
  (a PNG, a random binary file and a Windows-1252 file are also in
  ``test_train_page.py::test_uploads_a_windows_1252_text_and_refuses_a_binary_file``)
- UTF-16 with BOM; latin-1; UTF-8 with BOM; CRLF; emoji and mixed scripts
  -> ``test_a_text_in_another_encoding_is_decoded_right_and_can_be_trained``
- a corpus whose vocabulary is huge -> ``test_a_huge_vocabulary_is_folded_and_training_still_starts``
  (300 symbols pasted: ``test_train_page.py::test_rare_symbols_beyond_the_vocabulary_are_counted``)
- a pickle file renamed ``.safetensors``; a truncated ``.safetensors``; wrong shapes or missing
  metadata; a giant header; a checkpoint over the library's limit
  (``rnnlab.checkpoint.MAX_FILE_BYTES``)
  -> ``test_a_bad_checkpoint_leaves_the_trained_model_current_and_its_outputs_on_screen``
  (random bytes and ``pickle.dumps`` of a dict over the shipped model:
  ``test_generate_page.py::test_a_corrupt_upload_shows_an_error_and_keeps_the_previous_model``)
- a learning rate that makes training diverge
  -> ``test_a_diverging_learning_rate_is_explained_and_the_kept_weights_work``
- out-of-range or malformed URL parameters -> ``test_a_bad_generate_link_value_gets_a_note_and_a_fixed_value``
  (one case each: temperature=99, top_k=-3, top_p=7, temperature=abc, seed=1e999, a 10,000-character
  prompt, an unknown model; more values at once:
  ``test_generate_page.py::test_malformed_and_out_of_range_link_values_do_not_crash``) and
  ``test_a_bad_run_link_beside_a_good_one_gets_a_warning_and_the_good_run_opens``
  (bad ``?run=`` links alone: ``test_runs.py::test_a_bad_or_unknown_link_gets_a_message_and_the_app_keeps_working``)
- double-clicking Start -> ``test_a_double_clicked_start_makes_one_run_beside_the_finished_one``
  (a second click while a run trains: ``test_train_page.py::test_step_pause_resume_stop_and_a_double_clicked_start``)
- Stop while not running -> covered by ``test_train_page.py::test_stop_with_nothing_running_is_harmless``
  (Stop, Pause and Resume with no run) and ``test_train_page.py::test_a_short_run_from_start_to_generate``
  (a Stop that arrives after the run finished leaves it "finished")
- switching pages mid-training -> ``test_switching_pages_mid_training_keeps_the_run_going``
"""

import codecs
import io
import math
import re
import struct
import time
from functools import cache

import pytest
import torch
from streamlit.testing.v1 import AppTest

from rnnlab.checkpoint import MAX_FILE_BYTES, load_checkpoint, save_checkpoint
from rnnlab.corpus import CP1252_WARNING, check_trainable, decode_text
from rnnlab.errors import CheckpointError, CorpusError
from rnnlab.pretrained import list_pretrained
from rnnlab.run_store import RunNotFound, RunStore
from rnnlab.trainer import TrainConfig
from rnnlab.vocab import UNKNOWN, Vocabulary
from tests.app.conftest import APP_FILE, click_stale, open_page, plotly_specs, release_session, run_until
from tests.app.test_generate_page import GENERATE, current, open_generate, output_text
from tests.app.test_runs import finished_run, run_ids
from tests.app.test_train_page import (
    TEXT,
    TRAIN_PAGE,
    badge,
    button,
    errors,
    is_done,
    loaded_counts,
    tiny_settings,
    translated,
)
from tests.unit.test_checkpoint import _set_config, make, rewrite
from ui import generate_widgets as gw
from ui.i18n import number, t
from ui.state import DEFAULT_PRETRAINED
from ui.train_widgets import LEARNING_RATES

HOME = "app_pages/home.py"
FIRST_RUN = "#1 LSTM 32 · The Zen of Python"  # the module's finished run (tests.app.test_runs.finished_run)

# What the learner set on the Train page before the bad input (the text source aside).
LEARNER_SETTINGS = {"train_cell": "gru", "train_hidden_size": 64, "train_seq_len": 16, "train_batch_size": 8}

needs_pretrained = pytest.mark.skipif(not list_pretrained(), reason="pretrained/ holds no model")


# --- the state a learner would lose ---------------------------------------------------------------


@pytest.fixture(scope="module")
def done_run() -> str:
    """The link id of a finished tiny run, trained once for this module (about 2 s)."""
    release_session()
    _, run_id = finished_run(AppTest.from_file(str(APP_FILE), default_timeout=60))
    release_session()
    return run_id


def with_run(app: AppTest, run_id: str, page: str = TRAIN_PAGE) -> AppTest:
    """``page`` opened from a link naming the finished run (a refresh of the learner's tab)."""
    app.query_params["run"] = run_id
    at = open_page(app, page)
    assert not at.exception, at.exception
    return at


def settings(at) -> dict:
    sliders = {key: at.select_slider(key=key).value for key in LEARNER_SETTINGS if key != "train_cell"}
    return {"train_cell": at.radio(key="train_cell").value, **sliders}


def train_page_with_history(app: AppTest, run_id: str) -> tuple[AppTest, list[dict]]:
    """The Train page with the finished run on screen, the learner's settings and "upload" chosen;
    also returns the run's chart traces, to compare with after the bad input."""
    at = with_run(app, run_id)
    at.radio(key="train_cell").set_value(LEARNER_SETTINGS["train_cell"])
    for key, value in LEARNER_SETTINGS.items():
        if key != "train_cell":
            at.select_slider(key=key).set_value(value)
    at.radio(key=translated("train_source")).set_value("upload").run()
    assert badge(at) == "finished" and is_done(at)
    (chart,) = plotly_specs(at)
    return at, chart["data"]


def assert_run_kept(at, run_id: str, traces: list[dict]) -> None:
    """The finished run is still listed and shown with the same curves; the settings are unchanged."""
    assert not at.exception, at.exception
    assert run_ids(at)[0] == run_id
    (chart,) = plotly_specs(at)
    by_name = {trace["name"]: trace["y"] for trace in chart["data"]}
    for trace in traces:
        assert by_name[trace["name"]] == trace["y"]
    assert is_done(at)  # Explore in Generate and the download are still offered
    assert settings(at) == LEARNER_SETTINGS


def upload_text(at, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="train_upload").set_value((name, data, "text/plain")).run()


def refusal(data: bytes, seq_len: int) -> str:
    """The library's sentence for a text file it will not train on."""
    with pytest.raises(CorpusError) as error:
        text = decode_text(data).text
        check_trainable(text, seq_len=seq_len, val_fraction=TrainConfig().val_fraction)
    return str(error.value)


def as_code(text: str) -> str:
    """``text`` as ``st.code`` keeps it (one leading and one trailing line break dropped)."""
    return re.sub(r"\n\Z", "", re.sub(r"\A\n", "", text))


def steps_taken(at) -> int:
    """The step count at the end of the progress line ('ETA 3 s · 1,200 chars/s · step 12'); 0 while queued."""
    match = re.search(r"step ([\d,]+)$", at.progress[0].text if at.progress else "")
    return int(match.group(1).replace(",", "")) if match else 0


# --- text files -----------------------------------------------------------------------------------

JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00" + bytes(range(256)) * 8


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.txt", b""),
        ("ten.txt", b"Hello you!"),
        ("holiday.txt", JPEG_BYTES),
        ("huge.txt", b"the cat sat on the mat.\n" * (7 * 1024 * 1024 // 24)),
    ],
    ids=["empty file", "10-character file", "an image", "over the 5 MB limit"],
)
def test_a_bad_text_file_is_refused_in_place_and_the_finished_run_stays(app, done_run, name, data):
    at, traces = train_page_with_history(app, done_run)
    upload_text(at, name, data)
    assert errors(at) == [refusal(data, LEARNER_SETTINGS["train_seq_len"])]
    assert not at.warning
    assert button(at, "train_start").disabled
    assert "train_use_seq_len" not in {b.key for b in at.button}  # no shorter sequence length would do
    assert_run_kept(at, done_run, traces)
    # The next file works.
    upload_text(at, "notes.txt", TEXT.encode())
    assert not errors(at) and not at.exception
    assert not button(at, "train_start").disabled
    assert_run_kept(at, done_run, traces)


SAMPLE = "Grüße aus Köln! Ça va, señor Ødegaard? 25 °C, ½ price.\nNaïve café, façade.\n" * 8
MIXED = ("Hello 👋🏽 world! Привет, мир. 你好，世界。 مرحبا بالعالم שלום עולם नमस्ते 🇸🇪🎉 👩‍👩‍👧 e\u0301 ∑x² ≠ ∞\n") * 8


@pytest.mark.parametrize(
    ("name", "data", "text", "warnings"),
    [
        ("utf16.txt", codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"), SAMPLE, []),
        ("latin1.txt", SAMPLE.encode("latin-1"), SAMPLE, [CP1252_WARNING]),
        ("utf8bom.txt", codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), SAMPLE, []),
        ("windows.txt", SAMPLE.replace("\n", "\r\n").encode("utf-8"), SAMPLE, []),
        ("mixed.txt", MIXED.encode("utf-8"), MIXED, []),
    ],
    ids=["UTF-16 with BOM", "latin-1", "UTF-8 with BOM", "CRLF", "emoji and mixed scripts"],
)
def test_a_text_in_another_encoding_is_decoded_right_and_can_be_trained(app, done_run, name, data, text, warnings):
    at, traces = train_page_with_history(app, done_run)
    upload_text(at, name, data)
    assert not errors(at) and not at.exception
    assert at.code[0].value == as_code(text[:300])  # the preview: no BOM, no \r, no mojibake
    counts = loaded_counts(at)
    assert counts["characters"] == len(text)
    assert counts["distinct symbols"] == len(set(text))
    assert [warning.value for warning in at.warning] == warnings
    assert not button(at, "train_start").disabled
    assert_run_kept(at, done_run, traces)

    # The decoded text trains: Start makes run #2 (the learner's settings), Stop keeps both runs.
    button(at, "train_start").click().run()
    button(at, "train_stop").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "stopped")
    assert not at.exception and not errors(at)
    assert run_ids(at)[0] == done_run and len(run_ids(at)) == 2
    (table,) = at.dataframe
    assert list(table.value["run"]) == [FIRST_RUN, f"#2 GRU 64 · {name}"]


def test_a_huge_vocabulary_is_folded_and_training_still_starts(app, done_run):
    common = "the cat sat on the mat. "
    rare = [chr(0x4E00 + i) for i in range(20_000)] + [chr(0x1F300 + i) for i in range(700)]
    text = "".join(common + "".join(rare[i : i + 20]) + "\n" for i in range(0, len(rare), 20))
    vocab = Vocabulary.build(text)
    folded = len(set(text)) - (vocab.size - 1)
    assert folded > 20_000

    at, traces = train_page_with_history(app, done_run)
    upload_text(at, "cjk.txt", text.encode("utf-8"))
    assert not errors(at) and not at.exception
    counts = loaded_counts(at)
    assert counts["distinct symbols"] == len(set(text))
    assert counts["vocabulary of"] == vocab.size == 256
    infos = [info.value for info in at.info]
    message = t("train.folded", folded=number(folded), occurrences=number(vocab.count_unknown(text)), unknown=UNKNOWN)
    assert message in infos
    assert_run_kept(at, done_run, traces)

    button(at, "train_start").click().run()
    run_until(at, lambda at: steps_taken(at) > 0)
    assert badge(at) == "training" and not at.exception
    button(at, "train_stop").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "stopped")
    assert not at.exception and not errors(at)
    assert len(run_ids(at)) == 2


# --- checkpoints ------------------------------------------------------------------------------------


@cache
def good_checkpoint() -> bytes:
    return save_checkpoint(None, *make(cell="gru", layers=2), training={"steps": 3}, corpus_name="tiny")


def torch_saved() -> bytes:
    model, _ = make()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)  # a PyTorch user's model.pt, renamed
    return buffer.getvalue()


BAD_CHECKPOINTS = {
    "a pickle renamed .safetensors": torch_saved,
    "truncated": lambda: good_checkpoint()[:-100],
    "wrong shapes": lambda: rewrite(good_checkpoint(), meta=_set_config(hidden_size=16)),
    "no metadata": lambda: rewrite(good_checkpoint(), meta=lambda meta: meta.clear()),
    "metadata without the vocabulary": lambda: rewrite(good_checkpoint(), meta=lambda meta: meta.pop("vocabulary")),
    "a giant header": lambda: struct.pack("<Q", 2**40) + b"{}" + b"\0" * 30,
    "over the 100 MB limit": lambda: b"\0" * (MAX_FILE_BYTES + 1),
}


def checkpoint_refusal(data: bytes) -> str:
    """The library's sentence for a checkpoint it will not load."""
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(data)
    return str(error.value)


@pytest.mark.parametrize("case", list(BAD_CHECKPOINTS))
def test_a_bad_checkpoint_leaves_the_trained_model_current_and_its_outputs_on_screen(app, done_run, case):
    data = BAD_CHECKPOINTS[case]()
    # The learner trained a model, explores it in Generate and sets the controls.
    at = with_run(app, done_run)
    button(at, "train_explore").click().run()
    assert at.title[0].value.startswith("Generate")
    at.switch_page(GENERATE)  # AppTest reruns the page it last switched to; the browser stays on Generate
    at.slider(key=gw.LENGTH).set_value(60)
    at.select_slider(key=gw.TEMPERATURE).set_value(0.5)
    at.number_input(key=gw.SEED).set_value(7).run()
    assert current(at).label == FIRST_RUN
    greedy, sampled = output_text(at, "Greedy"), output_text(at, "Sampled")

    at.selectbox(key=gw.MODEL).set_value(gw.UPLOAD_OPTION).run()
    at.file_uploader(key=gw.UPLOAD).upload("model.safetensors", data).run()
    assert not at.exception, at.exception
    assert errors(at) == [checkpoint_refusal(data)]
    # The trained model stays current, in the sidebar too, and its outputs stay on screen.
    assert current(at).label == FIRST_RUN and current(at).source == "run"
    assert f"**{FIRST_RUN}**" in [markdown.value for markdown in at.sidebar.markdown]
    assert t("generate.upload.keeps", label=FIRST_RUN) in [caption.value for caption in at.caption]
    assert (output_text(at, "Greedy"), output_text(at, "Sampled")) == (greedy, sampled)
    assert at.select_slider(key=gw.TEMPERATURE).value == 0.5 and at.number_input(key=gw.SEED).value == 7

    # A good file loads next.
    at.file_uploader(key=gw.UPLOAD).set_value(("mine.safetensors", good_checkpoint(), "application/octet-stream"))
    at.run()
    assert not at.exception and not errors(at)
    assert current(at).label == "upload: mine.safetensors"
    assert output_text(at, "Greedy")


# --- training -----------------------------------------------------------------------------------------

DIVERGED = re.compile(
    r"Training diverged at step [\d,]+ \(the loss became \S+ nats\): "
    r"the learning rate is probably too high\. The last good weights were kept\."
)


def test_a_diverging_learning_rate_is_explained_and_the_kept_weights_work(app, done_run):
    at = with_run(app, done_run)
    tiny_settings(at, seconds=10)
    # A plain RNN, wide, at the largest learning rate the page offers: it blows up within a few steps.
    at.radio(key="train_cell").set_value("rnn")
    at.select_slider(key="train_hidden_size").set_value(512)
    at.select_slider(key="train_learning_rate").set_value(max(LEARNING_RATES)).run()
    button(at, "train_start").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "diverged")
    assert not at.exception and badge(at) == "diverged"
    (message,) = errors(at)
    assert DIVERGED.fullmatch(message), message
    (table,) = at.dataframe  # the finished run is still there beside it
    assert list(table.value["state"]) == ["finished", "diverged"]
    assert not button(at, "train_start").disabled  # the learner can lower the rate and try again

    # The last good weights: Explore in Generate works with them.
    at.selectbox(key="train_results_run").set_value(2).run()
    button(at, "train_explore").click().run()
    assert not at.exception
    model = current(at)
    assert model.label == "#2 RNN 512 · The Zen of Python"
    assert all(bool(weight.isfinite().all()) for weight in model.checkpoint.model.state_dict().values())
    assert model.val_loss < 2 * math.log(model.checkpoint.vocab.size)  # no worse than about guessing
    assert output_text(at, "Greedy") and output_text(at, "Sampled")


def test_a_double_clicked_start_makes_one_run_beside_the_finished_one(app, done_run):
    at = with_run(app, done_run)
    tiny_settings(at, seconds=2)
    button(at, "train_start").click().run()
    click_stale(button(at, "train_start")).run()  # the second click of a double click
    assert not at.exception and not errors(at)
    run_until(at, lambda at: is_done(at) and badge(at) == "finished")
    assert len(run_ids(at)) == 2 and run_ids(at)[0] == done_run
    (table,) = at.dataframe
    assert list(table.value["run"]) == [FIRST_RUN, "#2 LSTM 32 · The Zen of Python"]
    assert list(table.value["state"]) == ["finished", "finished"]
    assert all("#3" not in markdown.value for markdown in at.markdown)


def test_switching_pages_mid_training_keeps_the_run_going(app, done_run):
    at = with_run(app, done_run)
    tiny_settings(at, seconds=8)
    button(at, "train_start").click().run()
    run_until(at, lambda at: badge(at) == "training" and steps_taken(at) > 0)  # "queued" until it has a slot
    steps_before = steps_taken(at)
    label = "#2 LSTM 32 · The Zen of Python"
    pattern = re.escape(t("sidebar.training", label=label, progress="PROGRESS")).replace("PROGRESS", r"(\d+)%")

    def sidebar_progress(at) -> int:
        (info,) = at.sidebar.info
        return int(re.fullmatch(pattern, info.value).group(1))

    at.switch_page(HOME).run()
    assert not at.exception
    on_home = sidebar_progress(at)
    time.sleep(0.5)
    at.switch_page(GENERATE).run()  # the shipped model's page, while the run trains
    assert not at.exception
    assert sidebar_progress(at) > on_home
    assert current(at).source == "pretrained"  # a run does not replace the current model by itself

    at.switch_page(TRAIN_PAGE).run()
    assert not at.exception
    assert badge(at) == "training"  # still going, with its live chart
    assert steps_taken(at) > steps_before
    (chart,) = plotly_specs(at)
    assert {trace["name"] for trace in chart["data"]} == {f"{label} · train", f"{label} · validation"}
    assert at.select_slider(key="train_hidden_size").value == 32  # the settings are as they were
    button(at, "train_stop").click().run()
    run_until(at, lambda at: is_done(at) and badge(at) == "stopped")
    assert not at.sidebar.info and not at.exception
    (table,) = at.dataframe
    assert list(table.value["run"]) == [FIRST_RUN, label]
    assert list(table.value["state"]) == ["finished", "stopped"]


# --- links ---------------------------------------------------------------------------------------------

LONG_PROMPT = "ROMEO: But soft, what light through yonder window breaks?\n" * 170  # over 10,000 characters


@needs_pretrained
@pytest.mark.parametrize(
    ("key", "raw", "expected", "note"),
    [
        (gw.TEMPERATURE, "99", 5.0, lambda vocab: gw.fix_temperature("99").note),
        (gw.TOP_K, "-3", 0, lambda vocab: gw.fix_number(gw.TOP_K, "-3", 0, vocab, whole=True).note),
        (gw.TOP_P, "7", 1.0, lambda vocab: gw.fix_number(gw.TOP_P, "7", *gw.TOP_P_RANGE, whole=False).note),
        (gw.TEMPERATURE, "abc", 1.0, lambda vocab: gw.fix_temperature("abc").note),
        (gw.SEED, "1e999", 0, lambda vocab: gw.fix_number(gw.SEED, "1e999", *gw.SEED_RANGE, whole=True).note),
        (gw.PROMPT, LONG_PROMPT, LONG_PROMPT[: gw.MAX_PROMPT_CHARS], lambda vocab: gw.fix_prompt(LONG_PROMPT).note),
        (
            gw.MODEL,
            "nobody's model",
            DEFAULT_PRETRAINED,
            lambda vocab: gw.fix_choice(gw.MODEL, "nobody's model", []).note,
        ),
    ],
    ids=["temperature=99", "top_k=-3", "top_p=7", "temperature=abc", "seed=1e999", "long prompt", "unknown model"],
)
def test_a_bad_generate_link_value_gets_a_note_and_a_fixed_value(app, key, raw, expected, note):
    # The link's other values are good, and nothing of them may be lost.
    link = {gw.PROMPT: "JULIET:", gw.SEED: "7", gw.MIN_P: "0.05", key: raw}
    at = open_generate(app, **link)
    vocab_size = current(at).checkpoint.vocab.size
    assert [info.value for info in at.info] == [note(vocab_size)]
    widget = {gw.MODEL: at.selectbox, gw.PROMPT: at.text_input, gw.SEED: at.number_input}.get(key)
    widget = widget or (at.select_slider if key == gw.TEMPERATURE else at.slider)
    assert widget(key=key).value == expected
    assert at.slider(key=gw.LENGTH).value == 60
    assert at.slider(key=gw.MIN_P).value == pytest.approx(0.05)
    if key != gw.PROMPT:
        assert at.text_input(key=gw.PROMPT).value == "JULIET:"
    if key != gw.SEED:
        assert at.number_input(key=gw.SEED).value == 7
    assert output_text(at, "Sampled").startswith(at.text_input(key=gw.PROMPT).value)

    # The page keeps working: the next change redraws it, the fixed value stays.
    if key == gw.SEED:
        at.slider(key=gw.MIN_P).set_value(0.1).run()
    else:
        at.number_input(key=gw.SEED).set_value(3).run()
    assert not at.exception and not at.error
    assert widget(key=key).value == expected
    assert output_text(at, "Sampled")


@pytest.mark.parametrize("bad", ["../../etc/passwd", "A" * 22], ids=["malformed run link", "unknown run link"])
def test_a_bad_run_link_beside_a_good_one_gets_a_warning_and_the_good_run_opens(app, done_run, bad, tmp_path):
    with pytest.raises(RunNotFound) as error:
        RunStore(tmp_path).open(bad)
    app.query_params["run"] = [done_run, bad]
    at = app.switch_page(TRAIN_PAGE).run()  # the link opened in a new tab
    assert not at.exception
    assert [warning.value for warning in at.warning] == [str(error.value)]
    assert run_ids(at) == [done_run]  # the bad id leaves the address bar, the good one stays
    assert badge(at) == "finished" and is_done(at)
    assert not button(at, "train_start").disabled
    button(at, "train_explore").click().run()
    assert not at.exception
    assert current(at).label == FIRST_RUN
