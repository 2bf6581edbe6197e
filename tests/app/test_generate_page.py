"""The Generate page in a real AppTest (whole app: navigation, sidebar, the shipped model), no mocks.

Most tests ask for 60 characters through the URL (``?length=60``) to stay quick on 2 shared cores.
"""

import html
import pickle
import random
import re

import pytest

from rnnlab.distribution_chart import FINAL_NAME
from rnnlab.pretrained import list_pretrained
from rnnlab.vocab import UNKNOWN
from tests.app.conftest import open_page, plotly_specs
from ui import generate_widgets as gw
from ui.state import DEFAULT_PRETRAINED

GENERATE = "app_pages/generate.py"

pytestmark = pytest.mark.skipif(not list_pretrained(), reason="pretrained/ holds no model")


def open_generate(app, **params):
    """The Generate page opened from a link with these query parameters (length 60 by default)."""
    params.setdefault("length", "60")
    for key, value in params.items():
        app.query_params[key] = value
    at = open_page(app, GENERATE)
    assert not at.exception, at.exception
    return at


def output_text(at, title: str) -> str:
    """The prompt and continuation shown under the bold heading starting with ``title``."""
    values = [m.value for m in at.markdown]
    index = next(i for i, value in enumerate(values) if value.startswith(f"**{title}"))
    block = values[index + 1]
    text = re.sub(r"<[^>]+>", "", block.replace("<br>", "\n"))
    return html.unescape(text)


def metric(at, label: str) -> float:
    value = next(m.value for m in at.metric if m.label == label)
    return float(value.split()[0])


def final_bars(spec: dict) -> list[float]:
    return next(trace["y"] for trace in spec["data"] if trace["name"] == FINAL_NAME)


def current(at):
    return at.session_state["current_model"]


# --- the page ---------------------------------------------------------------------------------------


def test_page_shows_bars_metrics_and_both_outputs(app):
    at = open_generate(app)
    assert at.title[0].value.startswith("Generate")
    greedy, sampled = output_text(at, "Greedy"), output_text(at, "Sampled")
    assert greedy.startswith(gw.DEFAULT_PROMPT) and sampled.startswith(gw.DEFAULT_PROMPT)
    assert len(greedy) == len(sampled) == len(gw.DEFAULT_PROMPT) + 60
    assert len(plotly_specs(at)) == 2  # the next-character bars and the step-mode bars
    assert 0 <= metric(at, "Entropy") <= 7
    assert metric(at, "Effective choices") >= 1
    assert any("repetition penalty** (" in c.value for c in at.caption)  # the order is explained
    assert not at.error


def test_low_temperature_sharpens_and_high_temperature_flattens(app):
    at = open_generate(app)
    at.select_slider(key=gw.TEMPERATURE).set_value(0.1).run()
    cold_entropy, cold_bars = metric(at, "Entropy"), final_bars(plotly_specs(at)[0])
    at.select_slider(key=gw.TEMPERATURE).set_value(3.2).run()
    hot_entropy, hot_bars = metric(at, "Entropy"), final_bars(plotly_specs(at)[0])
    assert cold_entropy < hot_entropy
    assert cold_bars != hot_bars
    assert cold_bars[0] > hot_bars[0]  # the tallest bar is taller when cold
    assert sum(cold_bars) <= 1 + 1e-9


def test_top_k_1_makes_sampling_greedy(app):
    at = open_generate(app, top_k="1", seed="3")
    assert at.slider(key=gw.TOP_K).value == 1
    assert output_text(at, "Sampled") == output_text(at, "Greedy")
    assert metric(at, "Entropy") == 0


def test_seed_changes_the_sampled_text_but_not_greedy(app):
    at = open_generate(app, seed="1")
    greedy, sampled = output_text(at, "Greedy"), output_text(at, "Sampled")
    at.number_input(key=gw.SEED).set_value(2).run()
    assert output_text(at, "Greedy") == greedy
    assert output_text(at, "Sampled") != sampled


def test_same_random_draw_at_the_coldest_temperature_is_greedy(app):
    at = open_generate(app, same_draw="true", temperature="0", seed="5")
    assert output_text(at, "Sampled") == output_text(at, "Greedy")
    strip = plotly_specs(at)[0]["layout"]["meta"]["uniform"]
    assert 0 <= strip["u"] < 1  # the chart shows where the first draw u lands


def test_same_random_draw_lands_elsewhere_when_temperature_moves(app):
    at = open_generate(app, same_draw="true", seed="5")
    warm = output_text(at, "Sampled")
    at.select_slider(key=gw.TEMPERATURE).set_value(2.5).run()
    assert output_text(at, "Sampled") != warm
    assert "same random draw" in next(m.value for m in at.markdown if m.value.startswith("**Sampled"))


def test_beam_toggle_adds_a_third_output(app):
    at = open_generate(app)
    assert not any(m.value.startswith("**Beam") for m in at.markdown)
    at.toggle(key=gw.BEAM).set_value(True).run()
    beam = output_text(at, "Beam search")
    assert beam.startswith(gw.DEFAULT_PROMPT) and len(beam) == len(gw.DEFAULT_PROMPT) + 60


def test_step_mode_shows_the_distribution_and_forcing_a_token_branches_the_text(app):
    at = open_generate(app, seed="4")
    first_chart, step_chart = plotly_specs(at)
    assert step_chart == first_chart  # position 0: the distribution after the prompt, the same drawn token
    at.slider(key=gw.STEP).set_value(5).run()
    assert plotly_specs(at)[1] != first_chart
    assert any("At position **5**" in m.value for m in at.markdown)
    step_spec = plotly_specs(at)[1]
    widths = next(t for t in step_spec["data"] if t["name"] == FINAL_NAME)["marker"]["line"]["width"]
    assert widths.count(3) == 1  # the drawn token is outlined
    original = output_text(at, "Sampled")

    force = at.selectbox(key=gw.FORCE)
    assert force.value == gw.AS_DRAWN and force.options[0] == "as drawn"
    letter = next(label for label in force.options[1:] if label.isalpha())  # options show tokens
    at.selectbox(key=gw.FORCE).set_value(current(at).checkpoint.vocab.index[letter]).run()
    branched = output_text(at, "Branched")
    as_drawn = output_text(at, "As drawn")
    assert as_drawn == original
    cut = len(gw.DEFAULT_PROMPT) + 5
    assert branched[:cut] == original[:cut]  # same text before the forced step
    assert branched[cut] != original[cut]  # the forced token
    assert len(branched) == len(original)


def test_word_models_never_pick_the_unknown_word_unless_the_learner_allows_it(app):
    at = open_generate(app, model="shakespeare_word_lstm", prompt="ROMEO:", length="40")
    unknown = at.toggle(key=gw.NO_UNKNOWN)
    assert unknown.value is True
    assert UNKNOWN not in output_text(at, "Greedy") + output_text(at, "Sampled")
    bars = next(t for t in plotly_specs(at)[0]["data"] if t["name"] == FINAL_NAME)
    assert bars["y"][bars["x"].index(UNKNOWN)] == 0  # its bar after the settings: gone
    assert "removed by no unknown" in bars["customdata"][bars["x"].index(UNKNOWN)]
    at.toggle(key=gw.NO_UNKNOWN).set_value(False).run()
    assert UNKNOWN in output_text(at, "Greedy")  # what the model really likes best, often


def test_character_models_have_no_unknown_switch(app):
    at = open_generate(app)
    assert not [toggle for toggle in at.toggle if toggle.key == gw.NO_UNKNOWN]


def test_empty_prompt_and_unknown_characters_are_explained(app):
    at = open_generate(app, prompt="")
    assert any("prompt is empty" in i.value for i in at.info)
    at.text_input(key=gw.PROMPT).set_value("ROMEO€").run()
    assert not at.exception
    assert any("unknown token" in i.value and "€" in i.value for i in at.info)


# --- the URL --------------------------------------------------------------------------------------------


def test_a_link_sets_every_control(app):
    at = open_generate(
        app,
        prompt="JULIET:",
        length="50",
        temperature="0.5",
        top_k="5",
        top_p="0.9",
        min_p="0.05",
        repetition_penalty="1.2",
        seed="7",
        same_draw="true",
        beam="true",
        beam_width="4",
        step="3",
    )
    assert at.text_input(key=gw.PROMPT).value == "JULIET:"
    assert at.slider(key=gw.LENGTH).value == 50
    assert at.select_slider(key=gw.TEMPERATURE).value == 0.5
    assert at.slider(key=gw.TOP_K).value == 5
    assert at.slider(key=gw.TOP_P).value == pytest.approx(0.9)
    assert at.slider(key=gw.MIN_P).value == pytest.approx(0.05)
    assert at.slider(key=gw.PENALTY).value == pytest.approx(1.2)
    assert at.number_input(key=gw.SEED).value == 7
    assert at.toggle(key=gw.SAME_DRAW).value is True
    assert at.toggle(key=gw.BEAM).value is True
    assert at.slider(key=gw.BEAM_WIDTH).value == 4
    assert at.slider(key=gw.STEP).value == 3
    assert at.selectbox(key=gw.MODEL).value == DEFAULT_PRETRAINED
    assert output_text(at, "Beam search (width 4)").startswith("JULIET:")
    layout = plotly_specs(at)[0]["layout"]
    names = {shape.get("name") for shape in layout["shapes"]}
    assert "u" in names and "min-p" in names  # where the same draw lands; the min-p threshold
    # top-k is a line after the 5th bar, or (when the penalty reordered the bars) a note
    assert "top-k" in names or any(note.startswith("top-k") for note in layout["meta"]["notes"])
    assert not at.info  # nothing needed correcting


def test_malformed_and_out_of_range_link_values_do_not_crash(app):
    at = open_generate(
        app,
        temperature="hot",
        top_k="500",
        top_p="-1",
        min_p="nan",
        repetition_penalty="1e9",
        seed="abc",
        same_draw="maybe",
        length="5",
        beam_width="2.5",
        model="no such model",
        step="x",
        force="zz",
    )
    vocab_size = current(at).checkpoint.vocab.size
    assert at.select_slider(key=gw.TEMPERATURE).value == 1.0
    assert at.slider(key=gw.TOP_K).value == vocab_size  # clamped, with a note
    assert at.slider(key=gw.TOP_P).value == pytest.approx(0.01)
    assert at.slider(key=gw.MIN_P).value == 0.0
    assert at.slider(key=gw.PENALTY).value == 3.0
    assert at.number_input(key=gw.SEED).value == 0
    assert at.toggle(key=gw.SAME_DRAW).value is False
    assert at.slider(key=gw.LENGTH).value == 10
    notes = " ".join(i.value for i in at.info)
    for key in ("temperature=hot", "top_k=500", "seed=abc", "same_draw=maybe", "model=no such model", "force=zz"):
        assert key in notes
    assert output_text(at, "Sampled")
    at.run()  # the corrected values stay; no note twice is needed, and nothing breaks
    assert not at.exception


def test_a_near_miss_temperature_snaps_to_the_nearest_stop(app):
    at = open_generate(app, temperature="0.3")
    assert at.select_slider(key=gw.TEMPERATURE).value == 0.32
    assert any("nearest one, 0.32" in i.value for i in at.info)


# --- models ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [(random.Random(0).randbytes(4096), "checkpoint"), (pickle.dumps({"weights": [1, 2, 3]}), "pickle")],
    ids=["random bytes", "pickle"],
)
def test_a_corrupt_upload_shows_an_error_and_keeps_the_previous_model(app, content, message):
    at = open_generate(app)
    before = current(at).label
    at.selectbox(key=gw.MODEL).set_value(gw.UPLOAD_OPTION).run()
    at.file_uploader(key=gw.UPLOAD).upload("model.safetensors", content).run()
    assert not at.exception
    assert at.error and message in at.error[0].value
    assert current(at).label == before
    assert output_text(at, "Greedy")  # the page still works with the previous model


def test_a_valid_upload_becomes_the_current_model(app):
    at = open_generate(app)
    data = list_pretrained()[0].path.read_bytes()
    at.selectbox(key=gw.MODEL).set_value(gw.UPLOAD_OPTION).run()
    at.file_uploader(key=gw.UPLOAD).upload("mine.safetensors", data).run()
    assert not at.error
    assert current(at).source == "upload" and current(at).label == "upload: mine.safetensors"
    assert output_text(at, "Greedy")


def test_without_any_model_the_page_says_what_to_do(app):
    app.query_params.update({"length": "60", gw.MODEL: gw.UPLOAD_OPTION})
    at = open_page(app, GENERATE, pretrained=False)
    assert not at.exception
    assert current(at) is None
    assert any("no model yet" in i.value for i in at.info)
    assert at.file_uploader(key=gw.UPLOAD)


def test_with_no_current_model_the_picker_starts_from_the_shipped_model(app):
    app.query_params["length"] = "60"
    at = open_page(app, GENERATE, pretrained=False)
    assert not at.exception
    assert current(at).source == "pretrained"
    assert output_text(at, "Greedy")


# --- helpers, directly --------------------------------------------------------------------------------------


def test_temperature_stops_are_geometric_and_include_the_landmarks():
    positive = gw.TEMPERATURES[1:]
    assert gw.TEMPERATURES[0] == 0 and positive[0] == 0.02 and positive[-1] == 5
    assert {0.1, 0.2, 0.5, 1.0, 2.0} <= set(positive)
    ratios = [b / a for a, b in zip(positive, positive[1:], strict=False)]
    assert all(1.15 < r < 1.4 for r in ratios)
    assert gw.nearest_temperature(0.3) == 0.32 and gw.nearest_temperature(-1) == 0.0


def test_url_fixes():
    assert gw.fix_number("top_k", "70", 0, 66, whole=True).value == 66
    assert gw.fix_number("top_k", "7", 0, 66, whole=True) == gw.UrlFix("top_k", None, None)
    assert gw.fix_number("seed", "abc", 0, 9, whole=True).value is None
    assert gw.fix_number("seed", "abc", 0, 9, whole=True).note
    assert gw.fix_toggle("beam", "TRUE").note is None
    assert gw.fix_prompt("x" * 600).value == "x" * gw.MAX_PROMPT_CHARS


def test_loop_marks_escape_the_models_text():
    page = gw.text_html("<b>", "a<script>$x$\n\nb", [(0, 1, "loop")])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "\n" not in page and "&#36;" in page
    assert '<mark class="loop"' in page


def test_the_page_outputs_equal_the_library_whether_the_greedy_text_is_reused_or_not():
    from rnnlab.generation import fixed_uniforms, generate, greedy_settings
    from rnnlab.sampling import SamplingSettings

    (model,) = [m for m in list_pretrained() if m.name == DEFAULT_PRETRAINED]
    checkpoint = model.load()
    key = gw.model_key(checkpoint)
    walk = [  # fresh, then temperature and a cut move (greedy reused), then the penalty (fresh again)
        (SamplingSettings(), 0, False),
        (SamplingSettings(temperature=0.5), 0, False),
        (SamplingSettings(temperature=0.5, top_k=5), 3, True),
        (SamplingSettings(temperature=0.5, repetition_penalty=1.3), 3, False),
    ]
    for settings, seed, same_draw in walk:
        greedy, sampled = gw.cached_outputs(key, checkpoint, "ROMEO:", 40, settings, seed, same_draw)
        draws = {"uniforms": fixed_uniforms(seed, 40)} if same_draw else {"seed": seed}
        vocab = checkpoint.vocab
        expected_greedy = generate(
            checkpoint.model, vocab, "ROMEO:", length=40, settings=greedy_settings(settings), greedy=True
        )
        assert greedy.text == expected_greedy.text
        expected = generate(checkpoint.model, vocab, "ROMEO:", length=40, settings=settings, **draws)
        assert sampled.text == expected.text
        assert [step.probability for step in sampled.steps] == pytest.approx([s.probability for s in expected.steps])


def test_the_zen_model_is_caught_reciting_and_the_sidebar_names_it(app):
    """A shipped model trained on a built-in text gets the copy detector; the sidebar follows the link's model."""
    at = open_generate(app, model="zen_char_lstm", prompt="Beautiful is", temperature="0.5")
    assert "**The Zen of Python, memorised · characters · LSTM**" in [m.value for m in at.sidebar.markdown]
    greedy_copy = re.search(r"(\d+) characters copied verbatim", " ".join(c.value for c in at.caption))
    assert greedy_copy and int(greedy_copy.group(1)) >= 40
    assert any(re.search(r'<mark class="[^"]*\bcopy\b', m.value) for m in at.markdown)  # underlined in the text
    assert not any(c.value.startswith("Copy detector:") for c in at.caption)

    at.selectbox(key=gw.MODEL).set_value(DEFAULT_PRETRAINED).run()  # its text is not on this machine
    assert "**Shakespeare · characters · LSTM**" in [m.value for m in at.sidebar.markdown]
    assert any(c.value.startswith("Copy detector:") for c in at.caption)
    assert not re.search(r"characters copied verbatim", " ".join(c.value for c in at.caption))
