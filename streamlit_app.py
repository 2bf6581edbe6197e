"""Char-RNN Lab: declares the pages and the shared sidebar; each page lives in app_pages/.

The folder is not called ``pages/``: Streamlit treats a ``pages/`` folder as an old-style
multipage app, and a fresh server's first deep link (``/generate?...``) would then run the page
without this script (no sidebar, no wide layout).
"""

import streamlit as st
import torch

from rnnlab.training_slots import training_threads
from ui.i18n import library_text, t
from ui.sidebar import render_model_panel, render_sidebar
from ui.state import sync_runs_with_url

# The server's own torch threads (training runs in child processes with as many, see ui.state):
# so that the jobs the server lets train at once fit its cores (2 cores, 2 jobs: 1 each).
torch.set_num_threads(training_threads())

st.set_page_config(page_title="Char-RNN Lab", page_icon="🔤", layout="wide")

pages = [
    st.Page("app_pages/home.py", title=t("nav.home"), icon=":material/home:", default=True),
    st.Page("app_pages/lessons.py", title=t("nav.lessons"), icon=":material/school:"),
    st.Page("app_pages/train.py", title=t("nav.train"), icon=":material/model_training:"),
    st.Page("app_pages/generate.py", title=t("nav.generate"), icon=":material/casino:"),
]
page = st.navigation(pages)
for problem in sync_runs_with_url():
    st.warning(library_text(problem), icon=":material/link_off:")
model_panel = render_sidebar()
try:
    page.run()
finally:  # also when the page stopped early (st.stop) or asked for a rerun
    render_model_panel(model_panel)
