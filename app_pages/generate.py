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
from ui.i18n import distribution_chart_texts, t

st.title(t("generate.title"))

# The link's values, read before any widget so that near misses can be corrected (see gw.fix_*).
raw = {key: st.query_params.get(key) for key in st.query_params}
notes: list[str] = gw.drop_unusable_numbers(raw)

model_column, prompt_column, length_column = st.columns([2, 3, 1.3], vertical_alignment="bottom")
model = gw.model_picker(raw, notes, model_column)
if model is None:
    st.info(t("generate.no_model", upload=gw.UPLOAD_OPTION))
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
    greedy, sampled = gw.cached_outputs(key, checkpoint, c.prompt, c.length, c.settings, c.seed, c.same_draw)
    beamed = gw.cached_beam(key, checkpoint, c.prompt, c.length, c.beam_width) if c.beam else None
except RnnLabError as error:
    gw.stop_with(error)

# --- the bars for the end of the prompt ---------------------------------------------------------------
first = sampled.steps[0]
with chart_column:
    last_char = readable_token(c.prompt[-1:]) if c.prompt else "⏎"
    st.markdown(t("generate.next_heading", token=last_char, unit=t(f"unit.{vocab.level}")))
    figure = distribution_figure(
        dist,
        rows=gw.CHART_ROWS,
        highlight_token_id=first.token_id,
        uniform=first.uniform if c.same_draw else None,
        settings=c.settings,
        texts=distribution_chart_texts(),
    )
    st.plotly_chart(figure, config={"displayModeBar": False}, key="next_token_chart")
    gw.entropy_metrics(dist, vocab.size)
    st.caption(t("generate.order"))

# --- greedy, sampled and beam search side by side ------------------------------------------------------
copy_source = gw.training_text(model)
output_columns = st.columns(3 if beamed is not None else 2)
with output_columns[0]:
    gw.show_output(t("generate.greedy"), greedy, t("generate.greedy.caption"), copy_source)
with output_columns[1]:
    sampled_title = t("generate.sampled_same_draw" if c.same_draw else "generate.sampled", seed=c.seed)
    gw.show_output(sampled_title, sampled, t("generate.sampled.caption"), copy_source)
if beamed is not None:
    with output_columns[2]:
        gw.show_output(t("generate.beam", width=c.beam_width), beamed, t("generate.beam.caption"), copy_source)
if gw.has_unknown([greedy, sampled, beamed]):
    st.caption(t("generate.unknown_token"))
if copy_source is None:
    st.caption(t("generate.no_copy_check"))

# --- step mode: any position of the sampled text, and a forced token ---------------------------------------
st.subheader(t("generate.step_heading"))
position = gw.step_position(sampled, raw)
step = sampled.steps[position]
try:
    ids_before = tuple(sampled.token_ids[:position])
    dist_here = (
        dist if position == 0 else gw.cached_distribution_after(key, checkpoint, c.prompt, ids_before, c.settings)
    )
except RnnLabError as error:
    gw.stop_with(error)
step_chart_column, step_text_column = st.columns([3, 2], gap="large")
with step_chart_column:
    # At the first step (the default) this is the chart above: the same bars and the same token.
    step_figure = figure if position == 0 else distribution_figure(
        dist_here,
        rows=gw.CHART_ROWS,
        highlight_token_id=step.token_id,
        uniform=step.uniform,
        settings=c.settings,
        texts=distribution_chart_texts(),
    )
    st.plotly_chart(step_figure, config={"displayModeBar": False}, key="step_chart")
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
        gw.stop_with(error)
    gw.branch_view(sampled, branched, position, removed=not dist_here.kept[forced])
