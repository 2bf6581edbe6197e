"""Helpers that keep ``app_pages/generate.py`` thin: the controls and their URL values, the cached
library calls, the model picker and the HTML that marks loops and copies in generated text.

Every Generate control is bound to the URL (``bind="query-params"``; the widget key is the
parameter name), so a teacher can share a link that opens exactly the same view. Streamlit
itself drops a URL value a widget cannot take; :func:`fix_url_values` runs first and turns the
near misses into the nearest allowed value, with a note the page shows (``?top_k=500`` on a
66-token model becomes top-k 66, ``?temperature=0.3`` the nearest stop 0.32).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException

from rnnlab.builtin_corpora import recognised_builtin
from rnnlab.checkpoint import Checkpoint, load_checkpoint
from rnnlab.data import training_part
from rnnlab.detectors import Copy, CopyIndex, Loop, find_loop, longest_copy
from rnnlab.distribution_chart import readable_token
from rnnlab.errors import CheckpointError, RnnLabError
from rnnlab.generation import Generation, beam_search, fixed_uniforms, generate, greedy_and_sampled, greedy_settings
from rnnlab.pretrained import list_pretrained
from rnnlab.sampling import (
    NextTokenDistribution,
    SamplingSettings,
    distribution_after_ids,
    encode_prompt,
    next_token_distribution,
)
from rnnlab.stepper import Stepper
from rnnlab.vocab import UNKNOWN, join_tokens, tokenize
from ui.i18n import library_text, model_title, number, t
from ui.state import (
    DEFAULT_PRETRAINED,
    CurrentModel,
    current_model,
    pretrained_choice,
    run_choice,
    session_runs,
    set_current_model,
)

# --- the controls ---------------------------------------------------------------------------------

# URL parameter names (= widget keys).
MODEL = "model"
PROMPT = "prompt"
LENGTH = "length"
TEMPERATURE = "temperature"
TOP_K = "top_k"
TOP_P = "top_p"
MIN_P = "min_p"
PENALTY = "repetition_penalty"
NO_UNKNOWN = "no_unknown"  # shown for word-level models only, where the unknown token is common
SEED = "seed"
SAME_DRAW = "same_draw"
BEAM = "beam"
BEAM_WIDTH = "beam_width"
STEP = "step"
FORCE = "force"
UPLOAD = "upload"  # the file uploader's key (a file cannot travel in a URL)

DEFAULT_PROMPT = "ROMEO:"
MAX_PROMPT_CHARS = 500
LENGTH_RANGE = (10, 1000)
LENGTH_STEP = 10
TOP_P_RANGE = (0.01, 1.0)
MIN_P_RANGE = (0.0, 1.0)
PENALTY_RANGE = (0.5, 3.0)
SEED_RANGE = (0, 2**31 - 1)
BEAM_WIDTH_RANGE = (2, 8)
NUMBER_DEFAULTS = {LENGTH: 300, TOP_K: 0, TOP_P: 1.0, MIN_P: 0.0, PENALTY: 1.0, SEED: 0, BEAM_WIDTH: 3, STEP: 0}  # noqa: E501
CHART_ROWS = 30
FORCE_CHOICES = 12  # how many alternatives step mode offers to force
AS_DRAWN = -1  # the "force" option that keeps the drawn token

# Temperature on a log scale: 0 (the limit T -> 0, which is greedy) and then 25 stops from 0.02 to
# 5, ten per decade (10^(k/10), two significant digits), so 0.1, 0.2, 0.5, 1, 2 and 5 are stops.
TEMPERATURES: tuple[float, ...] = (0.0,) + tuple(float(f"{10 ** (k / 10):.2g}") for k in range(-17, 8))

# The model picker's option for uploading a file. The link holds an option's label (?model=...), so
# this one is the same in every language, like the models' names.
UPLOAD_OPTION = "⬆ .safetensors"
_SEEN_MODEL = "_generate_seen_model"  # the current model as this page last left it
_DROPPED_NOTES = "_generate_dropped_link_notes"  # notes on link values dropped or corrected, for the next run


def help_text(key: str) -> str:
    """The "what does this do" help of the control ``key`` (its URL parameter)."""
    return t(f"generate.help.{key}")


def temperature_label(t: float) -> str:
    """How a temperature stop appears on the slider and in the URL (``0.32``, ``1``, ``5``)."""
    return f"{t:g}"


def nearest_temperature(value: float) -> float:
    """The stop closest to ``value`` on the log scale (0 and below -> 0)."""
    if value <= 0:
        return 0.0
    positive = TEMPERATURES[1:]
    best = min(positive, key=lambda t: abs(math.log(t) - math.log(value)))
    # Below the first positive stop, 0 may be closer (on a linear view of tiny numbers).
    return 0.0 if value < positive[0] / 2 else best


# --- URL values ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UrlFix:
    """What to do with one URL value before its widget is drawn."""

    key: str
    value: object | None  # put into st.session_state[key]; None = leave it to Streamlit
    note: str | None  # a sentence for the learner; None = nothing to say


def _number(raw: str) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def fix_number(key: str, raw: str | None, low: float, high: float, *, whole: bool) -> UrlFix:
    """A number from the URL: clamped into [low, high] (and rounded if ``whole``), with a note."""
    if raw is None or raw == "":
        return UrlFix(key, None, None)
    value = _number(raw)
    if value is None:
        return UrlFix(key, None, t("generate.note.not_a_number", param=f"{key}={raw}"))
    fixed = min(max(value, low), high)
    if whole:
        fixed = int(round(fixed))
    if fixed == value:
        return UrlFix(key, None, None)
    shown = str(fixed) if whole else number(fixed, "g")
    if value < low or value > high:
        note = t(
            "generate.note.outside", param=f"{key}={raw}", low=number(low, "g"), high=number(high, "g"), value=shown
        )
    else:
        note = t("generate.note.not_whole", param=f"{key}={raw}", value=shown)
    return UrlFix(key, fixed, note)


def fix_temperature(raw: str | None) -> UrlFix:
    if raw is None or raw == "" or raw in {temperature_label(t) for t in TEMPERATURES}:
        return UrlFix(TEMPERATURE, None, None)
    value = _number(raw)
    param = f"{TEMPERATURE}={raw}"
    if value is None:
        return UrlFix(TEMPERATURE, None, t("generate.note.temperature_not_a_number", param=param))
    nearest = nearest_temperature(value)
    note = t("generate.note.temperature_stop", param=param, value=number(nearest, "g"))
    return UrlFix(TEMPERATURE, nearest, note)


def fix_toggle(key: str, raw: str | None) -> UrlFix:
    if raw is None or raw == "" or raw.lower() in ("true", "false"):
        return UrlFix(key, None, None)
    return UrlFix(key, None, t("generate.note.not_a_toggle", param=f"{key}={raw}"))


def fix_prompt(raw: str | None) -> UrlFix:
    if raw is None or len(raw) <= MAX_PROMPT_CHARS:
        return UrlFix(PROMPT, None, None)
    return UrlFix(PROMPT, raw[:MAX_PROMPT_CHARS], t("generate.note.long_prompt", count=MAX_PROMPT_CHARS))


def fix_choice(key: str, raw: str | None, options: Sequence[str]) -> UrlFix:
    if raw is None or raw == "" or raw in options:
        return UrlFix(key, None, None)
    return UrlFix(key, None, t("generate.note.unavailable", param=f"{key}={raw}"))


def fix_url_values(raw: dict[str, str | None], *, vocab_size: int, model_options: Sequence[str]) -> list[UrlFix]:
    """The fixes for the controls drawn at the top of the page (step mode fixes its own)."""
    return [
        fix_choice(MODEL, raw.get(MODEL), model_options),
        fix_prompt(raw.get(PROMPT)),
        fix_number(LENGTH, raw.get(LENGTH), *LENGTH_RANGE, whole=True),
        fix_temperature(raw.get(TEMPERATURE)),
        fix_number(TOP_K, raw.get(TOP_K), 0, vocab_size, whole=True),
        fix_number(TOP_P, raw.get(TOP_P), *TOP_P_RANGE, whole=False),
        fix_number(MIN_P, raw.get(MIN_P), *MIN_P_RANGE, whole=False),
        fix_number(PENALTY, raw.get(PENALTY), *PENALTY_RANGE, whole=False),
        fix_number(SEED, raw.get(SEED), *SEED_RANGE, whole=True),
        fix_toggle(SAME_DRAW, raw.get(SAME_DRAW)),
        fix_toggle(BEAM, raw.get(BEAM)),
        fix_number(BEAM_WIDTH, raw.get(BEAM_WIDTH), *BEAM_WIDTH_RANGE, whole=True),
    ]


def drop_unusable_numbers(raw: dict[str, str | None]) -> list[str]:
    """Remove link values that are no number from the URL and run the page again; returns their notes.

    Called before any widget: Streamlit reads a bound widget's URL value itself, and some values
    (``seed=1e999``) make that reading fail. The notes are shown in the run that follows.
    """
    notes = st.session_state.pop(_DROPPED_NOTES, [])
    unusable = [key for key in NUMBER_DEFAULTS if raw.get(key) not in (None, "") and _number(raw[key]) is None]
    if unusable:
        for key in unusable:
            del st.query_params[key]
        notes += [t("generate.note.not_a_number", param=f"{key}={raw[key]}") for key in unusable]
        st.session_state[_DROPPED_NOTES] = notes
        st.rerun()
    return notes


def link_text(key: str, value) -> str:
    """How a control's value is written in the URL (as Streamlit writes it when the learner moves it)."""
    if key == TEMPERATURE:
        return temperature_label(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def apply_fixes(fixes: Sequence[UrlFix], notes: list[str]) -> None:
    """Correct link values before their widgets exist, and add the fixes' notes to ``notes``.

    A corrected value goes into the URL and the page runs again with ``notes`` kept: Streamlit then
    seeds the widget from a value it can use, and a copied link opens what the page shows (a value
    it cannot use, it drops from the URL). A value already bound to its widget goes into session
    state instead.
    """
    notes += [fix.note for fix in fixes if fix.note]
    rewritten = False
    for fix in fixes:
        if fix.value is None:
            continue
        try:
            st.query_params[fix.key] = link_text(fix.key, fix.value)
            rewritten = True
        except StreamlitAPIException:  # bound to its widget already
            st.session_state[fix.key] = fix.value
    if rewritten:
        st.session_state[_DROPPED_NOTES] = list(dict.fromkeys(notes))
        st.rerun()


def clamp_state(key: str, low: int, high: int) -> str | None:
    """Keep a remembered slider value inside a range that changed (a smaller vocabulary, a shorter
    text); returns a note when it had to move."""
    value = st.session_state.get(key)
    if isinstance(value, int | float) and not low <= value <= high:
        st.session_state[key] = min(max(int(value), low), high)
        return t("generate.note.clamped", key=key, value=value, low=low, high=high, new=st.session_state[key])
    return None


# --- models ---------------------------------------------------------------------------------------------

_fingerprints: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_fingerprints_lock = threading.Lock()


def model_key(checkpoint: Checkpoint) -> str:
    """A stable name for a model's exact weights and vocabulary (SHA-256), used as the cache key.

    Computed once per model object (a few milliseconds for a megabyte of weights). Checkpoints
    shown here are never trained further (a run is snapshotted by ``run_choice``), so the key
    stays right for the object's lifetime.
    """
    model = checkpoint.model
    with _fingerprints_lock:
        known = _fingerprints.get(model)
    if known is not None:
        return known
    digest = hashlib.sha256()
    digest.update(model.config.to_json().encode())
    digest.update(json.dumps(checkpoint.vocab.to_dict(), ensure_ascii=False).encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().to("cpu").contiguous().numpy().tobytes())
    key = digest.hexdigest()
    with _fingerprints_lock:
        _fingerprints[model] = key
    return key


def model_options() -> list[str]:
    """The model picker's options: shipped models by name, this session's runs, then upload."""
    return [m.name for m in list_pretrained()] + [run.label for run in reversed(session_runs().runs)] + [UPLOAD_OPTION]


def option_for(model: CurrentModel | None) -> str | None:
    """The picker option that names ``model`` (None when nothing does)."""
    if model is None:
        return None
    if model.source == "upload":
        return UPLOAD_OPTION
    if model.source == "run":
        return model.label
    # A shipped model's label is its title (read from the header, without loading the weights).
    return next((m.name for m in list_pretrained() if m.title == model.label), None)


def default_option(options: Sequence[str]) -> int:
    """The picker's fixed default: the default shipped model (so any other choice is in the URL)."""
    return options.index(DEFAULT_PRETRAINED) if DEFAULT_PRETRAINED in options else 0


def prepare_model_picker(current: CurrentModel | None, options: Sequence[str], url_value: str | None) -> None:
    """Point the picker at the current model before it is drawn, unless the link chooses one.

    The picker follows the current model when the page is first drawn without ``?model=`` and
    whenever another page (Train) changed the current model since this page last ran.
    """
    seen = st.session_state.get(_SEEN_MODEL)
    changed_elsewhere = seen is not None and current is not seen
    from_link = url_value in options and seen is None
    if changed_elsewhere or (MODEL not in st.session_state and not from_link):
        option = option_for(current)
        if option in options:
            st.session_state[MODEL] = option


def remember_model(model: CurrentModel | None) -> None:
    st.session_state[_SEEN_MODEL] = model


def choice_for(option: str) -> CurrentModel | None:
    """The model an option stands for (None for upload, which needs a file, or a vanished run)."""
    if option == UPLOAD_OPTION:
        return None
    run = next((r for r in session_runs().runs if r.label == option), None)
    if run is not None:
        return run_choice(run)
    return pretrained_choice(option)


def load_uploaded_model(data: bytes, filename: str) -> CurrentModel:
    """An uploaded checkpoint as the current model; raises CheckpointError with a learner's sentence."""
    checkpoint = load_checkpoint(bytes(data))
    training = checkpoint.training
    return CurrentModel(f"upload: {filename}", checkpoint, "upload", training.get("val_loss"))


def training_text(model: CurrentModel) -> tuple[str, str] | None:
    """(a key naming it, the text) a model was trained on (its training split): known for this
    session's runs, and for any model trained on a built-in text this machine derives the same."""
    if model.source == "run":
        run = next((r for r in session_runs().runs if r.label == model.label), None)
        if run is None:
            return None
        trainer = run.trainer
        parts = (trainer.corpus_hash, trainer.vocab.level, trainer.vocab.size, len(trainer.train_ids))
        return "/".join(map(str, parts)), _run_training_text(*parts, _trainer=trainer)
    checkpoint = model.checkpoint
    text = recognised_builtin(checkpoint.corpus_name, checkpoint.corpus_hash)
    if text is None:
        return None
    val_fraction = float(checkpoint.training.get("config", {}).get("val_fraction", 0.1))
    parts = (checkpoint.corpus_hash, checkpoint.vocab.level, checkpoint.vocab.size, val_fraction)
    return "/".join(map(str, parts)), _builtin_training_text(*parts, _text=text, _vocab=checkpoint.vocab)


@st.cache_resource(max_entries=8, show_spinner=False)  # a str: shared, never copied
def _run_training_text(corpus_hash: str, level: str, vocab_size: int, length: int, _trainer) -> str:
    return _trainer.vocab.decode(_trainer.train_ids.tolist())


@st.cache_resource(max_entries=8, show_spinner=False)  # a str: shared, never copied
def _builtin_training_text(corpus_hash: str, level: str, vocab_size: int, val_fraction: float, _text, _vocab) -> str:
    return training_part(_text, _vocab, val_fraction)


# --- cached library calls ----------------------------------------------------------------------------
# Keyed on model_key(checkpoint) and the settings; the checkpoint itself is passed unhashed.

CACHE_ENTRIES = 256


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_stepper(key: str, _checkpoint: Checkpoint) -> Stepper:
    """The model's weights arranged for one-token steps, built once per model and shared read-only
    (a stepper holds no state of its own: generation passes the state along)."""
    return Stepper.from_model(_checkpoint.model)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def cached_distribution(key: str, _checkpoint: Checkpoint, prompt: str, settings: SamplingSettings):
    """``next_token_distribution`` for the end of the prompt."""
    return next_token_distribution(cached_stepper(key, _checkpoint), _checkpoint.vocab, prompt, settings)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def cached_distribution_after(
    key: str, _checkpoint: Checkpoint, prompt: str, token_ids: tuple[int, ...], settings: SamplingSettings
) -> NextTokenDistribution:
    """The distribution after the prompt and ``token_ids`` (step mode)."""
    ids = encode_prompt(_checkpoint.vocab, prompt) + list(token_ids)
    return distribution_after_ids(cached_stepper(key, _checkpoint), _checkpoint.vocab, ids, settings)


def _draw_arguments(seed: int, same_draw: bool, length: int) -> dict:
    """A seeded generator, or in same-draw mode the fixed numbers of the seed."""
    if same_draw:
        return {"seed": None, "uniforms": fixed_uniforms(seed, length)}
    return {"seed": seed, "uniforms": None}


class _RecentGreedy:
    """The last greedy outputs by (model, prompt, length, penalty), shared by all sessions: greedy
    text does not change while temperature and the cuts move, so only the sampled text is made."""

    def __init__(self, size: int = CACHE_ENTRIES):
        self._outputs: OrderedDict[tuple, Generation] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Generation | None:
        with self._lock:
            if key in self._outputs:
                self._outputs.move_to_end(key)
            return self._outputs.get(key)

    def put(self, key: tuple, output: Generation) -> None:
        with self._lock:
            self._outputs[key] = output
            while len(self._outputs) > self._size:
                self._outputs.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _recent_greedy() -> _RecentGreedy:
    return _RecentGreedy()


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def cached_outputs(
    key: str, _checkpoint: Checkpoint, prompt: str, length: int, settings: SamplingSettings, seed: int, same_draw: bool
) -> tuple[Generation, Generation]:
    """The greedy and the sampled output of the prompt.

    When only temperature or a cut moved, the greedy text is reused and only the sampled one is
    made; otherwise both are stepped together (:func:`greedy_and_sampled`: one warm-up, one model
    step per position for both).
    """
    stepper, vocab = cached_stepper(key, _checkpoint), _checkpoint.vocab
    greedy_key = (key, prompt, length, greedy_settings(settings))
    draws = _draw_arguments(seed, same_draw, length)
    greedy = _recent_greedy().get(greedy_key)
    if greedy is not None:
        return greedy, generate(stepper, vocab, prompt, length=length, settings=settings, **draws)
    greedy, sampled = greedy_and_sampled(stepper, vocab, prompt, length=length, settings=settings, **draws)
    _recent_greedy().put(greedy_key, greedy)
    return greedy, sampled


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def cached_sampled(
    key: str,
    _checkpoint: Checkpoint,
    prompt: str,
    length: int,
    settings: SamplingSettings,
    seed: int,
    same_draw: bool,
    forced: tuple[tuple[int, int], ...] = (),
) -> Generation:
    """A sampled output with forced tokens (step mode's branch)."""
    return generate(
        cached_stepper(key, _checkpoint),
        _checkpoint.vocab,
        prompt,
        length=length,
        settings=settings,
        forced=dict(forced),
        **_draw_arguments(seed, same_draw, length),
    )


@st.cache_data(max_entries=64, show_spinner=False)
def cached_beam(key: str, _checkpoint: Checkpoint, prompt: str, length: int, width: int) -> Generation:
    return beam_search(cached_stepper(key, _checkpoint), _checkpoint.vocab, prompt, length=length, width=width)


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_copy_index(text_key: str, _training_text: str) -> CopyIndex:
    """The training text made quick to search for copies (built once per text, shared read-only)."""
    return CopyIndex.build(_training_text)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def cached_copy(text_key: str, _training_text: str, generated: str) -> Copy | None:
    """The longest verbatim copy of the training text in ``generated`` (``text_key`` names the text)."""
    return longest_copy(generated, cached_copy_index(text_key, _training_text))


# --- text with marks ----------------------------------------------------------------------------------

MARK_STYLES = {
    "loop": "background:#ffe066",
    "copy": "box-shadow:inset 0 -3px #1c7ed6",  # an underline, so a copy inside a loop shows both
    "step": "background:#d9480f;color:#fff",
    "forced": "background:#1c7ed6;color:#fff",
}


def token_spans(tokens: Sequence[str], level: str) -> list[tuple[int, int]]:
    """(start, end) of each token in ``join_tokens(tokens, level)``."""
    spans, position = [], 0
    if level == "char":
        for token in tokens:
            spans.append((position, position + len(token)))
            position += len(token)
        return spans
    text = join_tokens(list(tokens), level)
    for token in tokens:
        start = text.find(token, position)
        start = position if start < 0 else start
        spans.append((start, start + len(token)))
        position = start + len(token)
    return spans


def loop_marks(generation: Generation) -> tuple[Loop | None, list[tuple[int, int, str]]]:
    """The loop greedy output ends in (if any) and its mark over the continuation's characters."""
    tokens = [step.token for step in generation.steps]
    loop = find_loop(generation.text if generation.level == "char" else tokens, level=generation.level)
    if loop is None:
        return None, []
    spans = token_spans(tokens, generation.level)
    return loop, [(spans[loop.start][0], len(generation.text), "loop")]


def _escape(text: str) -> str:
    # Line breaks become <br> so the block has no blank line (a blank line would end the HTML
    # block and let markdown loose on the model's text); $ would start LaTeX.
    return html.escape(text).replace("$", "&#36;").replace("\n", "<br>")


def text_html(prompt: str, continuation: str, marks: Sequence[tuple[int, int, str]] = ()) -> str:
    """The prompt (muted) and the continuation with ``marks`` (start, end, kind) as <mark> spans.

    Everything from the model is escaped. Overlapping marks combine (a copy inside a loop is
    underlined on the loop's yellow).
    """
    kinds: list[tuple[str, ...]] = [()] * len(continuation)
    for start, end, kind in marks:
        for i in range(max(start, 0), min(end, len(continuation))):
            if kind not in kinds[i]:
                kinds[i] = (*kinds[i], kind)
    pieces, i = [], 0
    while i < len(continuation):
        j = i
        while j < len(continuation) and kinds[j] == kinds[i]:
            j += 1
        chunk = _escape(continuation[i:j])
        if not kinds[i]:
            pieces.append(chunk)
        else:
            style = ";".join(MARK_STYLES[kind] for kind in kinds[i])
            pieces.append(f'<mark class="{" ".join(kinds[i])}" style="{style};padding:0">{chunk}</mark>')
        i = j
    return (
        '<div style="font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:0.9rem;'
        "white-space:break-spaces;overflow-wrap:anywhere;line-height:1.45;"
        'border:1px solid #dee2e6;border-radius:6px;padding:0.6rem">'
        f'<span style="color:#868e96">{_escape(prompt)}</span>{"".join(pieces)}</div>'
    )


def bits_per_token(generation: Generation) -> float | None:
    """Average surprise of the continuation under the model (bits per token); lower = more likely."""
    if not generation.steps or generation.log_probability == -math.inf:
        return None
    return -generation.log_probability / len(generation.steps) / math.log(2)


def reset_force() -> None:
    """Step mode: moving to another position starts again from the drawn token."""
    st.session_state[FORCE] = AS_DRAWN


def counted(count: int, level: str) -> str:
    """'1 character', '3 tokens'... (``level`` 'char' or 'word') in the learner's language."""
    return t(f"generate.count.{level}" + (".one" if count == 1 else ""), count=count)


def short_text(text: str, limit: int = 40) -> str:
    """A piece of generated text for a caption: line breaks and tabs shown (spaces too when they
    are most of it), long ones shortened."""
    visible = text.replace("\n", "⏎").replace("\t", "⇥")
    if not text.strip() or len(text) <= 3:
        visible = visible.replace(" ", "␣")
    return visible if len(visible) <= limit else visible[: limit - 1] + "…"


# --- pieces of the page (each draws one part; the page calls them in order) ------------------------------

BIND = "query-params"


@dataclass(frozen=True)
class Controls:
    """What the Generate controls are set to."""

    prompt: str
    length: int
    settings: SamplingSettings
    seed: int
    same_draw: bool
    beam: bool
    beam_width: int


def model_picker(raw: dict[str, str], notes: list[str], column) -> CurrentModel | None:
    """The model picker (in ``column``) and, for "upload", the file uploader. Picking a model makes
    it the current model; a file that does not load shows its error and keeps the previous one."""
    options = model_options()
    apply_fixes([fix_choice(MODEL, raw.get(MODEL), options)], notes)
    prepare_model_picker(current_model(), options, raw.get(MODEL))
    with column:
        choice = st.selectbox(
            t("generate.model"), options, index=default_option(options), key=MODEL, bind=BIND, help=help_text(MODEL)
        )
    if choice == UPLOAD_OPTION:
        _upload_model()
    elif option_for(current_model()) != choice:
        picked = choice_for(choice)
        if picked is not None:
            set_current_model(picked)
    model = current_model()
    remember_model(model)
    return model


def _upload_model() -> None:
    upload = st.file_uploader(t("generate.upload"), type=["safetensors"], key=UPLOAD, help=t("generate.upload.help"))
    if upload is not None and upload.file_id != st.session_state.get("_generate_upload_id"):
        st.session_state["_generate_upload_id"] = upload.file_id
        st.session_state["_generate_upload_error"] = None
        try:
            set_current_model(load_uploaded_model(upload.getvalue(), upload.name))
        except CheckpointError as error:
            st.session_state["_generate_upload_error"] = str(error)
    if upload is not None and st.session_state.get("_generate_upload_error"):
        st.error(library_text(st.session_state["_generate_upload_error"]), icon="🚫")
    previous = current_model()
    if previous is not None and previous.source != "upload":
        st.caption(t("generate.upload.keeps", label=previous.label))


def stop_with(error: RnnLabError) -> None:
    """Show the library's sentence for ``error`` in the learner's language, then stop the page."""
    st.error(library_text(str(error)), icon="🚫")
    st.stop()


def model_card(model: CurrentModel) -> None:
    checkpoint, vocab = model.checkpoint, model.checkpoint.vocab
    label = model_title(model.label) if model.source == "pretrained" else model.label
    with st.expander(t("generate.card.title", label=label)):
        if model.source == "pretrained":
            card = next((m.card for m in list_pretrained() if m.title == model.label), "")
            if card:
                st.markdown(card)
        config, training = checkpoint.config, checkpoint.training
        about = t(
            "generate.card",
            cell=config.cell.upper(),
            hidden=config.hidden_size,
            layers=config.num_layers,
            vocab=vocab.size,
            level=t(f"level.{vocab.level}"),
            corpus=checkpoint.corpus_name or t("generate.card.unknown_text"),
        )
        if "val_loss" in training:
            about += t("generate.card.val_loss", nats=number(training["val_loss"], ".3f"))
        st.caption(about)


def controls(vocab, prompt_column, length_column, controls_column, raw: dict[str, str], notes: list[str]) -> Controls:
    """Every Generate control, bound to the URL; link values are corrected first (see fix_*)."""
    fixes = fix_url_values(raw, vocab_size=vocab.size, model_options=model_options())
    apply_fixes([fix for fix in fixes if fix.key != MODEL], notes)
    notes += filter(None, [clamp_state(TOP_K, 0, vocab.size)])
    with prompt_column:
        prompt = st.text_input(
            t("generate.prompt"),
            DEFAULT_PROMPT,
            max_chars=MAX_PROMPT_CHARS,
            key=PROMPT,
            bind=BIND,
            help=help_text(PROMPT),
        )
    with length_column:
        length = st.slider(
            t("generate.length", units=t(f"units.{vocab.level}")),
            *LENGTH_RANGE,
            NUMBER_DEFAULTS[LENGTH],
            step=LENGTH_STEP,
            key=LENGTH,
            bind=BIND,
            help=help_text(LENGTH),
        )
    with controls_column:
        temperature = st.select_slider(
            t("generate.temperature"),
            options=TEMPERATURES,
            value=1.0,
            format_func=temperature_label,
            key=TEMPERATURE,
            bind=BIND,
            help=help_text(TEMPERATURE),
        )
        top_k = st.slider(
            t("generate.top_k"), 0, vocab.size, NUMBER_DEFAULTS[TOP_K], key=TOP_K, bind=BIND, help=help_text(TOP_K)
        )
        top_p = st.slider(
            t("generate.top_p"), *TOP_P_RANGE, NUMBER_DEFAULTS[TOP_P], step=0.01, key=TOP_P, bind=BIND,
            help=help_text(TOP_P),
        )  # fmt: skip
        min_p = st.slider(
            t("generate.min_p"), *MIN_P_RANGE, NUMBER_DEFAULTS[MIN_P], step=0.01, key=MIN_P, bind=BIND,
            help=help_text(MIN_P),
        )  # fmt: skip
        penalty = st.slider(
            t("generate.repetition_penalty"),
            *PENALTY_RANGE,
            NUMBER_DEFAULTS[PENALTY],
            step=0.05,
            key=PENALTY,
            bind=BIND,
            help=help_text(PENALTY),
        )
        no_unknown = vocab.level == "word" and st.toggle(
            t("generate.no_unknown"), True, key=NO_UNKNOWN, bind=BIND, help=help_text(NO_UNKNOWN)
        )
        seed_column, draw_column = st.columns(2, vertical_alignment="bottom")
        seed = seed_column.number_input(
            t("generate.seed"), *SEED_RANGE, NUMBER_DEFAULTS[SEED], step=1, key=SEED, bind=BIND, help=help_text(SEED)
        )
        same_draw = draw_column.toggle(
            t("generate.same_draw"), False, key=SAME_DRAW, bind=BIND, help=help_text(SAME_DRAW)
        )
        beam_column, width_column = st.columns(2, vertical_alignment="bottom")
        beam = beam_column.toggle(t("generate.beam_toggle"), False, key=BEAM, bind=BIND, help=help_text(BEAM))
        beam_width = width_column.slider(
            t("generate.beam_width"),
            *BEAM_WIDTH_RANGE,
            NUMBER_DEFAULTS[BEAM_WIDTH],
            key=BEAM_WIDTH,
            bind=BIND,
            help=help_text(BEAM_WIDTH),
            disabled=not beam,
        )
    settings = SamplingSettings(
        temperature=float(temperature),
        top_k=int(top_k),
        top_p=float(top_p),
        min_p=float(min_p),
        repetition_penalty=float(penalty),
        no_unknown=bool(no_unknown),
    )
    return Controls(prompt, int(length), settings, int(seed), bool(same_draw), bool(beam), int(beam_width))


def prompt_notes(prompt: str, vocab) -> list[str]:
    """What to tell the learner about the prompt: empty, or with symbols the model never saw."""
    if not prompt:
        return [t("generate.prompt.empty")]
    unknown = sorted({token for token in tokenize(prompt, vocab.level) if token not in vocab.index})
    if not unknown:
        return []
    shown = " ".join(readable_token(token) for token in unknown[:10])
    return [t("generate.prompt.unknown_one" if len(unknown) == 1 else "generate.prompt.unknown_many", tokens=shown)]


def entropy_metrics(dist: NextTokenDistribution, vocab_size: int) -> None:
    entropy_column, choices_column, kept_column = st.columns(3)
    entropy_column.metric(
        t("generate.entropy"),
        t("generate.entropy.value", bits=number(dist.entropy_bits_final, ".2f")),
        t("generate.vs_model", delta=number(dist.entropy_bits_final - dist.entropy_bits_original, "+.2f")),
        delta_color="off",
        help=t("generate.entropy.help"),
    )
    choices_column.metric(
        t("generate.choices"),
        number(dist.effective_choices_final, ".1f"),
        t(
            "generate.vs_model",
            delta=number(dist.effective_choices_final - dist.effective_choices_original, "+.1f"),
        ),
        delta_color="off",
        help=t("generate.choices.help"),
    )
    kept_column.metric(
        t("generate.kept"),
        t("generate.kept.value", kept=sum(dist.kept), size=vocab_size),
        help=t("generate.kept.help"),
    )


def show_output(title: str, generation: Generation, caption: str, copy_source: tuple[str, str] | None) -> None:
    """One output: heading, the text with its loop (yellow) and verbatim copy (blue underline) marked,
    and a caption with what the detectors found and how probable the model finds the text."""
    lines = [caption]
    loop, marks = loop_marks(generation)
    if loop is not None:
        cycle = counted(loop.cycle_length, generation.level)
        if generation.mode == "greedy":
            lines.append(t("generate.greedy_loop", cycle=cycle, text=short_text(loop.cycle_text), repeats=loop.repeats))
        else:
            lines.append(t("generate.loop", cycle=cycle))
    if copy_source is not None:
        found = cached_copy(copy_source[0], copy_source[1], generation.text)
        if found is not None:
            marks.append((found.start, found.end, "copy"))
            lines.append(t("generate.copy", count=found.end - found.start))
    surprise = bits_per_token(generation)
    if surprise is not None:
        lines.append(t("generate.surprise", bits=number(surprise, ".2f"), unit=t(f"unit.{generation.level}")))
    st.markdown(f"**{title}**")
    st.markdown(text_html(generation.prompt, generation.text, marks), unsafe_allow_html=True)
    st.caption(" ".join(lines))


def step_position(sampled: Generation, raw: dict[str, str]) -> int:
    """The step-mode slider over the positions of the sampled text (URL value clamped first)."""
    last = len(sampled.steps) - 1
    notes = []
    apply_fixes([fix_number(STEP, raw.get(STEP), 0, last, whole=True)], notes)
    notes += filter(None, [clamp_state(STEP, 0, last)])
    for note in notes:
        st.info(note, icon="🔗")
    return st.slider(
        t("generate.step"), 0, last, NUMBER_DEFAULTS[STEP], key=STEP, bind=BIND, help=help_text(STEP),
        on_change=reset_force,
    )  # fmt: skip


def force_picker(dist: NextTokenDistribution, drawn_id: int, raw: dict[str, str]) -> int:
    """ "Force another token here": the drawn token or one of the model's top alternatives."""
    alternatives = [row.token_id for row in dist.top(FORCE_CHOICES + 1) if row.token_id != drawn_id]
    options = [AS_DRAWN, *alternatives[:FORCE_CHOICES]]
    labels = {AS_DRAWN: t("generate.as_drawn"), **{i: readable_token(dist.tokens[i]) for i in alternatives}}
    note = fix_choice(FORCE, raw.get(FORCE), list(labels.values())).note
    if note:
        st.info(note, icon="🔗")
    return st.selectbox(
        t("generate.force"), options, format_func=labels.get, key=FORCE, bind=BIND, help=help_text(FORCE)
    )


def step_summary(step, position: int) -> str:
    summary = t(
        "generate.step_summary",
        position=position,
        token=readable_token(step.token),
        probability=number(step.probability, ".3f"),
        original=number(step.original_probability, ".3f"),
    )
    if step.uniform is not None:
        summary += t("generate.step_summary.u", u=number(step.uniform, ".3f"))
    return summary


def branch_view(sampled: Generation, branched: Generation, position: int, removed: bool) -> None:
    """The drawn text and the branched one side by side, each with the step marked."""
    here = token_spans([s.token for s in sampled.steps], sampled.level)[position]
    there = token_spans([s.token for s in branched.steps], branched.level)[position]
    original_column, branch_column = st.columns(2)
    with original_column:
        drawn = readable_token(sampled.steps[position].token)
        st.markdown(t("generate.as_drawn.heading", token=drawn, position=position))
        st.markdown(text_html(sampled.prompt, sampled.text, [(*here, "step")]), unsafe_allow_html=True)
    with branch_column:
        forced = readable_token(branched.steps[position].token)
        st.markdown(t("generate.branched.heading", token=forced, position=position))
        st.markdown(text_html(branched.prompt, branched.text, [(*there, "forced")]), unsafe_allow_html=True)
    st.caption(t("generate.branch.caption") + (t("generate.branch.removed") if removed else ""))


def has_unknown(generations: Sequence[Generation | None]) -> bool:
    """Whether any of the outputs wrote the unknown token (a rare word or symbol folded into one)."""
    return any(g is not None and UNKNOWN in (step.token for step in g.steps) for g in generations)
