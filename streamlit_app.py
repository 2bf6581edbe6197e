"""Char-RNN Lab: declares the pages and the shared sidebar; each page lives in pages/."""

import streamlit as st

from ui.i18n import t
from ui.sidebar import render_sidebar

st.set_page_config(page_title="Char-RNN Lab", page_icon="🔤", layout="wide")

pages = [
    st.Page("pages/home.py", title=t("nav.home"), icon="🏠", default=True),
    st.Page("pages/lessons.py", title=t("nav.lessons"), icon="📚"),
    st.Page("pages/train.py", title=t("nav.train"), icon="🏋️"),
    st.Page("pages/generate.py", title=t("nav.generate"), icon="🎲"),
]
page = st.navigation(pages)
render_sidebar()
page.run()
