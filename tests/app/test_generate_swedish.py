"""The Generate page in Swedish (``?lang=sv``): labels, charts and notes, and links and controls that
mean the same in both languages."""

import random

import pytest
from streamlit.testing.v1 import AppTest

from rnnlab.pretrained import list_pretrained
from tests.app.conftest import APP_FILE, open_page, plotly_specs
from tests.app.test_generate_page import GENERATE, open_generate, output_text
from ui import generate_widgets as gw

pytestmark = pytest.mark.skipif(not list_pretrained(), reason="pretrained/ holds no model")

# The page's main English words: none of them may be left on the Swedish page.
ENGLISH = (
    "Generate: how",
    "What comes after",
    "Temperature T",
    "Repetition penalty",
    "Seed",
    "Same random draw",
    "Beam search",
    "Entropy",
    "Effective choices",
    "Tokens left",
    "Greedy",
    "Sampled",
    "Drawn from",
    "surprise",
    "Step through",
    "Position in the sampled text",
    "Force another token",
    "as drawn",
    "About this model",
    "The settings act in this order",
)

# A link that sets most controls, with step mode on a later position.
LINK = {
    "prompt": "JULIET:",
    "temperature": "0.5",
    "top_k": "5",
    "top_p": "0.9",
    "seed": "7",
    "same_draw": "true",
    "beam": "true",
    "step": "3",
}


def fresh_app() -> AppTest:
    """A second AppTest of the whole app (for opening the same link twice in one test)."""
    return AppTest.from_file(str(APP_FILE), default_timeout=60)


def shown_texts(at) -> list[str]:
    """Every label, heading, text and message on the page."""
    kinds = ("title", "subheader", "markdown", "caption", "info", "error", "expander")
    texts = [getattr(element, "value", None) or element.label for kind in kinds for element in at.get(kind)]
    for kind in ("selectbox", "select_slider", "slider", "number_input", "text_input", "toggle", "metric"):
        texts += [element.label for element in at.get(kind)]
    texts += [option for selectbox in at.selectbox for option in selectbox.options]
    return texts


def english_left(at) -> list[str]:
    return [word for word in ENGLISH if any(word in text for text in shown_texts(at))]


def controls(at) -> dict:
    """The values of the controls the link sets."""
    return {
        "prompt": at.text_input(key=gw.PROMPT).value,
        "temperature": at.select_slider(key=gw.TEMPERATURE).value,
        "top_k": at.slider(key=gw.TOP_K).value,
        "top_p": at.slider(key=gw.TOP_P).value,
        "seed": at.number_input(key=gw.SEED).value,
        "same_draw": at.toggle(key=gw.SAME_DRAW).value,
        "beam": at.toggle(key=gw.BEAM).value,
        "step": at.slider(key=gw.STEP).value,
    }


def test_the_generate_page_speaks_swedish(app):
    at = open_generate(app, lang="sv", **LINK)
    assert at.title[0].value == "Generera: så väljs nästa tecken"
    assert at.select_slider(key=gw.TEMPERATURE).label == "Temperatur T (logaritmisk skala)"
    assert at.slider(key=gw.TOP_K).label == "Top-k (0 = av)"
    assert at.number_input(key=gw.SEED).label == "Frö"
    assert at.toggle(key=gw.SAME_DRAW).label == "Samma slumptal"
    assert {m.label for m in at.metric} == {"Entropi", "Effektiva val", "Token kvar"}
    assert output_text(at, "Girig avkodning").startswith("JULIET:")
    assert output_text(at, "Slumpmässigt urval (samma slumptal, frö 7)").startswith("JULIET:")
    assert output_text(at, "Strålsökning (bredd 3)").startswith("JULIET:")
    assert at.selectbox(key=gw.FORCE).options[0] == "behåll den dragna"
    assert any(m.value.startswith("På plats **3** drog modellen") for m in at.markdown)

    layout = plotly_specs(at)[0]["layout"]
    names = {trace["name"] for trace in plotly_specs(at)[0]["data"]}
    assert {"modellen (T = 1)", "efter dina inställningar"} <= names
    assert layout["yaxis"]["title"]["text"] == "sannolikhet"
    assert layout["xaxis2"]["title"]["text"] == "kumulativ"
    assert layout["title"]["text"].startswith("Entropi ")
    assert english_left(at) == []


def test_a_shared_link_opens_the_same_view_in_both_languages(app):
    english = open_generate(app, **LINK)
    swedish = open_generate(fresh_app(), lang="sv", **LINK)
    assert (
        controls(english)
        == controls(swedish)
        == {
            "prompt": "JULIET:",
            "temperature": 0.5,
            "top_k": 5,
            "top_p": pytest.approx(0.9),
            "seed": 7,
            "same_draw": True,
            "beam": True,
            "step": 3,
        }
    )
    assert output_text(english, "Sampled") == output_text(swedish, "Slumpmässigt urval")
    assert not english.info and not swedish.info  # nothing needed correcting in either language


def test_switching_language_keeps_every_control_and_the_forced_token(app):
    at = open_generate(app, seed="4")
    at.text_input(key=gw.PROMPT).set_value("JULIET:")
    at.select_slider(key=gw.TEMPERATURE).set_value(0.5)
    at.slider(key=gw.TOP_K).set_value(5)
    at.toggle(key=gw.BEAM).set_value(True)
    at.slider(key=gw.STEP).set_value(3).run()
    token = at.selectbox(key=gw.FORCE).options[1]
    vocab = at.session_state["current_model"].checkpoint.vocab
    at.selectbox(key=gw.FORCE).set_value(vocab.index[token]).run()
    before = controls(at)
    branched = output_text(at, "Branched")

    at.radio(key="lang").set_value("sv").run()
    assert not at.exception
    assert at.title[0].value.startswith("Generera")
    assert controls(at) == before
    assert at.selectbox(key=gw.FORCE).value != gw.AS_DRAWN
    assert output_text(at, "Ny gren") == branched

    at.radio(key="lang").set_value("en").run()
    assert controls(at) == before
    assert output_text(at, "Branched") == branched


def test_link_notes_upload_errors_and_the_unknown_token_in_swedish(app):
    at = open_generate(
        app, lang="sv", temperature="0.3", top_k="99999", model="shakespeare_word_lstm", no_unknown="false"
    )
    notes = " ".join(info.value for info in at.info)
    assert "`temperature=0.3` i länken finns inte på reglaget, så det närmaste steget, 0,32, används." in notes
    assert "`top_k=99999` i länken ligger utanför" in notes
    at.select_slider(key=gw.TEMPERATURE).set_value(0.1).run()
    assert "\ufffd" in output_text(at, "Girig avkodning")
    assert any(c.value.startswith("**�** är den okända token") for c in at.caption)

    at.selectbox(key=gw.MODEL).set_value(gw.UPLOAD_OPTION).run()
    at.file_uploader(key=gw.UPLOAD).upload("modell.safetensors", random.Random(0).randbytes(4096)).run()
    assert at.error[0].value.startswith("Det här är ingen giltig modellfil")


def test_the_unknown_token_is_explained_only_when_it_is_written(app):
    at = open_generate(app)
    assert "\ufffd" not in output_text(at, "Greedy")
    assert not any("unknown token" in c.value for c in at.caption)
    at.selectbox(key=gw.MODEL).set_value("shakespeare_word_lstm").run()
    assert "\ufffd" not in output_text(at, "Greedy")  # the word model's switch keeps it out
    assert not any("unknown token" in c.value for c in at.caption)
    at.toggle(key=gw.NO_UNKNOWN).set_value(False).run()
    assert "\ufffd" in output_text(at, "Greedy")
    assert any(c.value.startswith("**�** is the unknown token") for c in at.caption)


def test_without_a_model_the_page_says_what_to_do_in_swedish(app):
    app.query_params.update({"lang": "sv", gw.MODEL: gw.UPLOAD_OPTION})
    at = open_page(app, GENERATE, pretrained=False)
    assert any(i.value.startswith("Det finns ingen modell än") for i in at.info)
