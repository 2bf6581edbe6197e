"""The next-token bar chart, checked on its Plotly spec with hand-computed distributions."""

import json

import plotly.graph_objects as go
import plotly.io
import pytest
import torch

from rnnlab.distribution_chart import (
    FINAL_COLOUR,
    FINAL_NAME,
    ORIGINAL_COLOUR,
    ORIGINAL_NAME,
    REMOVED_FINAL_COLOUR,
    REMOVED_ORIGINAL_COLOUR,
    DistributionChartTexts,
    distribution_figure,
    readable_token,
)
from rnnlab.sampling import SamplingSettings, choose_token, distribution_from_logits
from rnnlab.vocab import UNKNOWN

# ids: 0 = unknown, then "a", " ", "\n", "d" with probabilities 0.5, 0.3, 0.15, 0.05
TOKENS = [UNKNOWN, "a", " ", "\n", "d"]
PROBS = [1e-9, 0.5, 0.3, 0.15, 0.05]


def dist_for(settings: SamplingSettings | None = None, previous_ids=()):
    settings = settings or SamplingSettings()
    logits = torch.log(torch.tensor(PROBS, dtype=torch.float64)).float()
    return distribution_from_logits(logits, TOKENS, settings, previous_ids)


def bars(figure):
    """name -> bar trace (as a plain dict, the way the browser gets it)."""
    spec = json.loads(plotly.io.to_json(figure))
    return {trace["name"]: trace for trace in spec["data"]}, spec["layout"]


def shapes_named(layout, name):
    return [shape for shape in layout.get("shapes", []) if shape.get("name") == name]


def test_bars_are_the_distribution_sorted_by_the_models_probability():
    dist = dist_for(SamplingSettings(temperature=0.5))
    traces, layout = bars(distribution_figure(dist))
    original, final = traces[ORIGINAL_NAME], traces[FINAL_NAME]
    assert original["x"] == ["a", "␣", "⏎", "d", "�"]  # readable labels, most probable first
    assert layout["meta"]["token_ids"] == [1, 2, 3, 4, 0]
    assert original["y"] == pytest.approx([dist.original_probs[i] for i in (1, 2, 3, 4, 0)])
    assert final["y"] == pytest.approx([dist.final_probs[i] for i in (1, 2, 3, 4, 0)])
    assert sum(original["y"]) == pytest.approx(1.0)
    assert sum(final["y"]) == pytest.approx(1.0)
    # T = 0.5 squares and renormalises: 0.25 / (0.25 + 0.09 + 0.0225 + 0.0025)
    assert final["y"][0] == pytest.approx(0.25 / 0.365, rel=1e-6)


@pytest.mark.parametrize(
    ("settings", "uniform"),
    [(SamplingSettings(), None), (SamplingSettings(temperature=0.7, top_k=3, top_p=0.9, min_p=0.1), 0.5)],
)
def test_the_spec_passes_plotlys_validation(settings, uniform):
    # the figure is built without validation for speed: every property must still be valid
    figure = distribution_figure(dist_for(settings), highlight_token_id=1, uniform=uniform, settings=settings)
    assert go.Figure(figure.to_dict()).to_dict() == figure.to_dict()


def test_rows_limits_the_bars():
    traces, _ = bars(distribution_figure(dist_for(), rows=2))
    assert traces[ORIGINAL_NAME]["x"] == ["a", "␣"]
    traces, _ = bars(distribution_figure(dist_for(), rows=100))
    assert len(traces[FINAL_NAME]["x"]) == 5


def test_removed_tokens_are_grey_and_top_k_is_drawn_after_the_kth_bar():
    traces, layout = bars(distribution_figure(dist_for(SamplingSettings(top_k=2))))
    assert traces[ORIGINAL_NAME]["marker"]["color"] == [ORIGINAL_COLOUR] * 2 + [REMOVED_ORIGINAL_COLOUR] * 3
    assert traces[FINAL_NAME]["marker"]["color"] == [FINAL_COLOUR] * 2 + [REMOVED_FINAL_COLOUR] * 3
    assert traces[FINAL_NAME]["y"][2:] == [0.0, 0.0, 0.0]
    (cut,) = shapes_named(layout, "top-k")
    assert cut["x0"] == cut["x1"] == 1.5  # between the 2nd and the 3rd bar
    assert layout["meta"]["removed_by"] == {"3": "top-k", "4": "top-k", "0": "top-k"}


def test_top_p_line_sits_where_the_sum_reaches_p():
    # 0.5 + 0.3 reaches 0.8: two tokens survive
    traces, layout = bars(
        distribution_figure(dist_for(SamplingSettings(top_p=0.8)), settings=SamplingSettings(top_p=0.8))
    )
    (cut,) = shapes_named(layout, "top-p")
    assert cut["x0"] == 1.5
    assert "0.80" in cut["label"]["text"]
    assert traces[FINAL_NAME]["y"][:2] == pytest.approx([0.625, 0.375])


def test_min_p_line_is_min_p_times_the_top_final_probability():
    settings = SamplingSettings(min_p=0.5)  # keeps 0.5 and 0.3 (>= 0.25)
    dist = dist_for(settings)
    _, layout = bars(distribution_figure(dist, settings=settings))
    (line,) = shapes_named(layout, "min-p")
    assert line["y0"] == line["y1"] == pytest.approx(0.5 * max(dist.final_probs))
    # without the settings the line still separates kept from removed bars
    _, layout = bars(distribution_figure(dist))
    (line,) = shapes_named(layout, "min-p")
    assert 0.3 / 0.8 * 0 < line["y0"] <= min(p for p in dist.final_probs if p > 0) + 1e-12


def test_no_cut_lines_when_the_cuts_are_off():
    _, layout = bars(distribution_figure(dist_for(SamplingSettings(temperature=2.0))))
    assert not [s for s in layout.get("shapes", []) if s.get("name") in ("top-k", "top-p", "min-p")]


def test_a_cut_reordered_by_the_penalty_is_explained_not_drawn():
    # "a" was just seen: a penalty of 10 pushes it below the others, so top-2 keeps ␣ and ⏎
    dist = dist_for(SamplingSettings(top_k=2, repetition_penalty=10.0), previous_ids=[1])
    traces, layout = bars(distribution_figure(dist))
    assert not shapes_named(layout, "top-k")
    assert any("reordered" in note for note in layout["meta"]["notes"])
    assert traces[FINAL_NAME]["marker"]["color"][0] == REMOVED_FINAL_COLOUR


def test_the_drawn_token_is_outlined():
    traces, _ = bars(distribution_figure(dist_for(), highlight_token_id=2))
    assert traces[FINAL_NAME]["marker"]["line"]["width"] == [0, 3, 0, 0, 0]
    assert traces[ORIGINAL_NAME]["marker"]["line"]["width"] == [0, 3, 0, 0, 0]


def test_a_drawn_token_beyond_the_rows_takes_the_last_bar():
    traces, layout = bars(distribution_figure(dist_for(), rows=2, highlight_token_id=4))
    assert traces[FINAL_NAME]["x"] == ["a", "d"]
    assert traces[FINAL_NAME]["marker"]["line"]["width"] == [0, 3]
    assert any("number 4" in note for note in layout["meta"]["notes"])


def test_title_gives_entropy_and_effective_choices_before_and_after():
    dist = dist_for(SamplingSettings(top_k=1))
    _, layout = bars(distribution_figure(dist))
    title = layout["title"]["text"]
    assert f"{dist.entropy_bits_original:.2f} → 0.00 bits" in title
    assert f"{dist.effective_choices_original:.1f} → 1.0" in title


@pytest.mark.parametrize("u", [0.0, 0.45, 0.55, 0.97])
def test_uniform_strip_shows_where_u_lands(u):
    settings = SamplingSettings(temperature=0.8, top_k=3)
    dist = dist_for(settings)
    traces, layout = bars(distribution_figure(dist, uniform=u))
    strip = traces["u on the cumulative distribution"]
    assert sum(strip["x"]) == pytest.approx(1.0)  # the survivors end to end
    assert strip["base"][0] == 0.0
    assert len(strip["x"]) == 3
    expected = choose_token(dist.stages[-1].probs, greedy=False, uniform=u)
    assert layout["meta"]["uniform"] == {"u": u, "token_id": expected}
    (line,) = shapes_named(layout, "u")
    assert line["x0"] == u


def test_without_uniform_there_is_no_strip():
    traces, layout = bars(distribution_figure(dist_for()))
    assert set(traces) == {ORIGINAL_NAME, FINAL_NAME}
    assert "xaxis2" not in layout


def test_readable_tokens():
    assert [readable_token(t) for t in [" ", "\n", "\t", "a", "\u00a0", "word"]] == [
        "␣",
        "⏎",
        "⇥",
        "a",
        "U+00A0",
        "word",
    ]


def test_works_for_a_real_model(constant_model, abcd):
    from rnnlab.sampling import next_token_distribution

    dist = next_token_distribution(constant_model, abcd, "ab", SamplingSettings(temperature=0.7, top_p=0.9))
    traces, _ = bars(distribution_figure(dist, highlight_token_id=dist.greedy_id, uniform=0.3))
    assert traces[ORIGINAL_NAME]["x"][:4] == ["a", "b", "c", "d"]


def test_texts_in_another_language_and_its_decimal_mark():
    texts = DistributionChartTexts(
        original="modellen (T = 1)",
        final="efter dina inställningar",
        probability="sannolikhet",
        title="Entropi {entropy_before:.2f} → {entropy_after:.2f} bit",
        top_p="top-p {p:g}: Σ = {mass:.2f}",
        separators=", ",
    )
    settings = SamplingSettings(top_p=0.7)
    traces, layout = bars(distribution_figure(dist_for(settings), settings=settings, texts=texts))
    assert set(traces) == {"modellen (T = 1)", "efter dina inställningar"}
    assert layout["yaxis"]["title"]["text"] == "sannolikhet"
    assert layout["separators"] == ", "
    assert layout["title"]["text"].startswith("Entropi ") and "." not in layout["title"]["text"]
    (cut,) = shapes_named(layout, "top-p")
    assert cut["label"]["text"] == "top-p 0,7: Σ = 0,80"
