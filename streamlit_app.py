"""Char-RNN Lab: declares the pages and the shared sidebar; each page lives in pages/."""

import streamlit as st

from ui.sidebar import render_sidebar

st.set_page_config(page_title="Char-RNN Lab", page_icon="🔤", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/train.py", title="Train", icon="🏋️"),
    st.Page("pages/generate.py", title="Generate", icon="🎲"),
]
page = st.navigation(pages)
render_sidebar()
page.run()
