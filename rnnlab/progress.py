"""A one-line text progress bar with time left, for the CLI (the app draws its own)."""

from __future__ import annotations

import sys
import time


def format_duration(seconds: float) -> str:
    """12.3 -> '12s', 75 -> '1m15s', 3725 -> '1h02m'."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def time_left(progress: float, elapsed: float) -> float | None:
    """Seconds left if progress keeps its pace so far; None before any progress."""
    if progress <= 0.0:
        return None
    return elapsed * (1.0 - progress) / progress


class ProgressBar:
    """``bar.update(progress, note)`` draws ``[#####.....]  50%  ETA 12s  note``.

    On a terminal the line is redrawn in place (at most every ``min_interval`` seconds); in a log
    file or a pipe a plain line is written each time another tenth of the work is done.
    ``close()`` writes the final line with the last progress and note.
    """

    def __init__(self, stream=None, width: int = 30, min_interval: float = 0.1):
        self.stream = stream or sys.stderr
        self.width = width
        self.min_interval = min_interval
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._last_tenth = -1
        self.progress = 0.0
        self.note = ""

    def render(self, progress: float, note: str = "") -> str:
        progress = min(1.0, max(0.0, progress))
        filled = int(round(progress * self.width))
        left = time_left(progress, time.monotonic() - self.started)
        eta = "ETA --" if left is None else f"ETA {format_duration(left)}"
        return f"[{'#' * filled}{'.' * (self.width - filled)}] {progress:4.0%}  {eta}  {note}".rstrip()

    def update(self, progress: float, note: str = "", force: bool = False) -> None:
        self.progress, self.note = progress, note
        if self.interactive:
            now = time.monotonic()
            if force or now - self._last_draw >= self.min_interval:
                self._last_draw = now
                self.stream.write("\r" + self.render(progress, note).ljust(100))
                self.stream.flush()
            return
        tenth = int(progress * 10)
        if progress < 1.0 and (force or tenth > self._last_tenth):  # the line at 100 % is close()'s
            self._last_tenth = tenth
            self.stream.write(self.render(progress, note) + "\n")
            self.stream.flush()

    def close(self) -> None:
        """The final line: the last progress and note, then a line break."""
        if self.interactive:
            self.update(self.progress, self.note, force=True)
            self.stream.write("\n")
        else:
            self.stream.write(self.render(self.progress, self.note) + "\n")
        self.stream.flush()
