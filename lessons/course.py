"""The course's content, read from files: a lesson's text, its quiz and its widget's labels.

Each language has a folder ``lessons/<lang>/`` with the same files:

* ``NN_name.md`` per lesson (the id is the file's stem): a ``# Title`` line, then markdown. An
  optional ``<!-- widget -->`` line marks where the lesson's live widget goes (else after the text);
* ``quizzes.json``: per lesson id a question, its options, the index of the right one and an
  explanation shown after the learner has checked an answer;
* ``widgets.json``: per lesson id the labels of its widget, plus ``common`` ones.

The order of the course and which widget each lesson embeds are language-independent: :data:`LESSON_IDS`.
Nothing here imports Streamlit; the Lessons page and the tests both read the course through it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

LESSONS_DIR = Path(__file__).resolve().parent
WIDGET_MARKER = "<!-- widget -->"

LESSON_IDS = (
    "01_next_token",
    "02_tokens",
    "03_training_pairs",
    "04_watching_training",
    "05_greedy",
    "06_sampling",
    "07_temperature",
    "08_filters",
    "09_beyond_text",
)


@dataclass(frozen=True)
class Quiz:
    question: str
    options: tuple[str, ...]
    answer: int  # index into options
    explanation: str

    def is_correct(self, choice: int) -> bool:
        return choice == self.answer


@dataclass(frozen=True)
class Lesson:
    id: str
    number: int  # 1-based position in the course
    title: str
    before: str  # markdown above the widget
    after: str  # markdown below it
    quiz: Quiz


class Labels:
    """A lesson widget's labels in one language: ``labels("prompt")``, ``labels("count", n=3)``.

    A key missing from the lesson's own section is looked up in ``common``.
    """

    def __init__(self, own: dict[str, str], common: dict[str, str]):
        self._texts = {**common, **own}

    def __call__(self, key: str, **values) -> str:
        text = self._texts[key]
        return text.format(**values) if values else text

    def keys(self) -> set[str]:
        return set(self._texts)


def _folder(language: str) -> Path:
    folder = LESSONS_DIR / language
    if not folder.is_dir():
        raise ValueError(f"there are no lessons in the language {language!r}")
    return folder


@functools.cache
def _json(language: str, name: str) -> dict:
    return json.loads((_folder(language) / name).read_text(encoding="utf-8"))


def split_lesson(markdown: str) -> tuple[str, str, str]:
    """(title, text before the widget, text after it) of a lesson file."""
    first, _, rest = markdown.strip().partition("\n")
    if not first.startswith("# "):
        raise ValueError("a lesson file starts with a '# Title' line")
    before, _, after = rest.partition(WIDGET_MARKER)
    return first[2:].strip(), before.strip(), after.strip()


@functools.cache
def load_lesson(language: str, lesson_id: str) -> Lesson:
    if lesson_id not in LESSON_IDS:
        raise ValueError(f"there is no lesson {lesson_id!r}")
    title, before, after = split_lesson((_folder(language) / f"{lesson_id}.md").read_text(encoding="utf-8"))
    raw = _json(language, "quizzes.json")[lesson_id]
    quiz = Quiz(raw["question"], tuple(raw["options"]), int(raw["answer"]), raw["explanation"])
    return Lesson(lesson_id, LESSON_IDS.index(lesson_id) + 1, title, before, after, quiz)


def load_course(language: str) -> list[Lesson]:
    return [load_lesson(language, lesson_id) for lesson_id in LESSON_IDS]


def widget_labels(language: str, lesson_id: str) -> Labels:
    texts = _json(language, "widgets.json")
    return Labels(texts.get(lesson_id, {}), texts["common"])


def lesson_files(language: str) -> set[str]:
    """The lesson ids that have a text file in ``language`` (for the consistency test)."""
    return {path.stem for path in _folder(language).glob("*.md")}
