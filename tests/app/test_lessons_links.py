"""Links to the Lessons page (and the home page) with values the app does not know: a short note in
the learner's language says so and what is shown instead (AppTest, the whole app, no mocks)."""

from streamlit.testing.v1 import AppTest

from lessons.course import load_lesson
from tests.app.test_lessons_page import LESSONS_PAGE

UNKNOWN_LANGUAGE = "`lang=fi` in the link is not a language of this app (en, sv), so it is shown in English."


def infos(at: AppTest) -> list[str]:
    return [info.value for info in at.main.info]


def open_link(at: AppTest, page: str | None = None, **params: str) -> AppTest:
    """The app as a fresh tab opens a link: the query parameters are there before the first run."""
    for key, value in params.items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(page)
    at.run()
    assert not at.exception
    return at


def test_an_unknown_language_in_a_link_is_noted_on_the_home_page(app):
    at = open_link(app, lang="fi")
    assert infos(at) == [UNKNOWN_LANGUAGE]
    assert at.sidebar.radio(key="lang").value == "en"
    at.run()  # the note is for the link, once
    assert infos(at) == []


def test_unknown_language_and_lesson_in_a_link_are_noted_on_the_lessons_page(app):
    at = open_link(app, LESSONS_PAGE, lang="fi", lesson="99_nope")
    first = load_lesson("en", "01_next_token")
    assert infos(at) == [
        UNKNOWN_LANGUAGE,
        f"`lesson=99_nope` in the link is not a lesson of this course, so lesson 1, “{first.title}”, is shown.",
    ]
    assert at.header[0].value == f"1. {first.title}"
    at.button(key="lesson_next").click().run()
    assert infos(at) == [] and at.header[0].value.startswith("2. ")


def test_an_unknown_lesson_is_noted_in_swedish_and_keeps_the_lesson_the_learner_is_on(app):
    at = open_link(app, LESSONS_PAGE, lang="sv", lesson="08_filters")
    assert infos(at) == [] and at.header[0].value.startswith("8. ")
    at.query_params["lesson"] = "lektion-tio"
    at.run()
    filters = load_lesson("sv", "08_filters")
    note = f"`lesson=lektion-tio` i länken är ingen lektion i kursen, så lektion 8, ”{filters.title}”, visas."
    assert infos(at) == [note]
    assert at.header[0].value == f"8. {filters.title}"


def test_a_link_may_name_a_lesson_by_its_number(app):
    at = open_link(app, LESSONS_PAGE, lesson="7")
    assert infos(at) == []
    assert at.header[0].value == f"7. {load_lesson('en', '07_temperature').title}"


def test_an_unknown_language_is_noted_in_the_language_the_session_already_uses(app):
    at = open_link(app, LESSONS_PAGE, lang="sv")
    at.query_params["lang"] = "deutsch"
    at.run()
    assert infos(at) == ["`lang=deutsch` i länken är inget språk som appen har (en, sv), så den visas på svenska."]
    assert at.title[0].value == "Lektioner: så skriver en språkmodell"


def test_the_home_pages_links_use_material_icons(app):
    at = app.run()
    icons = [link.proto.icon for link in at.get("page_link")]
    assert icons == [":material/bar_chart:", ":material/school:", ":material/model_training:", ":material/casino:"]
