"""``python -m rnnlab train | generate | next``: the library from the command line.

Learner mistakes (a bad file, a bad setting, a mistyped flag) print one line and exit with code 2,
no traceback. A run that diverges still saves its last good weights in ``--out``, then exits with 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from rnnlab.errors import RnnLabError, SettingsError, TrainingDiverged

BUILTIN_PREFIX = "builtin:"


class OneLineParser(argparse.ArgumentParser):
    """An argument mistake is one line pointing at ``--help``, not the whole usage text."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def at_least_one(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _add_sampling_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompt", default="\n", help="text that warms up the model (default: a newline)")
    parser.add_argument("--temperature", type=float, default=1.0, help="softmax(logits / T); near 0 = greedy")
    parser.add_argument("--top-k", type=int, default=0, help="keep only the k most likely tokens (0 = off)")
    parser.add_argument("--top-p", type=float, default=1.0, help="keep the smallest set reaching p (1 = off)")
    parser.add_argument(
        "--min-p", type=float, default=0.0, help="drop tokens below p x the top one (0 = off)"
    )
    parser.add_argument("--repetition-penalty", type=float, default=1.0, help="> 1 discourages repeats")
    parser.add_argument("--seed", type=int, default=None, help="seed of the random draws (reproducible)")
    parser.add_argument("--greedy", action="store_true", help="always take the most likely token")
    parser.add_argument(
        "--no-unknown", action="store_true", help="never choose the unknown token (the rare words at word level)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m rnnlab", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model on a text file")
    train.add_argument("file", help=f"a UTF-8 text file, or {BUILTIN_PREFIX}NAME for a built-in corpus")
    train.add_argument(
        "--out", required=True, help="folder for model.safetensors, history.csv, evaluations.jsonl, metrics.json"
    )
    train.add_argument("--level", choices=["char", "word"], default="char")
    train.add_argument("--cell", choices=["lstm", "gru", "rnn"], default="lstm")
    train.add_argument("--hidden", type=int, default=None, help="hidden size")
    train.add_argument("--layers", type=int, default=None, help="number of recurrent layers")
    train.add_argument("--embedding", type=int, default=None, help="embedding size")
    train.add_argument("--onehot", action="store_true", help="one-hot inputs instead of an embedding")
    train.add_argument("--dropout", type=float, default=None)
    train.add_argument("--seq-len", type=int, default=None, help="tokens per training window")
    train.add_argument("--batch", type=int, default=None, help="windows per step")
    train.add_argument("--lr", type=float, default=None, help="peak learning rate")
    train.add_argument("--max-vocab", type=int, default=None, help="fold rarer tokens into 'unknown'")
    budget = train.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=float, default=None, help="time budget (default 60)")
    budget.add_argument("--steps", type=int, default=None, help="step budget")
    train.add_argument("--seed", type=int, default=None)
    train.add_argument(
        "--evaluations", type=at_least_one, default=None, help="evaluations (losses + samples) in the run (default 20)"
    )
    train.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: all cores; use 1 on a busy machine)"
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    generate = commands.add_parser("generate", help="continue a prompt with a trained model")
    generate.add_argument("model", help="a .safetensors checkpoint")
    _add_sampling_flags(generate)
    generate.add_argument("--length", type=int, default=300, help="tokens to generate")

    nxt = commands.add_parser("next", help="show the next-token distribution after a prompt")
    nxt.add_argument("model", help="a .safetensors checkpoint")
    _add_sampling_flags(nxt)
    nxt.add_argument("--rows", type=at_least_one, default=15, help="how many tokens to list")
    nxt.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def load_training_text(source: str) -> tuple[str, str]:
    """(text, corpus name) from a path or ``builtin:NAME``."""
    from rnnlab.builtin_corpora import load_builtin
    from rnnlab.corpus import read_text_file

    if source.startswith(BUILTIN_PREFIX):
        name = source[len(BUILTIN_PREFIX) :]
        return load_builtin(name), name
    loaded = read_text_file(source)
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return loaded.text, Path(source).name


def train_config_from_args(args: argparse.Namespace):
    from rnnlab.trainer import TrainConfig

    chosen = {
        "level": args.level,
        "cell": args.cell,
        "hidden_size": args.hidden,
        "num_layers": args.layers,
        "embedding_size": args.embedding,
        "input": "onehot" if args.onehot else None,
        "dropout": args.dropout,
        "seq_len": args.seq_len,
        "batch_size": args.batch,
        "learning_rate": args.lr,
        "max_vocab": args.max_vocab,
        "seed": args.seed,
        "evaluations": args.evaluations,
    }
    settings = {name: value for name, value in chosen.items() if value is not None}
    if args.steps is not None:
        settings.update(max_steps=args.steps, max_seconds=None)
    elif args.seconds is not None:
        settings["max_seconds"] = args.seconds
    return TrainConfig(**settings)


def prepare_out_folder(out: Path) -> None:
    """Create ``out`` and make sure files can be written in it, before any training time is spent."""
    if out.exists() and not out.is_dir():
        raise SettingsError(f"--out {str(out)!r} is a file; give a folder for the results.")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        reason = error.strerror or error
        raise SettingsError(f"The results cannot be written to {str(out)!r} ({reason}).") from error


def write_run(out: Path, trainer, stopped: str, evaluations=()) -> dict:
    """model.safetensors, history.csv, evaluations.jsonl and metrics.json in ``out``; returns the metrics.

    ``stopped`` says how training ended: "finished", "interrupted" or "diverged". ``evaluations``
    are the run's "eval" events: one JSON line each (step, seconds, losses, greedy and sampled
    sample), so the samples going from noise to words can be shown later.
    """
    out.mkdir(parents=True, exist_ok=True)
    trainer.checkpoint_bytes(out / "model.safetensors")
    with open(out / "history.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["step", "seconds", "train_loss", "val_loss"])
        for row in trainer.history:
            writer.writerow([row.step, f"{row.seconds:.3f}", f"{row.train_loss:.5f}", f"{row.val_loss:.5f}"])
    with open(out / "evaluations.jsonl", "w", encoding="utf-8") as file:
        for event in evaluations:
            fields = ("step", "seconds", "train_loss", "val_loss", "sample_greedy", "sample_sampled")
            file.write(json.dumps({name: getattr(event, name) for name in fields}, ensure_ascii=False) + "\n")
    metrics = dict(trainer.summary(), stopped=stopped)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True))
    return metrics


def loss_summary(metrics: dict, level: str, references: dict) -> str:
    """'val loss 6.5119 nats/word (9.39 bits/word, 2.073 bits/char; uniform ...)': per token, then per char."""
    per_token = f"{metrics['val_bits_per_token']:.3f} bits/{level}"
    if level != "char":
        per_token += f", {metrics['val_bits_per_char']:.3f} bits/char"
    return (
        f"val loss {metrics['val_loss']:.4f} nats/{level} ({per_token}; "
        f"uniform {references['uniform']:.2f}, bigram {references['bigram']:.2f} nats/{level})"
    )


def command_train(args: argparse.Namespace) -> int:
    from rnnlab.progress import ProgressBar
    from rnnlab.trainer import Trainer

    if args.threads is not None:
        import torch

        torch.set_num_threads(max(1, args.threads))
    text, corpus_name = load_training_text(args.file)
    trainer = Trainer(text, train_config_from_args(args), corpus_name=corpus_name)
    out = Path(args.out)
    prepare_out_folder(out)
    model = trainer.model
    print(
        f"{corpus_name}: {len(text):,} chars, vocabulary {trainer.vocab.size} {trainer.config.level}s, "
        f"{trainer.config.cell.upper()} with {model.num_parameters():,} parameters",
        file=sys.stderr,
    )
    bar = None if args.quiet else ProgressBar()
    latest_val = [math.nan]
    evaluations = []

    def show(event) -> None:
        if event.kind == "eval":
            evaluations.append(event)
        if event.val_loss is not None:
            latest_val[0] = event.val_loss
        if bar is not None:
            note = f"step {event.step}  loss {event.train_loss or math.nan:.3f}  val {latest_val[0]:.3f}"
            bar.update(event.progress, f"{note}  {event.chars_per_second or 0:,.0f} chars/s")

    stopped, diverged = "finished", None
    try:
        trainer.run(on_event=show)
    except KeyboardInterrupt:
        stopped = "interrupted"
        print("\ninterrupted: saving the model as it is", file=sys.stderr)
    except TrainingDiverged as error:
        stopped, diverged = "diverged", error
    if bar is not None:
        bar.close()
    metrics = write_run(out, trainer, stopped, evaluations)
    print(
        f"{loss_summary(metrics, trainer.config.level, trainer.references)} "
        f"after {metrics['steps']} steps in {metrics['seconds']:.1f} s -> {args.out}"
    )
    if diverged is not None:
        raise diverged
    return 0


def sampling_settings_from_args(args: argparse.Namespace):
    from rnnlab.sampling import SamplingSettings

    return SamplingSettings(
        temperature=args.temperature,
        top_k=args.top_k,
        top_p=args.top_p,
        min_p=args.min_p,
        repetition_penalty=args.repetition_penalty,
        no_unknown=args.no_unknown,
    )


def next_token_settings_from_args(args: argparse.Namespace):
    """The sampling settings; with ``--greedy`` a temperature of 0, so only the most likely token is kept."""
    settings = sampling_settings_from_args(args)
    return replace(settings, temperature=0.0) if args.greedy else settings


def command_generate(args: argparse.Namespace) -> int:
    from rnnlab.checkpoint import load_checkpoint
    from rnnlab.generation import generate

    checkpoint = load_checkpoint(args.model)
    result = generate(
        checkpoint.model,
        checkpoint.vocab,
        args.prompt,
        length=args.length,
        settings=sampling_settings_from_args(args),
        greedy=args.greedy,
        seed=args.seed,
    )
    print(result.full_text)
    if args.seed is None and result.seed is not None:
        print(f"seed: {result.seed}", file=sys.stderr)  # --seed N repeats this sample
    return 0


def command_next(args: argparse.Namespace) -> int:
    from rnnlab.checkpoint import load_checkpoint
    from rnnlab.sampling import next_token_distribution

    checkpoint = load_checkpoint(args.model)
    distribution = next_token_distribution(
        checkpoint.model, checkpoint.vocab, args.prompt, next_token_settings_from_args(args)
    )
    rows = distribution.top(args.rows)
    if args.json:
        payload = {
            "prompt": args.prompt,
            "entropy_bits": distribution.entropy_bits_final,
            "effective_choices": distribution.effective_choices_final,
            "rows": [
                {"token": row.token, "original_p": row.original, "transformed_p": row.final, "kept": row.kept}
                for row in rows
            ],
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    print(f"{'token':>8}  {'original p':>10}  {'transformed p':>13}  kept")
    for row in rows:
        print(f"{row.token!r:>8}  {row.original:10.4f}  {row.final:13.4f}  {'yes' if row.kept else 'no'}")
    print(
        f"entropy {distribution.entropy_bits_final:.2f} bits = "
        f"{distribution.effective_choices_final:.1f} effective choices"
    )
    return 0


COMMANDS = {"train": command_train, "generate": command_generate, "next": command_next}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except RnnLabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
