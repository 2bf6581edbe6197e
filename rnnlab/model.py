"""The recurrent language model: a small config dataclass and one ``CharRNN`` module.

Shapes: ``x`` is (batch, time) token ids; ``logits`` is (batch, time, vocab_size).
The state is whatever the cell carries: ``h`` for RNN/GRU, ``(h, c)`` for LSTM.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
INPUTS = ("embedding", "onehot")

# Upper bounds that keep one learner from taking all the memory of a shared server.
LIMITS = {"vocab_size": 20_000, "hidden_size": 1024, "num_layers": 4, "embedding_size": 1024}


@dataclass
class ModelConfig:
    """Everything needed to rebuild the network (its weights live in the checkpoint)."""

    vocab_size: int
    cell: str = "lstm"
    hidden_size: int = 256
    num_layers: int = 1
    input: str = "embedding"  # or "onehot", as in the lesson
    embedding_size: int = 64
    dropout: float = 0.0

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, not {self.cell!r}")
        if self.input not in INPUTS:
            raise ValueError(f"input must be one of {INPUTS}, not {self.input!r}")
        for name, upper in LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= upper:
                raise ValueError(f"{name} must be a whole number from 1 to {upper}, not {value!r}")
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout!r}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown model settings: {sorted(unknown)}")
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> ModelConfig:
        return cls.from_dict(json.loads(text))


class CharRNN(nn.Module):
    """Token ids -> (embedding or one-hot) -> RNN/LSTM/GRU layers -> logits over the vocabulary."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        if config.input == "embedding":
            self.embedding = nn.Embedding(config.vocab_size, config.embedding_size)
            input_size = config.embedding_size
        else:
            self.embedding = None
            input_size = config.vocab_size
        self.rnn = CELLS[config.cell](
            input_size,
            config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.drop = nn.Dropout(config.dropout) if config.dropout > 0 else nn.Identity()
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, time) ids -> (batch, time, features)."""
        if self.embedding is not None:
            return self.embedding(x)
        return nn.functional.one_hot(x, self.config.vocab_size).to(self.head.weight.dtype)

    def forward(self, x: torch.Tensor, state=None):
        """Logits for every position of ``x`` and the state after its last position."""
        out, state = self.rnn(self.embed(x), state)
        return self.head(self.drop(out)), state

    @torch.no_grad()
    def step(self, token_id: int, state=None):
        """One generation step: the next-token logits (vocab_size,) after ``token_id``, and the new state."""
        x = torch.tensor([[token_id]], dtype=torch.long, device=self.head.weight.device)
        logits, state = self(x, state)
        return logits[0, -1], state

    @torch.no_grad()
    def warm_up(self, ids: list[int], state=None):
        """Feed a prompt in one call; returns the logits after its last token and the state."""
        if not ids:
            raise ValueError("the prompt needs at least one token")
        x = torch.tensor([ids], dtype=torch.long, device=self.head.weight.device)
        logits, state = self(x, state)
        return logits[0, -1], state

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
