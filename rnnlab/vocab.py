"""Vocabularies: turn text into token ids and back, at character or word level.

Word level follows the lesson's lab: words, punctuation marks and newlines are separate tokens,
and spaces are implied between words when decoding.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

UNKNOWN = "\ufffd"  # the replacement character stands for every symbol outside the vocabulary
UNKNOWN_ID = 0  # its id in every vocabulary
LEVELS = ("char", "word")
DEFAULT_MAX_SIZE = {"char": 256, "word": 10_000}

_WORD_PATTERN = re.compile(r"\n|[^\W\d_]+(?:'[^\W\d_]+)*|\d+|[^\w\s]|_", re.UNICODE)
_NO_SPACE_BEFORE = set(".,;:!?)]}'\"\n")
_NO_SPACE_AFTER = set("([{\n")


def tokenize(text: str, level: str) -> list[str]:
    """Split text into tokens: single characters, or words/punctuation/newlines."""
    if level == "char":
        return list(text)
    if level == "word":
        return _WORD_PATTERN.findall(text)
    raise ValueError(f"level must be one of {LEVELS}, not {level!r}")


def join_tokens(tokens: list[str], level: str) -> str:
    """Inverse of :func:`tokenize` (exact for char level, readable spacing for word level)."""
    if level == "char":
        return "".join(tokens)
    pieces: list[str] = []
    previous = "\n"
    for token in tokens:
        if pieces and token not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
            pieces.append(" ")
        pieces.append(token)
        previous = token
    return "".join(pieces)


@dataclass(frozen=True)
class Vocabulary:
    """An ordered list of tokens; id ``i`` is ``tokens[i]``. Id 0 is always :data:`UNKNOWN`."""

    tokens: tuple[str, ...]
    level: str = "char"

    @classmethod
    def build(cls, text: str, level: str = "char", max_size: int | None = None) -> Vocabulary:
        """The most frequent tokens of ``text`` (ties broken by first appearance), capped at max_size.

        Rare tokens beyond the cap fold into :data:`UNKNOWN` when encoding.
        """
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        if max_size is None:
            max_size = DEFAULT_MAX_SIZE[level]
        if max_size < 1:
            raise ValueError(f"max_size must be at least 1, not {max_size}")
        counts = Counter(tokenize(text, level))
        counts.pop(UNKNOWN, None)
        kept = [token for token, _ in counts.most_common(max_size - 1)]
        return cls(tokens=(UNKNOWN, *sorted(kept)), level=level)

    @property
    def size(self) -> int:
        return len(self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def index(self) -> dict[str, int]:
        """Token -> id (built on first use and cached)."""
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {token: i for i, token in enumerate(self.tokens)}
            object.__setattr__(self, "_index", cached)
        return cached

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; unseen symbols map to id 0 (:data:`UNKNOWN`)."""
        index = self.index
        return [index.get(token, 0) for token in tokenize(text, self.level)]

    def decode(self, ids) -> str:
        """Text of a sequence of ids."""
        return join_tokens([self.tokens[int(i)] for i in ids], self.level)

    def count_unknown(self, text: str) -> int:
        """How many tokens of ``text`` fall outside the vocabulary."""
        index = self.index
        return sum(token not in index for token in tokenize(text, self.level))

    def to_dict(self) -> dict:
        return {"level": self.level, "tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        level = data.get("level")
        tokens = data.get("tokens")
        if level not in LEVELS or not isinstance(tokens, list) or not tokens:
            raise ValueError("vocabulary needs a level ('char' or 'word') and a non-empty token list")
        if not all(isinstance(t, str) for t in tokens) or tokens[0] != UNKNOWN:
            raise ValueError("vocabulary tokens must be strings starting with the unknown token")
        if len(set(tokens)) != len(tokens):
            raise ValueError("vocabulary tokens must be distinct")
        return cls(tokens=tuple(tokens), level=level)
