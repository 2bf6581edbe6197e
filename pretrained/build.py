"""Rebuild the shipped models with the project's own CLI, and write their model cards.

    python pretrained/build.py [--corpora ../shared/corpora] [--only NAME ...]

Each model is trained by ``python -m rnnlab train`` for a fixed number of steps (the exact command
goes into its card), then sampled at T = 0.2, 0.8 and 1.5 with a fixed seed for the card. The run's
evaluations (losses and samples at each one) are kept beside the model as ``NAME.evaluations.jsonl``:
the lesson on watching training replays them.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_CORPORA = ROOT.parent / "shared" / "corpora"

sys.path.insert(0, str(ROOT))  # run as a script from anywhere
from rnnlab.training_slots import available_cores  # noqa: E402


@dataclass(frozen=True)
class Recipe:
    name: str
    title: str
    source: str  # a file name in the corpora folder, or builtin:NAME
    flags: tuple[str, ...]
    prompt: str
    about: str
    sample_flags: tuple[str, ...] = ()


RECIPES = (
    Recipe(
        "shakespeare_char_lstm",
        "Shakespeare · characters · LSTM",
        "tinyshakespeare.txt",
        ("--steps", "7500", "--evaluations", "100"),
        "ROMEO:\n",
        "Tiny Shakespeare (about 40,000 lines of the plays), one character at a time. The default model.",
    ),
    Recipe(
        "names_char_gru",
        "US baby names · characters · GRU",
        "names.txt",
        ("--cell", "gru", "--hidden", "128", "--seq-len", "32", "--steps", "3600"),
        "\n",
        "32,000 US baby names, one per line: every line it writes is a new name that sounds plausible.",
    ),
    Recipe(
        "python_char_lstm",
        "Python source · characters · LSTM",
        "builtin:python",
        ("--steps", "4800"),
        "def ",
        "Python code from the standard library: watch it open and close brackets and indent blocks.",
    ),
    Recipe(
        "shakespeare_word_lstm",
        "Shakespeare · words · LSTM",
        "tinyshakespeare.txt",
        ("--level", "word", "--max-vocab", "3000", "--hidden", "192", "--seq-len", "32", "--steps", "2500"),
        "ROMEO:\n",
        "The lesson's lab: the same plays, one word or punctuation mark at a time (3,000 most common words).",
        ("--no-unknown",),
    ),
    Recipe(
        "zen_char_lstm",
        "The Zen of Python, memorised · characters · LSTM",
        "builtin:zen",
        ("--hidden", "256", "--seq-len", "32", "--steps", "200", "--evaluations", "40"),
        "Beautiful is ",
        "Overfitting on purpose: a model far too large for a text of 857 characters learns it by heart. "
        "Training loss falls to almost zero while validation loss on the held-back lines rises.",
    ),
)

TEMPERATURES = (0.2, 0.8, 1.5)


def rnnlab(*args: str, show_progress: bool = False) -> str:
    """``python -m rnnlab ARGS``'s output; with ``show_progress`` its progress bar goes to this terminal."""
    stderr = None if show_progress else subprocess.PIPE
    result = subprocess.run(
        [sys.executable, "-m", "rnnlab", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"rnnlab {' '.join(args)} failed:\n{result.stderr or ''}")
    return result.stdout


def build(recipe: Recipe, corpora: Path) -> None:
    source = recipe.source if recipe.source.startswith("builtin:") else str(corpora / recipe.source)
    shown_source = (
        recipe.source if recipe.source.startswith("builtin:") else f"../shared/corpora/{recipe.source}"
    )
    model_path = HERE / f"{recipe.name}.safetensors"
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        print(f"{recipe.name}:", file=sys.stderr)
        rnnlab("train", source, "--out", out, *recipe.flags, show_progress=True)
        wall = time.perf_counter() - started
        metrics = json.loads((Path(out) / "metrics.json").read_text())
        model_path.write_bytes((Path(out) / "model.safetensors").read_bytes())
        evaluations_path = HERE / f"{recipe.name}.evaluations.jsonl"
        evaluations_path.write_bytes((Path(out) / "evaluations.jsonl").read_bytes())
    length = "60" if "--level" in recipe.flags else "200"
    samples = {
        t: rnnlab("generate", str(model_path), "--prompt", recipe.prompt, "--temperature", str(t), "--seed", "1",
                  "--length", length, *recipe.sample_flags)
        for t in TEMPERATURES
    }  # fmt: skip
    config = metrics["config"]
    command = shlex.join(["python", "-m", "rnnlab", "train", shown_source, "--out", "OUT", *recipe.flags])
    lines = [
        f"# {recipe.title}",
        "",
        recipe.about,
        "",
        "| | |",
        "|---|---|",
        f"| corpus | `{shown_source}` |",
        f"| level | {config['level']} (vocabulary {metrics['vocab_size']:,} tokens) |",
        f"| cell | {config['cell'].upper()}, hidden {config['hidden_size']}, {config['num_layers']} layer(s) |",
        f"| parameters | {metrics['parameters']:,} |",
        f"| validation loss | {metrics['val_loss']:.3f} nats/token, {metrics['val_bits_per_char']:.3f} bits/char |",
        f"| training | {metrics['steps']:,} steps in {metrics['seconds']:.0f} s on {available_cores()} CPU cores "
        f"({wall:.0f} s wall), {metrics['chars_per_second']:,.0f} chars/s |",
        f"| file | {model_path.stat().st_size / 1e6:.2f} MB; its training, evaluation by evaluation: "
        f"`{evaluations_path.name}` |",
        f"| command | `{command}` |",
        "",
        "## Samples (seed 1)",
    ]
    if recipe.sample_flags:
        lines += ["", f"Generated with `{shlex.join(recipe.sample_flags)}`."]
    for t, text in samples.items():
        lines += ["", f"T = {t}:", "", "```text", text.rstrip("\n"), "```"]
    (HERE / f"{recipe.name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{recipe.name}: val {metrics['val_loss']:.3f} nats, {model_path.stat().st_size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--only", nargs="*", default=None, help="names of the models to rebuild")
    args = parser.parse_args()
    for recipe in RECIPES:
        if args.only is None or recipe.name in args.only:
            build(recipe, args.corpora)


if __name__ == "__main__":
    main()
