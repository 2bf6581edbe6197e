"""Home: what this lab is, in a learner's words, a first experiment, and where to start."""

import streamlit as st

from lessons.course import widget_labels
from lessons.widgets import next_token
from ui.i18n import current_language, language_link_note, t
from ui.state import DEFAULT_PRETRAINED, load_pretrained

st.title("Char-RNN Lab")
if note := language_link_note():
    st.info(note, icon=":material/link_off:")
st.markdown(t("home.intro"))
with st.container(border=True):  # the first lesson's experiment: useful before anything is trained
    st.markdown(t("home.try.text"))
    next_token(widget_labels(current_language(), "01_next_token"), load_pretrained(DEFAULT_PRETRAINED))
    prompt = st.session_state.get("l01_prompt", "")  # Generate opens on the same text
    st.page_link(
        "app_pages/generate.py",
        label=t("home.try.link"),
        icon=":material/bar_chart:",
        query_params={"prompt": prompt} if prompt else None,
    )
with st.container(border=True):
    st.markdown(t("home.lessons.text"))
    st.page_link("app_pages/lessons.py", label=t("home.lessons.link"), icon=":material/school:")
left, right = st.columns(2)
with left:
    st.subheader(t("home.train.title"))
    st.markdown(t("home.train.text"))
    st.page_link("app_pages/train.py", label=t("home.train.link"), icon=":material/model_training:")
with right:
    st.subheader(t("home.generate.title"))
    st.markdown(t("home.generate.text"))
    st.page_link("app_pages/generate.py", label=t("home.generate.link"), icon=":material/casino:")
