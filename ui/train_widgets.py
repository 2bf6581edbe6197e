"""The pieces of the Train page: text source, settings, controls, live panel and results.

Each function lays out widgets and calls the library; ``app_pages/train.py`` only puts them in order.
The training itself runs in a :class:`rnnlab.job.TrainingJob` thread that never calls Streamlit:
the live panel is a fragment that polls the job (``st.fragment(run_every=...)``) while it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from rnnlab.builtin_corpora import BUILTIN_CORPORA, load_builtin
from rnnlab.corpus import LoadedText, check_trainable, decode_text, min_tokens_for_training
from rnnlab.errors import CorpusError, RnnLabError
from rnnlab.job import TrainingJob
from rnnlab.loss_chart import curve_from_events, loss_figure
from rnnlab.metrics import bits
from rnnlab.trainer import TrainConfig, Trainer, TrainingEvent
from rnnlab.vocab import UNKNOWN, Vocabulary, tokenize
from ui.state import Run, run_choice, session_runs, set_current_model

# --- settings --------------------------------------------------------------------------------

_DEFAULT = TrainConfig()


def _options(values: tuple, default) -> tuple:
    """The choices of a slider, always including TrainConfig's default."""
    return tuple(sorted({*values, default}))


LEVELS = ("char", "word")
CELLS = ("rnn", "lstm", "gru")
HIDDEN_SIZES = _options((32, 64, 128, 256, 512), _DEFAULT.hidden_size)
LAYERS = _options((1, 2, 3), _DEFAULT.num_layers)
SEQ_LENS = _options((16, 32, 64, 128, 256), _DEFAULT.seq_len)
BATCH_SIZES = _options((8, 16, 32, 64, 128), _DEFAULT.batch_size)
LEARNING_RATES = _options((1e-4, 3e-4, 1e-3, 2e-3, 4e-3, 6e-3, 1e-2, 3e-2, 1e-1), _DEFAULT.learning_rate)

# Setting name (a TrainConfig field) -> its default; the widget key is "train_" + name.
SETTING_DEFAULTS = {
    "level": _DEFAULT.level,
    "cell": _DEFAULT.cell,
    "hidden_size": _DEFAULT.hidden_size,
    "num_layers": _DEFAULT.num_layers,
    "seq_len": _DEFAULT.seq_len,
    "batch_size": _DEFAULT.batch_size,
    "learning_rate": _DEFAULT.learning_rate,
    "max_seconds": int(_DEFAULT.max_seconds or 60),
}

PRESETS = {
    "Quick demo (20 s)": {
        "cell": "lstm",
        "hidden_size": 128,
        "num_layers": 1,
        "seq_len": 64,
        "batch_size": 16,
        "learning_rate": 1e-2,
        "max_seconds": 20,
    },
    "Better (2 min)": {
        "cell": "lstm",
        "hidden_size": 256,
        "num_layers": 1,
        "seq_len": 64,
        "batch_size": 32,
        "learning_rate": 6e-3,
        "max_seconds": 120,
    },
}

CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
LEVEL_NAMES = {"char": "Characters", "word": "Words"}

# Polling period of the live panel while a run trains (a paused or finished run is not polled).
POLL_SECONDS = 0.5
# How long a button waits for the training thread to act on a command (pause, step...).
COMMAND_WAIT_SECONDS = 3.0

START_REQUEST_KEY = "train_start_request"  # set by the Start button, handled by the page


def setting_key(name: str) -> str:
    return f"train_{name}"


def _init_state(defaults: dict[str, object]) -> None:
    """Give each widget its default through Session State (so presets can change it later)."""
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def apply_preset(name: str) -> None:
    """Callback of a preset button: set the widgets before they are drawn."""
    for setting, value in PRESETS[name].items():
        st.session_state[setting_key(setting)] = value


def use_seq_len(value: int) -> None:
    st.session_state[setting_key("seq_len")] = value


def _format_rate(rate: float) -> str:
    return f"{rate:g}"


def settings_panel() -> dict:
    """The training settings (widgets with help); returns TrainConfig keyword arguments."""
    _init_state({setting_key(name): value for name, value in SETTING_DEFAULTS.items()})
    st.subheader("2 · Settings")
    with st.container(horizontal=True):
        for name in PRESETS:
            st.button(
                name,
                on_click=apply_preset,
                args=(name,),
                key=f"train_preset_{name}",
                icon=":material/tune:",
                help="Set all the settings below to a tried recipe (the text stays as it is).",
            )

    keep = {"persist_state": "session"}
    level = st.radio(
        "Tokens",
        LEVELS,
        format_func=LEVEL_NAMES.get,
        horizontal=True,
        key=setting_key("level"),
        help="What the model reads and predicts: one character at a time (it must learn to spell) "
        "or one word or punctuation mark at a time (needs a longer text).",
        **keep,
    )
    cell = st.radio(
        "Cell",
        CELLS,
        format_func=CELL_NAMES.get,
        horizontal=True,
        key=setting_key("cell"),
        help="The recurrent unit that carries a memory from one token to the next. A plain RNN "
        "forgets quickly; LSTM and GRU have gates that decide what to keep, so they remember longer.",
        **keep,
    )
    left, right = st.columns(2)
    with left:
        hidden_size = st.select_slider(
            "Hidden size",
            HIDDEN_SIZES,
            key=setting_key("hidden_size"),
            help="How many numbers the memory holds. Bigger learns more, but is slower.",
            **keep,
        )
        seq_len = st.select_slider(
            "Sequence length",
            SEQ_LENS,
            key=setting_key("seq_len"),
            help="How many tokens the model reads in one go during training: the longest pattern it is shown at once.",
            **keep,
        )
        learning_rate = st.select_slider(
            "Learning rate",
            LEARNING_RATES,
            format_func=_format_rate,
            key=setting_key("learning_rate"),
            help="How big a step the weights take after each batch (log scale). Too small: slow. "
            "Too large: the loss jumps around or training diverges.",
            **keep,
        )
    with right:
        num_layers = st.select_slider(
            "Layers",
            LAYERS,
            key=setting_key("num_layers"),
            help="Recurrent layers stacked on top of each other. One is enough to start.",
            **keep,
        )
        batch_size = st.select_slider(
            "Batch size",
            BATCH_SIZES,
            key=setting_key("batch_size"),
            help="How many pieces of text are read side by side in one step. Bigger batches give "
            "smoother but slower steps.",
            **keep,
        )
        max_seconds = st.number_input(
            "Time budget (seconds)",
            min_value=1,
            max_value=3600,
            step=10,
            key=setting_key("max_seconds"),
            help="Training stops after this much training time (pauses do not count).",
            **keep,
        )
    return {
        "level": level,
        "cell": cell,
        "hidden_size": hidden_size,
        "num_layers": num_layers,
        "seq_len": seq_len,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "max_seconds": float(max_seconds),
    }


# --- the text --------------------------------------------------------------------------------

SOURCES = {
    "builtin": "Built-in text",
    "upload": "Upload a .txt file",
    "paste": "Paste text",
}
PREVIEW_CHARS = 300
VOCABULARY_HELP = (
    f"The vocabulary is every token the model can predict, plus {UNKNOWN} standing for the rare ones left out."
)
# Loads at once and trains with the default settings (the Zen of Python is too short for them).
DEFAULT_BUILTIN = "python" if "python" in BUILTIN_CORPORA else next(iter(BUILTIN_CORPORA))


@dataclass(frozen=True)
class Source:
    """The text to train on and what to call it."""

    name: str
    loaded: LoadedText

    @property
    def text(self) -> str:
        return self.loaded.text


@st.cache_data(show_spinner=False, max_entries=4)
def _decode(data: bytes) -> LoadedText:
    return decode_text(data)


@st.cache_data(show_spinner=False, max_entries=8)
def token_stats(text: str, level: str) -> dict[str, int]:
    """Token count, distinct tokens, vocabulary size and the rare tokens folded into the unknown one."""
    tokens = tokenize(text, level)
    distinct = set(tokens) - {UNKNOWN}
    vocab = Vocabulary.build(text, level)
    folded = len(distinct) - (vocab.size - 1)
    return {
        "tokens": len(tokens),
        "distinct": len(distinct),
        "vocab": vocab.size,
        "folded": folded,
        "folded_occurrences": vocab.count_unknown(text) if folded else 0,
    }


def _load_builtin_source() -> Source | None:
    name = st.selectbox(
        "Built-in text",
        list(BUILTIN_CORPORA),
        format_func=lambda key: BUILTIN_CORPORA[key].title,
        index=list(BUILTIN_CORPORA).index(DEFAULT_BUILTIN),
        key="train_builtin",
        persist_state="session",
    )
    corpus = BUILTIN_CORPORA[name]
    st.caption(corpus.description)
    with st.spinner(f"Reading {corpus.title}..."):
        text = load_builtin(name)
    return Source(corpus.title, LoadedText(text, "utf-8"))


def _load_uploaded_source() -> Source | None:
    uploaded = st.file_uploader(
        "Upload a .txt file",
        type=["txt", "md"],
        key="train_upload",
        help="Plain text, up to 5 MB. UTF-8 is best; other encodings are guessed.",
    )
    if uploaded is None:
        st.info("Choose a plain-text file: a book, song lyrics, your own notes...")
        return None
    return Source(uploaded.name, _decode(uploaded.getvalue()))


def _load_pasted_source() -> Source | None:
    pasted = st.text_area(
        "Paste text",
        key="train_pasted",
        height=180,
        placeholder="Paste a few pages of text here (the more, the better).",
        persist_state="session",
    )
    if not pasted or not pasted.strip():
        st.info("Paste some text above, then press Ctrl+Enter (or click outside the box).")
        return None
    return Source("pasted text", _decode(pasted.encode("utf-8", errors="surrogatepass")))


def text_panel() -> Source | None:
    """Where the text comes from; shows the library's message in place when it cannot be used."""
    st.subheader("1 · Text")
    kind = st.radio(
        "Where does the text come from?",
        list(SOURCES),
        format_func=SOURCES.get,
        horizontal=True,
        key="train_source",
        persist_state="session",
    )
    loaders = {"builtin": _load_builtin_source, "upload": _load_uploaded_source, "paste": _load_pasted_source}
    try:
        return loaders[kind]()
    except RnnLabError as error:
        st.error(str(error), icon=":material/block:")
        return None


def _largest_workable(options: tuple[int, ...], count: int, val_fraction: float) -> int | None:
    fitting = [n for n in options if min_tokens_for_training(n, val_fraction) <= count]
    return max(fitting) if fitting else None


def text_summary(source: Source, settings: dict) -> bool:
    """What was loaded (counts, preview, warnings); True when it can be trained on with ``settings``."""
    level, seq_len = settings["level"], settings["seq_len"]
    stats = token_stats(source.text, level)
    counts = [
        f"**{source.loaded.num_chars:,}** characters",
        f"**{source.loaded.num_symbols:,}** distinct symbols",
    ]
    if level == "word":
        counts.append(f"**{stats['tokens']:,}** tokens (words and punctuation marks)")
    counts.append(f"vocabulary of **{stats['vocab']:,}** {'symbols' if level == 'char' else 'tokens'}")
    st.markdown(" · ".join(counts), help=VOCABULARY_HELP)
    st.caption(f"Preview of **{_escape(source.name)}** (first {PREVIEW_CHARS} characters):")
    st.code(source.text[:PREVIEW_CHARS], language=None, wrap_lines=True)
    for warning in source.loaded.warnings:
        st.warning(warning, icon=":material/warning:")
    if stats["folded"]:
        st.info(
            f"{stats['folded']:,} rare symbols ({stats['folded_occurrences']:,} occurrences) are "
            f"folded into {UNKNOWN}: the model treats them all as one unknown symbol.",
            icon=":material/info:",
        )
    try:
        check_trainable(source.text, level=level, seq_len=seq_len, val_fraction=_DEFAULT.val_fraction)
    except CorpusError as error:
        st.error(str(error), icon=":material/content_cut:")
        shorter = _largest_workable(SEQ_LENS, stats["tokens"], _DEFAULT.val_fraction)
        if shorter is not None and shorter < seq_len:
            st.button(
                f"Use sequence length {shorter}",
                on_click=use_seq_len,
                args=(shorter,),
                key="train_use_seq_len",
                type="primary",
            )
        return False
    return True


# --- the controls ----------------------------------------------------------------------------


def _wait_until(condition: Callable[[], bool], timeout: float = COMMAND_WAIT_SECONDS) -> None:
    """Give the training thread a moment to act on a command, so the page shows its new state."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def request_start(single_step: bool = False) -> None:
    """Callback of Start (and of Step once with no run): the page builds the run where the buttons are."""
    st.session_state[START_REQUEST_KEY] = "step" if single_step else "start"


def _start_requested_run(source: Source | None, settings: dict) -> None:
    """Build a Trainer, wrap it in a job and start it, if Start was clicked and no run is active.

    Runs in the page (not in the callback) so that a spinner shows while a long text is encoded.
    A double click, or Start in a second tab, finds the active run and does nothing.
    """
    request = st.session_state.pop(START_REQUEST_KEY, None)
    runs = session_runs()
    if request is None or source is None or runs.active is not None:
        return
    single_step = request == "step"
    with st.spinner("Preparing the text and building the model..." + (" and taking one step" if single_step else "")):
        try:
            trainer = Trainer(source.text, TrainConfig(**settings), corpus_name=source.name)
        except RnnLabError as error:
            st.error(str(error), icon=":material/block:")
            return
        run = runs.start(TrainingJob(trainer), source.name, single_step=single_step)
        if run is not None and single_step:
            _wait_until(lambda: trainer.step >= 1 or not run.job.is_active, timeout=10.0)


def pause_run() -> None:
    run = session_runs().active
    if run is not None:
        run.job.pause()
        _wait_until(lambda: run.job.state != "running")


def resume_run() -> None:
    run = session_runs().active
    if run is not None:
        run.job.resume()
        _wait_until(lambda: run.job.state != "paused")


def stop_run() -> None:
    run = session_runs().active
    if run is not None:  # nothing to stop: nothing happens
        run.job.stop()
        run.job.wait(COMMAND_WAIT_SECONDS)


def step_run() -> None:
    run = session_runs().active
    if run is None:  # no run yet: make one that takes a single step
        request_start(single_step=True)
        return
    before = run.trainer.step
    run.job.step_once()
    _wait_until(lambda: run.trainer.step > before or not run.job.is_active)


def controls(source: Source | None, settings: dict, trainable: bool) -> None:
    """Start / Pause / Resume / Stop / Step once, each enabled only when it means something."""
    st.subheader("3 · Train")
    _start_requested_run(source if trainable else None, settings)
    active = session_runs().active
    state = active.job.state if active else None
    can_start = active is None and source is not None and trainable
    columns = st.columns(5)
    columns[0].button(
        "Start",
        type="primary",
        icon=":material/play_arrow:",
        key="train_start",
        on_click=request_start,
        disabled=not can_start,
        width="stretch",
        help="Build a new model with these settings and train it.",
    )
    columns[1].button(
        "Pause",
        icon=":material/pause:",
        key="train_pause",
        on_click=pause_run,
        disabled=state != "running",
        width="stretch",
    )
    columns[2].button(
        "Resume",
        icon=":material/resume:",
        key="train_resume",
        on_click=resume_run,
        disabled=state != "paused",
        width="stretch",
    )
    columns[3].button(
        "Stop",
        icon=":material/stop:",
        key="train_stop",
        on_click=stop_run,
        disabled=active is None,
        width="stretch",
        help="Stop training; the model keeps what it learned so far.",
    )
    columns[4].button(
        "Step once",
        icon=":material/skip_next:",
        key="train_step",
        on_click=step_run,
        disabled=not (state == "paused" or can_start),
        width="stretch",
        help="Train on exactly one batch, then wait: watch one step at a time.",
    )


# --- the live panel --------------------------------------------------------------------------

STATE_BADGES = {
    "ready": ("ready", "gray", ":material/hourglass_empty:"),
    "running": ("training", "blue", ":material/model_training:"),
    "paused": ("paused", "orange", ":material/pause:"),
    "finished": ("finished", "green", ":material/check_circle:"),
    "stopped": ("stopped", "gray", ":material/stop_circle:"),
    "diverged": ("diverged", "red", ":material/error:"),
    "failed": ("failed", "red", ":material/bug_report:"),
}
UNIT_NAMES = {"nats": "nats", "bits": "bits", "perplexity": "perplexity"}
X_AXIS_NAMES = {"step": "steps", "seconds": "seconds"}


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s"


def progress_text(run: Run, last_step: TrainingEvent | None) -> str:
    """'ETA 12 s · 23,000 chars/s · step 120' (or 'done · ...' when the run is over)."""
    trainer = run.trainer
    progress = trainer.progress
    if not run.job.is_active:
        eta = run.job.state
    elif progress > 0:
        eta = f"ETA {_duration(trainer.seconds * (1 - progress) / progress)}"
    else:
        eta = "starting"
    parts = [eta]
    if last_step is not None and last_step.chars_per_second:
        parts.append(f"{last_step.chars_per_second:,.0f} chars/s")
    parts.append(f"step {trainer.step:,}")
    return " · ".join(parts)


def token_name(run: Run) -> str:
    return "character" if run.trainer.config.level == "char" else "token"


def _metrics(run: Run, evals: list[TrainingEvent], last_step: TrainingEvent | None) -> None:
    columns = st.columns(4)
    if evals:
        latest = evals[-1].val_loss
        previous = evals[-2].val_loss if len(evals) > 1 else None
        columns[0].metric(
            "Validation loss",
            f"{latest:.3f} nats",
            delta=None if previous is None or abs(latest - previous) < 5e-4 else f"{latest - previous:+.3f}",
            delta_color="inverse",
            help="Cross-entropy on text the model never trains on (lower is better); "
            "the change is since the previous evaluation.",
        )
        per_char = bits(latest) / run.trainer.chars_per_token
        columns[1].metric(
            "Bits per character",
            f"{per_char:.2f}",
            help="How many yes/no questions the model needs, on average, to guess the next character.",
        )
    columns[2].metric("Steps", f"{run.trainer.step:,}")
    if last_step is not None and last_step.learning_rate is not None:
        columns[3].metric("Learning rate now", f"{last_step.learning_rate:.2g}", help="It warms up, then decays.")


def _chart(run: Run, events: list[TrainingEvent]) -> None:
    runs = session_runs()
    others = [other for other in runs.runs if other.number != run.number and other.job.events]
    left, middle, right = st.columns([1, 1, 1])
    x_axis = left.radio(
        "x axis",
        list(X_AXIS_NAMES),
        format_func=X_AXIS_NAMES.get,
        horizontal=True,
        key="train_chart_x",
        persist_state="session",
    )
    unit = middle.radio(
        "Loss in",
        list(UNIT_NAMES),
        format_func=UNIT_NAMES.get,
        horizontal=True,
        key="train_chart_unit",
        persist_state="session",
        help="nats: natural log; bits: log base 2 (bits per character at character level); "
        "perplexity: as unsure as a choice between this many equally likely tokens.",
    )
    show_references = right.toggle(
        "Reference lines",
        value=True,
        key="train_chart_references",
        help="What simple counting gets: the loss to beat.",
    )
    overlay = []
    if others:
        overlay = st.multiselect(
            "Compare with earlier runs",
            [other.number for other in others],
            format_func=lambda number: runs.get(number).label,
            key="train_chart_overlay",
            placeholder="Pick runs to overlay their curves",
        )
    curves = [curve_from_events(run.label, events)]
    curves += [curve_from_events(runs.get(n).label, runs.get(n).job.events_since(0)) for n in overlay]
    figure = loss_figure(
        curves,
        unit=unit,
        x_axis=x_axis,
        references=run.trainer.references if show_references else None,
        token_name=token_name(run),
    )
    # Keep the learner's zoom and hidden legend entries while new points arrive.
    figure.update_layout(uirevision=f"{run.number}-{unit}-{x_axis}")
    st.plotly_chart(figure, key="train_loss_chart", config={"displaylogo": False})
    if show_references:
        st.caption(
            "Solid line: training loss (smoothed); dashed line with dots: validation loss. "
            "Grey dashed lines are what simple counting gets on the validation text: **uniform** "
            "guesses every symbol equally (ln V), **unigram** knows how common each symbol is, "
            "**bigram** also looks at the previous symbol. Below the bigram line, the model uses "
            "more context than one symbol."
        )


PINNED_SAMPLES_KEY = "train_pinned_samples"  # run number -> the evaluation step the learner looks at


def _pin_samples(run_number: int, widget_key: str, latest: int) -> None:
    """The learner moved the samples slider: stay on that step (back on the newest: follow again)."""
    step = st.session_state[widget_key]
    st.session_state[PINNED_SAMPLES_KEY][run_number] = None if step == latest else step


def _samples(run: Run, evals: list[TrainingEvent]) -> None:
    by_step = {event.step: event for event in evals if event.sample_greedy is not None}
    if not by_step:
        return
    st.markdown("**What the model writes**")
    steps = list(by_step)
    latest = steps[-1]
    pinned = st.session_state.setdefault(PINNED_SAMPLES_KEY, {}).get(run.number)
    following = pinned not in by_step
    chosen = latest if following else pinned
    if len(steps) > 1:
        # While following, the key changes with every new evaluation, so a slider value the browser
        # sends back from before the last poll cannot pull the samples back to an older step.
        widget_key = f"train_samples_{run.number}_{latest if following else 'pinned'}"
        chosen = st.select_slider(
            "Samples after step",
            steps,
            value=chosen,
            key=widget_key,
            format_func=lambda step: f"{step:,}",
            on_change=_pin_samples,
            args=(run.number, widget_key, latest),
            help="Look back at what the model wrote earlier: noise first, then letters, words... "
            "Move it to the right end to follow the newest samples again.",
        )
    event = by_step[chosen]
    st.caption(f"Greedy: always the most likely next {token_name(run)} (step {chosen:,})")
    st.code(event.sample_greedy, language=None, wrap_lines=True)
    st.caption("Sampled at temperature 0.8: drawn at random from the model's probabilities")
    st.code(event.sample_sampled, language=None, wrap_lines=True)


def _escape(text: str) -> str:
    """Text shown literally inside Markdown (file names may contain * or _)."""
    return "".join("\\" + c if c in "\\`*_[]<>#|~:$" else c for c in text)


def _live_panel(run_number: int, state_when_drawn: str) -> None:
    run = session_runs().get(run_number)
    if run is None:
        return
    job = run.job
    if job.state != state_when_drawn:
        st.rerun()  # the whole page: buttons, results and the polling period follow the new state
    events = job.events_since(0)
    evals = [event for event in events if event.kind == "eval"]
    last_step = next((event for event in reversed(events) if event.kind == "step"), None)

    label, colour, icon = STATE_BADGES.get(job.state, (job.state, "gray", ":material/help:"))
    st.markdown(f"**{_escape(run.label)}** &nbsp; :{colour}-badge[{icon} {label}]")
    st.progress(run.trainer.progress, text=progress_text(run, last_step))
    if job.state == "diverged":
        st.error(job.message, icon=":material/error:")
    elif job.state == "failed":
        st.error(job.message, icon=":material/bug_report:")
    elif job.message:
        st.info(job.message)
    _metrics(run, evals, last_step)
    _chart(run, events)
    _samples(run, evals)


def live_panel() -> None:
    """The newest run's progress, loss chart and samples; refreshed every POLL_SECONDS while it trains."""
    runs = session_runs()
    run = runs.active or runs.latest
    if run is None:
        st.caption("Press **Start**: the loss chart and the model's first attempts at writing appear here.")
        return
    state = run.job.state
    every = POLL_SECONDS if state == "running" else None
    st.fragment(run_every=every)(_live_panel)(run.number, state)


# --- results ---------------------------------------------------------------------------------

DONE_STATES = ("finished", "stopped", "diverged")


def file_name(run: Run) -> str:
    config = run.trainer.config
    return f"charrnn-{run.number}-{config.cell}{config.hidden_size}.safetensors"


def results_panel() -> None:
    """Explore a finished run in Generate, download it, and compare all runs of the session."""
    runs = session_runs()
    done = [run for run in runs.runs if run.job.state in DONE_STATES and run.trainer.history]
    if not done:
        return
    st.subheader("4 · Use the model")
    run = done[-1]
    if len(done) > 1:
        number = st.selectbox(
            "Run",
            [r.number for r in done],
            index=len(done) - 1,
            format_func=lambda n: runs.get(n).label,
        )
        run = runs.get(number)
    left, right = st.columns(2)
    if left.button(
        "Explore in Generate", type="primary", icon=":material/casino:", key="train_explore", width="stretch"
    ):
        set_current_model(run_choice(run))
        st.switch_page("app_pages/generate.py")
    right.download_button(
        "Download the model",
        data=run.trainer.checkpoint_bytes,
        file_name=file_name(run),
        mime="application/octet-stream",
        on_click="ignore",
        icon=":material/download:",
        key="train_download",
        width="stretch",
        help="The weights and the vocabulary in one .safetensors file (no pickle): load it on the "
        "Generate page or with `python -m rnnlab generate`.",
    )
    if len(runs.runs) > 1:
        with st.expander(f"All {len(runs.runs)} runs of this session"):
            st.dataframe(
                [_run_row(other) for other in runs.runs],
                hide_index=True,
                width="stretch",
            )


def _run_row(run: Run) -> dict:
    history = run.trainer.history
    val = history[-1].val_loss if history else None
    return {
        "run": run.label,
        "state": run.job.state,
        "steps": run.trainer.step,
        "seconds": round(run.trainer.seconds, 1),
        "val loss (nats)": None if val is None else round(val, 3),
        "bits/char": None if val is None else round(bits(val) / run.trainer.chars_per_token, 3),
    }
