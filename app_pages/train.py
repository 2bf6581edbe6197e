"""Train: pick a text, choose the settings, press Start, watch the loss fall and the samples improve."""

import streamlit as st

from ui.train_widgets import controls, live_panel, results_panel, settings_panel, text_panel, text_summary

st.title("Train a model")
st.markdown(
    "A recurrent network reads your text one character at a time and learns to guess the next one: "
    "pick a text, press **Start**, and watch its guesses go from noise to words."
)

text_column, settings_column = st.columns([3, 2], gap="large")
with settings_column:
    settings = settings_panel()
with text_column:
    source = text_panel()
    trainable = source is not None and text_summary(source, settings)

controls(source, settings, trainable)
live_panel()
results_panel()
