"""The small ready models shipped in ``pretrained/``: list them cheaply, load one on demand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rnnlab.checkpoint import Checkpoint, load_checkpoint, read_metadata
from rnnlab.errors import CheckpointError

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"


@dataclass(frozen=True)
class PretrainedModel:
    """One shipped model: its file, its model card (markdown) and its metadata (header only)."""

    name: str
    path: Path
    metadata: dict

    @property
    def card_path(self) -> Path:
        return self.path.with_suffix(".md")

    @property
    def card(self) -> str:
        return self.card_path.read_text(encoding="utf-8") if self.card_path.exists() else ""

    @property
    def title(self) -> str:
        """The card's first heading, else the file name."""
        first_line = self.card.partition("\n")[0]
        return first_line.removeprefix("# ").strip() if first_line.startswith("# ") else self.name

    def load(self) -> Checkpoint:
        return load_checkpoint(self.path)


def list_pretrained(folder: Path = PRETRAINED_DIR) -> list[PretrainedModel]:
    """Every readable ``*.safetensors`` in ``folder`` (sorted by name; unreadable files skipped)."""
    models = []
    for path in sorted(Path(folder).glob("*.safetensors")):
        try:
            models.append(PretrainedModel(path.stem, path, read_metadata(path)))
        except CheckpointError:  # a broken file must not hide the others
            continue
    return models
