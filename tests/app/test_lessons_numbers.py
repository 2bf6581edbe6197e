"""The lessons' numbers: what the texts claim holds on the shipped model, and Swedish writes numbers
as Swedish does (4,19 · 7,5 % · 2,12 bit), in the lesson widgets and in the sidebar (AppTest, no mocks)."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from lessons.course import load_course, load_lesson, widget_labels
from lessons.widgets import SAMPLING_PROMPT
from rnnlab.metrics import bits, perplexity
from rnnlab.pretrained import list_pretrained
from rnnlab.sampling import SamplingSettings, next_token_distribution
from tests.app.conftest import release_session
from tests.app.test_lessons_page import as_float, metrics, open_lessons, pick_lesson, shared_lessons
from ui.i18n import LANGUAGES
from ui.state import DEFAULT_PRETRAINED

NBSP = "\u00a0"
ENGLISH_DECIMAL = re.compile(r"\d\.\d")


@pytest.fixture(scope="module")
def shared_apps():
    """One AppTest per language for this module (see tests/app/test_lessons_page.shared_lessons)."""
    release_session()
    apps: dict[str, AppTest] = {}
    yield apps
    release_session()


def shakespeare():
    return next(model for model in list_pretrained() if model.name == DEFAULT_PRETRAINED).load()


def swedish(number: str) -> str:
    return number.replace(".", ",")


# --- lesson 6: a space and "e" are close after the default prompt --------------------------------------


def test_lesson_6_default_prompt_gives_a_space_and_d_about_30_percent_each_on_the_shipped_model():
    checkpoint = shakespeare()
    dist = next_token_distribution(checkpoint.model, checkpoint.vocab, SAMPLING_PROMPT, SamplingSettings())
    first, second = dist.top(2)
    assert (first.token, second.token) == (" ", "d")  # greedy takes the space, by a hair
    assert 0.25 <= second.final <= first.final <= 0.35 and first.final - second.final < 0.03
    english, swedish_text = load_lesson("en", "06_sampling").before, load_lesson("sv", "06_sampling").before
    assert f'After "{SAMPLING_PROMPT}" a space' in english and "about 30 %" in english
    assert "here the space, by a hair" in english
    assert f"Efter ”{SAMPLING_PROMPT}” kan både mellanslag" in swedish_text and "ungefär 30 %" in swedish_text
    assert "här mellanslaget, med\nknapp marginal" in swedish_text


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_lesson_6_widget_shows_the_texts_prompt_and_its_two_close_choices(shared_apps, language):
    at = pick_lesson(shared_lessons(shared_apps, language), "06_sampling", language)
    assert at.text_input(key="l06_prompt").value == SAMPLING_PROMPT
    assert SAMPLING_PROMPT in load_lesson(language, "06_sampling").before
    table = at.dataframe[0].value
    assert table.iloc[:2, 0].tolist() == ["␣", "d"]
    assert abs(table.iloc[0, 1] - table.iloc[1, 1]) < 0.03


# --- lesson 3: the text's numbers are the converter's ------------------------------------------------------


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_lesson_3_text_quotes_the_numbers_the_converter_shows(shared_apps, language):
    at = pick_lesson(shared_lessons(shared_apps, language), "03_training_pairs", language)
    labels = widget_labels(language, "03_training_pairs")
    nats = at.number_input(key="l03_loss").value
    shown = metrics(at)
    val_loss = shakespeare().metadata["training"]["val_loss"]
    assert nats == round(val_loss, 3)
    expected = {"bits": f"{bits(nats):.2f}", "perplexity": f"{perplexity(nats):.1f}"}
    if language == "sv":
        expected = {key: swedish(value) for key, value in expected.items()}
    assert shown[labels("bits")] == expected["bits"] and shown[labels("perplexity")] == expected["perplexity"]
    text = load_lesson(language, "03_training_pairs").before
    loss = f"{nats:g}" if language == "en" else swedish(f"{nats:g}")
    per_char = "bits per character" if language == "en" else "bit per tecken"
    assert f"{loss} nats: {expected['bits']} {per_char}" in text
    assert f"{expected['perplexity']}." in text.split(per_char, 2)[2]  # "... perplexity 4.3."


# --- Swedish numbers ------------------------------------------------------------------------------------


def test_swedish_lesson_widgets_write_decimal_commas_bit_and_spaced_percent(shared_apps):
    at = shared_lessons(shared_apps, "sv")

    pick_lesson(at, "01_next_token", "sv")
    rest = next(c.value for c in at.caption if c.value.startswith("De övriga"))
    assert re.search(rf"\d,\d{NBSP}%\.$", rest), rest

    pick_lesson(at, "03_training_pairs", "sv")
    assert all("," in value and "." not in value for value in metrics(at).values())
    verdict = next(c.value for c in at.caption if c.value.startswith("Under ln"))
    assert "4,19" in verdict and not ENGLISH_DECIMAL.search(verdict)

    pick_lesson(at, "04_watching_training", "sv")
    losses = next(c.value for c in at.caption if c.value.startswith("Det här skrev Shakespearemodellen"))
    assert re.search(r"valideringsförlust 4,\d\d nats", losses) and not ENGLISH_DECIMAL.search(losses)  # step 0

    pick_lesson(at, "06_sampling", "sv")
    at.button(key="l06_draw").click().run()
    expected = at.dataframe[0].value[widget_labels("sv", "06_sampling")("expected")].tolist()
    assert all(re.fullmatch(r"\d+,\d", value) for value in expected), expected

    pick_lesson(at, "07_temperature", "sv")
    labels = widget_labels("sv", "07_temperature")
    shown = metrics(at)
    assert re.fullmatch(r"\d,\d\d bit", shown[labels("entropy")]), shown
    assert shown[labels("uniform")] == "6,04 bit" and "," in shown[labels("choices")]
    assert "0,05" in at.select_slider(key="l07_t").options
    at.select_slider(key="l07_t").set_value(0.5).run()  # a stop written with a comma can be chosen
    assert not at.exception and at.select_slider(key="l07_t").value == 0.5
    assert as_float(metrics(at)[labels("entropy")]) < as_float(shown[labels("entropy")])

    pick_lesson(at, "08_filters", "sv")
    entropy = next(c.value for c in at.caption if c.value.startswith("Entropin"))
    assert re.fullmatch(r"Entropin för det som är kvar: \d,\d\d bit\.", entropy), entropy
    cells = at.dataframe[0].value.iloc[:, 1].tolist()
    assert all(re.fullmatch(rf"\d+,\d{NBSP}%", cell) for cell in cells), cells
    assert not at.exception


def test_english_lesson_widgets_keep_decimal_points_and_bits(shared_apps):
    at = pick_lesson(shared_lessons(shared_apps, "en"), "07_temperature")
    assert metrics(at)["Uniform: log2 V"] == "6.04 bits"
    pick_lesson(at, "01_next_token")
    rest = next(c.value for c in at.caption if c.value.startswith("The other"))
    assert re.search(r"\d\.\d%\.$", rest), rest


@pytest.mark.parametrize(
    ("language", "title", "loss"),
    [
        ("en", "Shakespeare · characters · LSTM", r"validation loss 1\.\d{3} nats = 2\.\d\d bits/token"),
        ("sv", "Shakespeare · tecken · LSTM", r"valideringsförlust 1,\d{3} nats = 2,\d\d bit per token"),
    ],
)
def test_the_sidebar_shows_the_shipped_models_title_and_loss_in_the_language(app, language, title, loss):
    at = open_lessons(app, language=language)
    assert f"**{title}**" in [markdown.value for markdown in at.sidebar.markdown]
    assert any(re.fullmatch(loss, caption.value) for caption in at.sidebar.caption)


def test_model_title_translates_every_shipped_title_and_leaves_other_words():
    def titles():  # runs as the app script
        import streamlit as st

        from rnnlab.pretrained import list_pretrained
        from ui.i18n import model_title

        for model in list_pretrained():
            st.text(model_title(model.title))
        st.text(model_title("My own run · characters"))

    shown = {}
    for language in LANGUAGES:
        at = AppTest.from_function(titles, default_timeout=30)
        at.session_state["language"] = language
        shown[language] = [text.value for text in at.run().text]
        assert not at.exception
    assert sorted(shown["en"][:-1]) == sorted(model.title for model in list_pretrained())
    assert sorted(shown["sv"]) == [
        "Amerikanska förnamn · tecken · GRU",
        "My own run · tecken",
        "Pythonkod · tecken · LSTM",
        "Shakespeare · ord · LSTM",
        "Shakespeare · tecken · LSTM",
        "The Zen of Python, utantill · tecken · LSTM",
    ]


def test_swedish_lesson_texts_write_decimal_commas():
    for lesson in load_course("sv"):
        body = re.sub(r"`[^`]*`", "", lesson.before + lesson.after)  # code spans may hold anything
        assert not ENGLISH_DECIMAL.search(body), lesson.id


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_lesson_2_explanation_tells_what_the_widget_then_shows(shared_apps, language):
    at = pick_lesson(shared_lessons(shared_apps, language), "02_tokens", language)
    lesson, labels = load_lesson(language, "02_tokens"), widget_labels(language, "02_tokens")
    assert "6" in lesson.quiz.explanation and "4" in lesson.quiz.explanation
    at.text_input(key="l02_text").input("to be or not to be").run()
    assert metrics(at)[labels("word_tokens")] == "6"
    assert labels("word_vocab", size=4) in [caption.value for caption in at.caption]
