"""The Home page in English and Swedish: its texts, and page links that lead where they say
(AppTest, the whole app: navigation and sidebar included, no mocks)."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP_FILE, release_session
from ui.i18n import LABELS, LANGUAGES, parse_language

HOME_TEXTS = ("home.intro", "home.try.text", "home.lessons.text", "home.train.text", "home.generate.text")
HOME_HEADINGS = ("home.train.title", "home.generate.title")
# Each link: its label, the address it opens (/<page>), the page file and the title of that page.
LINKS = (
    ("home.try.link", "generate", "app_pages/generate.py", "generate.title"),
    ("home.lessons.link", "lessons", "app_pages/lessons.py", "lessons.title"),
    ("home.train.link", "train", "app_pages/train.py", "train.title"),
    ("home.generate.link", "generate", "app_pages/generate.py", "generate.title"),
)


def words(key: str, language: str) -> str:
    return LABELS[key][language]


def open_home(app, language: str | None):
    """Home as a link opens it: ``/`` or ``/?lang=sv``."""
    if language is not None:
        app.query_params["lang"] = language
    at = app.run()
    assert not at.exception, at.exception
    return at


def links(at) -> list[tuple[str, str]]:
    return [(link.proto.label, link.proto.page) for link in at.page_link]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_home_speaks_the_language_of_the_link(app, language):
    at = open_home(app, language)
    assert at.title[0].value == "Char-RNN Lab"
    assert at.sidebar.radio(key="lang").value == language
    assert [markdown.value for markdown in at.main.markdown] == [words(key, language) for key in HOME_TEXTS]
    assert [header.value for header in at.subheader] == [words(key, language) for key in HOME_HEADINGS]
    assert links(at) == [(words(label, language), address) for label, address, _, _ in LINKS]
    assert not at.info and not at.error and not at.warning  # a good link needs no note
    other = next(other for other in LANGUAGES if other != language)
    shown = " ".join(markdown.value for markdown in at.main.markdown)
    assert words("home.intro", other) not in shown


def test_without_a_language_in_the_link_home_is_in_english(app):
    at = open_home(app, None)
    assert at.sidebar.radio(key="lang").value == "en"
    assert at.main.markdown[0].value == words("home.intro", "en")
    assert [label for label, _ in links(at)] == [
        "See how one is picked", "Start the course", "Train a model", "Generate text"
    ]  # fmt: skip


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_each_link_opens_the_page_it_names(app, language):
    at = open_home(app, language)
    targets = {link.proto.label: link.proto for link in at.page_link}
    hashes = set()
    for label_key, address, page_file, title_key in LINKS:
        link = targets[words(label_key, language)]
        assert link.page == address and not link.external and not link.disabled
        assert (APP_FILE.parent / page_file).is_file()
        hashes.add(link.page_script_hash)
        at.switch_page(page_file).run()  # where the browser goes on a click: /<address>
        assert not at.exception, at.exception
        assert at.title[0].value == words(title_key, language)  # the page, in the learner's language
        assert at.sidebar.radio(key="lang").value == language
        at.switch_page("app_pages/home.py").run()
        assert at.title[0].value == "Char-RNN Lab"
    assert len(hashes) == len(LINKS) - 1  # three different pages (two links lead to Generate)


def test_the_language_switch_on_home_rewrites_the_page_its_links_and_the_address(app):
    at = open_home(app, None)
    english_targets = [page for _, page in links(at)]
    at.sidebar.radio(key="lang").set_value("sv").run()
    assert not at.exception
    copied = at.query_params["lang"]  # the radio writes its label ("Svenska"), which a link also accepts
    assert parse_language(copied) == "sv"
    assert links(at) == list(zip([words(k[0], "sv") for k in LINKS], english_targets, strict=True))
    assert at.subheader[0].value == words("home.train.title", "sv")
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.main.markdown[0].value == words("home.intro", "en")
    assert [label for label, _ in links(at)] == [words(k[0], "en") for k in LINKS]
    # The copied address opens Home in Swedish in a new session.
    release_session()
    again = AppTest.from_file(str(APP_FILE), default_timeout=60)
    again.query_params["lang"] = copied
    again.run()
    assert not again.exception and not again.info
    assert again.main.markdown[0].value == words("home.intro", "sv")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_home_has_a_first_experiment_on_the_shipped_model(app, language):
    at = open_home(app, language)
    (table,) = at.dataframe
    top = table.value.iloc[:, 0].tolist()
    assert top[0] == "e" and len(top) == 5  # "To be or not to b" -> "e"
    at.text_input(key="l01_prompt").input("ROMEO").run()
    assert not at.exception
    assert at.dataframe[0].value.iloc[:, 0].tolist() != top  # the learner's text, the model's answer
    (link,) = [link.proto for link in at.page_link if link.label == words("home.try.link", language)]
    assert link.page == "generate" and link.query_string == "prompt=ROMEO"  # Generate opens on that text
