"""Loop and verbatim-copy detectors on hand-checked strings."""

import random

import pytest

from rnnlab.detectors import MIN_COPY_LENGTH, Copy, CopyIndex, find_loop, longest_copy

LOOPING = (
    "today of the second the company and a second the company and a second the company"
    " and a second the company"
)
VARIED = (
    "The quick brown fox jumps over the lazy dog while the cat sleeps by the warm fire,"
    " dreaming of mice and of summer evenings long ago."
)


def test_finds_the_cycle_greedy_output_settled_into():
    loop = find_loop(LOOPING)
    assert loop is not None
    assert loop.cycle_length == 25
    assert loop.cycle_text == " second the company and a"
    assert loop.start == len("today of the")  # "the" before the first "second" differs from "a"
    assert loop.span == len(LOOPING) - loop.start
    assert loop.repeats == 3  # three whole cycles, then " second the company" again
    region = LOOPING[loop.start :]
    assert region == (loop.cycle_text * 4)[: len(region)]


def test_finds_the_cycle_in_word_tokens():
    loop = find_loop(LOOPING.split(), level="word")
    assert loop is not None
    assert (loop.start, loop.cycle_length, loop.repeats) == (3, 5, 3)
    assert loop.cycle_text == "second the company and a"


@pytest.mark.parametrize("text", [VARIED, "aa", "said that that", "hello", "", "abcabc"])
def test_no_loop_in_ordinary_or_short_text(text):
    assert find_loop(text) is None


def test_prefers_the_shortest_cycle_covering_the_longest_ending():
    loop = find_loop("xy" + "ab" * 10)
    assert (loop.start, loop.cycle_length, loop.repeats, loop.cycle_text) == (2, 2, 10, "ab")
    loop = find_loop("e" * 15)
    assert (loop.start, loop.cycle_length, loop.repeats) == (0, 1, 15)


def test_loop_thresholds_can_be_tightened():
    assert find_loop("xyz" + "hello " * 2) is not None  # two cycles, 12 characters
    assert find_loop("xyz" + "hello " * 2, min_repeats=3) is None
    assert find_loop("xyz" + "hello " * 2, min_span=13) is None
    assert find_loop("xyz" + "hello " * 2, max_cycle=5) is None


def test_longest_copy_hand_case():
    training = "the quick brown fox jumps over the lazy dog"
    copy = longest_copy("a quick brown fox ran over the lazy cat", training, min_length=5)
    assert copy == Copy(start=1, end=18, text=" quick brown fox ", training_start=3)


def test_longest_copy_takes_the_first_of_equally_long_copies():
    copy = longest_copy("xxabcdexxfghijxx", "abcde fghij", min_length=3)
    assert (copy.start, copy.end, copy.text, copy.training_start) == (2, 7, "abcde", 0)


def test_longest_copy_below_the_minimum_is_none():
    assert longest_copy("a quick brown fox ran", "the quick brown fox jumps") is None  # 17 < 20
    assert MIN_COPY_LENGTH == 20
    assert longest_copy("", "anything") is None
    assert longest_copy("abc", "", min_length=1) is None


def test_longest_copy_of_an_output_copied_whole():
    training = "It was the best of times, it was the worst of times."
    copy = longest_copy(training[7:40], training)
    assert (copy.start, copy.end, copy.training_start) == (0, 33, 7)


def test_longest_copy_in_a_large_training_text():
    rng = random.Random(0)
    training = "".join(rng.choice("abcdefgh ") for _ in range(200_000))
    piece = training[123_456 : 123_456 + 60]
    generated = (
        "".join(rng.choice("xyz") for _ in range(100))
        + piece
        + "".join(rng.choice("xyz") for _ in range(100))
    )
    copy = longest_copy(generated, training)
    assert (copy.start, copy.end, copy.text) == (100, 160, piece)
    assert training[copy.training_start : copy.training_start + 60] == piece


@pytest.mark.parametrize("seed", range(40))
def test_longest_copy_finds_the_same_copy_with_an_index(seed):
    """The index only skips searches that cannot succeed: the answer is the plain search's."""
    rng = random.Random(seed)
    alphabet = rng.choice(["ab", "abc ", "abcdefgh \n", "aé😀 b"])
    training = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 3000)))
    pieces = [training[i : i + rng.randrange(1, 60)] for i in (rng.randrange(max(1, len(training))) for _ in range(4))]
    noise = "".join(rng.choice(alphabet + "xyz") for _ in range(30))
    generated = "".join(rng.choice([*pieces, noise]) for _ in range(8))
    min_length = rng.choice([3, 10, MIN_COPY_LENGTH, 25])
    index = CopyIndex.build(training, piece=rng.choice([5, 10, MIN_COPY_LENGTH]))
    assert longest_copy(generated, index, min_length=min_length) == longest_copy(
        generated, training, min_length=min_length
    )


def test_an_index_of_a_text_shorter_than_a_piece_finds_no_copy():
    index = CopyIndex.build("short")
    assert len(index.hashes) == 0
    assert longest_copy("short and more text than twenty chars", index) is None
