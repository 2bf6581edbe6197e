"""The command line, run as a learner would: a real subprocess, real files."""

import csv
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PATTERN_TEXT

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--hidden", "32", "--embedding", "8", "--seq-len", "16", "--batch", "8", "--lr", "0.01", "--quiet"]


def rnnlab(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")  # tiny models: one thread, no contention
    return subprocess.run(
        [sys.executable, "-m", "rnnlab", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    text_file = folder / "pattern.txt"
    text_file.write_text(PATTERN_TEXT)
    result = rnnlab(
        "train", str(text_file), "--out", str(folder / "run"), "--steps", "40", "--seed", "3", *TINY
    )
    assert result.returncode == 0, result.stderr
    assert "val loss" in result.stdout
    return folder / "run"


def test_train_writes_model_history_and_metrics(trained):
    assert (trained / "model.safetensors").stat().st_size > 1000
    with open(trained / "history.csv") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["step", "seconds", "train_loss", "val_loss"]
    assert int(rows[-1]["step"]) == 40
    assert float(rows[-1]["val_loss"]) < float(rows[0]["val_loss"])
    metrics = json.loads((trained / "metrics.json").read_text())
    for key in ("val_loss", "val_bits_per_char", "chars_per_second", "steps", "seconds"):
        assert key in metrics
    assert metrics["steps"] == 40


def test_generate_is_reproducible_with_a_seed(trained):
    model = str(trained / "model.safetensors")
    first = rnnlab("generate", model, "--prompt", "the ", "--length", "30", "--seed", "5")
    second = rnnlab("generate", model, "--prompt", "the ", "--length", "30", "--seed", "5")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.startswith("the ")
    greedy = rnnlab("generate", model, "--prompt", "the ", "--length", "30", "--greedy")
    top1 = rnnlab("generate", model, "--prompt", "the ", "--length", "30", "--top-k", "1", "--seed", "9")
    assert greedy.stdout == top1.stdout


def test_next_json_table(trained):
    result = rnnlab("next", str(trained / "model.safetensors"), "--prompt", "the c", "--top-k", "2", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    kept = [row for row in payload["rows"] if row["kept"]]
    assert len(kept) == 2
    assert sum(row["transformed_p"] for row in kept) == pytest.approx(1.0, abs=1e-6)
    assert payload["rows"][0]["original_p"] >= payload["rows"][1]["original_p"]


def test_builtin_corpus(tmp_path):
    result = rnnlab("train", "builtin:zen", "--out", str(tmp_path), "--steps", "3", *TINY)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "model.safetensors").exists()


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_bad_inputs_get_one_line_and_exit_code_2(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "empty" in one_line_error(rnnlab("train", str(empty), "--out", str(tmp_path / "o"))).lower()
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    one_line_error(rnnlab("train", str(binary), "--out", str(tmp_path / "o")))
    one_line_error(rnnlab("train", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "o")))
    one_line_error(rnnlab("train", "builtin:nope", "--out", str(tmp_path / "o")))
    pickled = tmp_path / "model.safetensors"
    pickled.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    assert "pickle" in one_line_error(rnnlab("generate", str(pickled))).lower()
    one_line_error(rnnlab("next", str(tmp_path / "nothing.safetensors")))


def test_bad_settings_exit_2(tmp_path, trained):
    text_file = tmp_path / "t.txt"
    text_file.write_text(PATTERN_TEXT)
    one_line_error(rnnlab("train", str(text_file), "--out", str(tmp_path / "o"), "--lr", "-1"))
    one_line_error(rnnlab("generate", str(trained / "model.safetensors"), "--temperature", "-2"))
