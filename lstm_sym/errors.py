"""The errors lstm_sym raises for bad input or requests it refuses."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable

#: Quoted user text longer than this is shortened in messages.
SHORT = 80


def one_line(text: str) -> str:
    """``text`` with every control character escaped, so that a message stays one line."""
    return escape_controls(text)


def escape_controls(text: str) -> str:
    """``text`` with every character a terminal would act on escaped (``\\x1b``, ``\\u202e``).

    Control characters, format characters (bidirectional overrides, zero widths) and
    separators other than the space are written as Python escapes.
    """
    if text.isprintable():  # the common case, fast
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def terminal_text(text: str) -> str:
    """``text`` with every character but newlines that a terminal would act on as ``\\uXXXX``.

    Control characters (escape sequences, BEL, DEL, C1 codes), format characters
    (bidirectional overrides, zero widths) and separators other than the space and the
    newline are escaped, so text read from a file can neither clear nor move around what
    a terminal shows. ``\\uXXXX`` (a surrogate pair beyond U+FFFF, as JSON writes it) is
    what a JSON, TOML or Python string reads back as the same character, and every such
    character in the JSON, TOML and Python that lstm-sym writes is inside a string: output
    in those formats keeps its data.
    """
    if text.isprintable():
        return text
    out = []
    for c in text:
        if c.isprintable() or c in " \n":
            out.append(c)
        elif ord(c) > 0xFFFF:
            high, low = divmod(ord(c) - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
        else:
            out.append(f"\\u{ord(c):04x}")
    return "".join(out)


def shorten(text: str, most: int = SHORT) -> str:
    """``text``, or its first ``most`` characters, an ellipsis and its full length."""
    if len(text) <= most:
        return text
    return f"{text[:most]}... ({len(text):,} characters)"


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
        where = f"{shorten(self.source)}: " if self.source else ""
        field, found = shorten(self.field), shorten(self.found, 4 * SHORT)
        return one_line(f"{where}{field}: expected {self.expected}, found {found}")

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
