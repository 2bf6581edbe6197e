"""Home: what this lab is, in a learner's words, and where to start."""

import streamlit as st

st.title("Char-RNN Lab")
st.markdown(
    "A **language model** reads text one token at a time and, at every step, guesses what comes next. "
    "Here you train a small one (a recurrent network: RNN, LSTM or GRU) on any text you like, "
    "watch it learn, and then see exactly **how it picks the next character**: greedy, sampled, "
    "with temperature, top-k and top-p."
)
left, right = st.columns(2)
with left:
    st.subheader("1 · Train")
    st.markdown(
        "Upload a text, paste one or pick a built-in corpus. Press **Start** and watch the loss fall "
        "and the samples go from noise to words."
    )
    st.page_link("pages/train.py", label="Train a model", icon="🏋️")
with right:
    st.subheader("2 · Generate")
    st.markdown(
        "Start from a ready model trained on Shakespeare. Move the temperature slider and watch the "
        "probability bars of the next character change, next to greedy and sampled text."
    )
    st.page_link("pages/generate.py", label="Generate text", icon="🎲")
