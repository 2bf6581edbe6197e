"""Checkpoints: real .safetensors files in tmp_path, real torch; malformed files never unpickled."""

from __future__ import annotations

import json
import os
import pickle
import re
import struct

import pytest
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from safetensors.torch import save_file

from rnnlab.checkpoint import (
    FORMAT_VERSION,
    MAX_HEADER_BYTES,
    Checkpoint,
    load_checkpoint,
    read_metadata,
    save_checkpoint,
)
from rnnlab.corpus import format_size
from rnnlab.errors import CheckpointError, RnnLabError
from rnnlab.model import CharRNN, ModelConfig
from rnnlab.vocab import Vocabulary

TEXT = "the cat sat on the mat.\nthe dog sat on the log!\n"


def make(cell="lstm", input="embedding", level="char", hidden=8, layers=1, seed=0):
    torch.manual_seed(seed)
    vocab = Vocabulary.build(TEXT, level)
    config = ModelConfig(
        vocab_size=vocab.size, cell=cell, hidden_size=hidden, num_layers=layers, input=input, embedding_size=6
    )
    return CharRNN(config).eval(), vocab


def logits_of(model, vocab):
    ids = torch.tensor([vocab.encode("the cat sat")], dtype=torch.long)
    with torch.no_grad():
        return model(ids)[0]


def split(data: bytes) -> tuple[dict, dict]:
    """(tensors, metadata) of safetensors bytes, read here without the code under test."""
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    return st_load(data), header.get("__metadata__", {})


@pytest.fixture(scope="module")
def good() -> bytes:
    model, vocab = make(cell="gru", layers=2)
    return save_checkpoint(None, model, vocab, training={"steps": 3}, corpus_name="tiny")


def expect_error(source, phrase: str) -> str:
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(source)
    message = str(info.value)
    assert phrase.lower() in message.lower(), message
    assert "\n" not in message and message.endswith("."), message
    return message


# ---------------------------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize(
    "cell, input, level, layers",
    [
        ("rnn", "embedding", "char", 1),
        ("lstm", "embedding", "char", 2),
        ("gru", "embedding", "char", 1),
        ("lstm", "onehot", "char", 1),
        ("gru", "embedding", "word", 2),
    ],
)
def test_round_trip_same_logits_and_metadata(tmp_path, cell, input, level, layers):
    model, vocab = make(cell=cell, input=input, level=level, layers=layers)
    path = tmp_path / "model.safetensors"
    training = {"steps": 120, "val_loss": 1.25, "history": [2.0, 1.5]}
    data = save_checkpoint(
        path, model, vocab, training=training, corpus_name="Cats", corpus_hash="abc123", extra={"note": "é"}
    )
    assert path.read_bytes() == data

    ckpt = load_checkpoint(path)
    assert isinstance(ckpt, Checkpoint)
    assert ckpt.config == model.config
    assert ckpt.vocab == vocab
    assert not ckpt.model.training  # eval mode
    torch.testing.assert_close(logits_of(ckpt.model, vocab), logits_of(model, vocab), rtol=0, atol=0)
    assert ckpt.training == training
    assert (ckpt.corpus_name, ckpt.corpus_hash) == ("Cats", "abc123")
    assert ckpt.extra == {"note": "é"}
    meta = ckpt.metadata
    assert meta["format"] == "rnnlab" and meta["format_version"] == FORMAT_VERSION
    assert meta["model_config"] == json.loads(model.config.to_json())
    assert meta["vocabulary"] == vocab.to_dict()
    assert meta["created"] and meta["rnnlab_version"]


def test_bytes_round_trip_and_raw_metadata_layout():
    model, vocab = make(cell="rnn")
    data = save_checkpoint(None, model, vocab, training={"steps": torch.tensor(5)})
    ckpt = load_checkpoint(data)
    torch.testing.assert_close(logits_of(ckpt.model, vocab), logits_of(model, vocab), rtol=0, atol=0)
    assert ckpt.training == {"steps": 5}
    tensors, raw = split(data)
    assert all(isinstance(v, str) for v in raw.values())
    assert raw["format"] == "rnnlab" and raw["format_version"] == str(FORMAT_VERSION)
    assert ModelConfig.from_json(raw["model_config"]) == model.config
    assert all(t.dtype == torch.float32 for t in tensors.values())
    assert load_checkpoint(bytearray(data)).config == model.config


def test_read_metadata_is_cheap_and_matches(tmp_path, good):
    path = tmp_path / "m.safetensors"
    path.write_bytes(good)
    meta = read_metadata(path)
    assert meta == read_metadata(good) == load_checkpoint(good).metadata
    assert meta["corpus_name"] == "tiny" and meta["training"] == {"steps": 3}
    assert meta["model_config"]["cell"] == "gru"
    # Only the header is needed: damaged weights do not stop listing.
    (length,) = struct.unpack("<Q", good[:8])
    broken = bytearray(good)
    broken[8 + length :] = b"\xff" * (len(good) - 8 - length)
    assert read_metadata(bytes(broken))["corpus_name"] == "tiny"
    save_file({"w": torch.zeros(2)}, tmp_path / "plain.safetensors")
    with pytest.raises(CheckpointError, match="no Char-RNN Lab metadata"):
        read_metadata(tmp_path / "plain.safetensors")
    with pytest.raises(CheckpointError, match="no checkpoint file"):
        read_metadata(tmp_path / "missing.safetensors")


def test_loading_never_uses_pickle_or_torch_load(monkeypatch, good):
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle/torch.load must never be used")

    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    assert load_checkpoint(good).config.cell == "gru"


def test_save_refuses_mismatched_vocab_and_nan_weights(tmp_path):
    model, vocab = make()
    other = Vocabulary.build("xyz")
    with pytest.raises(CheckpointError, match="vocabulary has"):
        save_checkpoint(None, model, other)
    with torch.no_grad():
        model.head.bias[0] = float("nan")
    with pytest.raises(CheckpointError, match="NaN"):
        save_checkpoint(tmp_path / "nan.safetensors", model, vocab)
    assert not (tmp_path / "nan.safetensors").exists()


# ---------------------------------------------------------------------------------------------
# Malformed files: each one a CheckpointError with a helpful sentence


def test_missing_file_and_folder(tmp_path):
    expect_error(tmp_path / "nope.safetensors", "no checkpoint file")
    expect_error(tmp_path, "folder")
    assert issubclass(CheckpointError, RnnLabError)


def test_empty_and_tiny_files(tmp_path):
    empty = tmp_path / "empty.safetensors"
    empty.write_bytes(b"")
    expect_error(empty, "empty")
    tiny = tmp_path / "tiny.safetensors"
    tiny.write_bytes(b"abc")
    expect_error(tiny, "truncated")


def test_plain_pickle_is_refused(tmp_path):
    path = tmp_path / "dict.safetensors"
    path.write_bytes(pickle.dumps({"a": 1}))
    expect_error(path, "pickle")


@pytest.mark.parametrize("zipfile", [True, False])
def test_torch_save_file_is_refused(tmp_path, zipfile):
    model, _ = make()
    path = tmp_path / "model.safetensors"
    torch.save(model.state_dict(), path, _use_new_zipfile_serialization=zipfile)
    expect_error(path, "pickle")
    with pytest.raises(CheckpointError, match="pickle"):
        read_metadata(path)


class _Booby:
    """Unpickling this creates a folder: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_malicious_pickle_never_executes(tmp_path):
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(_Booby(control)))  # the payload really does run code when unpickled
    assert control.exists()

    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Booby(marker))
    path = tmp_path / "evil.safetensors"
    path.write_bytes(payload)
    expect_error(path, "never loaded")
    expect_error(payload, "pickle")
    with pytest.raises(CheckpointError):
        read_metadata(path)
    assert not marker.exists()


def test_truncated_checkpoint(tmp_path, good):
    for cut in (1, 100, len(good) - 20):
        path = tmp_path / f"cut{cut}.safetensors"
        path.write_bytes(good[:-cut])
        expect_error(path, "truncated")


def test_header_length_bigger_than_file():
    expect_error(struct.pack("<Q", 500) + b'{"a": 1}', "truncated")


def test_giant_header_length():
    message = expect_error(struct.pack("<Q", 2**40) + b"{}" + b"\0" * 30, "absurdly large")
    assert "MB" in message
    expect_error(struct.pack("<Q", MAX_HEADER_BYTES + 1) + b"{", "absurdly large")


@pytest.mark.parametrize(
    "text", [b"the cat sat on the mat.\n" * 3, "\ufeffcaf\u00e9 cr\u00e8me\n".encode(), b'{"a": 1}\n' * 9]
)
def test_text_file_is_named_as_text(tmp_path, text):
    path = tmp_path / "notes.safetensors"
    path.write_bytes(text)
    message = expect_error(path, "looks like a text file")
    assert "absurdly" not in message
    with pytest.raises(CheckpointError, match="looks like a text file"):
        read_metadata(path)


def test_zero_header_length():
    expect_error(struct.pack("<Q", 0) + b"{}", "header is empty")


@pytest.mark.parametrize(
    "header", [b"{not json at all}", b"[1, 2, 3]", b"hello!!!", b'{"a": "\xff\xfe"}', b"{" + b"[" * 5000]
)
def test_header_not_json(header):
    expect_error(struct.pack("<Q", len(header)) + header, "JSON")


def test_malformed_tensor_entry():
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": "zero"}}).encode()
    expect_error(struct.pack("<Q", len(header)) + header, "describes w incorrectly")


def test_trailing_garbage(good):
    expect_error(good + b"junk", "unexpected bytes")


def test_safetensors_without_metadata(tmp_path):
    path = tmp_path / "plain.safetensors"
    save_file({"head.weight": torch.zeros(3, 4)}, path)
    expect_error(path, "no Char-RNN Lab metadata")


def test_foreign_format_metadata():
    data = st_save({"w": torch.zeros(2)}, metadata={"format": "pt"})
    expect_error(data, "no Char-RNN Lab metadata")


def rewrite(data: bytes, meta=None, tensors=None) -> bytes:
    old_tensors, old_meta = split(data)
    new_meta = dict(old_meta)
    new_tensors = dict(old_tensors)
    if meta:
        meta(new_meta)
    if tensors:
        tensors(new_tensors)
    return st_save(new_tensors, metadata=new_meta)


def _set_config(**changes):
    def apply(meta):
        config = json.loads(meta["model_config"])
        config.update(changes)
        meta["model_config"] = json.dumps(config)

    return apply


def test_wrong_shapes(good):
    message = expect_error(rewrite(good, meta=_set_config(hidden_size=16)), "do not match")
    assert "rnn.weight_hh_l0 has shape (24, 8) but (48, 16) was expected" in message
    assert "more" in message  # many tensors differ: only a few are named


def test_missing_tensor_key(good):
    data = rewrite(good, tensors=lambda t: t.pop("rnn.bias_hh_l1"))
    message = expect_error(data, "do not match")
    assert "rnn.bias_hh_l1 is missing" in message


def test_extra_tensor_key(good):
    data = rewrite(good, tensors=lambda t: t.update({"sneaky.weight": torch.zeros(2)}))
    message = expect_error(data, "do not match")
    assert "sneaky.weight is unexpected" in message


def test_vocab_size_mismatch(good):
    size = json.loads(split(good)[1]["model_config"])["vocab_size"]
    expect_error(rewrite(good, meta=_set_config(vocab_size=size + 1)), "tokens but its vocabulary")


def test_invalid_model_settings_and_vocabulary(good):
    expect_error(rewrite(good, meta=_set_config(cell="transformer")), "model settings are invalid")
    expect_error(rewrite(good, meta=_set_config(hidden_size=10**9)), "model settings are invalid")
    expect_error(rewrite(good, meta=lambda m: m.update(model_config="{oops")), "not valid JSON")
    expect_error(rewrite(good, meta=lambda m: m.pop("vocabulary")), "lacks its vocabulary")
    expect_error(
        rewrite(good, meta=lambda m: m.update(vocabulary=json.dumps({"level": "char", "tokens": ["a"]}))),
        "vocabulary is invalid",
    )


def test_format_version_from_the_future(good):
    data = rewrite(good, meta=lambda m: m.update(format_version=str(FORMAT_VERSION + 1)))
    expect_error(data, "newer Char-RNN Lab")
    with pytest.raises(CheckpointError, match="newer"):
        read_metadata(data)
    expect_error(rewrite(good, meta=lambda m: m.update(format_version="one")), "not a whole number")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_weights(good, bad):
    def poison(tensors):
        tensors["head.weight"] = tensors["head.weight"].clone()
        tensors["head.weight"][0, 0] = bad

    expect_error(rewrite(good, tensors=poison), "NaN or infinite values (in head.weight)")


def test_integer_weights(good):
    def to_int(tensors):
        tensors["head.bias"] = tensors["head.bias"].to(torch.int64)

    expect_error(rewrite(good, tensors=to_int), "floating-point")


def test_half_precision_weights_are_accepted(good):
    data = rewrite(good, tensors=lambda t: t.update({k: v.half() for k, v in t.items()}))
    ckpt = load_checkpoint(data)
    assert ckpt.model.head.weight.dtype == torch.float32


def test_file_size_limit(tmp_path, good):
    path = tmp_path / "m.safetensors"
    path.write_bytes(good)
    too_large = f"The checkpoint file is {len(good) / 1024:.1f} KB, which is more than the 100 bytes limit."
    with pytest.raises(CheckpointError, match=re.escape(too_large)):
        load_checkpoint(path, max_bytes=100)
    with pytest.raises(CheckpointError, match=re.escape(too_large)):
        load_checkpoint(good, max_bytes=100)
    one_byte_over = f"The checkpoint file is slightly larger than the {format_size(len(good) - 1)} limit."
    with pytest.raises(CheckpointError, match=re.escape(one_byte_over)):
        load_checkpoint(good, max_bytes=len(good) - 1)
