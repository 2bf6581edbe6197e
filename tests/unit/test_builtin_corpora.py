"""rnnlab.builtin_corpora: texts derived from the Python installation, no download."""

from __future__ import annotations

import contextlib
import io
import time

import pytest

from rnnlab.builtin_corpora import (
    BUILTIN_CORPORA,
    BuiltinCorpus,
    load_builtin,
    prose_paragraph,
    recognised_builtin,
    truncate_at_line,
)
from rnnlab.corpus import check_trainable, text_fingerprint
from rnnlab.errors import CorpusError


def test_registry_is_ordered_and_described():
    assert list(BUILTIN_CORPORA)[:3] == ["zen", "python", "docstrings"]
    for name, corpus in BUILTIN_CORPORA.items():
        assert isinstance(corpus, BuiltinCorpus)
        assert corpus.name == name
        assert corpus.title and corpus.max_chars > 0 and callable(corpus.loader)
        assert corpus.description.endswith(".") and "\n" not in corpus.description


@pytest.mark.parametrize("name", list(BUILTIN_CORPORA))
def test_loads_non_empty_within_cap_and_cached(name):
    corpus = BUILTIN_CORPORA[name]
    text = load_builtin(name)
    assert text.strip()
    assert len(text) <= corpus.max_chars
    assert "\r" not in text
    assert load_builtin(name) is text  # cached
    assert corpus.load() is text


@pytest.mark.parametrize("name", list(BUILTIN_CORPORA))
def test_deterministic_and_reasonably_fast_uncached(name):
    corpus = BUILTIN_CORPORA[name]
    started = time.perf_counter()
    text = corpus.loader()  # bypasses the cache
    seconds = time.perf_counter() - started
    assert truncate_at_line(text, corpus.max_chars) == load_builtin(name)
    # The slowest (docstrings) takes about 1 s on a quiet machine; generous for shared CI runners.
    assert seconds < 10


def test_zen():
    text = load_builtin("zen")
    assert text.startswith("The Zen of Python, by Tim Peters\n\nBeautiful is better than ugly.\n")
    assert "Readability counts.\n" in text
    assert text.endswith("Namespaces are one honking great idea -- let's do more of those!\n")
    assert 700 < len(text) < 1000
    check_trainable(text, seq_len=32)


def test_zen_prints_nothing():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        text = BUILTIN_CORPORA["zen"].loader()
    assert out.getvalue() == ""
    assert "Beautiful is better than ugly." in text


def test_python_source():
    text = load_builtin("python")
    assert 900_000 <= len(text) <= 1_000_000
    assert text.startswith("# file: ")
    assert text.endswith("\n")
    assert text.count("def ") > 1000 and text.count("class ") > 100
    assert "import " in text and "    return " in text
    assert "# file: test/" not in text and "# file: site-packages/" not in text
    assert "# file: idlelib/" not in text and "# file: this.py" not in text


def test_docstrings_are_english_prose():
    text = load_builtin("docstrings")
    assert 300_000 <= len(text) <= 500_000  # about 500,000; a little less on a slimmer stdlib
    assert not any(line.startswith(">>>") for line in text.splitlines())
    visible = [c for c in text if not c.isspace()]
    assert sum(c.isalpha() for c in visible) > 0.85 * len(visible)
    paragraphs = text.split("\n\n")
    assert paragraphs[-1] == ""
    assert len(set(paragraphs[:-1])) == len(paragraphs) - 1  # no repeats
    for paragraph in paragraphs[:-1]:
        assert "\n" not in paragraph and paragraph.endswith(".") and paragraph[0].isupper()
    assert " the " in text and " is " in text


def test_unknown_name_lists_the_choices():
    with pytest.raises(CorpusError) as info:
        load_builtin("shakespeare")
    message = str(info.value)
    assert "\n" not in message
    assert "'shakespeare'" in message
    for name in BUILTIN_CORPORA:
        assert repr(name) in message


def test_truncate_at_line():
    assert truncate_at_line("ab\ncd\nef", 100) == "ab\ncd\nef"
    assert truncate_at_line("ab\ncd\nef", 7) == "ab\ncd\n"
    assert truncate_at_line("ab\ncd\nef", 6) == "ab\ncd\n"
    assert truncate_at_line("ab\ncd\nef", 5) == "ab\n"
    assert truncate_at_line("abcdef", 4) == "abcd"  # no line end: a hard cut


@pytest.mark.parametrize(
    "paragraph",
    [
        "Return the number of items in the sequence, counting duplicates.",
        "This function is\nwrapped over two lines and still reads as prose.",
    ],
)
def test_prose_paragraph_keeps_sentences(paragraph):
    assert prose_paragraph(paragraph) == " ".join(paragraph.split())


@pytest.mark.parametrize(
    "paragraph",
    [
        ">>> sorted([3, 1, 2])\n[1, 2, 3]",
        "Example:\n    x = compute(a, b) + 1.",
        "Too short.",
        "no capital letter at the start of this sentence here.",
        "A sentence without the final full stop at the end",
        "Args: x (int) = 0, y (str) = '', z (list[int]) = [1, 2, 3, 4, 5, 6].",
        "See the ``repr()`` of the object for the details here.",
    ],
)
def test_prose_paragraph_rejects_code_and_lists(paragraph):
    assert prose_paragraph(paragraph) is None


def test_a_builtin_text_is_recognised_by_its_name_and_fingerprint():
    zen = load_builtin("zen")
    assert recognised_builtin("zen", text_fingerprint(zen)) == zen
    assert recognised_builtin("zen", text_fingerprint(zen + " ")) is None  # another Python's text
    assert recognised_builtin("zen", "") is None
    assert recognised_builtin("tinyshakespeare.txt", text_fingerprint(zen)) is None  # not built in
