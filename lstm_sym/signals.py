"""SIGTERM and SIGHUP stop a run the way Ctrl-C does: cleanly, with nothing half-written.

By default Python dies at once on SIGTERM (what ``timeout``, systemd and CI runners send)
and on SIGHUP (a closed terminal), skipping every ``finally``: temporary files and child
processes stay behind. Inside :func:`stop_on_signals` both raise :class:`Terminated`, a
``KeyboardInterrupt``, so the same clean-up runs as after Ctrl-C.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

#: The signals turned into :class:`Terminated` (SIGINT already raises KeyboardInterrupt).
SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """A run stopped by a signal other than SIGINT; ``exit_code`` is 128 + its number."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Inside the block, SIGTERM and SIGHUP raise :class:`Terminated`.

    Signals the process ignores (``nohup`` ignores SIGHUP) stay ignored, and outside the
    main thread (where Python cannot set handlers) nothing changes. The previous handlers
    are restored at the end.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for number in SIGNALS:
        if signal.getsignal(number) is signal.SIG_DFL:
            previous[number] = signal.signal(number, _stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
