"""Streamlit glue shared by the pages (session state, sidebar). The library is ``rnnlab``."""
