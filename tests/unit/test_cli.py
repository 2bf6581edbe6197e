"""The command line, run as a learner would: a real subprocess or ``main()``, real files."""

import csv
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlab.checkpoint import load_checkpoint
from rnnlab.cli import main
from rnnlab.vocab import UNKNOWN
from tests.conftest import PATTERN_TEXT

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--hidden", "32", "--embedding", "8", "--seq-len", "16", "--batch", "8", "--lr", "0.01", "--quiet"]


def rnnlab(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")  # tiny models: one thread, no contention
    return subprocess.run(
        [sys.executable, "-m", "rnnlab", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``main(args)`` in this process: quicker than a subprocess."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    text_file = folder / "pattern.txt"
    text_file.write_text(PATTERN_TEXT)
    result = rnnlab(
        "train", str(text_file), "--out", str(folder / "run"), "--steps", "40", "--seed", "3",
        "--evaluations", "4", *TINY,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "val loss" in result.stdout and "nats/char" in result.stdout and "bits/word" not in result.stdout
    return folder / "run"


def test_train_writes_model_history_and_metrics(trained):
    assert (trained / "model.safetensors").stat().st_size > 1000
    with open(trained / "history.csv") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["step", "seconds", "train_loss", "val_loss"]
    assert [int(row["step"]) for row in rows] == [0, 10, 20, 30, 40]  # --evaluations 4, and the start
    assert float(rows[-1]["val_loss"]) < float(rows[0]["val_loss"])
    metrics = json.loads((trained / "metrics.json").read_text())
    for key in ("val_loss", "val_bits_per_char", "chars_per_second", "steps", "seconds"):
        assert key in metrics
    assert metrics["steps"] == 40
    assert metrics["stopped"] == "finished"
    evaluations = [json.loads(line) for line in (trained / "evaluations.jsonl").read_text().splitlines()]
    assert [e["step"] for e in evaluations] == [int(row["step"]) for row in rows]
    assert [e["val_loss"] for e in evaluations] == pytest.approx([float(row["val_loss"]) for row in rows], abs=1e-5)
    assert all(e["sample_greedy"] and e["sample_sampled"] for e in evaluations)


def test_generate_is_reproducible_with_a_seed(trained, capsys):
    model = str(trained / "model.safetensors")
    code, first, err = run_main(capsys, "generate", model, "--prompt", "the ", "--length", "30", "--seed", "5")
    assert code == 0, err
    assert "seed" not in err  # the learner gave it
    assert run_main(capsys, "generate", model, "--prompt", "the ", "--length", "30", "--seed", "5")[1] == first
    assert first.startswith("the ")


def test_generate_without_a_seed_tells_it_on_stderr(trained, capsys):
    model = str(trained / "model.safetensors")
    code, text, err = run_main(capsys, "generate", model, "--prompt", "the ", "--length", "40")
    assert code == 0, err
    assert err.startswith("seed: ") and "seed" not in text
    seed = err.split()[1]
    assert run_main(capsys, "generate", model, "--prompt", "the ", "--length", "40", "--seed", seed)[1] == text
    assert run_main(capsys, "generate", model, "--length", "5", "--greedy")[2] == ""  # greedy draws nothing


def test_sampling_flags_that_leave_only_the_top_token_equal_greedy(trained, capsys):
    model = str(trained / "model.safetensors")
    base = ["generate", model, "--prompt", "the ", "--length", "40"]
    greedy = run_main(capsys, *base, "--greedy")[1]
    for flags in (["--top-k", "1"], ["--temperature", "0"], ["--top-p", "0.001"], ["--min-p", "1"]):
        assert run_main(capsys, *base, *flags, "--seed", "9")[1] == greedy, flags
    sampled = {run_main(capsys, *base, "--temperature", "3", "--seed", str(seed))[1] for seed in range(3)}
    assert greedy not in sampled and len(sampled) == 3  # a hot temperature really samples


def test_repetition_penalty_changes_the_choice(trained, capsys):
    model = str(trained / "model.safetensors")
    base = ["generate", model, "--prompt", "the ", "--length", "40", "--greedy"]
    plain = run_main(capsys, *base)[1]
    penalised = run_main(capsys, *base, "--repetition-penalty", "5")[1]
    assert penalised != plain
    assert run_main(capsys, *base, "--repetition-penalty", "5")[1] == penalised
    # In the next-token table, every token absent from the prompt gains probability.
    prompt = "the c"
    code, out, err = run_main(capsys, "next", model, "--prompt", prompt, "--repetition-penalty", "5", "--json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    for row in rows:
        if row["token"] not in prompt:
            assert row["transformed_p"] >= row["original_p"] - 1e-12, row
    seen = sum(row["transformed_p"] for row in rows if row["token"] in prompt)
    assert seen < sum(row["original_p"] for row in rows if row["token"] in prompt)


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


def test_next_greedy_keeps_only_the_most_likely_token(trained, capsys):
    model = str(trained / "model.safetensors")
    code, out, err = run_main(capsys, "next", model, "--prompt", "the c", "--greedy", "--temperature", "2", "--json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [row["kept"] for row in rows] == [True] + [False] * (len(rows) - 1)
    assert rows[0]["transformed_p"] == 1.0
    assert all(row["transformed_p"] == 0.0 for row in rows[1:])
    code, out, _ = run_main(capsys, "next", model, "--prompt", "the c", "--rows", "2")
    assert code == 0 and len(out.splitlines()) == 1 + 2 + 1  # header, two rows, entropy


@pytest.mark.parametrize("rows", ["0", "-1", "two"])
def test_next_rows_must_be_at_least_one(trained, capsys, rows):
    with pytest.raises(SystemExit) as info:
        main(["next", str(trained / "model.safetensors"), "--rows", rows])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--rows" in err and ("at least 1" in err or "whole number" in err)


def test_argument_mistakes_are_one_line_without_the_usage(capsys):
    result = rnnlab("train", "builtin:zen")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "error: the following arguments are required: --out (see python -m rnnlab train --help)\n"
    )
    for argv in (["trian"], [], ["generate", "m.safetensors", "--temperature", "hot"], ["next"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "usage" not in err, err
        assert err.rstrip().endswith("--help)")
    with pytest.raises(SystemExit) as info:
        main(["generate", "--help"])
    assert info.value.code == 0 and "usage" in capsys.readouterr().out  # asking for help still shows it


def test_divergence_keeps_the_last_good_weights_in_out(tmp_path, capsys):
    out = tmp_path / "run"
    code, text, err = run_main(capsys, "train", "builtin:zen", "--out", str(out), "--steps", "50", *TINY, "--lr", "10")
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "diverged" in errors[0] and "last good weights were kept" in errors[0]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["stopped"] == "diverged" and metrics["steps"] < 50
    assert (out / "history.csv").read_text().startswith("step,seconds,train_loss,val_loss")
    checkpoint = load_checkpoint(out / "model.safetensors")
    assert checkpoint.training["val_loss"] == pytest.approx(metrics["val_loss"])
    assert str(out) in text  # the summary says where the weights are


def test_out_that_cannot_hold_results_fails_before_training(tmp_path, capsys):
    a_file = tmp_path / "results.txt"
    a_file.write_text("not a folder")
    code, _, err = run_main(capsys, "train", "builtin:zen", "--out", str(a_file), "--seconds", "30", *TINY)
    assert code == 2 and err.splitlines()[-1].startswith("error: ") and "is a file" in err
    code, _, err = run_main(capsys, "train", "builtin:zen", "--out", str(a_file / "run"), "--seconds", "30", *TINY)
    assert code == 2 and "cannot be written" in err.splitlines()[-1]
    assert a_file.read_text() == "not a folder"


def test_train_for_a_number_of_seconds(tmp_path, capsys):
    code, text, err = run_main(capsys, "train", "builtin:zen", "--out", str(tmp_path), "--seconds", "0.5", *TINY)
    assert code == 0, err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["config"]["max_seconds"] == 0.5 and metrics["config"]["max_steps"] is None
    assert metrics["seconds"] >= 0.5 and metrics["steps"] > 0
    assert "in 0." in text or "in 1." in text


def test_train_word_level_reports_per_word_and_per_char(tmp_path, capsys):
    text_file = tmp_path / "pattern.txt"
    text_file.write_text(PATTERN_TEXT)
    out = tmp_path / "run"
    code, text, err = run_main(
        capsys, "train", str(text_file), "--out", str(out), "--level", "word", "--steps", "5", *TINY
    )
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["level"] == "word"
    summary = (
        f"val loss {metrics['val_loss']:.4f} nats/word ({metrics['val_bits_per_token']:.3f} bits/word, "
        f"{metrics['val_bits_per_char']:.3f} bits/char;"
    )
    assert text.startswith(summary), text
    assert load_checkpoint(out / "model.safetensors").vocab.level == "word"


def test_train_a_two_layer_gru(tmp_path, capsys):
    code, _, err = run_main(
        capsys, "train", "builtin:zen", "--out", str(tmp_path), "--cell", "gru", "--layers", "2", "--steps", "3", *TINY
    )
    assert code == 0, err
    assert "GRU" in err
    config = load_checkpoint(tmp_path / "model.safetensors").config
    assert (config.cell, config.num_layers) == ("gru", 2)


def test_no_unknown_keeps_the_unknown_word_out(tmp_path, capsys):
    text_file = tmp_path / "pattern.txt"
    text_file.write_text(PATTERN_TEXT)
    out = tmp_path / "words"
    args = ("--level", "word", "--max-vocab", "6", "--steps", "40", *TINY)
    assert run_main(capsys, "train", str(text_file), "--out", str(out), *args)[0] == 0
    model = str(out / "model.safetensors")
    rows = json.loads(run_main(capsys, "next", model, "--prompt", "the", "--json", "--rows", "20")[1])["rows"]
    unknown = next(row for row in rows if row["token"] == UNKNOWN)
    assert unknown["transformed_p"] > 0.01  # most words of this text fold into it
    rows = json.loads(run_main(capsys, "next", model, "--prompt", "the", "--json", "--rows", "20", "--no-unknown")[1])
    unknown = next(row for row in rows["rows"] if row["token"] == UNKNOWN)
    assert unknown["transformed_p"] == 0.0 and not unknown["kept"]
    code, text, _ = run_main(
        capsys, "generate", model, "--prompt", "the", "--seed", "1",
        "--length", "60", "--no-unknown"
    )
    assert code == 0 and UNKNOWN not in text.removeprefix("the")
