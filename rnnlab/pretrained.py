"""The small ready models shipped in ``pretrained/``: list them cheaply, load one on demand.

Beside each ``NAME.safetensors`` lie its model card ``NAME.md`` and, when it was built by
``pretrained/build.py``, ``NAME.evaluations.jsonl``: the losses and samples at each evaluation of
its training, so a lesson can replay how it learned.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from rnnlab.checkpoint import Checkpoint, load_checkpoint, read_metadata
from rnnlab.errors import CheckpointError

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"


@dataclass(frozen=True)
class RecordedEvaluation:
    """One evaluation of a shipped model's training: losses in nats and the two samples it wrote."""

    step: int
    seconds: float
    train_loss: float
    val_loss: float
    sample_greedy: str
    sample_sampled: str

    @classmethod
    def from_json(cls, line: str) -> RecordedEvaluation | None:
        """The evaluation on one line of ``evaluations.jsonl``; None for a line that is not one."""
        try:
            data = json.loads(line)
            evaluation = cls(
                int(data["step"]),
                float(data["seconds"]),
                float(data["train_loss"]),
                float(data["val_loss"]),
                str(data["sample_greedy"]),
                str(data["sample_sampled"]),
            )
        except (ValueError, TypeError, KeyError):
            return None
        return evaluation if math.isfinite(evaluation.train_loss + evaluation.val_loss) else None


@dataclass(frozen=True)
class PretrainedModel:
    """One shipped model: its file, its model card (markdown) and its metadata (header only)."""

    name: str
    path: Path
    metadata: dict

    @property
    def card_path(self) -> Path:
        return self.path.with_suffix(".md")

    @cached_property
    def card(self) -> str:
        return self.card_path.read_text(encoding="utf-8") if self.card_path.exists() else ""

    @cached_property
    def title(self) -> str:
        """The card's first heading, else the file name."""
        first_line = self.card.partition("\n")[0]
        return first_line.removeprefix("# ").strip() if first_line.startswith("# ") else self.name

    @cached_property
    def evaluations(self) -> tuple[RecordedEvaluation, ...]:
        """The recorded training, in step order (empty when the file is missing; bad lines skipped)."""
        path = self.path.with_suffix(".evaluations.jsonl")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return ()
        recorded = (RecordedEvaluation.from_json(line) for line in lines)
        return tuple(sorted((e for e in recorded if e is not None), key=lambda e: e.step))

    def load(self) -> Checkpoint:
        return load_checkpoint(self.path)


def find_pretrained(name: str, folder: Path = PRETRAINED_DIR) -> PretrainedModel | None:
    """The shipped model called ``name`` (its file name without ``.safetensors``), if there is one."""
    return next((model for model in list_pretrained(folder) if model.name == name), None)


def list_pretrained(folder: Path = PRETRAINED_DIR) -> list[PretrainedModel]:
    """Every readable ``*.safetensors`` in ``folder`` (sorted by name; unreadable files skipped).

    Pages call this on every redraw: the headers are read again only when a file changed.
    """
    paths = sorted(Path(folder).glob("*.safetensors"))
    signature = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        signature.append((path, stat.st_mtime_ns, stat.st_size))
    return list(_read_models(tuple(signature)))


@lru_cache(maxsize=16)
def _read_models(signature: tuple[tuple[Path, int, int], ...]) -> tuple[PretrainedModel, ...]:
    models = []
    for path, _, _ in signature:
        try:
            models.append(PretrainedModel(path.stem, path, read_metadata(path)))
        except CheckpointError:  # a broken file must not hide the others
            continue
    return tuple(models)
