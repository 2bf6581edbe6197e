"""Train: pick a text, choose the settings, press Start, watch the loss fall and the samples improve."""

import streamlit as st

from ui.i18n import t
from ui.train_widgets import controls, live_panel, results_panel, settings_panel, text_panel, text_summary

st.title(t("train.title"))
st.markdown(t("train.intro"))

text_column, settings_column = st.columns([3, 2], gap="large")
with settings_column:
    settings = settings_panel()
with text_column:
    source = text_panel()
    trainable = source is not None and text_summary(source, settings)

controls(source, settings, trainable)
live_panel()
results_panel()
