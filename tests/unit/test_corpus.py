"""rnnlab.corpus: upload bytes -> clean text, and the 'long enough to train?' check."""

from __future__ import annotations

import hashlib
import random

import pytest

from rnnlab.corpus import (
    BINARY_MESSAGE,
    CP1252_WARNING,
    DEFAULT_MAX_BYTES,
    LATIN1_WARNING,
    LoadedText,
    check_trainable,
    decode_text,
    format_size,
    min_tokens_for_training,
    read_text_file,
    text_fingerprint,
    validation_size,
)
from rnnlab.data import split_train_val
from rnnlab.errors import CorpusError, RnnLabError, SettingsError
from rnnlab.vocab import tokenize

MIXED = "Grüße, Ελληνικά, русский, 日本語, עברית, العربية 🙂🚀 👩‍👩‍👧 e\u0301\n"


def corpus_error(data: bytes, **kwargs) -> str:
    with pytest.raises(CorpusError) as info:
        decode_text(data, **kwargs)
    return assert_one_sentence(info.value)


def assert_one_sentence(error: Exception) -> str:
    message = str(error)
    assert isinstance(error, RnnLabError)
    assert message and "\n" not in message and "\r" not in message
    assert message[0].isupper() and message.endswith("."), message
    return message


# --- decoding -------------------------------------------------------------------------------


def test_plain_utf8():
    loaded = decode_text(b"Hello, world.\nSecond line.\n")
    assert loaded == LoadedText("Hello, world.\nSecond line.\n", "utf-8", ())
    assert loaded.num_chars == 27
    assert loaded.num_symbols == len(set(loaded.text))


def test_utf8_with_bom_is_stripped():
    loaded = decode_text(b"\xef\xbb\xbfcaf\xc3\xa9 au lait\n")
    assert loaded.text == "café au lait\n"
    assert loaded.encoding == "utf-8-sig"
    assert loaded.warnings == ()


@pytest.mark.parametrize(("codec", "bom", "name"), [("utf-16-le", b"\xff\xfe", "utf-16-le"),
                                                     ("utf-16-be", b"\xfe\xff", "utf-16-be"),
                                                     ("utf-32-le", b"\xff\xfe\x00\x00", "utf-32-le"),
                                                     ("utf-32-be", b"\x00\x00\xfe\xff", "utf-32-be")])
def test_utf16_and_utf32_with_bom(codec, bom, name):
    loaded = decode_text(bom + MIXED.encode(codec))
    assert loaded.text == MIXED
    assert loaded.encoding == name
    assert loaded.warnings == ()


def test_python_utf16_codec_output_round_trips():
    # Python's "utf-16" codec writes a BOM in the machine's byte order, as Notepad's "Unicode" does.
    assert decode_text("Line one\r\nLine two\r\n".encode("utf-16")).text == "Line one\nLine two\n"


def test_utf16_without_bom_is_recognised_when_mostly_ascii():
    text = "A plain English sentence saved as UTF-16 without a byte-order mark.\n"
    assert decode_text(text.encode("utf-16-le")).text == text
    assert decode_text(text.encode("utf-16-be")).encoding == "utf-16-be"


def test_emoji_and_mixed_scripts_round_trip():
    loaded = decode_text(MIXED.encode("utf-8"))
    assert loaded.text == MIXED
    assert loaded.encoding == "utf-8"
    assert "🙂" in loaded.text and loaded.num_symbols == len(set(MIXED))


def test_cp1252_fallback_warns():
    loaded = decode_text("Un café — “déjà vu” coûte 5 €.\n".encode("cp1252"))
    assert loaded.text == "Un café — “déjà vu” coûte 5 €.\n"
    assert loaded.encoding == "cp1252"
    assert loaded.warnings == (CP1252_WARNING,)
    assert "Windows-1252" in CP1252_WARNING and "UTF-8" in CP1252_WARNING


def test_latin1_fallback_for_bytes_cp1252_lacks():
    # 0x81 and 0x8d are undefined in Windows-1252; Latin-1 still reads every byte.
    loaded = decode_text(b"caf\xe9 \x81 ol\xe9 and a long enough plain text around them.\n")
    assert loaded.encoding == "latin-1"
    assert loaded.text.startswith("café \x81 olé")
    assert loaded.warnings[0] == LATIN1_WARNING
    assert "control character" in loaded.warnings[1]


def test_control_characters_below_threshold_are_kept_with_a_warning():
    loaded = decode_text(b"Escape \x1b[1mbold\x1b[0m text that is mostly ordinary letters.\n")
    assert "\x1b" in loaded.text
    assert len(loaded.warnings) == 1
    assert "2 invisible control characters" in loaded.warnings[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a\r\nb\r\nc", "a\nb\nc"),
        (b"a\rb\rc\r", "a\nb\nc\n"),
        (b"a\r\n\r\nb\n\rc", "a\n\nb\n\nc"),
        (b"tab\tand\fform feed\n", "tab\tand\fform feed\n"),
    ],
)
def test_line_endings_are_normalised(raw, expected):
    assert decode_text(raw).text == expected


def test_crlf_in_utf16():
    assert decode_text(b"\xff\xfe" + "x\r\ny\rz".encode("utf-16-le")).text == "x\ny\nz"


def test_bytearray_and_memoryview_are_accepted():
    assert decode_text(bytearray(b"abc")).text == "abc"
    assert decode_text(memoryview(b"abc")).text == "abc"


# --- rejections -------------------------------------------------------------------------------


def test_empty_file():
    assert corpus_error(b"") == "The file is empty."


def test_bom_only_is_empty():
    assert corpus_error(b"\xef\xbb\xbf") == "The file is empty."
    assert corpus_error(b"\xff\xfe") == "The file is empty."


@pytest.mark.parametrize("raw", [b" ", b"\n\n\n", b" \t\r\n  \r\n", "\u00a0\u2003\n".encode()])
def test_whitespace_only(raw):
    assert corpus_error(raw) == "The file contains only spaces and line breaks, no text."


def test_png_header_is_rejected():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    assert "PNG image" in corpus_error(png)


def test_random_bytes_with_nuls_are_binary():
    rng = random.Random(1234)
    data = bytes(rng.randrange(256) for _ in range(4096))
    assert b"\x00" in data
    assert corpus_error(data) == BINARY_MESSAGE


def test_random_bytes_without_nuls_are_binary():
    rng = random.Random(99)
    data = bytes(rng.randrange(1, 256) for _ in range(4096))
    assert corpus_error(data) == BINARY_MESSAGE


def test_a_single_nul_in_text_is_binary():
    assert corpus_error(b"Mostly text but\x00 one NUL byte is inside it, which text never has.") == (
        BINARY_MESSAGE
    )


def test_many_control_characters_are_binary():
    assert corpus_error(b"ab\x01\x02\x03cdefgh\x04\x05ijklmn" * 10) == BINARY_MESSAGE


@pytest.mark.parametrize(
    ("raw", "word"),
    [(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"), (b"PK\x03\x04\x14\x00\x06\x00", ".docx"),
     (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"), (b"GIF89a\x01\x00", "GIF"), (b"\x1f\x8b\x08\x00", "gzip")],
)
def test_known_file_types_are_named(raw, word):
    assert word in corpus_error(raw)


def test_invalid_utf16_after_bom():
    # A lone high surrogate cannot be decoded.
    message = corpus_error(b"\xff\xfe" + b"\x00\xd8" + "ok".encode("utf-16-le"))
    assert "UTF-16" in message


def test_over_size_limit():
    message = corpus_error(b"a" * (DEFAULT_MAX_BYTES + 600_000))
    assert message == "The file is 5.6 MB, which is more than the 5 MB limit."


def test_over_size_limit_is_checked_before_anything_else():
    message = corpus_error(b"\x00" * 2048, max_bytes=1024)
    assert message == "The file is 2 KB, which is more than the 1 KB limit."
    message = corpus_error(b"abcd", max_bytes=3)
    assert message == "The file is 4 bytes, which is more than the 3 bytes limit."


def test_barely_over_size_limit():
    assert corpus_error(b"a" * (DEFAULT_MAX_BYTES + 1)) == "The file is slightly larger than the 5 MB limit."


def test_exactly_at_size_limit_is_accepted():
    assert decode_text(b"a" * 100, max_bytes=100).num_chars == 100


def test_format_size():
    assert [format_size(n) for n in (0, 1, 1023, 1024, 1536, 5 * 1024 * 1024, 1024 * 1024 + 1)] == [
        "0 bytes", "1 byte", "1023 bytes", "1 KB", "1.5 KB", "5 MB", "1 MB",
    ]


# --- files ------------------------------------------------------------------------------------


def test_read_text_file(tmp_path):
    path = tmp_path / "story.txt"
    path.write_bytes("Once upon a time.\r\nThe end.\r\n".encode("utf-16"))
    loaded = read_text_file(path)
    assert loaded.text == "Once upon a time.\nThe end.\n"
    assert read_text_file(str(path)).text == loaded.text


def test_read_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope.txt"
    with pytest.raises(CorpusError) as info:
        read_text_file(path)
    assert str(path) in assert_one_sentence(info.value)


def test_read_folder(tmp_path):
    with pytest.raises(CorpusError) as info:
        read_text_file(tmp_path)
    assert "folder" in assert_one_sentence(info.value)


def test_read_too_large_file(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 3000)
    with pytest.raises(CorpusError, match="2.9 KB, which is more than the 2 KB limit"):
        read_text_file(path, max_bytes=2048)


# --- trainability ------------------------------------------------------------------------------


def test_min_tokens_matches_the_real_split():
    for seq_len in (1, 8, 64, 100):
        for fraction in (0.01, 0.05, 0.1, 0.2, 0.3, 0.5):
            needed = min_tokens_for_training(seq_len, fraction)
            for n, enough in ((needed, True), (needed - 1, False)):
                train, val = split_train_val(list(range(n)), fraction)
                assert (len(train) > seq_len and len(val) > seq_len) is enough, (seq_len, fraction, n)
                assert len(val) == validation_size(n, fraction)


def test_min_tokens_without_validation():
    assert min_tokens_for_training(64, 0.0) == 65


def test_check_trainable_char_level():
    needed = min_tokens_for_training(64, 0.1)
    check_trainable("x" * needed)
    with pytest.raises(CorpusError) as info:
        check_trainable("x" * (needed - 1))
    message = assert_one_sentence(info.value)
    assert f"The text has {needed - 1} characters" in message
    assert f"at least {needed} " in message
    assert "65" in message


def test_check_trainable_small_seq_len_for_tiny_text():
    check_trainable("The Zen of Python is short but fine with a small window. " * 3, seq_len=8)


def test_check_trainable_counts_words_at_word_level():
    text = "one two three, four. " * 30  # 180 tokens but 630 characters
    assert len(tokenize(text, "word")) == 180
    check_trainable(text, level="char", seq_len=16)
    with pytest.raises(CorpusError) as info:
        check_trainable(text, level="word", seq_len=64)
    message = assert_one_sentence(info.value)
    assert "The text has 180 tokens (words and punctuation marks)" in message
    assert f"at least {min_tokens_for_training(64, 0.1)} " in message
    check_trainable(text, level="word", seq_len=8)


def test_check_trainable_without_validation():
    check_trainable("y" * 65, val_fraction=0.0)
    with pytest.raises(CorpusError, match="one window of 65"):
        check_trainable("y" * 64, val_fraction=0.0)


def test_check_trainable_empty_text():
    with pytest.raises(CorpusError, match="The text has 0 characters"):
        check_trainable("")


@pytest.mark.parametrize(("seq_len", "fraction"), [(0, 0.1), (-3, 0.1), (2.5, 0.1), (True, 0.1), (8, 1.0),
                                                   (8, -0.1)])
def test_check_trainable_bad_settings(seq_len, fraction):
    with pytest.raises(SettingsError) as info:
        check_trainable("z" * 10_000, seq_len=seq_len, val_fraction=fraction)
    assert_one_sentence(info.value)


def test_check_trainable_bad_level():
    with pytest.raises(ValueError, match="level"):
        check_trainable("z" * 10_000, level="sentence")


# --- fingerprint ------------------------------------------------------------------------------


def test_text_fingerprint():
    assert text_fingerprint("café") == hashlib.sha256("café".encode()).hexdigest()
    assert len(text_fingerprint("")) == 64
    assert text_fingerprint("a\nb") != text_fingerprint("a\r\nb")
