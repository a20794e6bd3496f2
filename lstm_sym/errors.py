"""The errors lstm_sym raises for bad input or requests it refuses."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable


def one_line(text: str) -> str:
    """``text`` with every control character escaped, so that a message stays one line."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


class LstmSymError(Exception):
    """Base class of every error lstm_sym raises on purpose."""


class InputError(LstmSymError, ValueError):
    """A problem or answers file (or an API argument) is not what it should be.

    The message names where (file and field), what was expected and what was found,
    so that the command line can print it as one line.
    """

    def __init__(self, field: str, expected: str, found: str, *, source: str | None = None):
        self.field = field
        self.expected = expected
        self.found = found
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return one_line(f"{where}{self.field}: expected {self.expected}, found {self.found}")

    def located(self, source: str) -> InputError:
        """The same error, naming the file it came from."""
        return InputError(self.field, self.expected, self.found, source=source)


class TooLargeError(LstmSymError):
    """A request would take too long or produce too large a result; refused before work starts."""


def describe(value: object) -> str:
    """A short printable description of a value for an error message (any size of number)."""
    try:
        text = repr(value)
    except ValueError:  # an int beyond Python's digit limit for str()
        text = f"a number of more than {sys.get_int_max_str_digits():,} digits"
    return text if len(text) <= 40 else text[:37] + "..."


def did_you_mean(word: object, options: Iterable[str]) -> str:
    """`` (did you mean 'lstm'?)`` when ``word`` differs from an option only in case or a few letters.

    >>> did_you_mean("LSTM", ["gru", "lstm"])
    " (did you mean 'lstm'?)"
    >>> did_you_mean("lstm_peep", ["lstm", "lstm_peephole"])
    " (did you mean 'lstm_peephole'?)"
    >>> did_you_mean("transformer", ["gru", "lstm"])
    ''
    """
    if not isinstance(word, str) or not 0 < len(word) <= 100:  # difflib is slow on long text
        return ""
    by_lower: dict[str, str] = {}
    for option in options:
        by_lower.setdefault(option.lower(), option)
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""
