"""From token ids to training batches: a contiguous train/validation split and random windows.

A training pair is a window of ``seq_len`` tokens and the same window shifted by one: the model
learns to predict every next token at once.
"""

from __future__ import annotations

import torch


def split_train_val(ids: torch.Tensor, val_fraction: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``1 - val_fraction`` of the tokens for training, the last part for validation."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be between 0 and 1, not {val_fraction}")
    cut = int(len(ids) * (1.0 - val_fraction))
    return ids[:cut], ids[cut:]


def random_windows(
    ids: torch.Tensor, seq_len: int, batch_size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size`` random windows: inputs (B, T) and targets shifted by one (B, T)."""
    starts = torch.randint(len(ids) - seq_len, (batch_size,), generator=generator)
    offsets = torch.arange(seq_len + 1)
    windows = ids[starts[:, None] + offsets]
    return windows[:, :-1], windows[:, 1:]


def stream_batches(ids: torch.Tensor, num_streams: int, seq_len: int, tokens: int | None = None):
    """Yield (inputs, targets) chunks of up to ``seq_len`` steps over ``num_streams`` parallel rows.

    The rows are spread evenly over the whole of ``ids`` (with ``tokens``, each row is
    ``tokens // num_streams`` long: a sample of the whole text, not only its beginning), so a
    model can carry its state along each row.
    """
    row_length = (len(ids) - 1) // num_streams
    if tokens is not None:
        row_length = min(row_length, tokens // num_streams)
    if row_length <= 0:
        return
    starts = torch.linspace(0, len(ids) - 1 - row_length, num_streams).long()
    positions = starts[:, None] + torch.arange(row_length)
    inputs, targets = ids[positions], ids[positions + 1]
    for start in range(0, row_length, seq_len):
        yield inputs[:, start : start + seq_len], targets[:, start : start + seq_len]


def training_part(text: str, vocab, val_fraction: float = 0.1) -> str:
    """The part of ``text`` a model trained on it has seen: its tokens before the validation split,
    decoded (rare symbols folded into the vocabulary's unknown token)."""
    train_ids, _ = split_train_val(torch.tensor(vocab.encode(text), dtype=torch.long), val_fraction)
    return vocab.decode(train_ids.tolist())
