"""rnnlab.vocab: tokens <-> ids at character and word level."""

from __future__ import annotations

import pytest

from rnnlab.vocab import DEFAULT_MAX_SIZE, UNKNOWN, Vocabulary, join_tokens, tokenize

TEXTS = [
    "hello world\n",
    "Grüße, Ελληνικά, русский, 日本語 🙂🚀 👩‍👩‍👧 e\u0301!\n\n\ttabs  and   spaces\r\n",
    'He said "hi" (twice) -- 3.14 and x_y; don\'t!\n\nNew para: [a, b] {c}.',
    "rock 'n' roll, ((nested)), ... ?! 42nd street; it's O'Brien's.",
]


def test_word_tokenization_example():
    expected = ["Hello", ",", "world", "!", "\n", "It's", "ok", "."]
    assert tokenize("Hello, world!\nIt's ok.", "word") == expected


def test_char_tokenization_is_the_characters():
    assert tokenize("a b\n", "char") == ["a", " ", "b", "\n"]


def test_unknown_level():
    with pytest.raises(ValueError, match="level"):
        tokenize("abc", "sentence")
    with pytest.raises(ValueError, match="level"):
        Vocabulary.build("abc", "sentence")


@pytest.mark.parametrize("text", TEXTS)
def test_char_round_trip_is_exact(text):
    vocab = Vocabulary.build(text, "char")
    assert vocab.decode(vocab.encode(text)) == text
    assert vocab.count_unknown(text) == 0
    assert len(vocab.encode(text)) == len(text)


@pytest.mark.parametrize("text", TEXTS)
def test_word_round_trip_keeps_the_tokens(text):
    vocab = Vocabulary.build(text, "word")
    ids = vocab.encode(text)
    assert 0 not in ids
    assert tokenize(vocab.decode(ids), "word") == tokenize(text, "word")


def test_word_decode_spacing_is_readable():
    text = "Hello, world!\nIt's ok (really)."
    vocab = Vocabulary.build(text, "word")
    assert vocab.decode(vocab.encode(text)) == text


def test_join_tokens_char_is_plain_join():
    assert join_tokens(["a", " ", "b"], "char") == "a b"


def test_id_zero_is_unknown_and_tokens_are_distinct():
    vocab = Vocabulary.build("banana bread", "char")
    assert vocab.tokens[0] == UNKNOWN
    assert len(set(vocab.tokens)) == vocab.size == len(vocab) == 1 + len(set("banana bread"))
    assert [vocab.index[t] for t in vocab.tokens] == list(range(vocab.size))


def test_unseen_symbols_become_unknown():
    vocab = Vocabulary.build("abc", "char")
    assert vocab.encode("abz") == [vocab.index["a"], vocab.index["b"], 0]
    assert vocab.decode(vocab.encode("abz")) == "ab" + UNKNOWN
    assert vocab.count_unknown("xyz a") == 4
    words = Vocabulary.build("the cat sat", "word")
    assert words.encode("the dog sat") == [words.index["the"], 0, words.index["sat"]]
    assert words.decode(words.encode("the dog")) == "the " + UNKNOWN


def test_unknown_symbol_in_training_text_is_not_duplicated():
    vocab = Vocabulary.build("a" + UNKNOWN + "b", "char")
    assert vocab.tokens == (UNKNOWN, "a", "b")
    assert vocab.encode(UNKNOWN) == [0]


def test_cap_folds_rare_symbols_into_unknown():
    emoji = "🙂🚀🎉🐍🌍🔥💡🎵🍕🚲🌈⭐"
    text = "aaaaaaaaaa bbbbbbbbb cccccccc " + emoji * 2 + "🙂" * 20
    vocab = Vocabulary.build(text, "char", max_size=10)
    assert vocab.size == 10
    # The 9 most frequent symbols are kept: a, b, c, the space, 🙂 and then the earliest-seen emoji.
    assert {"a", "b", "c", " ", "🙂"} <= set(vocab.tokens)
    kept = set(vocab.tokens)
    folded = [ch for ch in text if ch not in kept]
    assert folded
    assert vocab.count_unknown(text) == len(folded)
    assert vocab.encode(text).count(0) == len(folded)
    assert vocab.decode(vocab.encode(text)) == "".join(ch if ch in kept else UNKNOWN for ch in text)


def test_cap_ties_are_broken_by_first_appearance():
    vocab = Vocabulary.build("zyxw", "char", max_size=3)
    assert vocab.tokens == (UNKNOWN, "y", "z")


def test_default_caps():
    text = "".join(chr(0x4E00 + i) for i in range(400))  # 400 distinct CJK characters
    assert Vocabulary.build(text, "char").size == DEFAULT_MAX_SIZE["char"]
    assert Vocabulary.build(text, "char", max_size=None).size == DEFAULT_MAX_SIZE["char"]


def test_word_cap():
    text = "the the the cat cat sat on mat"
    vocab = Vocabulary.build(text, "word", max_size=3)
    assert vocab.tokens == (UNKNOWN, "cat", "the")
    assert vocab.encode("the cat sat") == [2, 1, 0]


@pytest.mark.parametrize("max_size", [0, -1])
def test_cap_must_be_positive(max_size):
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.build("abc", "char", max_size=max_size)


def test_dict_round_trip():
    for level in ("char", "word"):
        vocab = Vocabulary.build(TEXTS[2], level)
        data = vocab.to_dict()
        assert data == {"level": level, "tokens": list(vocab.tokens)}
        again = Vocabulary.from_dict(data)
        assert again == vocab
        assert again.encode(TEXTS[2]) == vocab.encode(TEXTS[2])


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"level": "char"},
        {"level": "sentence", "tokens": [UNKNOWN, "a"]},
        {"level": "char", "tokens": []},
        {"level": "char", "tokens": "abc"},
        {"level": "char", "tokens": ["a", UNKNOWN]},
        {"level": "char", "tokens": [UNKNOWN, 1]},
        {"level": "char", "tokens": [UNKNOWN, "a", "a"]},
    ],
)
def test_from_dict_rejects_bad_data(data):
    with pytest.raises(ValueError):
        Vocabulary.from_dict(data)


def test_decode_accepts_numpy_like_ints():
    vocab = Vocabulary.build("abc", "char")
    torch = pytest.importorskip("torch")
    assert vocab.decode(torch.tensor(vocab.encode("cab"))) == "cab"
