"""Trainer vs a plain PyTorch loop of the same model, side by side in one run (chars/s ratio).

    python bench/train_speed.py [--corpus PATH] [--steps N] [--rounds R]

Both train the default recipe's model on the same data; rounds alternate between the two (and
which goes first) so that background load hits both alike. Run it on an idle machine: on 2 cores
any other load makes torch's threads wait for each other. Target: ratio >= 0.95.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnnlab.builtin_corpora import load_builtin  # noqa: E402
from rnnlab.trainer import TrainConfig, Trainer  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "tinyshakespeare.txt"


class PlainLSTM(nn.Module):
    """The same shapes as rnnlab's default CharRNN, written the plain way."""

    def __init__(self, vocab_size: int, config: TrainConfig):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, config.embedding_size)
        self.lstm = nn.LSTM(config.embedding_size, config.hidden_size, config.num_layers, batch_first=True)
        self.head = nn.Linear(config.hidden_size, vocab_size)

    def forward(self, x):
        out, _ = self.lstm(self.emb(x))
        return self.head(out)


def plain_loop(ids: torch.Tensor, vocab_size: int, config: TrainConfig, steps: int) -> float:
    """chars/s of a minimal training loop: batch, forward, loss, backward, clip, step."""
    torch.manual_seed(0)
    model = PlainLSTM(vocab_size, config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    generator = torch.Generator().manual_seed(0)
    T, B = config.seq_len, config.batch_size
    started = time.perf_counter()
    for _ in range(steps):
        starts = torch.randint(len(ids) - T, (B,), generator=generator)
        window = ids[starts[:, None] + torch.arange(T + 1)]
        logits = model(window[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, vocab_size), window[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    return steps * B * T / (time.perf_counter() - started)


def trainer_loop(trainer: Trainer, steps: int) -> float:
    """chars/s of rnnlab's Trainer.train_step (the same work, plus schedule and NaN guard)."""
    config = trainer.config
    started = time.perf_counter()
    for _ in range(steps):
        trainer.train_step()
    return steps * config.batch_size * config.seq_len / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    text = args.corpus.read_text(encoding="utf-8") if args.corpus.exists() else load_builtin("python")
    config = TrainConfig(max_seconds=None, max_steps=10**6)
    trainer = Trainer(text, config)
    ids, vocab_size = trainer.train_ids, trainer.vocab.size
    shape = f"seq {config.seq_len} x batch {config.batch_size}"
    print(f"model: {config.cell.upper()} hidden {config.hidden_size}, {shape}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    plain_loop(ids, vocab_size, config, 2), trainer_loop(trainer, 2)  # warm-up
    plain, ours = [], []
    for round_number in range(1, args.rounds + 1):
        # Who goes first alternates, so a slow patch of the machine does not always hit the same one.
        if round_number % 2:
            plain.append(plain_loop(ids, vocab_size, config, args.steps))
            ours.append(trainer_loop(trainer, args.steps))
        else:
            ours.append(trainer_loop(trainer, args.steps))
            plain.append(plain_loop(ids, vocab_size, config, args.steps))
        print(f"round {round_number}: plain {plain[-1]:,.0f} chars/s   rnnlab {ours[-1]:,.0f} chars/s")
    p, o = statistics.median(plain), statistics.median(ours)
    print(f"median: plain {p:,.0f} chars/s, rnnlab {o:,.0f} chars/s, ratio {o / p:.3f} (target >= 0.95)")


if __name__ == "__main__":
    main()
