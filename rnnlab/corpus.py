"""Raw upload bytes -> clean text, and the checks that tell a learner whether a text can be trained on.

Every rejection raises :class:`rnnlab.errors.CorpusError` whose message is one sentence.
"""

from __future__ import annotations

import codecs
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from rnnlab.errors import CorpusError, SettingsError
from rnnlab.vocab import LEVELS, tokenize

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# Share of control characters (other than \n \r \t \f) above which a text counts as binary.
MAX_CONTROL_SHARE = 0.10

CP1252_WARNING = (
    "The file is not UTF-8; it was read as Windows-1252 (Western European). "
    "If some letters look wrong, save it as UTF-8."
)
LATIN1_WARNING = (
    "The file is not UTF-8; it was read as Latin-1 (ISO-8859-1). "
    "If some letters look wrong, save it as UTF-8."
)
BINARY_MESSAGE = "This looks like a binary file (an image or a program), not text. Upload a .txt file."

# Longest BOMs first: the UTF-32 LE BOM starts with the UTF-16 LE BOM.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Well-known file signatures, so that a learner hears what the file really is.
_SIGNATURES = (
    (b"%PDF-", "This is a PDF document, not plain text; copy its text into a .txt file and upload that."),
    (
        b"PK\x03\x04",
        "This is a compressed file (a .zip, .docx or .odt), not plain text; "
        "save the text as a .txt file and upload that.",
    ),
    (b"\x89PNG\r\n\x1a\n", "This is a PNG image, not text; upload a .txt file."),
    (b"\xff\xd8\xff", "This is a JPEG image, not text; upload a .txt file."),
    (b"GIF87a", "This is a GIF image, not text; upload a .txt file."),
    (b"GIF89a", "This is a GIF image, not text; upload a .txt file."),
    (b"\x1f\x8b", "This is a gzip-compressed file, not text; unpack it and upload the .txt file inside."),
)

# Control characters that do not belong in a text (tab, line feed, form feed and carriage return do).
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class LoadedText:
    """A decoded text, the encoding it was read with, and warnings (full sentences) for the learner."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()

    @property
    def num_chars(self) -> int:
        """Number of characters (after line endings were normalised)."""
        return len(self.text)

    @property
    def num_symbols(self) -> int:
        """Number of distinct characters."""
        return len(set(self.text))


def format_size(num_bytes: int) -> str:
    """A size for people: ``"512 bytes"``, ``"12.5 KB"``, ``"5 MB"``."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if num_bytes >= factor:
            value = f"{num_bytes / factor:.1f}".removesuffix(".0")
            return f"{value} {unit}"
    return "1 byte" if num_bytes == 1 else f"{num_bytes} bytes"


def too_large_message(subject: str, size: int, max_bytes: int) -> str:
    """'The file is 5.6 MB, which is more than the 5 MB limit.' (or 'slightly larger' when they look equal)."""
    shown, limit = format_size(size), format_size(max_bytes)
    if shown == limit:
        return f"The {subject} is slightly larger than the {limit} limit."
    return f"The {subject} is {shown}, which is more than the {limit} limit."


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise CorpusError(too_large_message("file", size, max_bytes))


def _looks_like_bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the NUL bytes sit where mostly-ASCII UTF-16 text puts them."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    half = len(data) // 2
    even_nuls, odd_nuls = even.count(0), odd.count(0)
    if odd_nuls >= 0.9 * half and even_nuls == 0:
        return "utf-16-le"
    if even_nuls >= 0.9 * half and odd_nuls == 0:
        return "utf-16-be"
    return None


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding, warnings) of non-empty bytes, or CorpusError."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :] if encoding != "utf-8-sig" else data
            try:
                return body.decode(encoding), encoding, []
            except UnicodeDecodeError:
                name = encoding.removesuffix("-sig").upper()
                raise CorpusError(
                    f"The file starts like {name} text but is not valid {name}; save it again as UTF-8."
                ) from None

    for signature, message in _SIGNATURES:
        if data.startswith(signature):
            raise CorpusError(message)

    if b"\x00" in data:
        encoding = _looks_like_bomless_utf16(data)
        if encoding is None:
            raise CorpusError(BINARY_MESSAGE)
        try:
            return data.decode(encoding), encoding, []
        except UnicodeDecodeError:
            raise CorpusError(BINARY_MESSAGE) from None

    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252", [CP1252_WARNING]
    except UnicodeDecodeError:
        # Five byte values are undefined in Windows-1252; Latin-1 maps every byte to a character.
        return data.decode("latin-1"), "latin-1", [LATIN1_WARNING]


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Turn the bytes of an uploaded file into clean text (or raise :class:`CorpusError`).

    Checks, in order: size, emptiness, byte-order marks (UTF-8/16/32), strict UTF-8, then
    Windows-1252 (Latin-1 for the bytes it lacks) with a warning. Binary data is rejected.
    Line endings become ``\\n`` and a leading byte-order mark is removed.
    """
    if max_bytes <= 0:
        raise ValueError(f"max_bytes must be positive, not {max_bytes}")
    data = bytes(data)
    _check_size(len(data), max_bytes)
    if not data:
        raise CorpusError("The file is empty.")

    text, encoding, warnings = _decode(data)
    text = text.removeprefix("\ufeff")

    controls = len(_CONTROL.findall(text))
    if text and controls > MAX_CONTROL_SHARE * len(text):
        raise CorpusError(BINARY_MESSAGE)

    text = normalise_newlines(text)
    if not text:
        raise CorpusError("The file is empty.")
    if not text.strip():
        raise CorpusError("The file contains only spaces and line breaks, no text.")
    if controls:
        noun = "character" if controls == 1 else "characters"
        warnings.append(
            f"The text contains {controls} invisible control {noun}; they were kept, "
            "but the model will learn them as symbols."
        )
    return LoadedText(text=text, encoding=encoding, warnings=tuple(warnings))


def read_text_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """:func:`decode_text` of a file on disk (a missing or unreadable file is a :class:`CorpusError`)."""
    path = Path(path)
    try:
        if path.is_dir():
            raise CorpusError(f"The path {path} is a folder, not a text file.")
        _check_size(path.stat().st_size, max_bytes)
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"The file {path} does not exist.") from None
    except PermissionError:
        raise CorpusError(f"The file {path} cannot be read (permission denied).") from None
    except OSError as error:
        raise CorpusError(f"The file {path} cannot be read ({error.strerror or error}).") from None
    return decode_text(data, max_bytes=max_bytes)


def validation_size(num_tokens: int, val_fraction: float) -> int:
    """How many of ``num_tokens`` are held out for validation, exactly as ``data.split_train_val``
    splits: the first ``int(num_tokens * (1 - val_fraction))`` train, the rest validate."""
    return num_tokens - int(num_tokens * (1.0 - val_fraction))


def min_tokens_for_training(seq_len: int, val_fraction: float) -> int:
    """The fewest tokens that give one training window of ``seq_len + 1`` tokens and, when
    ``val_fraction > 0``, a validation slice of at least ``seq_len + 1`` tokens too."""
    _check_settings(seq_len, val_fraction)
    window = seq_len + 1
    if val_fraction == 0:
        return window
    # validation_size(n) <= n * val_fraction + 1, so no n below this start can be enough.
    n = max(window + 1, math.floor((window - 1) / val_fraction))
    while validation_size(n, val_fraction) < window or n - validation_size(n, val_fraction) < window:
        n += 1
    return n


def _check_settings(seq_len: int, val_fraction: float) -> None:
    if isinstance(seq_len, bool) or not isinstance(seq_len, int) or seq_len < 1:
        raise SettingsError(f"The sequence length must be a whole number of at least 1, not {seq_len!r}.")
    if not 0 <= val_fraction < 1:
        raise SettingsError(
            f"The validation fraction must be at least 0 and less than 1, not {val_fraction!r}."
        )


def check_trainable(text: str, *, level: str = "char", seq_len: int = 64, val_fraction: float = 0.1) -> None:
    """Raise :class:`CorpusError` when ``text`` is too short to train on with these settings.

    Training needs one window of ``seq_len + 1`` tokens (inputs plus the shifted targets); the
    validation slice (see :func:`validation_size`, taken from the end) needs one as well.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    needed = min_tokens_for_training(seq_len, val_fraction)
    count = len(text) if level == "char" else len(tokenize(text, level))
    if count >= needed:
        return
    unit = "characters" if level == "char" else "tokens (words and punctuation marks)"
    if val_fraction == 0:
        why = f"one window of {seq_len + 1} inputs and targets"
    else:
        percent = f"{val_fraction * 100:g}%"
        why = f"so that the training part and the {percent} validation part each hold {seq_len + 1}"
    raise CorpusError(
        f"The text has {count:,} {unit}, but a sequence length of {seq_len} needs at least "
        f"{needed:,} ({why}); use a longer text or a shorter sequence length."
    )


def text_fingerprint(text: str) -> str:
    """SHA-256 (hex) of the UTF-8 text, stored with checkpoints to recognise the training text."""
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
