"""A progress line on stderr: ``[#####-----] 37/120 done (5 reused)  1.9/s  ETA 0:43``.

On a terminal the line is redrawn in place; otherwise (a log file, CI) a line is printed at
every tenth of the way, so logs stay short.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

_WIDTH = 24


class Progress:
    def __init__(self, total: int, reused: int, stream: TextIO = sys.stderr):
        self.total, self.reused = total, reused
        self.done = reused
        self.stream = stream
        self.interactive = stream.isatty()
        self.started = time.monotonic()
        self._last_tenth = -1

    def advance(self) -> None:
        self.done += 1
        self.show()

    def show(self) -> None:
        if self.interactive:
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()
            return
        tenth = self.done * 10 // max(self.total, 1)
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()

    def line(self) -> str:
        filled = self.done * _WIDTH // max(self.total, 1)
        bar = "#" * filled + "-" * (_WIDTH - filled)
        text = f"[{bar}] {self.done}/{self.total} done"
        if self.reused:
            text += f" ({self.reused} reused)"
        graded = self.done - self.reused
        elapsed = time.monotonic() - self.started
        if graded and elapsed > 0:
            rate = graded / elapsed
            text += f"  {rate * 60:.0f}/min  ETA {_clock((self.total - self.done) / rate)}"
        return text


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
