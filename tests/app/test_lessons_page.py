"""The Lessons page through the app (AppTest, the shipped model, no mocks), and the course files.

The sidebar's language radio writes the language to ``st.session_state["language"]``: these
tests use the radio on the home page, and on the Lessons page set ``"language"`` as the radio's
callback does. Tests that walk through every lesson share one AppTest per language
(:func:`shared_lessons`), so both languages × all lessons stay fast.
"""

import json
import re
import string

import pytest
from streamlit.testing.v1 import AppTest

from lessons.course import LESSON_IDS, lesson_files, load_course, load_lesson, widget_labels
from lessons.course import _json as course_json
from rnnlab.pretrained import find_pretrained
from tests.app.conftest import APP_FILE, release_session
from ui.i18n import LABELS, LANGUAGES, parse_language

LESSONS_PAGE = "app_pages/lessons.py"
MODEL_LESSONS = {
    "01_next_token", "04_watching_training", "05_greedy", "06_sampling", "07_temperature", "08_filters",
    "09_beyond_text",
}  # fmt: skip


def open_lessons(at: AppTest, *, language: str = "en", lesson: str | None = None) -> AppTest:
    at.session_state["language"] = language
    at.run()
    at.switch_page(LESSONS_PAGE).run()
    if lesson is not None:
        pick_lesson(at, lesson, language)
    assert not at.exception
    return at


@pytest.fixture(scope="module")
def shared_apps():
    """One AppTest per language for this module's walks through the lessons (made on first use)."""
    release_session()
    apps: dict[str, AppTest] = {}
    yield apps
    release_session()


def shared_lessons(apps: dict[str, AppTest], language: str) -> AppTest:
    if language not in apps:
        apps[language] = open_lessons(AppTest.from_file(str(APP_FILE), default_timeout=60), language=language)
    return apps[language]


def pick_lesson(at: AppTest, lesson_id: str, language: str = "en") -> AppTest:
    """Choose a lesson in the picker (its key has the language: see ui.i18n.translated_choice)."""
    return at.selectbox(key=f"lesson.{language}").set_value(lesson_id).run()


def texts(at: AppTest) -> list[str]:
    """Every piece of text on the page that can hold a lesson's or a quiz's words."""
    kinds = ("markdown", "caption", "info", "success", "error", "warning", "header", "subheader", "title")
    return [element.value for kind in kinds for element in at.get(kind)]


def frames(at: AppTest) -> list[dict]:
    return [frame.value.to_dict() for frame in at.dataframe]


def progress(at: AppTest) -> tuple[int, str]:
    bar = at.get("progress")[0].proto
    return bar.value, bar.text


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- the course files --------------------------------------------------------------------------------


def test_english_and_swedish_have_the_same_lessons_quizzes_and_labels():
    assert set(LANGUAGES) == {"en", "sv"}
    for language in LANGUAGES:
        assert lesson_files(language) == set(LESSON_IDS)
        assert set(course_json(language, "quizzes.json")) == set(LESSON_IDS)
    english, swedish = load_course("en"), load_course("sv")
    for en, sv in zip(english, swedish, strict=True):
        assert (en.id, en.number) == (sv.id, sv.number)
        assert en.title != sv.title and en.before != sv.before  # translated, not copied
        assert bool(en.after) == bool(sv.after)
        assert len(en.quiz.options) == len(sv.quiz.options) >= 3
        assert en.quiz.answer == sv.quiz.answer and 0 <= en.quiz.answer < len(en.quiz.options)
        assert en.quiz.question != sv.quiz.question and en.quiz.explanation != sv.quiz.explanation
    en_widgets, sv_widgets = course_json("en", "widgets.json"), course_json("sv", "widgets.json")
    assert en_widgets.keys() == sv_widgets.keys()
    for section, en_texts in en_widgets.items():
        assert en_texts.keys() == sv_widgets[section].keys(), section
        for key, text in en_texts.items():
            assert fields(text) == fields(sv_widgets[section][key]), f"{section}.{key}"
    assert [parse_language(v) for v in ("sv", "Svenska", " SV ", "en", "English", "fi", "", None)] == [
        "sv",
        "sv",
        "sv",
        "en",
        "en",
        None,
        None,
        None,
    ]
    for key, translations in LABELS.items():
        assert translations.keys() == set(LANGUAGES), key
        assert fields(translations["en"]) == fields(translations["sv"]), key


# --- every lesson, both languages ---------------------------------------------------------------------


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_lesson_renders_with_its_text_widget_and_question(app, language):
    at = open_lessons(app, language=language)
    for lesson in load_course(language):
        pick_lesson(at, lesson.id, language)
        assert not at.exception, lesson.id
        assert not at.error, lesson.id
        assert at.header[0].value == f"{lesson.number}. {lesson.title}"
        assert lesson.before in texts(at)
        assert at.radio(key=f"quiz_{lesson.id}.{language}").label == lesson.quiz.question
        assert lesson.quiz.explanation not in texts(at)
        widget_keys = {w.key for w in at.main if getattr(w, "key", None)}
        assert any(key.startswith(f"l{lesson.number:02d}_") for key in widget_keys), lesson.id


# --- each widget responds to its control ----------------------------------------------------------------


def specs(at: AppTest, kind: str) -> list[str]:
    return [element.proto.spec for element in at.get(kind)]


def codes(at: AppTest) -> list[str]:
    return [code.value for code in at.code]


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def as_float(text: str) -> float:
    """A number as a metric shows it, in either language ("2.50 bits", "2,50 bit")."""
    return float(text.split()[0].replace(",", "."))


def change_next_token(at, language):
    at.text_input(key="l01_prompt").input("The king").run()


def change_tokens(at, language):
    at.text_input(key="l02_text").input("Hej på dig, hej!").run()
    assert any("�" in warning.value or "å" in warning.value for warning in at.warning)  # å is unknown


def change_training_pairs(at, language):
    before = metrics(at)
    at.slider(key="l03_nchars").set_value(4).run()
    at.number_input(key="l03_loss").set_value(5.0).run()
    assert metrics(at) != before


def change_watching_training(at, language):
    slider = at.select_slider(key="l04_step")
    assert slider.value == 0
    slider.set_value(LAST_SHAKESPEARE_STEP).run()


def change_greedy(at, language):
    at.slider(key="l05_length").set_value(40).run()


def change_sampling(at, language):
    assert len(at.dataframe[0].value.columns) == 2
    at.button(key="l06_draw").click().run()
    table = at.dataframe[0].value
    assert len(table.columns) == 4 and table.iloc[:, 2].sum() == 20


def change_temperature(at, language):
    entropy = widget_labels(language, "07_temperature")("entropy")
    low = as_float(metrics(at)[entropy])
    at.select_slider(key="l07_t").set_value(5.0).run()
    assert as_float(metrics(at)[entropy]) > low


def change_filters(at, language):
    at.slider(key="l08_top_k").set_value(3).run()
    final = at.dataframe[0].value.iloc[:, -1].tolist()
    assert sum(cell != "✗" for cell in final) == 3
    at.toggle(key="l08_t_last").set_value(True).run()


def change_beyond_text(at, language):
    at.radio(key=f"l09_kind.{language}").set_value("translation").run()


def test_beyond_text_lesson_decodes_from_the_state_its_source_leaves(app):
    at = open_lessons(app, lesson="09_beyond_text")
    first, second = codes(at)
    assert first != second  # the same decoder, start token and draws; different start states
    at.text_input(key="l09_source_b").input("ROMEO:").run()
    assert codes(at) == [first, first]  # the same source: the same state, the same text
    at.text_input(key="l09_source_a").input("First Citizen:").run()
    assert codes(at)[0] not in (first, second) and codes(at)[1] == first  # only its column changed


def widget_output(at) -> tuple:
    return frames(at), codes(at), metrics(at), specs(at, "plotly_chart"), specs(at, "graphviz_chart"), texts(at)


WIDGET_CHANGES = {
    "01_next_token": change_next_token,
    "02_tokens": change_tokens,
    "03_training_pairs": change_training_pairs,
    "04_watching_training": change_watching_training,
    "05_greedy": change_greedy,
    "06_sampling": change_sampling,
    "07_temperature": change_temperature,
    "08_filters": change_filters,
    "09_beyond_text": change_beyond_text,
}


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_each_lesson_widget_responds_to_its_control(shared_apps, language, lesson_id):
    at = pick_lesson(shared_lessons(shared_apps, language), lesson_id, language)
    assert not at.exception and not at.error
    before = widget_output(at)
    WIDGET_CHANGES[lesson_id](at, language)
    assert not at.exception and not at.error
    assert widget_output(at) != before


LAST_SHAKESPEARE_STEP = find_pretrained("shakespeare_char_lstm").evaluations[-1].step
COMMON_WORDS = re.compile(r"\b(the|and|to|of|I|you|my|that)\b")


def test_watching_training_lesson_replays_noise_turning_into_words_and_the_zen_memorised(app):
    at = open_lessons(app, lesson="04_watching_training")
    greedy, sampled, zen_text = codes(at)
    assert len(COMMON_WORDS.findall(greedy + sampled)) <= 1  # step 0: random weights write noise
    assert zen_text.startswith("Beautiful is ")
    copied = next(c.value for c in at.caption if c.value.startswith("The longest piece"))
    assert int(re.search(r": (\d+) characters", copied).group(1)) >= 100  # it recites the Zen
    zen_chart = json.loads(specs(at, "plotly_chart")[1])
    train, validation = zen_chart["data"]
    assert validation["name"].endswith("validation") and train["y"][-1] < 0.5 < validation["y"][-1] - 1
    assert marked_step(zen_chart) == validation["x"][validation["y"].index(min(validation["y"]))]  # the lowest
    assert marked_step(json.loads(specs(at, "plotly_chart")[0])) == 0
    at.select_slider(key="l04_step").set_value(LAST_SHAKESPEARE_STEP).run()
    greedy, sampled, _ = codes(at)
    assert len(COMMON_WORDS.findall(greedy + sampled)) >= 5  # trained: words
    assert marked_step(json.loads(specs(at, "plotly_chart")[0])) == LAST_SHAKESPEARE_STEP


def marked_step(chart: dict) -> int:
    """The step of the vertical line drawn on a loss chart (the reference lines span the width instead)."""
    (line,) = [shape for shape in chart["layout"]["shapes"] if shape.get("xref") == "x"]
    return line["x0"]


def test_greedy_lesson_marks_the_loop_it_ends_in(app):
    at = open_lessons(app, lesson="05_greedy")  # the default prompt loops within the default length
    marked = next(markdown.value for markdown in at.markdown if "<mark" in markdown.value)
    assert "To be or not to be" in marked
    assert any("greedy decoding is stuck in a loop" in caption.value for caption in at.caption)
    at.slider(key="l05_length").set_value(20).run()  # too short to repeat anything
    assert not any("<mark" in markdown.value for markdown in at.markdown)
    assert not any("greedy decoding is stuck in a loop" in caption.value for caption in at.caption)


def last_stage_count(at: AppTest) -> int:
    """Lesson 8's "Tokens that can still be drawn after each stage: model 66 → ... → top-p 12." caption."""
    caption = next(c.value for c in at.caption if c.value.startswith("Tokens that can still be drawn"))
    return int(caption.split(": ", 1)[1].split(".")[0].split()[-1])


def test_filters_lesson_shows_that_temperature_before_top_p_keeps_more_tokens(app):
    at = open_lessons(app, lesson="08_filters")  # the settings of its quiz, which the explanation suggests
    at.slider(key="l08_top_p").set_value(0.9)
    at.select_slider(key="l08_t").set_value(2.0).run()
    assert list(at.dataframe[0].value.columns[1:]) == ["model", "temperature", "top-p"]
    first = last_stage_count(at)
    at.toggle(key="l08_t_last").set_value(True).run()
    assert list(at.dataframe[0].value.columns[1:]) == ["model", "top-p", "temperature"]
    last = last_stage_count(at)
    assert first > last >= 1


def test_widgets_say_so_when_the_shipped_model_is_missing():
    def all_widgets_without_model():  # runs as the app script: every widget with no model, English labels
        from lessons import widgets
        from lessons.course import widget_labels

        for lesson_id, widget in [
            ("01_next_token", widgets.next_token),
            ("02_tokens", widgets.tokens),
            ("03_training_pairs", widgets.training_pairs),
            ("04_watching_training", widgets.watching_training),
            ("05_greedy", widgets.greedy),
            ("06_sampling", widgets.sampling),
            ("07_temperature", widgets.temperature),
            ("08_filters", widgets.filters),
            ("09_beyond_text", widgets.beyond_text),
        ]:
            widget(widget_labels("en", lesson_id), None)

    at = AppTest.from_function(all_widgets_without_model, default_timeout=30).run()
    assert not at.exception
    note = widget_labels("en", "01_next_token")("model_missing")
    assert [info.value for info in at.info] == [note] * len(MODEL_LESSONS)
    assert at.text_input(key="l02_text") and at.slider(key="l03_nchars") and at.get("graphviz_chart")


# --- quizzes and progress ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_quiz_explains_only_after_a_checked_answer_and_progress_counts(app, language):
    def label(key: str, **values) -> str:
        return LABELS[key][language].format(**values)

    def progress_text(answered: int, correct: int) -> str:
        return label("lessons.progress", answered=answered, total=len(LESSON_IDS), correct=correct)

    at = open_lessons(app, language=language)
    assert progress(at) == (0, progress_text(0, 0))
    correct = 0
    for number, lesson in enumerate(load_course(language), start=1):
        quiz, key = lesson.quiz, f"quiz_{lesson.id}"
        pick_lesson(at, lesson.id, language)
        assert quiz.explanation not in texts(at) and not at.success and not at.error
        if number == 1:  # Check with nothing picked: a nudge, no answer, no explanation
            at.button(key=f"{key}_check").click().run()
            assert [warning.value for warning in at.warning] == [label("quiz.pick_first")]
            assert quiz.explanation not in texts(at)
        right = number % 2 == 1
        choice = quiz.answer if right else (quiz.answer + 1) % len(quiz.options)
        at.radio(key=f"{key}.{language}").set_value(choice).run()
        assert quiz.explanation not in texts(at)  # choosing is not checking
        at.button(key=f"{key}_check").click().run()
        assert quiz.explanation in texts(at)
        assert at.radio(key=f"{key}.{language}").disabled
        if right:
            correct += 1
            assert [s.value for s in at.success] == [label("quiz.correct")] and not at.error
        else:
            assert [e.value for e in at.error] == [label("quiz.incorrect", answer=quiz.options[quiz.answer])]
            assert not at.success
        assert progress(at)[1] == progress_text(number, correct)
    assert progress(at)[0] == 100

    # Going back keeps the committed answer; "Try again" takes it back out of the progress.
    first = load_lesson(language, LESSON_IDS[0])
    radio_key = f"quiz_{first.id}.{language}"
    pick_lesson(at, first.id, language)
    assert at.radio(key=radio_key).value == first.quiz.answer and first.quiz.explanation in texts(at)
    at.button(key=f"quiz_{first.id}_again").click().run()
    assert at.radio(key=radio_key).value is None and first.quiz.explanation not in texts(at)
    assert progress(at)[1] == progress_text(len(LESSON_IDS) - 1, correct - 1)


# --- language ------------------------------------------------------------------------------------------


def test_switching_language_changes_lesson_text_and_labels_and_keeps_the_learners_input(app):
    at = open_lessons(app, lesson="01_next_token")
    at.text_input(key="l01_prompt").input("The king").run()
    at.radio(key="quiz_01_next_token.en").set_value(3).run()  # picked, not checked yet
    english, swedish = load_lesson("en", "01_next_token"), load_lesson("sv", "01_next_token")
    assert at.header[0].value == f"1. {english.title}" and english.before in texts(at)
    assert at.button(key="quiz_01_next_token_check").label == "Check"
    assert at.text_input(key="l01_prompt").label == "Prompt"

    at.session_state["language"] = "sv"
    at.run()
    assert not at.exception
    assert at.header[0].value == f"1. {swedish.title}" and swedish.before in texts(at)
    assert english.before not in texts(at)
    assert at.title[0].value == "Lektioner: så skriver en språkmodell"
    assert at.selectbox(key="lesson.sv").label == "Lektion"
    assert at.selectbox(key="lesson.sv").options[0] == f"1. {swedish.title}"
    assert at.button(key="quiz_01_next_token_check").label == "Kontrollera"
    assert at.button(key="lesson_next").label == "Nästa →"
    assert at.radio(key="quiz_01_next_token.sv").label == swedish.quiz.question
    assert at.radio(key="quiz_01_next_token.sv").options == list(swedish.quiz.options)
    assert at.radio(key="quiz_01_next_token.sv").value == 3  # the pick survives the switch
    assert at.text_input(key="l01_prompt").label == widget_labels("sv", "01_next_token")("prompt")
    assert at.text_input(key="l01_prompt").value == "The king"
    assert at.dataframe[0].value.columns[1] == "Sannolikhet"
    assert progress(at)[1] == "0 av 9 frågor besvarade · 0 rätt"

    at.button(key="quiz_01_next_token_check").click().run()  # checked in Swedish...
    assert [e.value for e in at.error] == [f"Inte riktigt. Rätt svar är: {swedish.quiz.options[swedish.quiz.answer]}"]
    at.session_state["language"] = "en"
    at.run()  # ...explained in English after switching back
    assert english.quiz.explanation in texts(at) and swedish.quiz.explanation not in texts(at)
    assert progress(at)[1] == "1 of 9 questions answered · 0 correct"


def test_the_sidebar_switch_changes_the_language_of_the_app(app):
    at = app.run()
    assert at.markdown[0].value.startswith("A **language model**")
    at.sidebar.radio(key="lang").set_value("sv").run()
    assert at.markdown[0].value.startswith("En **språkmodell**")
    at.switch_page(LESSONS_PAGE).run()
    assert at.title[0].value == "Lektioner: så skriver en språkmodell"


def test_a_link_opens_a_lesson_in_a_language(app):
    app.query_params["lang"] = "sv"
    at = app.run()
    assert not at.exception
    assert at.sidebar.radio(key="lang").value == "sv"
    assert at.sidebar.markdown[0].value == "### Aktuell modell"
    assert at.markdown[0].value.startswith("En **språkmodell**")
    assert any(link.proto.label == "Börja kursen" for link in at.get("page_link"))

    at.switch_page(LESSONS_PAGE)
    at.query_params["lesson"] = "07_temperature"
    at.run()
    assert at.header[0].value == f"7. {load_lesson('sv', '07_temperature').title}"
    at.button(key="lesson_next").click().run()
    assert at.header[0].value == f"8. {load_lesson('sv', '08_filters').title}"
    assert "lesson" not in at.query_params  # the link's lesson was opened once, then dropped
