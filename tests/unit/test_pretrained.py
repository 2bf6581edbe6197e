"""The shipped models: each loads, matches what its card claims, and generates."""

import re

import pytest

from rnnlab.generation import generate
from rnnlab.pretrained import PRETRAINED_DIR, list_pretrained

EXPECTED = {
    "shakespeare_char_lstm": ("char", "lstm"),
    "names_char_gru": ("char", "gru"),
    "python_char_lstm": ("char", "lstm"),
    "shakespeare_word_lstm": ("word", "lstm"),
}
MODELS = {model.name: model for model in list_pretrained()}


def test_every_expected_model_is_shipped_within_the_size_limits():
    assert set(EXPECTED) <= set(MODELS)
    sizes = [model.path.stat().st_size for model in MODELS.values()]
    assert max(sizes) <= 5 * 1024 * 1024
    assert sum(sizes) <= 20 * 1024 * 1024


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_model_matches_its_card_and_generates(name):
    model = MODELS[name]
    checkpoint = model.load()
    level, cell = EXPECTED[name]
    assert checkpoint.vocab.level == level
    assert checkpoint.config.cell == cell
    card = model.card
    assert model.title and not model.title.endswith(".safetensors")
    assert f"{cell.upper()}, hidden {checkpoint.config.hidden_size}" in card
    assert f"| parameters | {checkpoint.model.num_parameters():,} |" in card
    claimed = float(re.search(r"\| validation loss \| ([0-9.]+) nats", card).group(1))
    assert claimed == pytest.approx(checkpoint.training["val_loss"], abs=5e-4)
    assert claimed < 0.75 * checkpoint.training["references"]["uniform"]  # it did learn
    for temperature in ("T = 0.2", "T = 0.8", "T = 1.5"):
        assert temperature in card
    assert "python -m rnnlab train" in card
    result = generate(checkpoint.model, checkpoint.vocab, "\n", length=40, seed=1)
    assert len(result.steps) == 40


def test_build_script_lists_the_same_models():
    from pretrained.build import RECIPES

    assert {recipe.name for recipe in RECIPES} == set(EXPECTED)
    assert PRETRAINED_DIR.name == "pretrained"


def test_the_list_is_read_again_only_when_a_file_changes(tmp_path):
    import os
    import shutil

    for path in sorted(PRETRAINED_DIR.glob("*.safetensors"))[:2]:
        shutil.copy(path, tmp_path / path.name)
    first = list_pretrained(tmp_path)
    assert [m.name for m in first] == sorted(p.stem for p in tmp_path.glob("*.safetensors"))
    assert all(a is b for a, b in zip(first, list_pretrained(tmp_path), strict=True))  # cached
    changed = tmp_path / f"{first[0].name}.safetensors"
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    again = list_pretrained(tmp_path)
    assert again[0] is not first[0] and again[0].metadata == first[0].metadata
    (tmp_path / "broken.safetensors").write_bytes(b"not a model")
    assert [m.name for m in list_pretrained(tmp_path)] == [m.name for m in first]  # skipped, not fatal
