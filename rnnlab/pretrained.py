"""The small ready models shipped in ``pretrained/``: list them cheaply, load one on demand."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
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

    @cached_property
    def card(self) -> str:
        return self.card_path.read_text(encoding="utf-8") if self.card_path.exists() else ""

    @cached_property
    def title(self) -> str:
        """The card's first heading, else the file name."""
        first_line = self.card.partition("\n")[0]
        return first_line.removeprefix("# ").strip() if first_line.startswith("# ") else self.name

    def load(self) -> Checkpoint:
        return load_checkpoint(self.path)


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
