"""One live widget per lesson: a few controls, one call into ``rnnlab``, one output.

Every widget is ``widget(labels, checkpoint)``: ``labels`` gives its texts in the learner's language
(:class:`lessons.course.Labels`), ``checkpoint`` is the shipped Shakespeare model, or None when it
is missing: then a widget that needs it says so in one note and stops, and the others carry on.
Widget keys start with ``lNN_`` (the lesson number) and stay the same in every language, so
switching language keeps what the learner typed (a choice with translated options goes through
:func:`ui.i18n.translated_choice`). Every number shown goes through :func:`ui.i18n.number` (4.19 /
4,19, 7.5% / 7,5 %).
"""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from rnnlab.builtin_corpora import load_builtin
from rnnlab.checkpoint import Checkpoint
from rnnlab.detectors import find_loop, longest_copy
from rnnlab.errors import RnnLabError
from rnnlab.generation import generate
from rnnlab.loss_chart import curve_from_history, loss_figure
from rnnlab.metrics import bits, perplexity, uniform_loss
from rnnlab.pretrained import PretrainedModel, find_pretrained
from rnnlab.sampling import (
    MinP,
    RepetitionPenalty,
    SamplingSettings,
    Temperature,
    TopK,
    TopP,
    apply_processors,
    choose_token,
    encode_prompt,
    entropy_bits,
    next_token_distribution,
)
from rnnlab.trainer import HistoryRow
from rnnlab.vocab import UNKNOWN, Vocabulary, tokenize
from ui.i18n import distribution_chart_texts, loss_chart_texts, model_title, number, t, translated_choice
from ui.state import DEFAULT_PRETRAINED, load_pretrained

TEMPERATURES = (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0)
DRAWS = 20
SAMPLING_PROMPT = "love"  # lesson 6: " " and "d" both about 30 % with the shipped model
VISIBLE = {" ": "␣", "\n": "⏎", "\t": "⇥", UNKNOWN: "�"}


def readable(token: str) -> str:
    """A token as a learner can see it: space ␣, line break ⏎."""
    return VISIBLE.get(token, token)


def needs_model(labels, checkpoint: Checkpoint | None) -> bool:
    """True when the widget can run; otherwise it shows why not."""
    if checkpoint is None:
        st.info(labels("model_missing"), icon=":material/inventory_2:")
        return False
    return True


def percent(p: float) -> str:
    """A probability as a percentage in the learner's language: 7.5% / 7,5 %."""
    return number(p, ".1%")


def temperature_stops() -> dict[float, str]:
    """The temperature sliders' stops as the language writes them (0.05 / 0,05), for a ``format_func``:
    made once in the run, as a ``format_func`` may be called again after it (AppTest does)."""
    return {value: number(value, "g") for value in TEMPERATURES}


def show_error(error: RnnLabError) -> None:
    st.error(str(error), icon=":material/block:")


def probability_table(labels, rows, *, extra: dict[str, list] | None = None) -> pd.DataFrame:
    """Token / probability rows (``TokenRow`` from ``NextTokenDistribution.top``) as a data frame."""
    data = {labels("token"): [readable(row.token) for row in rows], labels("probability"): [row.final for row in rows]}
    data.update(extra or {})
    return pd.DataFrame(data)


def show_probability_table(labels, frame: pd.DataFrame) -> None:
    st.dataframe(
        frame,
        hide_index=True,
        column_config={
            labels("probability"): st.column_config.ProgressColumn(
                labels("probability"), format="percent", min_value=0.0, max_value=1.0
            )
        },
    )


def prompt_distribution(labels, checkpoint: Checkpoint, key: str, default: str):
    """A prompt box and the model's next-token distribution after it (None, with the message, on bad input)."""
    prompt = st.text_input(labels("prompt"), value=default, key=key)
    try:
        return next_token_distribution(checkpoint.model, checkpoint.vocab, prompt, SamplingSettings())
    except RnnLabError as error:
        show_error(error)
        return None


# --- 1 · the next token ------------------------------------------------------------------------------


def next_token(labels, checkpoint: Checkpoint | None) -> None:
    """Type a prompt, see the five most probable next characters."""
    if not needs_model(labels, checkpoint):
        return
    dist = prompt_distribution(labels, checkpoint, "l01_prompt", "To be or not to b")
    if dist is None:
        return
    show_probability_table(labels, probability_table(labels, dist.top(5)))
    rest = 1.0 - sum(row.original for row in dist.top(5))
    st.caption(labels("rest", rest=percent(rest), others=checkpoint.vocab.size - 5))


# --- 2 · tokens ----------------------------------------------------------------------------------------


def tokens(labels, checkpoint: Checkpoint | None) -> None:
    """One text, cut into characters and into words, with ids and a small one-hot matrix."""
    text = st.text_input(labels("text"), value=labels("default_text"), key="l02_text")
    char_vocab = checkpoint.vocab if checkpoint is not None else Vocabulary.build(text, "char")
    word_vocab = Vocabulary.build(text, "word")
    chars, words = tokenize(text, "char"), tokenize(text, "word")

    left, right = st.columns(2)
    left.metric(labels("char_tokens"), len(chars))
    right.metric(labels("word_tokens"), len(words))
    left.caption(labels("char_vocab", size=char_vocab.size))
    right.caption(labels("word_vocab", size=word_vocab.size - 1))

    st.markdown(f"**{labels('chars_heading')}**")
    st.dataframe(_token_row(labels, chars[:40], char_vocab))
    st.markdown(f"**{labels('words_heading')}**")
    st.dataframe(_token_row(labels, words[:40], word_vocab))
    unknown = sorted({c for c in chars if c not in char_vocab.index})
    if unknown and checkpoint is not None:
        st.warning(labels("unknown", chars=" ".join(unknown)), icon=":material/help:")

    first = chars[:5]
    if first:
        st.markdown(f"**{labels('onehot_heading', n=len(first))}**")
        ids = char_vocab.encode("".join(first))
        columns = [readable(token) for token in char_vocab.tokens]
        matrix = [[int(i == token_id) for i in range(char_vocab.size)] for token_id in ids]
        index = [f"{readable(c)} (id {i})" for c, i in zip(first, ids, strict=True)]
        st.dataframe(pd.DataFrame(matrix, columns=columns, index=index))
    if checkpoint is not None:
        st.caption(
            labels(
                "embedding",
                size=char_vocab.size,
                embedding=checkpoint.model.config.embedding_size,
            )
        )


def _token_row(labels, pieces: list[str], vocab: Vocabulary) -> pd.DataFrame:
    """Two rows: the tokens, and their ids in ``vocab`` (one column per token)."""
    ids = [vocab.index.get(piece, 0) for piece in pieces]
    return pd.DataFrame(
        [[readable(p) for p in pieces], [str(i) for i in ids]],
        index=[labels("token"), "id"],
        columns=[str(n) for n in range(len(pieces))],
    )


# --- 3 · training pairs and loss units ---------------------------------------------------------------


def training_pairs(labels, checkpoint: Checkpoint | None) -> None:
    """Windows of ``nchars`` with their shifted targets; a loss converter (nats, bits, perplexity, ln V)."""
    sample = labels("sample_text")
    nchars = st.slider(labels("nchars"), min_value=2, max_value=24, value=8, key="l03_nchars")
    pairs = []
    for start in range(0, len(sample) - nchars, nchars)[:4]:
        window = sample[start : start + nchars + 1]
        pairs.append({labels("input"): _show(window[:-1]), labels("target"): _show(window[1:])})
    st.dataframe(pd.DataFrame(pairs), hide_index=True)
    st.caption(labels("pairs_caption", n=nchars, first=_show(sample[0]), second=_show(sample[1])))

    st.markdown(f"**{labels('converter')}**")
    default_loss = 1.5
    default_v = 65
    if checkpoint is not None:
        default_v = checkpoint.vocab.size
        default_loss = round(float(checkpoint.training.get("val_loss", default_loss)), 3)
    left, right = st.columns(2)
    nats = left.number_input(
        labels("loss_nats"), min_value=0.0, max_value=20.0, value=default_loss, step=0.1, key="l03_loss"
    )
    vocab_size = right.number_input(
        labels("vocab_size"), min_value=2, max_value=100_000, value=default_v, step=1, key="l03_v"
    )
    a, b, c = st.columns(3)
    ln_v, ppl = number(uniform_loss(vocab_size), ".2f"), number(perplexity(nats), ".1f")
    a.metric(labels("bits"), number(bits(nats), ".2f"))
    b.metric(labels("perplexity"), ppl)
    c.metric(labels("uniform"), ln_v)
    verdict = "better" if nats < uniform_loss(vocab_size) else "worse"
    st.caption(labels(verdict, v=vocab_size, ln_v=ln_v, ppl=ppl))


def _show(text: str) -> str:
    return "".join(readable(c) for c in text)


# --- 4 · watching training ----------------------------------------------------------------------------

OVERFITTING_MODEL = "zen_char_lstm"  # the Zen of Python, learnt by heart (pretrained/build.py)


def _recorded_history(model: PretrainedModel) -> list[HistoryRow]:
    return [HistoryRow(e.step, e.seconds, e.train_loss, e.val_loss) for e in model.evaluations]


def _recorded_loss_chart(model: PretrainedModel, checkpoint: Checkpoint, marked_step: int, key: str) -> None:
    """The losses of a shipped model's training, as the Train page draws them, with ``marked_step`` marked."""
    curve = curve_from_history(model_title(model.title), _recorded_history(model))
    figure = loss_figure(
        [curve],
        references=checkpoint.training.get("references"),
        token_name=t(f"unit.{checkpoint.vocab.level}"),
        texts=loss_chart_texts(),
    )
    figure.add_vline(x=marked_step, line_width=2, line_color="#444444")
    figure.update_layout(height=320, margin={"t": 30, "b": 40})
    st.plotly_chart(figure, key=key, config={"displaylogo": False})


def watching_training(labels, checkpoint: Checkpoint | None) -> None:
    """Replay the Shakespeare model's training (samples and losses, evaluation by evaluation), then
    the Zen model that learnt its text by heart: its curves part, and what it writes is a copy."""
    shakespeare = find_pretrained(DEFAULT_PRETRAINED)
    if not needs_model(labels, checkpoint) or shakespeare is None:
        return
    record = shakespeare.evaluations
    if not record:
        st.info(labels("no_record"))
        return
    steps = [e.step for e in record]
    shown_steps = {step: number(step) for step in steps}  # formatted now: in the learner's language
    step = st.select_slider(labels("step"), options=steps, key="l04_step", format_func=shown_steps.__getitem__)
    shown = record[steps.index(step)]
    first, second = st.columns(2)
    with first:
        st.markdown(f"**{labels('greedy_sample')}**")
        st.code(shown.sample_greedy, language=None, wrap_lines=True)
    with second:
        st.markdown(f"**{labels('sampled_sample')}**")
        st.code(shown.sample_sampled, language=None, wrap_lines=True)
    st.caption(
        labels(
            "losses",
            step=number(step),
            last=number(steps[-1]),
            train=number(shown.train_loss, ".2f"),
            val=number(shown.val_loss, ".2f"),
            v=checkpoint.vocab.size,
            ln_v=number(uniform_loss(checkpoint.vocab.size), ".2f"),
        )
    )
    _recorded_loss_chart(shakespeare, checkpoint, step, "l04_chart")
    overfitting(labels)
    st.page_link("app_pages/train.py", label=labels("to_train"), icon=":material/model_training:")


def overfitting(labels) -> None:
    """The Zen model's curves (lowest validation loss marked) and how much of what it writes is copied."""
    zen = find_pretrained(OVERFITTING_MODEL)
    checkpoint = load_pretrained(OVERFITTING_MODEL)
    if zen is None or checkpoint is None or not zen.evaluations:
        st.info(labels("no_zen"))
        return
    st.markdown(f"##### {labels('zen_heading')}")
    best = min(zen.evaluations, key=lambda e: e.val_loss)
    last = zen.evaluations[-1]
    _recorded_loss_chart(zen, checkpoint, best.step, "l04_zen_chart")
    st.caption(
        labels(
            "zen_losses",
            best_step=number(best.step),
            best_val=number(best.val_loss, ".2f"),
            last_step=number(last.step),
            train=number(last.train_loss, ".2f"),
            val=number(last.val_loss, ".2f"),
            ln_v=number(uniform_loss(checkpoint.vocab.size), ".2f"),
        )
    )
    prompt = st.text_input(labels("prompt"), value="Beautiful is ", key="l04_zen_prompt")
    try:
        settings = SamplingSettings(temperature=0.8)
        result = generate(checkpoint.model, checkpoint.vocab, prompt, length=200, settings=settings, seed=1)
    except RnnLabError as error:
        show_error(error)
        return
    st.code(result.full_text, language=None, wrap_lines=True)
    copied = longest_copy(result.text, load_builtin("zen"))
    length = 0 if copied is None else len(copied.text)
    st.caption(labels("zen_copy", copied=number(length), total=number(len(result.text))))


# --- 5 · greedy decoding -------------------------------------------------------------------------------


def greedy(labels, checkpoint: Checkpoint | None) -> None:
    """Greedy continuation of a prompt, with the loop it ends in marked."""
    if not needs_model(labels, checkpoint):
        return
    left, right = st.columns([3, 2])
    # A prompt whose greedy text soon falls into a loop with the shipped Shakespeare model.
    prompt = left.text_input(labels("prompt"), value="To be or not to be", key="l05_prompt")
    length = right.slider(labels("length"), min_value=20, max_value=600, value=300, step=10, key="l05_length")
    try:
        result = generate(checkpoint.model, checkpoint.vocab, prompt, length=length, greedy=True)
    except RnnLabError as error:
        show_error(error)
        return
    pieces = [step.token for step in result.steps]
    loop = find_loop(pieces, level=result.level)
    st.markdown(_marked_text(prompt, pieces, loop), unsafe_allow_html=True)
    if loop is None:
        st.caption(labels("no_loop", length=length))
    else:
        st.caption(
            labels(
                "loop",
                start=loop.start,
                cycle=_show(loop.cycle_text).replace("`", "ˋ"),
                cycle_length=loop.cycle_length,
                repeats=loop.repeats,
            )
        )


def _marked_text(prompt: str, pieces: list[str], loop) -> str:
    """The prompt in grey, the continuation, its looping end highlighted (first cycle stronger)."""
    if loop is None:
        body = html.escape("".join(pieces))
    else:
        head = html.escape("".join(pieces[: loop.start]))
        first = html.escape("".join(pieces[loop.start : loop.start + loop.cycle_length]))
        rest = html.escape("".join(pieces[loop.start + loop.cycle_length :]))
        body = f'{head}<mark style="background:#ffa94d">{first}</mark><mark style="background:#ffe8cc">{rest}</mark>'
    return (
        '<div style="white-space: break-spaces; overflow-wrap: anywhere; font-family: monospace; line-height: 1.5">'
        f'<span style="color:#868e96">{html.escape(prompt)}</span>{body}</div>'
    )


# --- 6 · sampling --------------------------------------------------------------------------------------


def sampling(labels, checkpoint: Checkpoint | None) -> None:
    """The distribution after a prompt, and a tally of 20 draws from it."""
    if not needs_model(labels, checkpoint):
        return
    # A prompt after which the shipped Shakespeare model finds a space and "e" about equally likely
    # (lesson 6's text says so; tests/app/test_lessons_numbers.py checks it on the real model).
    dist = prompt_distribution(labels, checkpoint, "l06_prompt", SAMPLING_PROMPT)
    if dist is None:
        return
    prompt = st.session_state["l06_prompt"]
    draws_key = "l06_draws"
    if st.button(labels("draw", n=DRAWS), key="l06_draw", type="primary"):
        st.session_state["l06_clicks"] = st.session_state.get("l06_clicks", 0) + 1
        generator = torch.Generator().manual_seed(st.session_state["l06_clicks"])
        probs = dist.stages[-1].probs
        drawn = [choose_token(probs, greedy=False, generator=generator) for _ in range(DRAWS)]
        st.session_state[draws_key] = (prompt, drawn)
    saved = st.session_state.get(draws_key)
    drawn = saved[1] if saved and saved[0] == prompt else None

    rows = dist.top(8)
    if drawn is not None:
        shown = {row.token_id for row in rows}
        rows += [row for row in dist.top(len(dist.tokens)) if row.token_id in set(drawn) - shown]
        extra = {
            labels("drawn", n=DRAWS): [drawn.count(row.token_id) for row in rows],
            labels("expected"): [number(DRAWS * row.final, ".1f") for row in rows],
        }
    else:
        extra = None
    show_probability_table(labels, probability_table(labels, rows, extra=extra))
    if drawn is None:
        st.caption(labels("before_draw", n=DRAWS))
    else:
        st.code(" ".join(readable(dist.tokens[i]) for i in drawn), language=None)
        st.caption(labels("after_draw", n=DRAWS))


# --- 7 · temperature -----------------------------------------------------------------------------------


def temperature(labels, checkpoint: Checkpoint | None) -> None:
    """A temperature slider (log scale) redrawing the bars, with the entropy in bits."""
    if not needs_model(labels, checkpoint):
        return
    left, right = st.columns([2, 3])
    prompt = left.text_input(labels("prompt"), value="ROMEO: I will ", key="l07_prompt")
    t = right.select_slider(
        labels("temperature"), options=TEMPERATURES, value=1.0, format_func=temperature_stops().__getitem__, key="l07_t"
    )
    try:
        dist = next_token_distribution(checkpoint.model, checkpoint.vocab, prompt, SamplingSettings(temperature=t))
    except RnnLabError as error:
        show_error(error)
        return
    rows = dist.top(15)
    tokens_shown = [readable(row.token) for row in rows]
    figure = go.Figure(
        [
            go.Bar(x=tokens_shown, y=[row.original for row in rows], name=labels("model_bars"), marker_color="#ffc9a8"),
            go.Bar(
                x=tokens_shown,
                y=[row.final for row in rows],
                name=labels("t_bars", t=number(t, "g")),
                marker_color="#d9480f",
            ),
        ]
    )
    figure.update_layout(
        barmode="group",
        height=320,
        margin=dict(l=10, r=10, t=30, b=10),
        yaxis=dict(title=labels("probability"), range=[0, 1], tickformat=".0%"),
        xaxis=dict(type="category"),
        legend=dict(orientation="h", y=1.12),
        separators=distribution_chart_texts().separators,
    )
    st.plotly_chart(figure, key="l07_chart")
    a, b, c = st.columns(3)
    a.metric(labels("entropy"), labels("bits_value", bits=number(dist.entropy_bits_final, ".2f")))
    b.metric(labels("choices"), number(dist.effective_choices_final, ".1f"))
    c.metric(labels("uniform"), labels("bits_value", bits=number(math.log2(checkpoint.vocab.size), ".2f")))


# --- 8 · top-k, top-p, min-p, repetition penalty --------------------------------------------------------


def filters(labels, checkpoint: Checkpoint | None) -> None:
    """Which tokens survive each stage of the sampling pipeline, in our order or with temperature last."""
    if not needs_model(labels, checkpoint):
        return
    vocab = checkpoint.vocab
    prompt = st.text_input(labels("prompt"), value="ROMEO: I will ", key="l08_prompt")
    a, b, c = st.columns(3)
    penalty = a.slider(labels("penalty"), 1.0, 2.0, 1.0, 0.1, key="l08_penalty")
    t = b.select_slider(
        labels("temperature"), options=TEMPERATURES, value=1.0, format_func=temperature_stops().__getitem__, key="l08_t"
    )
    top_k = c.slider(labels("top_k"), 0, vocab.size, 0, key="l08_top_k")
    d, e, f = st.columns(3)
    top_p = d.slider(labels("top_p"), 0.05, 1.0, 1.0, 0.05, key="l08_top_p")
    min_p = e.slider(labels("min_p"), 0.0, 0.5, 0.0, 0.01, key="l08_min_p")
    temperature_last = f.toggle(labels("temperature_last"), key="l08_t_last")
    try:
        settings = SamplingSettings(temperature=t, top_k=top_k, top_p=top_p, min_p=min_p, repetition_penalty=penalty)
        ids = encode_prompt(vocab, prompt)
        logits = next_token_distribution(checkpoint.model, vocab, prompt, SamplingSettings()).stages[0].logits
    except RnnLabError as error:
        show_error(error)
        return
    processors = settings.processors(ids)
    if temperature_last:
        processors = [p for p in processors if not isinstance(p, Temperature)] + [
            p for p in processors if isinstance(p, Temperature)
        ]
    stages = apply_processors(logits, processors)
    names = {
        "model": labels("stage_model"),
        RepetitionPenalty.name: labels("stage_penalty"),
        Temperature.name: labels("stage_temperature"),
        TopK.name: "top-k",
        TopP.name: "top-p",
        MinP.name: "min-p",
    }
    order = sorted(range(vocab.size), key=lambda i: (-float(stages[0].probs[i]), i))[:12]
    table = {labels("token"): [readable(vocab.tokens[i]) for i in order]}
    for stage in stages:
        table[names[stage.name]] = [percent(float(stage.probs[i])) if bool(stage.kept[i]) else "✗" for i in order]
    st.dataframe(pd.DataFrame(table), hide_index=True)
    counts = " → ".join(f"{names[stage.name]} {int(stage.kept.sum())}" for stage in stages)
    st.caption(labels("survivors", counts=counts))
    final = stages[-1].probs
    st.caption(labels("final_entropy", bits=number(entropy_bits(final), ".2f")))


# --- 9 · beyond text -----------------------------------------------------------------------------------


def beyond_text(labels, checkpoint: Checkpoint | None) -> None:
    """Diagrams of one-to-many captioning and sequence-to-sequence translation around the same decoder loop."""
    kind = translated_choice(
        st.radio,
        labels("choose"),
        ["captioning", "translation"],
        key="l09_kind",
        default="captioning",
        format_func=lambda k: labels(k),
        horizontal=True,
    )
    st.graphviz_chart(_diagram(labels, kind))
    st.caption(labels(f"{kind}_caption"))
    start_states(labels, checkpoint)


START_TOKEN = "\n"  # the character models' "start of a new line", as a start token starts a decoder
START_SETTINGS = SamplingSettings(temperature=0.7)  # with seed 1: the same random draws in both columns


def start_states(labels, checkpoint: Checkpoint | None) -> None:
    """The same decoder and start token from two start states: each state is what the Shakespeare
    model holds after reading a text, as a decoder's start state is what its encoder read."""
    st.markdown(f"##### {labels('live_heading')}")
    if not needs_model(labels, checkpoint):
        return
    sources = {"l09_source_a": "ROMEO:", "l09_source_b": "KING HENRY VI:"}  # key: default
    for column, (key, default) in zip(st.columns(2), sources.items(), strict=True):
        with column:
            source = st.text_input(labels("source"), value=default, key=key)
            try:
                model, vocab = checkpoint.model, checkpoint.vocab
                decoded = generate(model, vocab, source + START_TOKEN, length=150, settings=START_SETTINGS, seed=1)
            except RnnLabError as error:
                show_error(error)
                continue
            st.code(decoded.text, language=None, wrap_lines=True)
    st.caption(labels("live_caption"))


def _diagram(labels, kind: str) -> str:
    """Graphviz DOT: an encoder on the left, the shared next-token loop on the right."""

    def node(name: str, label: str, colour: str, shape: str = "box") -> str:
        return f'{name} [label="{label}", shape={shape}, style="rounded,filled", fillcolor="{colour}"];'

    lines = [
        "digraph {",
        "rankdir=LR;",
        'node [fontname="Helvetica", fontsize=11];',
        'edge [fontname="Helvetica", fontsize=10];',
    ]
    if kind == "captioning":
        lines += [
            node("input", labels("image"), "#e7f5ff", "note"),
            node("encoder", labels("cnn"), "#d0ebff"),
        ]
        words = labels("caption_words").split()
    else:
        source = labels("source_words").split()
        lines.append('subgraph cluster_source { style=dashed; color="#adb5bd";')
        lines.append(f'label="{labels("encoder_rnn")}";')
        for i, word in enumerate(source):
            lines.append(node(f"s{i}", word, "#d0ebff"))
        lines.append("}")
        lines += [f"s{i} -> s{i + 1};" for i in range(len(source) - 1)]
        lines.append(f"s{len(source) - 1} -> state;")
        words = labels("target_words").split()
    lines.append(node("state", labels("state"), "#fff3bf", "ellipse"))
    if kind == "captioning":
        lines += ["input -> encoder;", "encoder -> state;"]
    lines.append('subgraph cluster_decoder { style=dashed; color="#d9480f";')
    lines.append(f'label="{labels("decoder")}";')
    for i, word in enumerate(words):
        lines.append(node(f"d{i}", labels("step", n=i + 1), "#ffe8cc"))
        lines.append(node(f"w{i}", word, "#ffffff", "plaintext"))
    lines.append("}")
    lines.append("state -> d0;")
    for i in range(len(words)):
        lines.append(f'd{i} -> w{i} [label="{labels("choose_token")}"];')
        if i + 1 < len(words):
            lines.append(f'w{i} -> d{i + 1} [style=dashed, label="{labels("fed_back")}"];')
    lines.append("}")
    return "\n".join(lines)
