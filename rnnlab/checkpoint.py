"""Save and load models as ``.safetensors`` files with JSON metadata; nothing is ever unpickled.

Layout of a checkpoint (the safetensors format): 8 bytes little-endian header length ``N``, then
``N`` bytes of a JSON object (tensor names -> dtype/shape/offsets, plus ``__metadata__``), then the
raw tensor data. Char-RNN Lab stores everything needed to rebuild the model in ``__metadata__``
(a flat ``dict[str, str]``): ``format``, ``format_version``, ``model_config``, ``vocabulary``,
``training``, ``corpus_name``, ``corpus_hash``, ``created``, ``rnnlab_version`` and ``extra``.

:func:`load_checkpoint` checks the raw layout itself before handing the bytes to safetensors, and
every failure is a :class:`~rnnlab.errors.CheckpointError` whose message is one sentence for a learner.
"""

from __future__ import annotations

import codecs
import json
import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import torch
from safetensors.torch import load as _safetensors_load
from safetensors.torch import save as _safetensors_save

from rnnlab import __version__
from rnnlab.corpus import too_large_message
from rnnlab.errors import CheckpointError
from rnnlab.model import CharRNN, ModelConfig
from rnnlab.vocab import Vocabulary

FORMAT_NAME = "rnnlab"
FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = frozenset({1})
# The vocabulary of a word-level model lives in the header, so it can be a few hundred kB; refuse
# anything far beyond that before reading or parsing it.
MAX_HEADER_BYTES = 8 * 1024 * 1024
MAX_FILE_BYTES = 100 * 1024 * 1024
FILE_SUFFIX = ".safetensors"

_FLOAT_DTYPES = frozenset({"F16", "BF16", "F32", "F64"})
_JSON_KEYS = ("model_config", "vocabulary", "training", "extra")
_MAX_NAMED = 3  # how many offending tensor names a message lists before "and N more"


@dataclass
class Checkpoint:
    """A loaded model, its vocabulary and the decoded metadata (see :func:`read_metadata`)."""

    model: CharRNN
    vocab: Vocabulary
    metadata: dict

    @property
    def config(self) -> ModelConfig:
        return self.model.config

    @property
    def training(self) -> dict:
        """The training summary saved with the model (steps, losses, settings...); may be empty."""
        return dict(self.metadata.get("training") or {})

    @property
    def extra(self) -> dict:
        return dict(self.metadata.get("extra") or {})

    @property
    def corpus_name(self) -> str:
        return self.metadata.get("corpus_name", "")

    @property
    def corpus_hash(self) -> str:
        return self.metadata.get("corpus_hash", "")

    @property
    def created(self) -> str:
        return self.metadata.get("created", "")

    @property
    def format_version(self) -> int:
        return self.metadata.get("format_version", FORMAT_VERSION)


# ---------------------------------------------------------------------------------------------
# Saving


def save_checkpoint(
    path: str | Path | None,
    model: CharRNN,
    vocab: Vocabulary,
    *,
    training: dict | None = None,
    corpus_name: str = "",
    corpus_hash: str = "",
    extra: dict | None = None,
) -> bytes:
    """Serialize ``model`` and ``vocab`` to safetensors bytes; also write them to ``path`` if given.

    Returns the file's bytes (the app offers them as a download).
    """
    if not isinstance(model, CharRNN):
        raise CheckpointError("Only a Char-RNN Lab model can be saved as a checkpoint.")
    if model.config.vocab_size != vocab.size:
        raise CheckpointError(
            f"The model expects {model.config.vocab_size} tokens but the vocabulary has {vocab.size}, "
            "so they cannot be saved together."
        )
    tensors: dict[str, torch.Tensor] = {}
    for name, value in model.state_dict().items():
        tensor = value.detach().to(device="cpu", dtype=torch.float32).contiguous().clone()
        if not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(
                f"The model's weights contain NaN or infinite values (in {name}), so it cannot be saved."
            )
        tensors[name] = tensor
    metadata = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "model_config": model.config.to_json(),
        "vocabulary": json.dumps(vocab.to_dict(), ensure_ascii=False),
        "training": _to_json(training or {}, "training summary"),
        "corpus_name": str(corpus_name),
        "corpus_hash": str(corpus_hash),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "rnnlab_version": __version__,
        "extra": _to_json(extra or {}, "extra metadata"),
    }
    data = _safetensors_save(tensors, metadata=metadata)
    if len(data) > MAX_FILE_BYTES:
        raise CheckpointError(
            f"The model is too large to save as a checkpoint ({_mb(len(data))} MB; "
            f"the limit is {_mb(MAX_FILE_BYTES)} MB)."
        )
    if path is not None:
        _write_atomically(Path(path), data)
    return data


def _json_default(value):
    if hasattr(value, "item"):  # numpy / torch scalars
        return value.item()
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _to_json(value: dict, what: str) -> str:
    if not isinstance(value, dict):
        raise CheckpointError(f"The {what} to save must be a dictionary, not {type(value).__name__}.")
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"The {what} cannot be stored in a checkpoint ({error}).") from error


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        reason = error.strerror or error
        raise CheckpointError(f"The checkpoint could not be written to {str(path)!r} ({reason}).") from error


# ---------------------------------------------------------------------------------------------
# Loading


def load_checkpoint(source: str | Path | bytes, *, max_bytes: int = MAX_FILE_BYTES) -> Checkpoint:
    """Load a checkpoint from a path or from its bytes; never unpickles anything.

    Raises :class:`CheckpointError` (one sentence) for a missing, malformed, unsafe or
    inconsistent file.
    """
    data = _read_source(source, max_bytes)
    entries, raw_metadata = _parse_header(data, len(data))
    metadata, config, vocab = _decode_metadata(raw_metadata)
    _check_tensor_layout(entries, config)

    try:
        tensors = _safetensors_load(data)
    except Exception as error:  # SafetensorError, or anything else the Rust side raises
        raise CheckpointError(
            f"This file is not a valid model checkpoint: its weights could not be read ({_short(error)})."
        ) from error

    for name, tensor in tensors.items():
        if not tensor.is_floating_point():
            raise CheckpointError(
                f"The checkpoint's weights must be floating-point numbers, but {name} is {tensor.dtype}."
            )
        if not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(
                f"The checkpoint's weights contain NaN or infinite values (in {name}), "
                "so the model cannot be used."
            )

    model = CharRNN(config)
    state = {name: tensor.to(torch.float32) for name, tensor in tensors.items()}
    try:
        model.load_state_dict(state, strict=True)
    except (RuntimeError, ValueError) as error:
        raise CheckpointError(
            f"The checkpoint's weights do not match its model settings ({_short(error)})."
        ) from error
    model.eval()
    return Checkpoint(model=model, vocab=vocab, metadata=metadata)


def read_metadata(source: str | Path | bytes) -> dict:
    """The decoded metadata of a checkpoint, reading and parsing only its header (cheap).

    Keys: ``format``, ``format_version`` (int), ``model_config`` (dict), ``vocabulary`` (dict),
    ``training`` (dict), ``extra`` (dict), ``corpus_name``, ``corpus_hash``, ``created``,
    ``rnnlab_version`` (str); other string keys are passed through unchanged.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        total = len(data)
        if total > MAX_FILE_BYTES:
            raise CheckpointError(_too_large(total, MAX_FILE_BYTES))
    else:
        data, total = _read_head_of_file(Path(source))
    _entries, raw_metadata = _parse_header(data, total)
    metadata, _config, _vocab = _decode_metadata(raw_metadata)
    return metadata


def _read_source(source, max_bytes: int) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > max_bytes:
            raise CheckpointError(_too_large(len(data), max_bytes))
        return data
    path = Path(source)
    size = _file_size(path)
    if size > max_bytes:
        raise CheckpointError(_too_large(size, max_bytes))
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _unreadable(path, error) from error
    if len(data) > max_bytes:  # the file grew while we looked at it
        raise CheckpointError(_too_large(len(data), max_bytes))
    return data


def _read_head_of_file(path: Path) -> tuple[bytes, int]:
    """The first bytes of a file, including its whole header when the length prefix is plausible."""
    size = _file_size(path)
    if size > MAX_FILE_BYTES:
        raise CheckpointError(_too_large(size, MAX_FILE_BYTES))
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
            if len(head) >= 8:
                length = int.from_bytes(head[:8], "little")
                if 0 < length <= MAX_HEADER_BYTES and 8 + length <= size and 8 + length > len(head):
                    head += handle.read(8 + length - len(head))
    except OSError as error:
        raise _unreadable(path, error) from error
    return head, size


def _file_size(path: Path) -> int:
    try:
        if path.is_dir():
            raise CheckpointError(f"{str(path)!r} is a folder, not a checkpoint file.")
        return path.stat().st_size
    except FileNotFoundError as error:
        raise CheckpointError(f"There is no checkpoint file at {str(path)!r}.") from error
    except OSError as error:
        raise _unreadable(path, error) from error


def _unreadable(path: Path, error: OSError) -> CheckpointError:
    reason = error.strerror or error
    return CheckpointError(f"The checkpoint file {str(path)!r} could not be read ({reason}).")


def _looks_like_pickle(data: bytes) -> bool:
    """A pickle (protocol 2+ starts with 0x80) or a zip archive, which is what ``torch.save`` writes."""
    return (len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5) or data.startswith(b"PK\x03\x04")


def _looks_like_text(data: bytes) -> bool:
    """The file starts with printable UTF-8 text (a character cut off at the end of ``data`` is allowed)."""
    try:  # an incremental decoder keeps a character cut short at the end instead of failing on it
        text = codecs.getincrementaldecoder("utf-8")().decode(data[:256])
    except UnicodeDecodeError:
        return False
    text = text.removeprefix("\ufeff")  # a byte order mark
    return bool(text) and all(char.isprintable() or char in "\t\n\r" for char in text)


def _parse_header(data: bytes, total: int) -> tuple[dict[str, dict], dict | None]:
    """Validate the raw layout and return (tensor entries, raw ``__metadata__`` or None).

    ``data`` holds at least the first ``8 + N`` bytes when the layout is sound; ``total`` is the
    size of the whole file.
    """
    if total == 0:
        raise CheckpointError("The checkpoint file is empty.")
    if (len(data) < 9 or data[8:9] != b"{") and _looks_like_pickle(data):
        raise CheckpointError(
            "This file is not a valid model checkpoint: it looks like a Python pickle "
            "(for example from torch.save), which is never loaded for safety."
        )
    if total < 8:
        raise CheckpointError(
            f"The checkpoint file is cut short (truncated): it has only {total} bytes, "
            "fewer than a header needs."
        )
    length = int.from_bytes(data[:8], "little")
    if length == 0:
        raise CheckpointError("This file is not a valid model checkpoint: its header is empty.")
    if length > MAX_HEADER_BYTES and _looks_like_text(data):
        raise CheckpointError("This file is not a model checkpoint (.safetensors); it looks like a text file.")
    if length > MAX_HEADER_BYTES:
        raise CheckpointError(
            f"The checkpoint header is absurdly large ({_mb(length)} MB; the limit is "
            f"{_mb(MAX_HEADER_BYTES)} MB), so this is not a valid model checkpoint."
        )
    if 8 + length > total:
        raise CheckpointError(
            f"The checkpoint file is cut short (truncated): its header needs {length} bytes "
            f"but only {total - 8} follow."
        )
    raw = data[8 : 8 + length]
    if raw[:1] != b"{":
        raise CheckpointError("This file is not a valid model checkpoint: its header is not a JSON object.")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise CheckpointError(
            "This file is not a valid model checkpoint: its header is not valid JSON."
        ) from error
    if not isinstance(header, dict):
        raise CheckpointError("This file is not a valid model checkpoint: its header is not a JSON object.")

    raw_metadata = header.pop("__metadata__", None)
    entries: dict[str, dict] = {}
    data_end = 0
    for name, entry in header.items():
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if not (
            isinstance(entry.get("dtype") if isinstance(entry, dict) else None, str)
            and _is_int_list(shape)
            and _is_int_list(offsets)
            and len(offsets) == 2
            and 0 <= offsets[0] <= offsets[1]
        ):
            raise CheckpointError(
                f"This file is not a valid model checkpoint: its header describes {_name(name)} incorrectly."
            )
        entries[name] = entry
        data_end = max(data_end, offsets[1])
    available = total - 8 - length
    if data_end > available:
        raise CheckpointError(
            f"The checkpoint file is cut short (truncated): its weights need {data_end} bytes "
            f"but only {available} are present."
        )
    if data_end < available:
        raise CheckpointError(
            f"This file is not a valid model checkpoint: it has {available - data_end} unexpected bytes "
            "after its weights."
        )
    if raw_metadata is not None and not (
        isinstance(raw_metadata, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in raw_metadata.items())
    ):
        raise CheckpointError(
            "This file is not a valid model checkpoint: its metadata is not a set of text fields."
        )
    return entries, raw_metadata


def _is_int_list(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, int) and not isinstance(item, bool) and item >= 0 for item in value
    )


def _decode_metadata(raw: dict | None) -> tuple[dict, ModelConfig, Vocabulary]:
    if not raw or raw.get("format") != FORMAT_NAME:
        raise CheckpointError("The checkpoint has no Char-RNN Lab metadata.")
    version_text = raw.get("format_version", "")
    if not version_text.isdigit():
        raise CheckpointError(
            f"The checkpoint's format version {version_text!r} is not a whole number, so it cannot be read."
        )
    version = int(version_text)
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"This checkpoint was made by a newer Char-RNN Lab (format version {version}); "
            f"this one reads format version {FORMAT_VERSION} at most."
        )
    if version not in SUPPORTED_FORMAT_VERSIONS:
        raise CheckpointError(f"The checkpoint's format version {version} is not supported.")

    metadata: dict = dict(raw)
    metadata["format_version"] = version
    for key in _JSON_KEYS:
        text = raw.get(key)
        if text is None:
            if key in ("model_config", "vocabulary"):
                raise CheckpointError(f"The checkpoint's metadata lacks its {_describe(key)}.")
            metadata[key] = {}
            continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise CheckpointError(f"The checkpoint's {_describe(key)} is not valid JSON.") from error
        if not isinstance(value, dict):
            raise CheckpointError(f"The checkpoint's {_describe(key)} is not a JSON object.")
        metadata[key] = value
    for key in ("corpus_name", "corpus_hash", "created", "rnnlab_version"):
        metadata.setdefault(key, "")

    try:
        config = ModelConfig.from_dict(metadata["model_config"])
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"The checkpoint's model settings are invalid ({_short(error)}).") from error
    try:
        vocab = Vocabulary.from_dict(metadata["vocabulary"])
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"The checkpoint's vocabulary is invalid ({_short(error)}).") from error
    if config.vocab_size != vocab.size:
        raise CheckpointError(
            f"The checkpoint's model expects {config.vocab_size} tokens but its vocabulary has "
            f"{vocab.size}, so they do not belong together."
        )
    return metadata, config, vocab


def _describe(key: str) -> str:
    return {
        "model_config": "model settings",
        "vocabulary": "vocabulary",
        "training": "training summary",
        "extra": "extra metadata",
    }[key]


def _check_tensor_layout(entries: dict[str, dict], config: ModelConfig) -> None:
    """Compare the header's tensor names, shapes and dtypes with what ``config`` builds."""
    with torch.device("meta"):  # shapes only: nothing is allocated however large the settings are
        skeleton = CharRNN(config)
    expected = {name: tuple(t.shape) for name, t in skeleton.state_dict().items()}
    problems: list[str] = []
    problems += [f"{name} is missing" for name in expected if name not in entries]
    problems += [f"{_name(name)} is unexpected" for name in entries if name not in expected]
    for name, shape in expected.items():
        if name in entries and tuple(entries[name]["shape"]) != shape:
            problems.append(
                f"{name} has shape {_shape(entries[name]['shape'])} but {_shape(shape)} was expected"
            )
    if problems:
        listed = "; ".join(problems[:_MAX_NAMED])
        if len(problems) > _MAX_NAMED:
            listed += f"; and {len(problems) - _MAX_NAMED} more"
        raise CheckpointError(f"The checkpoint's weights do not match its model settings: {listed}.")
    for name, entry in entries.items():
        if entry["dtype"] not in _FLOAT_DTYPES:
            raise CheckpointError(
                f"The checkpoint's weights must be floating-point numbers, but {name} is stored as "
                f"{entry['dtype']}."
            )


# ---------------------------------------------------------------------------------------------
# Message helpers


def _name(name: str, limit: int = 60) -> str:
    """A tensor name from an untrusted header, quoted only if odd, and shortened."""
    text = name if name.isprintable() and len(name) <= limit else repr(name)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shape(shape) -> str:
    return "(" + ", ".join(str(int(n)) for n in shape) + ")"


def _mb(n: int) -> str:
    value = n / (1024 * 1024)
    if value >= 100 or math.isclose(value, round(value)):
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _too_large(size: int, limit: int) -> str:
    return too_large_message("checkpoint file", size, limit)


def _short(error: BaseException, limit: int = 200) -> str:
    """The first line of an error message, shortened, without a trailing full stop."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0].rstrip(".")
    return text if len(text) <= limit else text[: limit - 3] + "..."
