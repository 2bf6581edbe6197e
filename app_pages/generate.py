"""Generate: how a language model picks the next character.

Sliders for temperature, top-k, top-p, min-p and the repetition penalty redraw the next-character
bars and regenerate greedy and sampled text side by side; step mode shows the distribution at any
position of the sampled text and lets the learner force another token there. Every control is
mirrored in the URL (``bind="query-params"``), so a shared link opens the same view. The pieces
live in ``ui/generate_widgets.py``; the library calls are cached there on the model's fingerprint.
"""

import streamlit as st

from rnnlab.distribution_chart import distribution_figure, readable_token
from rnnlab.errors import RnnLabError
from ui import generate_widgets as gw

st.title("Generate: how the next character is picked")

# The link's values, read before any widget so that near misses can be corrected (see gw.fix_*).
raw = {key: st.query_params.get(key) for key in st.query_params}
notes: list[str] = []

model_column, prompt_column, length_column = st.columns([2, 3, 1.3], vertical_alignment="bottom")
model = gw.model_picker(raw, notes, model_column)
if model is None:
    st.info("There is no model yet: train one on the Train page, or pick “upload” and load a checkpoint.")
    st.stop()
checkpoint, vocab = model.checkpoint, model.checkpoint.vocab
key = gw.model_key(checkpoint)
gw.model_card(model)

chart_column, controls_column = st.columns([3, 2], gap="large")
c = gw.controls(vocab, prompt_column, length_column, controls_column, raw, notes)
for note in notes:
    st.info(note, icon="🔗")
for note in gw.prompt_notes(c.prompt, vocab):
    st.info(note, icon="ℹ️")

try:
    dist = gw.cached_distribution(key, checkpoint, c.prompt, c.settings)
    greedy = gw.cached_greedy(key, checkpoint, c.prompt, c.length, gw.greedy_settings(c.settings))
    sampled = gw.cached_sampled(key, checkpoint, c.prompt, c.length, c.settings, c.seed, c.same_draw)
    beamed = gw.cached_beam(key, checkpoint, c.prompt, c.length, c.beam_width) if c.beam else None
except RnnLabError as error:
    st.error(str(error), icon="🚫")
    st.stop()

# --- the bars for the end of the prompt ---------------------------------------------------------------
first = sampled.steps[0]
with chart_column:
    last_char = readable_token(c.prompt[-1:]) if c.prompt else "⏎"
    st.markdown(f"**What comes after “{last_char}”?** The next-{gw.units(vocab)[:-1]} probabilities")
    figure = distribution_figure(
        dist,
        rows=gw.CHART_ROWS,
        highlight_token_id=first.token_id,
        uniform=first.uniform if c.same_draw else None,
        settings=c.settings,
    )
    st.plotly_chart(figure, config={"displayModeBar": False}, key="next_token_chart")
    gw.entropy_metrics(dist, vocab.size)
    st.caption(gw.ORDER_CAPTION)

# --- greedy, sampled and beam search side by side ------------------------------------------------------
copy_source = gw.training_text(model)
output_columns = st.columns(3 if beamed is not None else 2)
with output_columns[0]:
    gw.show_output(
        "Greedy (always the tallest bar)",
        greedy,
        "Temperature and the cuts never change the tallest bar, so only the prompt and the repetition "
        "penalty change this text.",
        copy_source,
    )
with output_columns[1]:
    how = f"same random draw, seed {c.seed}" if c.same_draw else f"seed {c.seed}"
    gw.show_output(f"Sampled ({how})", sampled, "Drawn from the orange bars at every step.", copy_source)
if beamed is not None:
    with output_columns[2]:
        gw.show_output(
            f"Beam search (width {c.beam_width})",
            beamed,
            "The most probable continuation beam search finds (no temperature or cuts).",
            copy_source,
        )
if copy_source is None:
    st.caption(
        "Copy detector: the training text of shipped and uploaded models is not available here, so "
        "verbatim copies can only be checked for models trained in this session."
    )

# --- step mode: any position of the sampled text, and a forced token ---------------------------------------
st.subheader("Step through the sampled text")
position = gw.step_position(sampled, raw)
step = sampled.steps[position]
try:
    ids_before = tuple(sampled.token_ids[:position])
    dist_here = (
        dist if position == 0 else gw.cached_distribution_after(key, checkpoint, c.prompt, ids_before, c.settings)
    )
except RnnLabError as error:
    st.error(str(error), icon="🚫")
    st.stop()
step_chart_column, step_text_column = st.columns([3, 2], gap="large")
with step_chart_column:
    st.plotly_chart(
        distribution_figure(
            dist_here, rows=gw.CHART_ROWS, highlight_token_id=step.token_id, uniform=step.uniform, settings=c.settings
        ),
        config={"displayModeBar": False},
        key="step_chart",
    )
with step_text_column:
    st.markdown(gw.step_summary(step, position))
    here = gw.token_spans([s.token for s in sampled.steps], sampled.level)[position]
    st.markdown(gw.text_html(c.prompt, sampled.text, [(*here, "step")]), unsafe_allow_html=True)
    forced = gw.force_picker(dist_here, step.token_id, raw)

if forced != gw.AS_DRAWN:
    try:
        branched = gw.cached_sampled(
            key, checkpoint, c.prompt, c.length, c.settings, c.seed, c.same_draw, ((position, forced),)
        )
    except RnnLabError as error:
        st.error(str(error), icon="🚫")
        st.stop()
    gw.branch_view(sampled, branched, position, removed=not dist_here.kept[forced])
