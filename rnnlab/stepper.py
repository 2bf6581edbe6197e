"""One token in, the next-token logits out: the cheap single-step path used by generation.

``CharRNN.step`` runs ``nn.LSTM`` on a sequence of length 1, and every such call pays a fixed
set-up cost (about half a millisecond on a small CPU) far above its arithmetic. A :class:`Stepper`
copies the weights once, arranged for one step at a time, and runs the cell's formulas itself
with about a dozen numpy operations per layer (a small numpy operation costs about a
microsecond, a torch one several; the matrix-vector product ``h W_hh^T`` is about half of a
step's 40-60 microseconds for the default model):

* layer 0's input projection for every token id, precomputed as a (V, gates) table
  (embedding or one-hot, times ``W_ih`` transposed, plus the biases): feeding a token is one row;
* each layer's ``W_hh`` transposed (and ``W_ih`` transposed above layer 0), and the head's.

The formulas are PyTorch's: RNN ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``; LSTM gates in
the order i, f, g, o with ``c' = f c + i g`` and ``h' = o tanh(c')``; GRU gates r, z, n with
``n = tanh(W_in x + b_in + r (W_hn h + b_hn))`` and ``h' = (1 - z) n + z h``. One arrangement
saves operations: a sigmoid is computed as ``(1 + tanh(x / 2)) / 2``, and the columns of the
sigmoid gates are stored already halved (exact: halving only changes a float's exponent), so
one ``tanh`` covers every gate of a step.

**State.** The model's own layout, as float32 numpy arrays: ``h`` of shape (layers, rows,
hidden) for RNN/GRU and a tuple ``(h, c)`` for LSTM. :meth:`Stepper.to_model_state` and
:meth:`Stepper.from_model_state` convert to and from the torch tensors ``CharRNN`` uses, so the
two can be mixed. "Rows" are independent sequences stepped together (beams).

Rows stepped together share every elementwise operation and the Python around them, but not
the weights' products: OpenBLAS's matrix-matrix product packs the whole weight matrix at each
call, so ``(2, 192) @ (192, 768)`` took 4x one row's matrix-vector product on a 2-core CPU, and
from 4 rows on it also starts threads (measured, ``bench/generate_speed.py``). A step therefore
multiplies row by row (:func:`_rows_times`): two rows cost two matrix-vector products plus one
row's elementwise work, so greedy and sampled output step together
(:func:`rnnlab.generation.greedy_and_sampled`), and so do beam search's beams.

**Snapshot.** The weights are copied when the stepper is built (2-3 ms for the default model);
later changes to the model (training) are not seen: a model that keeps training needs a fresh
stepper. A stepper never changes after it is built, so threads may share one. Dropout is never
applied (generation is evaluation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

# Layer 0's (V, gates) input table is precomputed only up to this many numbers (64 MB of
# float32); a bigger vocabulary (word level) projects its embedding row at each step instead.
MAX_TABLE_SIZE = 16 * 1024 * 1024

# Up to this many rows, a product with a weight matrix runs row by row (16 rows: 2.5x faster than
# one matrix-matrix product on a 2-core CPU, measured); more rows (a long prompt) in one product.
ROW_BY_ROW = 16

_INTEGERS = (int, np.integer)
_HALF = np.float32(0.5)  # a numpy scalar: float32 arithmetic without converting a Python float


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    """A float32, C-contiguous numpy copy (never a view of the model's own memory)."""
    return tensor.detach().to("cpu", torch.float32).clone(memory_format=torch.contiguous_format).numpy()


def _rows_times(rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``rows @ matrix``: up to :data:`ROW_BY_ROW` rows as a stack of one-row products (one
    matrix-vector product each, see the module), so a row's result is bit for bit the same alone
    or with others; more rows in one matrix-matrix product."""
    if len(rows) > ROW_BY_ROW:
        return rows @ matrix
    return np.matmul(rows[:, None, :], matrix)[:, 0]


def _gate_layout(cell: str, hidden_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Row order and scale of the gates in a step: sigmoid gates first and halved, tanh last."""
    H = hidden_size
    if cell == "lstm":  # PyTorch's i, f, g, o -> i, f, o (halved), g
        order = torch.cat([torch.arange(0, 2 * H), torch.arange(3 * H, 4 * H), torch.arange(2 * H, 3 * H)])
        return order, torch.cat([torch.full((3 * H,), 0.5), torch.ones(H)])
    if cell == "gru":  # r, z (halved), n
        return torch.arange(3 * H), torch.cat([torch.full((2 * H,), 0.5), torch.ones(H)])
    return torch.arange(H), torch.ones(H)


class Stepper:
    """Single-token steps of a ``CharRNN`` with weights snapshot at build time (see the module)."""

    def __init__(self, model: torch.nn.Module):
        config = model.config
        self.cell = config.cell
        self.num_layers = config.num_layers
        self.hidden_size = H = config.hidden_size
        self.vocab_size = config.vocab_size
        rnn = model.rnn
        order, scale = _gate_layout(self.cell, H)

        def gates(weight_or_bias: torch.Tensor) -> torch.Tensor:
            """A copy of a (gates, ...) weight or bias with its rows in step order and scale."""
            rows = weight_or_bias.detach().to("cpu", torch.float32)[order]
            return rows * (scale[:, None] if rows.dim() == 2 else scale)

        self._w_ih_t: list[np.ndarray | None] = []  # (input, gates); layer 0's only without a table
        self._w_hh_t: list[np.ndarray] = []  # (hidden, gates)
        self._bias: list[np.ndarray] = []  # b_ih + b_hh, added to the input projection
        self._b_hn: list[np.ndarray] = []  # GRU only: b_hn stays inside r * (W_hn h + b_hn)
        with torch.no_grad():
            for layer in range(self.num_layers):
                w_ih = gates(getattr(rnn, f"weight_ih_l{layer}"))
                w_hh = gates(getattr(rnn, f"weight_hh_l{layer}"))
                b_ih = gates(getattr(rnn, f"bias_ih_l{layer}"))
                b_hh = gates(getattr(rnn, f"bias_hh_l{layer}"))
                if self.cell == "gru":
                    self._b_hn.append(_numpy(b_hh[2 * H :]))
                    b_hh[2 * H :] = 0.0
                bias = b_ih + b_hh
                self._w_hh_t.append(_numpy(w_hh.T))
                self._bias.append(_numpy(bias))
                if layer > 0:
                    self._w_ih_t.append(_numpy(w_ih.T))
                    continue
                # Layer 0: token id -> input projection plus biases, as a (V, gates) table if small.
                self._table = self._embedding = None
                self._w_ih_t.append(None)
                if model.embedding is None:  # one-hot: token j's projection is row j of W_ih^T
                    self._table = _numpy(w_ih.T + bias)
                elif self.vocab_size * w_ih.shape[0] <= MAX_TABLE_SIZE:
                    embedding = model.embedding.weight.detach().to("cpu", torch.float32)
                    self._table = _numpy(torch.addmm(bias, embedding, w_ih.T))
                else:
                    self._embedding = _numpy(model.embedding.weight)
                    self._w_ih_t[0] = _numpy(w_ih.T)
            self._head_t = _numpy(model.head.weight.T)  # (hidden, V)
            self._head_b = _numpy(model.head.bias)
        self._lstm = self.cell == "lstm"
        self._step_layer = {"rnn": self._rnn_layer, "lstm": self._lstm_layer, "gru": self._gru_layer}[self.cell]

    @classmethod
    def from_model(cls, model: torch.nn.Module) -> Stepper:
        """A stepper with ``model``'s current weights (a snapshot: rebuild it after training)."""
        return cls(model)

    # --- public steps ------------------------------------------------------------------------------

    def step(self, token_id, state=None):
        """Feed one token per row; returns the next-token logits and the new state.

        ``token_id`` an int: logits of shape (V,) and a one-row state. A sequence of B ids: one
        row each, logits (B, V). ``state=None`` starts from zeros, like the model. Logits are
        float32 numpy arrays; the state is laid out as the model's (see the module docstring).
        """
        if isinstance(token_id, _INTEGERS):
            token_id = int(token_id)
            logits, state = self._step_rows(self._input_rows(slice(token_id, token_id + 1)), state)
            return logits[0], state
        ids = np.asarray(token_id, dtype=np.int64)
        logits, state = self._step_rows(self._input_rows(ids), state)
        return logits, state

    def warm_up(self, ids: Sequence[int], state=None):
        """Feed a prompt (one row); returns the logits (V,) after its last token and the state."""
        outputs, state = self._run(ids, state)
        logits = _rows_times(outputs[-1:], self._head_t)[0]
        logits += self._head_b
        return logits, state

    def forward(self, ids: Sequence[int], state=None):
        """Logits (T, V) after every token of ``ids`` (one row), and the state after the last."""
        outputs, state = self._run(ids, state)
        logits = _rows_times(outputs, self._head_t)
        logits += self._head_b
        return logits, state

    # --- state conversion ----------------------------------------------------------------------------

    def zero_state(self, rows: int = 1):
        """The state before any token (what ``state=None`` means), for ``rows`` sequences."""
        h = np.zeros((self.num_layers, rows, self.hidden_size), dtype=np.float32)
        return (h, h.copy()) if self.cell == "lstm" else h

    @staticmethod
    def to_model_state(state):
        """This stepper's state as the torch tensors ``CharRNN.forward`` takes (shared memory)."""
        if isinstance(state, tuple):
            return tuple(torch.from_numpy(part) for part in state)
        return torch.from_numpy(state)

    @staticmethod
    def from_model_state(state):
        """A ``CharRNN`` state (torch tensors) as a stepper state (float32 numpy copies)."""
        if isinstance(state, tuple):
            return tuple(_numpy(part) for part in state)
        return _numpy(state)

    @staticmethod
    def select_rows(state, rows):
        """The state of the given rows, in that order (beam search reorders its beams)."""
        if isinstance(state, tuple):
            return tuple(part[:, rows] for part in state)
        return state[:, rows]

    # --- internals -----------------------------------------------------------------------------------

    def _input_rows(self, ids) -> np.ndarray:
        """Layer 0's input projection (plus biases) for token ids (an index array or a slice)."""
        if self._table is not None:
            return self._table[ids]
        rows = _rows_times(self._embedding[ids], self._w_ih_t[0])
        rows += self._bias[0]
        return rows

    def _step_rows(self, inputs: np.ndarray, state):
        """One step for every row of ``inputs`` (rows, gates of layer 0): logits (rows, V), state."""
        if state is None:
            state = self.zero_state(len(inputs))
        h_all, c_all = state if self._lstm else (state, None)
        if self.num_layers == 1:  # the common case, without lists
            h, c = self._step_layer(0, inputs, h_all[0], None if c_all is None else c_all[0])
            logits = _rows_times(h, self._head_t)
            logits += self._head_b
            return logits, ((h[None], c[None]) if self._lstm else h[None])
        new_h, new_c = [], []
        x = inputs
        for layer in range(self.num_layers):
            if layer > 0:
                x = _rows_times(new_h[-1], self._w_ih_t[layer])
                x += self._bias[layer]
            h, c = self._step_layer(layer, x, h_all[layer], None if c_all is None else c_all[layer])
            new_h.append(h)
            new_c.append(c)
        logits = _rows_times(new_h[-1], self._head_t)
        logits += self._head_b
        return logits, ((np.stack(new_h), np.stack(new_c)) if self._lstm else np.stack(new_h))

    def _run(self, ids: Sequence[int], state):
        """Feed ``ids`` as one row, layer by layer: the top layer's outputs (T, hidden), state."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 1 or len(ids) == 0:
            raise ValueError("the prompt needs at least one token")
        if state is None:
            state = self.zero_state(1)
        h_all, c_all = state if self._lstm else (state, None)
        new_h, new_c = [], []
        x = self._input_rows(ids)  # (T, gates)
        outputs = None
        for layer in range(self.num_layers):
            if layer > 0:  # the whole sequence's input projection in one product
                x = _rows_times(outputs, self._w_ih_t[layer])
                x += self._bias[layer]
            h, c = h_all[layer], None if c_all is None else c_all[layer]
            outputs = np.empty((len(ids), self.hidden_size), dtype=np.float32)
            for t in range(len(ids)):
                h, c = self._step_layer(layer, x[t : t + 1], h, c)
                outputs[t] = h[0]
            new_h.append(h)
            new_c.append(c)
        h_all = np.stack(new_h)
        return outputs, ((h_all, np.stack(new_c)) if self._lstm else h_all)

    def _rnn_layer(self, layer: int, x: np.ndarray, h: np.ndarray, c: None):
        pre = _rows_times(h, self._w_hh_t[layer])
        pre += x
        return np.tanh(pre, out=pre), None

    def _lstm_layer(self, layer: int, x: np.ndarray, h: np.ndarray, c: np.ndarray):
        H = self.hidden_size
        gates = _rows_times(h, self._w_hh_t[layer])  # columns i, f, o (halved), g
        gates += x
        np.tanh(gates, out=gates)
        sigmoid = gates[:, : 3 * H]
        sigmoid *= _HALF
        sigmoid += _HALF  # (1 + tanh(x / 2)) / 2 = sigmoid(x)
        c = sigmoid[:, H : 2 * H] * c
        c += sigmoid[:, :H] * gates[:, 3 * H :]
        return sigmoid[:, 2 * H :] * np.tanh(c), c

    def _gru_layer(self, layer: int, x: np.ndarray, h: np.ndarray, c: None):
        H = self.hidden_size
        hidden = _rows_times(h, self._w_hh_t[layer])  # columns r, z (halved), n
        rz = hidden[:, : 2 * H]
        rz += x[:, : 2 * H]
        np.tanh(rz, out=rz)
        rz *= _HALF
        rz += _HALF
        hn = hidden[:, 2 * H :]
        hn += self._b_hn[layer]
        hn *= rz[:, :H]  # r (W_hn h + b_hn)
        hn += x[:, 2 * H :]
        n = np.tanh(hn, out=hn)
        return n + rz[:, H:] * (h - n), None  # (1 - z) n + z h
