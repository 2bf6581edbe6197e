"""App-wide labels in English and Swedish: ``t(key)`` in the learner's language.

The language lives in ``st.session_state[LANGUAGE_KEY]`` (a plain value, not a widget's, so it is
kept even in a run where the sidebar is not drawn), set by the sidebar's language switch
(:func:`language_switch`). The switch is bound to the URL query parameter ``lang``, which
Streamlit fills with the option's label (``?lang=Svenska``); a link with ``?lang=sv`` or
``?lang=Svenska`` opens the app in Swedish.

Adding a label: one entry in :data:`LABELS` with a text per language. Texts may hold
``str.format`` fields (``t("sidebar.val_loss", nats=1.2, bits=1.7)``). Lesson content (texts,
quizzes, the lesson widgets' labels) lives in ``lessons/<language>/`` instead.

A radio or selectbox whose *option labels* are translated needs :func:`translated_choice`:
Streamlit's browser side remembers a choice by its label, so a plain widget would lose the
choice (or show it in the old language) when the language changes.
"""

from __future__ import annotations

import streamlit as st

LANGUAGES = {"en": "English", "sv": "Svenska"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "language"  # session-state key of the learner's language
SWITCH_KEY = "lang"  # the sidebar radio's key, and the query parameter it is bound to

LABELS: dict[str, dict[str, str]] = {
    # navigation
    "nav.home": {"en": "Home", "sv": "Hem"},
    "nav.lessons": {"en": "Lessons", "sv": "Lektioner"},
    "nav.train": {"en": "Train", "sv": "Träna"},
    "nav.generate": {"en": "Generate", "sv": "Generera"},
    # sidebar
    "sidebar.language": {"en": "Language · Språk", "sv": "Språk · Language"},
    "sidebar.current_model": {"en": "Current model", "sv": "Aktuell modell"},
    "sidebar.no_model": {
        "en": "No model yet: train one on the Train page.",
        "sv": "Ingen modell än. Träna en på sidan Träna.",
    },
    "sidebar.model_caption": {
        "en": "{cell} · hidden {hidden} · {layers} layer(s) · {parameters} parameters · {vocab} {level}",
        "sv": "{cell} · {hidden} dolda enheter · {layers} lager · {parameters} parametrar · {vocab} {level}",
    },
    "sidebar.val_loss": {
        "en": "validation loss {nats} nats = {bits} bits/token",
        "sv": "valideringsförlust {nats} nats = {bits} bit per token",
    },
    "sidebar.training": {"en": "Training {label}: {progress}", "sv": "Tränar {label}: {progress}"},
    "level.char": {"en": "char tokens", "sv": "tecken"},
    "level.word": {"en": "word tokens", "sv": "ord"},
    # home page
    "home.intro": {
        "en": "A **language model** reads text one token at a time and, at every step, guesses what comes "
        "next. Here you train a small one (a recurrent network: RNN, LSTM or GRU) on any text you like, "
        "watch it learn, and then see exactly **how it picks the next character**: greedy, sampled, "
        "with temperature, top-k and top-p.",
        "sv": "En **språkmodell** läser text ett tecken i taget och gissar hela tiden vad som kommer sedan. "
        "Här tränar du en egen liten modell (ett återkopplat nät: RNN, LSTM eller GRU) på vilken text du "
        "vill. Du ser den lära sig och sedan exakt **hur den väljer nästa tecken**: girigt, slumpmässigt, "
        "med temperatur, top-k och top-p.",
    },
    "home.lessons.text": {
        "en": "New to language models? Start with nine short lessons, each with a live experiment on a "
        "real model and a question to check yourself.",
        "sv": "Ny på språkmodeller? Börja med nio korta lektioner. Varje lektion har ett experiment med en "
        "riktig modell och en fråga där du testar dig själv.",
    },
    "home.lessons.link": {"en": "Start the course", "sv": "Börja kursen"},
    "home.train.title": {"en": "1 · Train", "sv": "1 · Träna"},
    "home.train.text": {
        "en": "Upload a text, paste one or pick a built-in corpus. Press **Start** and watch the loss fall "
        "and the samples go from noise to words.",
        "sv": "Ladda upp en text, klistra in en eller välj en inbyggd. Tryck på **Start**. Se förlusten "
        "sjunka och exemplen gå från brus till ord.",
    },
    "home.train.link": {"en": "Train a model", "sv": "Träna en modell"},
    "home.generate.title": {"en": "2 · Generate", "sv": "2 · Generera"},
    "home.generate.text": {
        "en": "Start from a ready model trained on Shakespeare. Move the temperature slider and watch the "
        "probability bars of the next character change, next to greedy and sampled text.",
        "sv": "Börja med en färdig modell som har tränats på Shakespeare. Dra i temperaturreglaget och se "
        "staplarna för nästa tecken ändras, bredvid girig och slumpad text.",
    },
    "home.generate.link": {"en": "Generate text", "sv": "Generera text"},
    # lessons page
    "lessons.title": {"en": "Lessons: how a language model writes", "sv": "Lektioner: så skriver en språkmodell"},
    "lessons.intro": {
        "en": "Nine short lessons. Each has a live experiment on a real model and a question: "
        "commit to an answer first, then check it.",
        "sv": "Nio korta lektioner. I varje finns ett experiment med en riktig modell och en fråga. "
        "Bestäm dig för ett svar först, kontrollera sedan.",
    },
    "lessons.progress": {
        "en": "{answered} of {total} questions answered · {correct} correct",
        "sv": "{answered} av {total} frågor besvarade · {correct} rätt",
    },
    "lessons.choose": {"en": "Lesson", "sv": "Lektion"},
    "lessons.previous": {"en": "← Previous", "sv": "← Föregående"},
    "lessons.next": {"en": "Next →", "sv": "Nästa →"},
    "lessons.position": {"en": "Lesson {number} of {total}", "sv": "Lektion {number} av {total}"},
    "lessons.experiment": {"en": "Try it", "sv": "Prova själv"},
    "quiz.heading": {"en": "Check yourself", "sv": "Testa dig själv"},
    "quiz.choose": {"en": "Your answer", "sv": "Ditt svar"},
    "quiz.check": {"en": "Check", "sv": "Kontrollera"},
    "quiz.pick_first": {"en": "Pick an answer first.", "sv": "Välj ett svar först."},
    "quiz.correct": {"en": "Correct!", "sv": "Rätt!"},
    "quiz.incorrect": {"en": "Not quite. The answer is: {answer}", "sv": "Inte riktigt. Rätt svar är: {answer}"},
    "quiz.try_again": {"en": "Try again", "sv": "Försök igen"},
}


def current_language() -> str:
    """The learner's language code: the one chosen in this session, else ``?lang=``, else English."""
    language = st.session_state.get(LANGUAGE_KEY)
    if language in LANGUAGES:
        return language
    return parse_language(st.query_params.get(SWITCH_KEY)) or DEFAULT_LANGUAGE


def parse_language(value: str | None) -> str | None:
    """The language code for a code or a name, in any case ("sv", "Svenska"); None if unknown."""
    if not value:
        return None
    wanted = value.strip().lower()
    return next((code for code, name in LANGUAGES.items() if wanted in (code, name.lower())), None)


def t(key: str, **values) -> str:
    """The label ``key`` in the current language (English if it has no translation), formatted with ``values``."""
    texts = LABELS[key]
    text = texts.get(current_language()) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def number(value: int) -> str:
    """A whole number with thousands grouped as the language writes them (1,234 / 1 234)."""
    grouped = f"{value:,}"
    return grouped.replace(",", "\u00a0") if current_language() == "sv" else grouped


def language_switch() -> str:
    """The language radio (in the current container), bound to ``?lang=``; returns the language code."""
    language = current_language()
    st.session_state[LANGUAGE_KEY] = st.session_state[SWITCH_KEY] = language

    def keep() -> None:
        st.session_state[LANGUAGE_KEY] = st.session_state[SWITCH_KEY]

    st.radio(
        t("sidebar.language"),
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=SWITCH_KEY,
        on_change=keep,
        horizontal=True,
        bind="query-params",
    )
    return language


def translated_choice(widget, label: str, options, *, key: str, format_func, default=None, on_change=None, **kwargs):
    """``widget`` (``st.radio`` or ``st.selectbox``) with translated option labels that keeps its choice.

    The widget gets one key per language (``f"{key}.{language}"``); the choice itself is kept under
    ``key`` in session state, the same in every language. So it survives a language switch and a
    visit to another page, and a callback can move it by setting ``st.session_state[key]``.
    Missing, it is ``default`` (None: nothing chosen, with ``index=None``).
    """
    widget_key = f"{key}.{current_language()}"
    st.session_state[widget_key] = st.session_state.get(key, default)

    def keep() -> None:
        st.session_state[key] = st.session_state[widget_key]
        if on_change is not None:
            on_change()

    return widget(label, options, format_func=format_func, key=widget_key, on_change=keep, **kwargs)
