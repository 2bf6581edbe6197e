"""The Train page in Swedish (``?lang=sv``), and a language switch that keeps what the learner set."""

from rnnlab.builtin_corpora import load_builtin
from tests.app.conftest import open_page, plotly_specs, run_until
from tests.app.test_train_page import TRAIN_PAGE, badge, errors, tiny_settings, translated

# The page's main English words: none of them may be left on the Swedish page.
ENGLISH = (
    "Train a model",
    "Settings",
    "Where does the text come from?",
    "Built-in text",
    "Hidden size",
    "Sequence length",
    "Learning rate",
    "Batch size",
    "Time budget",
    "Pause",
    "Resume",
    "Step once",
    "distinct symbols",
    "Preview of",
    "Quick demo",
    "Validation loss",
    "Reference lines",
    "What the model writes",
    "Download the model",
    "Explore in Generate",
)


def shown_texts(at) -> list[str]:
    """Every label, heading, text and message on the page."""
    texts = [
        element.value
        for kind in ("title", "subheader", "markdown", "caption", "info", "error")
        for element in at.get(kind)
    ]
    for kind in ("button", "radio", "selectbox", "select_slider", "number_input", "text_area", "toggle", "metric"):
        texts += [element.label for element in at.get(kind)]
    texts += [option for radio in at.radio for option in radio.options]
    return texts


def english_left(at) -> list[str]:
    return [word for word in ENGLISH if any(word in text for text in shown_texts(at))]


def open_swedish(app):
    app.query_params["lang"] = "sv"
    at = open_page(app, TRAIN_PAGE)
    assert not at.exception, at.exception
    return at


def test_the_train_page_speaks_swedish(app):
    at = open_swedish(app)
    assert at.title[0].value == "Träna en modell"
    assert {s.value for s in at.subheader} == {"1 · Text", "2 · Inställningar", "3 · Träna"}
    source = at.radio(key=translated("train_source", "sv"))
    assert source.label == "Var kommer texten ifrån?"
    assert source.options == ["Inbyggd text", "Ladda upp en .txt-fil", "Klistra in text"]
    assert at.select_slider(key="train_hidden_size").label == "Dolda enheter"
    assert at.select_slider(key="train_learning_rate").label == "Inlärningstakt"
    assert at.button(key="train_step").label == "Ett steg"
    assert at.button(key="train_preset_quick").label == "Snabb demo (20 s)"
    assert any("olika symboler" in m.value and "ordförråd på" in m.value for m in at.markdown)
    assert english_left(at) == []


def test_library_messages_are_shown_in_swedish(app):
    at = open_swedish(app)
    at.select_slider(key="train_seq_len").set_value(128)
    at.selectbox(key=translated("train_builtin", "sv")).select("zen").run()
    chars = f"{len(load_builtin('zen')):,}".replace(",", "\u00a0")
    (message,) = errors(at)
    assert message.startswith(f"Texten har {chars} tecken, men sekvenslängden 128 kräver minst")
    assert at.button(key="train_use_seq_len").label == "Använd sekvenslängd 64"
    at.radio(key=translated("train_source", "sv")).set_value("upload").run()
    at.file_uploader(key="train_upload").upload("tom.txt", b"", "text/plain").run()
    assert errors(at) == ["Filen är tom."]


def test_a_short_run_in_swedish_draws_a_swedish_chart(app):
    at = open_swedish(app)
    tiny_settings(at, seconds=2, language="sv")
    at.button(key="train_start").click().run()
    run_until(at, lambda at: badge(at) == "klar" and any(b.label == "Utforska i Generera" for b in at.button))
    assert at.progress[0].text.startswith("klar ·")
    (spec,) = plotly_specs(at)
    layout = spec["layout"]
    assert layout["yaxis"]["title"]["text"] == "förlust (nats per tecken)"
    assert layout["xaxis"]["title"]["text"] == "träningssteg"
    assert layout["separators"] == ", "
    names = {trace["name"].rsplit(" · ", 1)[-1] for trace in spec["data"]}
    assert names == {"träning", "validering"}
    assert any(a["text"].startswith("jämn (ln V): ") for a in layout["annotations"])
    assert {m.label for m in at.metric} >= {"Valideringsförlust", "Bit per tecken", "Steg"}
    assert at.radio(key=translated("train_chart_unit", "sv")).options == ["nats", "bit", "perplexitet"]
    assert english_left(at) == []


def test_switching_language_keeps_the_settings_and_the_text(app):
    at = open_page(app, TRAIN_PAGE)
    at.radio(key=translated("train_source")).set_value("paste").run()
    at.text_area(key="train_pasted").input("Att vara eller inte vara. " * 40).run()
    at.radio(key=translated("train_level")).set_value("word")
    at.select_slider(key="train_hidden_size").set_value(64)
    at.number_input(key="train_max_seconds").set_value(30).run()

    at.radio(key="lang").set_value("sv").run()
    assert not at.exception
    assert at.title[0].value == "Träna en modell"
    assert at.radio(key=translated("train_source", "sv")).value == "paste"
    assert at.radio(key=translated("train_level", "sv")).value == "word"
    assert at.text_area(key="train_pasted").value.startswith("Att vara")
    assert at.select_slider(key="train_hidden_size").value == 64
    assert at.number_input(key="train_max_seconds").value == 30

    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Train a model"
    assert at.radio(key=translated("train_level")).value == "word"
    assert at.select_slider(key="train_hidden_size").value == 64
