"""The sidebar every page shares: the current model, its size and its validation loss."""

from __future__ import annotations

import streamlit as st

from rnnlab.metrics import bits
from ui.state import current_model, session_runs


def render_sidebar() -> None:
    with st.sidebar:
        st.markdown("### Current model")
        model = current_model()
        if model is None:
            st.caption("No model yet: train one on the Train page.")
        else:
            config = model.checkpoint.model.config
            vocab = model.checkpoint.vocab
            st.markdown(f"**{model.label}**")
            st.caption(
                f"{config.cell.upper()} · hidden {config.hidden_size} · {config.num_layers} layer(s) · "
                f"{model.checkpoint.model.num_parameters():,} parameters · "
                f"{vocab.size} {vocab.level} tokens"
            )
            if model.val_loss is not None:
                st.caption(f"validation loss {model.val_loss:.3f} nats = {bits(model.val_loss):.2f} bits/token")
        active = session_runs().active
        if active is not None:
            st.info(f"Training {active.label}: {active.trainer.progress:.0%}", icon="⏳")
