"""A one-line progress bar on stderr for long runs, drawn only when stderr is a terminal.

The command line turns reporting on (:func:`reporting`); the library then reports the
passes of a certified evaluation (:func:`task`). Without a terminal, or from Python
without :func:`reporting`, nothing is ever written. A pass has no inner progress to
report, so the bar estimates it from the time the previous pass took, and it is drawn
only once a run has taken longer than ``DELAY`` seconds.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import TextIO

#: Seconds before a bar appears (short runs never show one), and between redraws.
DELAY, INTERVAL = 0.5, 0.1
WIDTH = 24

_stream: TextIO | None = None


class Progress:
    """Units of work done out of an expected total, redrawn by a background thread."""

    def __init__(self, label: str, total: int, stream: TextIO | None):
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.done = 0
        self.note = ""
        self._start = self._unit_start = time.monotonic()
        self._last_unit = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    def advance(self, note: str = "") -> None:
        """One unit finished (``note``: what the next one does, e.g. its precision)."""
        now = time.monotonic()
        self._last_unit = now - self._unit_start
        self._unit_start = now
        self.done = min(self.done + 1, self.total - 1)
        self.note = note or self.note

    def line(self) -> str:
        """The bar as text (the current unit estimated from the previous one's duration)."""
        now = time.monotonic()
        part = 0.0
        if self._last_unit > 0:
            part = min((now - self._unit_start) / (2 * self._last_unit), 0.95)
        fraction = min((self.done + part) / self.total, 1.0)
        filled = int(fraction * WIDTH)
        bar = "#" * filled + "-" * (WIDTH - filled)
        note = f" {self.note}" if self.note else ""
        return f"{self.label} [{bar}] {fraction:4.0%}{note} {now - self._start:.1f} s"

    def _run(self) -> None:
        if self._stop.wait(DELAY):
            return
        while not self._stop.is_set():
            self._draw(self.line())
            self._stop.wait(INTERVAL)

    def _draw(self, text: str) -> None:
        assert self.stream is not None
        self.stream.write("\r\x1b[K" + text)
        self.stream.flush()
        self._drawn = True

    def __enter__(self) -> Progress:
        if self.stream is not None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._drawn and self.stream is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def task(label: str, total: int) -> Progress:
    """A bar for ``total`` units (silent unless :func:`reporting` is on and stderr is a terminal)."""
    return Progress(label, total, _stream)


@contextlib.contextmanager
def reporting(stream: TextIO | None = None) -> Iterator[None]:
    """Turn bars on inside the block, on ``stream`` (default stderr) when it is a terminal."""
    global _stream
    target = stream if stream is not None else sys.stderr
    saved = _stream
    _stream = target if target.isatty() else None
    try:
        yield
    finally:
        _stream = saved
