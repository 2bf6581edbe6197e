"""The pieces of the Train page: text source, settings, controls, live panel and results.

Each function lays out widgets and calls the library; ``app_pages/train.py`` only puts them in order.
The training itself runs in a :class:`rnnlab.job.TrainingJob` thread that never calls Streamlit:
the live panel is a fragment that polls the job (``st.fragment(run_every=...)``) while it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

from rnnlab.builtin_corpora import BUILTIN_CORPORA, load_builtin
from rnnlab.corpus import LoadedText, check_trainable, decode_text, min_tokens_for_training
from rnnlab.errors import CorpusError, RnnLabError
from rnnlab.loss_chart import curve_from_events, loss_figure
from rnnlab.metrics import bits
from rnnlab.trainer import TrainConfig, TrainingEvent
from rnnlab.training_cost import StepLimits, excess, training_cost
from rnnlab.vocab import UNKNOWN, Vocabulary, tokenize
from ui.i18n import corpus_words, labels, library_text, loss_chart_texts, number, ordinal, t, translated_choice
from ui.state import RUN_PARAM, Run, name_runs_in_url, new_trainer, run_choice, session_runs, set_current_model

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

# Preset id -> its settings; the button's label is t("train.preset." + id).
PRESETS = {
    "quick": {
        "cell": "lstm",
        "hidden_size": 128,
        "num_layers": 1,
        "seq_len": 64,
        "batch_size": 16,
        "learning_rate": 1e-2,
        "max_seconds": 20,
    },
    "better": {
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


def apply_preset(preset: str) -> None:
    """Callback of a preset button: set the widgets before they are drawn."""
    for setting, value in PRESETS[preset].items():
        st.session_state[setting_key(setting)] = value


def use_seq_len(value: int) -> None:
    st.session_state[setting_key("seq_len")] = value


def _format_rate(rate: float) -> str:
    return f"{rate:g}"


def _setting_slider(name: str, options: tuple, **kwargs):
    """The select slider of the TrainConfig field ``name``; its label and help are t("train." + name)."""
    return st.select_slider(
        t(f"train.{name}"),
        options,
        key=setting_key(name),
        help=t(f"train.{name}.help"),
        persist_state="session",
        **kwargs,
    )


def settings_panel() -> dict:
    """The training settings (widgets with help); returns TrainConfig keyword arguments."""
    _init_state({setting_key(name): value for name, value in SETTING_DEFAULTS.items()})
    st.subheader(t("train.settings.heading"))
    with st.container(horizontal=True):
        for preset in PRESETS:
            st.button(
                t(f"train.preset.{preset}"),
                on_click=apply_preset,
                args=(preset,),
                key=f"train_preset_{preset}",
                icon=":material/tune:",
                help=t("train.preset.help"),
            )

    level = translated_choice(
        st.radio,
        t("train.level"),
        LEVELS,
        key=setting_key("level"),
        format_func=labels("train.level", LEVELS).get,
        horizontal=True,
        help=t("train.level.help"),
    )
    cell = st.radio(
        t("train.cell"),
        CELLS,
        format_func=CELL_NAMES.get,
        horizontal=True,
        key=setting_key("cell"),
        help=t("train.cell.help"),
        persist_state="session",
    )
    left, right = st.columns(2)
    with left:
        hidden_size = _setting_slider("hidden_size", HIDDEN_SIZES)
        seq_len = _setting_slider("seq_len", SEQ_LENS)
        learning_rate = _setting_slider("learning_rate", LEARNING_RATES, format_func=_format_rate)
    with right:
        num_layers = _setting_slider("num_layers", LAYERS)
        batch_size = _setting_slider("batch_size", BATCH_SIZES)
        max_seconds = st.number_input(
            t("train.max_seconds"),
            min_value=1,
            max_value=3600,
            step=10,
            key=setting_key("max_seconds"),
            help=t("train.max_seconds.help"),
            persist_state="session",
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

SOURCES = ("builtin", "upload", "paste")  # each one's label is t("train.source." + source)
PREVIEW_CHARS = 300
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
    name = translated_choice(
        st.selectbox,
        t("train.source.builtin"),
        list(BUILTIN_CORPORA),
        key="train_builtin",
        format_func={name: corpus_words(name)[0] for name in BUILTIN_CORPORA}.get,
        default=DEFAULT_BUILTIN,
    )
    title, description = corpus_words(name)
    st.caption(description)
    with st.spinner(t("train.reading", title=title)):
        text = load_builtin(name)
    # The library's title names the run, the same in every language.
    return Source(BUILTIN_CORPORA[name].title, LoadedText(text, "utf-8"))


def _load_uploaded_source() -> Source | None:
    uploaded = st.file_uploader(
        t("train.source.upload"),
        type=["txt", "md"],
        key="train_upload",
        help=t("train.upload.help"),
    )
    if uploaded is None:
        st.info(t("train.upload.empty"))
        return None
    return Source(uploaded.name, _decode(uploaded.getvalue()))


def _load_pasted_source() -> Source | None:
    pasted = st.text_area(
        t("train.source.paste"),
        key="train_pasted",
        height=180,
        placeholder=t("train.paste.placeholder"),
        persist_state="session",
    )
    if not pasted or not pasted.strip():
        st.info(t("train.paste.empty"))
        return None
    return Source(t("train.paste.name"), _decode(pasted.encode("utf-8", errors="surrogatepass")))


def text_panel() -> Source | None:
    """Where the text comes from; shows the library's message in place when it cannot be used."""
    st.subheader(t("train.text.heading"))
    kind = translated_choice(
        st.radio,
        t("train.text.source"),
        SOURCES,
        key="train_source",
        format_func=labels("train.source", SOURCES).get,
        default=SOURCES[0],
        horizontal=True,
    )
    loaders = {"builtin": _load_builtin_source, "upload": _load_uploaded_source, "paste": _load_pasted_source}
    try:
        return loaders[kind]()
    except RnnLabError as error:
        st.error(library_text(str(error)), icon=":material/block:")
        return None


def _largest_workable(options: tuple[int, ...], count: int, val_fraction: float) -> int | None:
    fitting = [n for n in options if min_tokens_for_training(n, val_fraction) <= count]
    return max(fitting) if fitting else None


def text_summary(source: Source, settings: dict) -> bool:
    """What was loaded (counts, preview, warnings); True when it can be trained on with ``settings``."""
    level, seq_len = settings["level"], settings["seq_len"]
    stats = token_stats(source.text, level)
    counts = [
        t("train.count.chars", count=number(source.loaded.num_chars)),
        t("train.count.symbols", count=number(source.loaded.num_symbols)),
    ]
    if level == "word":
        counts.append(t("train.count.words", count=number(stats["tokens"])))
    counts.append(t(f"train.count.vocab.{level}", count=number(stats["vocab"])))
    st.markdown(" · ".join(counts), help=t("train.vocab.help", unknown=UNKNOWN))
    st.caption(t("train.preview", name=_escape(source.name), count=PREVIEW_CHARS))
    st.code(source.text[:PREVIEW_CHARS], language=None, wrap_lines=True)
    for warning in source.loaded.warnings:
        st.warning(library_text(warning), icon=":material/warning:")
    if stats["folded"]:
        st.info(
            t(
                "train.folded",
                folded=number(stats["folded"]),
                occurrences=number(stats["folded_occurrences"]),
                unknown=UNKNOWN,
            ),
            icon=":material/info:",
        )
    try:
        check_trainable(source.text, level=level, seq_len=seq_len, val_fraction=_DEFAULT.val_fraction)
    except CorpusError as error:
        st.error(library_text(str(error)), icon=":material/content_cut:")
        shorter = _largest_workable(SEQ_LENS, stats["tokens"], _DEFAULT.val_fraction)
        if shorter is not None and shorter < seq_len:
            st.button(
                t("train.use_seq_len", seq_len=shorter),
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
    with st.spinner(t("train.preparing_step" if single_step else "train.preparing")):
        try:
            trainer = new_trainer(source.text, TrainConfig(**settings), source.name)
        except RnnLabError as error:
            st.error(library_text(str(error)), icon=":material/block:")
            return
        # A shared server refuses a step that would take all its memory or many seconds of CPU.
        over = excess(training_cost(trainer.config, trainer.vocab.size), StepLimits.from_environment())
        if over:
            needs = t("train.too_big.and").join(
                t(f"train.too_big.{limit}", needed=number(needed, ",.0f"), allowed=number(allowed, ",.0f"))
                for limit, (needed, allowed) in over.items()
            )
            st.error(t("train.too_big", needs=needs), icon=":material/memory:")
            return
        run = runs.start(trainer, source.name, text=source.text, single_step=single_step)
        if run is not None:  # the address names it at once: a refresh while it trains comes back to it
            name_runs_in_url(runs)
        if run is not None and single_step:
            job = run.job
            _wait_until(lambda: trainer.step >= 1 or job.state == "queued" or not job.is_active, timeout=10.0)


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
    st.subheader(t("train.controls.heading"))
    _start_requested_run(source if trainable else None, settings)
    active = session_runs().active
    state = active.job.state if active else None
    can_start = active is None and source is not None and trainable
    columns = st.columns(5)
    columns[0].button(
        t("train.start"),
        type="primary",
        icon=":material/play_arrow:",
        key="train_start",
        on_click=request_start,
        disabled=not can_start,
        width="stretch",
        help=t("train.start.help"),
    )
    columns[1].button(
        t("train.pause"),
        icon=":material/pause:",
        key="train_pause",
        on_click=pause_run,
        disabled=state != "running",
        width="stretch",
    )
    columns[2].button(
        t("train.resume"),
        icon=":material/resume:",
        key="train_resume",
        on_click=resume_run,
        disabled=state != "paused",
        width="stretch",
    )
    columns[3].button(
        t("train.stop"),
        icon=":material/stop:",
        key="train_stop",
        on_click=stop_run,
        disabled=active is None,
        width="stretch",
        help=t("train.stop.help"),
    )
    columns[4].button(
        t("train.step"),
        icon=":material/skip_next:",
        key="train_step",
        on_click=step_run,
        disabled=not (state == "paused" or can_start),
        width="stretch",
        help=t("train.step.help"),
    )


# --- the live panel --------------------------------------------------------------------------

# A job state -> its badge's colour and icon; its word is state_name(state).
STATE_BADGES = {
    "ready": ("gray", ":material/hourglass_empty:"),
    "queued": ("violet", ":material/schedule:"),
    "running": ("blue", ":material/model_training:"),
    "paused": ("orange", ":material/pause:"),
    "finished": ("green", ":material/check_circle:"),
    "stopped": ("gray", ":material/stop_circle:"),
    "diverged": ("red", ":material/error:"),
    "failed": ("red", ":material/bug_report:"),
    "elsewhere": ("blue", ":material/dns:"),
}
UNITS = ("nats", "bits", "perplexity")
X_AXES = ("step", "seconds")


def state_name(state: str) -> str:
    """A job state in the learner's words ('training', 'finished'...)."""
    return t(f"train.state.{state}") if state in STATE_BADGES else state


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
    position = run.job.queue_position()
    if position is not None:
        return t("train.queue", place=ordinal(position))
    if not run.job.is_active:
        eta = state_name(run.job.state)
    elif progress > 0:
        eta = t("train.eta", duration=_duration(trainer.seconds * (1 - progress) / progress))
    else:
        eta = t("train.starting")
    parts = [eta]
    if last_step is not None and last_step.chars_per_second:
        parts.append(t("train.speed", count=number(last_step.chars_per_second, ",.0f")))
    parts.append(t("train.step_number", step=number(trainer.step)))
    return " · ".join(parts)


def token_name(run: Run) -> str:
    """'character' or 'token' (in the learner's language): what the run's model predicts."""
    return t(f"unit.{run.trainer.config.level}")


def _metrics(run: Run, evals: list[TrainingEvent], last_step: TrainingEvent | None) -> None:
    columns = st.columns(4)
    if evals:
        latest = evals[-1].val_loss
        previous = evals[-2].val_loss if len(evals) > 1 else None
        columns[0].metric(
            t("train.val_loss"),
            f"{number(latest, '.3f')} nats",
            delta=None if previous is None or abs(latest - previous) < 5e-4 else number(latest - previous, "+.3f"),
            delta_color="inverse",
            help=t("train.val_loss.help"),
        )
        per_char = bits(latest) / run.trainer.chars_per_token
        columns[1].metric(t("train.bits_per_char"), number(per_char, ".2f"), help=t("train.bits_per_char.help"))
    columns[2].metric(t("train.steps"), number(run.trainer.step))
    if last_step is not None and last_step.learning_rate is not None:
        columns[3].metric(
            t("train.learning_rate_now"),
            number(last_step.learning_rate, ".2g"),
            help=t("train.learning_rate_now.help"),
        )


def _chart(run: Run, events: list[TrainingEvent]) -> None:
    runs = session_runs()
    others = [other for other in runs.runs if other.number != run.number and other.job.events]
    texts = loss_chart_texts()
    left, middle, right = st.columns([1, 1, 1])
    with left:
        x_axis = translated_choice(
            st.radio,
            t("train.chart.x"),
            X_AXES,
            key="train_chart_x",
            format_func=labels("train.chart.x", X_AXES).get,
            default=X_AXES[0],
            horizontal=True,
        )
    with middle:
        unit = translated_choice(
            st.radio,
            t("train.chart.unit"),
            UNITS,
            key="train_chart_unit",
            format_func=texts.units.get,
            default=UNITS[0],
            horizontal=True,
            help=t("train.chart.unit.help"),
        )
    show_references = right.toggle(
        t("train.chart.references"),
        value=True,
        key="train_chart_references",
        help=t("train.chart.references.help"),
    )
    overlay = []
    if others:
        overlay = st.multiselect(
            t("train.chart.overlay"),
            [other.number for other in others],
            format_func=lambda number: runs.get(number).label,
            key="train_chart_overlay",
            placeholder=t("train.chart.overlay.placeholder"),
        )
    curves = [curve_from_events(run.label, events)]
    curves += [curve_from_events(runs.get(n).label, runs.get(n).job.events_since(0)) for n in overlay]
    figure = loss_figure(
        curves,
        unit=unit,
        x_axis=x_axis,
        references=run.trainer.references if show_references else None,
        token_name=token_name(run),
        texts=texts,
    )
    # Keep the learner's zoom and hidden legend entries while new points arrive.
    figure.update_layout(uirevision=f"{run.number}-{unit}-{x_axis}")
    st.plotly_chart(figure, key="train_loss_chart", config={"displaylogo": False})
    if show_references:
        st.caption(t("train.chart.legend"))


PINNED_SAMPLES_KEY = "train_pinned_samples"  # run number -> the evaluation step the learner looks at


def _pin_samples(run_number: int, widget_key: str, latest: int) -> None:
    """The learner moved the samples slider: stay on that step (back on the newest: follow again)."""
    step = st.session_state[widget_key]
    st.session_state[PINNED_SAMPLES_KEY][run_number] = None if step == latest else step


def _samples(run: Run, evals: list[TrainingEvent]) -> None:
    by_step = {event.step: event for event in evals if event.sample_greedy is not None}
    if not by_step:
        return
    st.markdown(f"**{t('train.samples.heading')}**")
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
            t("train.samples.step"),
            steps,
            value=chosen,
            key=widget_key,
            format_func=lambda step: f"{step:,}",
            on_change=_pin_samples,
            args=(run.number, widget_key, latest),
            help=t("train.samples.step.help"),
        )
    event = by_step[chosen]
    st.caption(t("train.samples.greedy", token=token_name(run), step=number(chosen)))
    st.code(event.sample_greedy, language=None, wrap_lines=True)
    st.caption(t("train.samples.sampled"))
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

    colour, icon = STATE_BADGES.get(job.state, ("gray", ":material/help:"))
    st.markdown(f"**{_escape(run.label)}** &nbsp; :{colour}-badge[{icon} {state_name(job.state)}]")
    st.progress(run.trainer.progress, text=progress_text(run, last_step))
    message = library_text(job.message)
    if job.state in ("diverged", "failed"):
        st.error(message, icon=icon)
    elif message:
        st.info(message)
    if job.listener_error:
        st.warning(
            t("train.not_saved", error=job.listener_error),
            icon=":material/save:",
        )
    _metrics(run, evals, last_step)
    _chart(run, events)
    _samples(run, evals)


def live_panel() -> None:
    """The newest run's progress, loss chart and samples; refreshed every POLL_SECONDS while it trains."""
    runs = session_runs()
    run = runs.active or runs.latest
    if run is None:
        st.caption(t("train.live.empty"))
        return
    state = run.job.state
    every = POLL_SECONDS if state in ("running", "queued") else None
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
    st.subheader(t("train.results.heading"))
    run = done[-1]
    if len(done) > 1:
        chosen = st.selectbox(
            t("train.results.run"),
            [r.number for r in done],
            index=len(done) - 1,
            format_func=lambda n: runs.get(n).label,
            key="train_results_run",
        )
        run = runs.get(chosen)
    left, right = st.columns(2)
    if left.button(
        t("train.results.explore"), type="primary", icon=":material/casino:", key="train_explore", width="stretch"
    ):
        set_current_model(run_choice(run))
        st.switch_page("app_pages/generate.py")
    right.download_button(
        t("train.results.download"),
        data=run.trainer.checkpoint_bytes,
        file_name=file_name(run),
        mime="application/octet-stream",
        on_click="ignore",
        icon=":material/download:",
        key="train_download",
        width="stretch",
        help=t("train.results.download.help"),
    )
    st.caption(t("train.results.saved", link=runs_link(runs.run_ids())))
    if len(runs.runs) > 1:
        with st.expander(t("train.results.all_runs", count=len(runs.runs))):
            st.dataframe(
                [_run_row(other) for other in runs.runs],
                hide_index=True,
                width="stretch",
            )


def runs_link(run_ids: list[str]) -> str:
    """The Train page's address naming these runs (``?run=<id>&run=<id>``)."""
    address = (st.context.url or "").split("?")[0]
    return f"{address}?{urlencode([(RUN_PARAM, run_id) for run_id in run_ids])}"


def _run_row(run: Run) -> dict:
    history = run.trainer.history
    val = history[-1].val_loss if history else None
    return {
        t("train.table.run"): run.label,
        t("train.table.state"): state_name(run.job.state),
        t("train.table.steps"): run.trainer.step,
        t("train.table.seconds"): round(run.trainer.seconds, 1),
        t("train.table.val_loss"): None if val is None else round(val, 3),
        t("train.table.bits"): None if val is None else round(bits(val) / run.trainer.chars_per_token, 3),
    }
