"""Home: what this lab is, in a learner's words, and where to start."""

import streamlit as st

from ui.i18n import language_link_note, t

st.title("Char-RNN Lab")
if note := language_link_note():
    st.info(note, icon=":material/link_off:")
st.markdown(t("home.intro"))
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
