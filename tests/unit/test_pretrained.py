"""The shipped models: each loads, matches what its card claims, and generates."""

import re

import pytest

from rnnlab.generation import generate
from rnnlab.pretrained import PRETRAINED_DIR, RecordedEvaluation, find_pretrained, list_pretrained

EXPECTED = {
    "shakespeare_char_lstm": ("char", "lstm"),
    "names_char_gru": ("char", "gru"),
    "python_char_lstm": ("char", "lstm"),
    "shakespeare_word_lstm": ("word", "lstm"),
    "zen_char_lstm": ("char", "lstm"),
}
OVERFITTED = "zen_char_lstm"  # learnt its text by heart: worse than uniform on the held-back lines
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
    learnt = model.evaluations[-1].train_loss if name == OVERFITTED else claimed
    assert learnt < 0.75 * checkpoint.training["references"]["uniform"]  # it did learn
    for temperature in ("T = 0.2", "T = 0.8", "T = 1.5"):
        assert temperature in card
    assert "python -m rnnlab train" in card
    steps = checkpoint.training["steps"]
    assert f"| training | {steps:,} steps in " in card and f"--steps {steps}" in card  # reproducible by steps
    assert f"| file | {model.path.stat().st_size / 1e6:.2f} MB" in card
    result = generate(checkpoint.model, checkpoint.vocab, "\n", length=40, seed=1)
    assert len(result.steps) == 40


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_model_ships_the_record_of_its_training(name):
    model = MODELS[name]
    checkpoint = model.load()
    record = model.evaluations
    assert record[0].step == 0 and record[-1].step == checkpoint.training["steps"]
    assert [e.step for e in record] == sorted({e.step for e in record})
    assert record[-1].val_loss == pytest.approx(checkpoint.training["val_loss"], abs=5e-4)
    uniform = checkpoint.training["references"]["uniform"]
    assert record[0].val_loss == pytest.approx(uniform, abs=0.3)  # random weights: about ln V
    assert record[0].train_loss == pytest.approx(uniform, abs=0.3)
    assert record[-1].train_loss < record[0].train_loss - 1.0
    assert all(e.sample_greedy and e.sample_sampled for e in record)


def test_the_zen_model_overfits_and_the_shakespeare_model_does_not():
    zen = MODELS[OVERFITTED].evaluations
    best = min(zen, key=lambda e: e.val_loss)
    assert best.step < zen[-1].step / 2  # validation got worse for most of the run...
    assert zen[-1].val_loss > best.val_loss + 0.5 and zen[-1].train_loss < 0.5  # ...while it learnt its text
    shakespeare = MODELS["shakespeare_char_lstm"].evaluations
    best = min(shakespeare, key=lambda e: e.val_loss)
    assert best.step >= 0.9 * shakespeare[-1].step  # validation loss falls until the end


def test_a_damaged_record_keeps_its_good_lines(tmp_path):
    source = MODELS[OVERFITTED]
    copy = tmp_path / source.path.name
    copy.write_bytes(source.path.read_bytes())
    lines = source.path.with_suffix(".evaluations.jsonl").read_text().splitlines()
    not_finite = lines[1].replace('"val_loss": ', '"val_loss": NaN, "was": ')
    broken = [lines[0], "not json", '{"step": 3}', not_finite, *lines[2:]]
    copy.with_suffix(".evaluations.jsonl").write_text("\n".join(broken))
    record = find_pretrained(source.name, tmp_path).evaluations
    assert len(record) == len(lines) - 1 and record == source.evaluations[:1] + source.evaluations[2:]
    assert RecordedEvaluation.from_json("[]") is None
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / source.path.name).write_bytes(source.path.read_bytes())  # no record beside it
    assert find_pretrained(source.name, alone).evaluations == ()
    assert find_pretrained("no_such_model", alone) is None


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
