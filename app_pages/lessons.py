"""Lessons: a short course on how a language model picks the next token.

One lesson at a time (a picker plus previous/next; a link can open one: ``?lesson=07_temperature`` or
``?lesson=7``; a value that names no lesson, or a ``?lang=`` that names no language, gets a note):
its text, one live widget on the shipped Shakespeare model (:mod:`lessons.widgets`) and a
predict-then-reveal question. The learner commits to an answer and presses Check; only then the
page says whether it was right and explains why. Answers are kept per session in
``st.session_state[PROGRESS_KEY]``, summed up in the progress bar at the top. Texts come from
``lessons/<language>/`` (see :mod:`lessons.course`).
"""

import streamlit as st

from lessons import widgets
from lessons.course import LESSON_IDS, Lesson, load_course, widget_labels
from ui.i18n import current_language, language_link_note, t, translated_choice
from ui.state import DEFAULT_PRETRAINED, load_pretrained

PROGRESS_KEY = "lesson_progress"  # {lesson id: {"choice": option index, "correct": bool}}
LESSON_KEY = "lesson"  # the current lesson's id (in session state, and in a link's query parameter)
NO_CHOICE_KEY = "_quiz_no_choice"  # the lesson whose Check was pressed with nothing picked

WIDGETS = {
    "01_next_token": widgets.next_token,
    "02_tokens": widgets.tokens,
    "03_training_pairs": widgets.training_pairs,
    "04_watching_training": widgets.watching_training,
    "05_greedy": widgets.greedy,
    "06_sampling": widgets.sampling,
    "07_temperature": widgets.temperature,
    "08_filters": widgets.filters,
    "09_beyond_text": widgets.beyond_text,
}

language = current_language()
course = {lesson.id: lesson for lesson in load_course(language)}
progress: dict = st.session_state.setdefault(PROGRESS_KEY, {})


def parse_lesson(value: str) -> str | None:
    """The lesson id a link names: the id itself ("07_temperature") or the lesson's number ("7"); else None."""
    wanted = value.strip()
    if wanted in LESSON_IDS:
        return wanted
    if wanted.isdigit() and 1 <= int(wanted) <= len(LESSON_IDS):
        return LESSON_IDS[int(wanted) - 1]
    return None


def quiz_key(lesson_id: str) -> str:
    return f"quiz_{lesson_id}"


def go_to(lesson_id: str) -> None:
    st.session_state[LESSON_KEY] = lesson_id


def check(lesson: Lesson) -> None:
    choice = st.session_state.get(quiz_key(lesson.id))
    if choice is None:
        st.session_state[NO_CHOICE_KEY] = lesson.id
        return
    st.session_state.pop(NO_CHOICE_KEY, None)
    progress[lesson.id] = {"choice": choice, "correct": lesson.quiz.is_correct(choice)}


def try_again(lesson: Lesson) -> None:
    progress.pop(lesson.id, None)
    st.session_state[quiz_key(lesson.id)] = None


def render_quiz(lesson: Lesson) -> None:
    quiz, key = lesson.quiz, quiz_key(lesson.id)
    record = progress.get(lesson.id)
    if record is not None:
        st.session_state[key] = record["choice"]  # the committed answer
    st.subheader(t("quiz.heading"))
    translated_choice(
        st.radio,
        quiz.question,
        list(range(len(quiz.options))),
        key=key,
        format_func=lambda i: quiz.options[i],
        index=None,
        disabled=record is not None,
    )
    if record is None:
        st.button(t("quiz.check"), key=f"{key}_check", on_click=check, args=(lesson,), type="primary")
        if st.session_state.get(NO_CHOICE_KEY) == lesson.id:
            st.warning(t("quiz.pick_first"), icon=":material/touch_app:")
        return
    if record["correct"]:
        st.success(t("quiz.correct"), icon=":material/check_circle:")
    else:
        st.error(t("quiz.incorrect", answer=quiz.options[quiz.answer]), icon=":material/cancel:")
    st.info(quiz.explanation, icon=":material/lightbulb:")
    st.button(t("quiz.try_again"), key=f"{key}_again", on_click=try_again, args=(lesson,))


# --- page ------------------------------------------------------------------------------------------

st.title(t("lessons.title"))
st.caption(t("lessons.intro"))
answered = sum(1 for lesson_id in progress if lesson_id in course)
correct = sum(1 for lesson_id, record in progress.items() if lesson_id in course and record["correct"])
st.progress(answered / len(course), text=t("lessons.progress", answered=answered, total=len(course), correct=correct))

link_notes = [note] if (note := language_link_note()) else []
wanted = st.query_params.get(LESSON_KEY)
linked = None if wanted is None else parse_lesson(wanted)
if wanted is not None:  # a link to a lesson: open it once, then the picker takes over
    del st.query_params[LESSON_KEY]
    if linked is not None:
        st.session_state[LESSON_KEY] = linked
if st.session_state.get(LESSON_KEY) not in course:
    st.session_state[LESSON_KEY] = LESSON_IDS[0]
if wanted is not None and linked is None:  # say so, and which lesson is shown instead
    shown = course[st.session_state[LESSON_KEY]]
    link_notes.append(t("lessons.note.unknown_lesson", value=wanted, number=shown.number, title=shown.title))
for note in link_notes:
    st.info(note, icon=":material/link_off:")
lesson_id = translated_choice(
    st.selectbox,
    t("lessons.choose"),
    list(LESSON_IDS),
    key=LESSON_KEY,
    format_func=lambda i: f"{course[i].number}. {course[i].title}",
)
lesson = course[lesson_id]
position = LESSON_IDS.index(lesson_id)

st.header(f"{lesson.number}. {lesson.title}", divider="orange")
st.markdown(lesson.before)
with st.container(border=True):
    st.markdown(f"**{t('lessons.experiment')}**")
    WIDGETS[lesson_id](widget_labels(language, lesson_id), load_pretrained(DEFAULT_PRETRAINED))
if lesson.after:
    st.markdown(lesson.after)
render_quiz(lesson)

st.divider()
previous_col, position_col, next_col = st.columns([1, 2, 1], vertical_alignment="center")
with previous_col:
    if position > 0:
        st.button(t("lessons.previous"), key="lesson_previous", on_click=go_to, args=(LESSON_IDS[position - 1],))
with position_col:
    st.caption(t("lessons.position", number=lesson.number, total=len(course)))
with next_col:
    if position + 1 < len(LESSON_IDS):
        st.button(t("lessons.next"), key="lesson_next", on_click=go_to, args=(LESSON_IDS[position + 1],))
