"""Char-RNN Lab: declares the pages and the shared sidebar; each page lives in app_pages/.

The folder is not called ``pages/``: Streamlit treats a ``pages/`` folder as an old-style
multipage app, and a fresh server's first deep link (``/generate?...``) would then run the page
without this script (no sidebar, no wide layout).
"""

import os

import streamlit as st
import torch

from ui.i18n import t
from ui.sidebar import render_sidebar

# One torch thread per server by default: on a small shared machine a second thread mostly waits
# for a busy core (training and slider redraws run side by side). RNNLAB_TORCH_THREADS overrides.
torch.set_num_threads(int(os.environ.get("RNNLAB_TORCH_THREADS", "1")))

st.set_page_config(page_title="Char-RNN Lab", page_icon="🔤", layout="wide")

pages = [
    st.Page("app_pages/home.py", title=t("nav.home"), icon=":material/home:", default=True),
    st.Page("app_pages/lessons.py", title=t("nav.lessons"), icon=":material/school:"),
    st.Page("app_pages/train.py", title=t("nav.train"), icon=":material/model_training:"),
    st.Page("app_pages/generate.py", title=t("nav.generate"), icon=":material/casino:"),
]
page = st.navigation(pages)
render_sidebar()
page.run()
