"""Home: what this lab is, in a learner's words, and where to start."""

import streamlit as st

from ui.i18n import t

st.title("Char-RNN Lab")
st.markdown(t("home.intro"))
with st.container(border=True):
    st.markdown(t("home.lessons.text"))
    st.page_link("app_pages/lessons.py", label=t("home.lessons.link"), icon="📚")
left, right = st.columns(2)
with left:
    st.subheader(t("home.train.title"))
    st.markdown(t("home.train.text"))
    st.page_link("app_pages/train.py", label=t("home.train.link"), icon="🏋️")
with right:
    st.subheader(t("home.generate.title"))
    st.markdown(t("home.generate.text"))
    st.page_link("app_pages/generate.py", label=t("home.generate.link"), icon="🎲")
