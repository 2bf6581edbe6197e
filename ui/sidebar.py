"""The sidebar every page shares: the language switch, the current model, its size and its validation loss.

The language comes first (the page is written in it); the model panel is filled after the page
ran, so it names the model the page just chose (Generate's picker, a link's ``?model=``).
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from rnnlab.metrics import bits
from ui.i18n import language_switch, model_title, number, t
from ui.state import current_model, session_runs


def render_sidebar() -> DeltaGenerator:
    """The language switch, and an empty slot for :func:`render_model_panel`; returns the slot."""
    with st.sidebar:
        language_switch()
        return st.empty()


def render_model_panel(slot: DeltaGenerator) -> None:
    """The current model (its title, size and validation loss) and the run training now, in ``slot``."""
    with slot.container():
        st.markdown(f"### {t('sidebar.current_model')}")
        model = current_model()
        if model is None:
            st.caption(t("sidebar.no_model"))
        else:
            config = model.checkpoint.model.config
            vocab = model.checkpoint.vocab
            label = model_title(model.label) if model.source == "pretrained" else model.label
            st.markdown(f"**{label}**")
            st.caption(
                t(
                    "sidebar.model_caption",
                    cell=config.cell.upper(),
                    hidden=config.hidden_size,
                    layers=config.num_layers,
                    parameters=number(model.checkpoint.model.num_parameters()),
                    vocab=vocab.size,
                    level=t(f"level.{vocab.level}"),
                )
            )
            if model.val_loss is not None:
                nats, per_token = number(model.val_loss, ".3f"), number(bits(model.val_loss), ".2f")
                st.caption(t("sidebar.val_loss", nats=nats, bits=per_token))
        if session_runs().active is not None:
            training_progress()


@st.fragment(run_every=2.0)
def training_progress() -> None:
    """The run training now and how far it got, redrawn every 2 s on every page (only while a run
    trains: the fragment is not drawn again once the page reruns without one)."""
    active = session_runs().active
    if active is not None:
        st.info(
            t("sidebar.training", label=active.label, progress=number(active.trainer.progress, ".0%")),
            icon=":material/hourglass_top:",
        )
