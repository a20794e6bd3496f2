"""TOML syntax errors as one line naming file:line:col, with the fix a newcomer needs.

:mod:`tomllib` says *what* it could not read (``Invalid value (at line 8, column 7)``);
:func:`toml_error` adds *why*, for the mistakes people make when they first write a
problem file, by looking at the text where the parser stopped: an unquoted fraction
(``U_f = 1/3``), a decimal without a leading digit (``.25``), a matrix without commas,
Python's ``True``/``None``, a key with ``/`` in it, and a few more. A hint is given only
when the text there shows that mistake; otherwise the message is the parser's.

>>> error = toml_error("Expected newline or end of document after a statement (at line 1, column 8)",
...                    "U_f = 1/3\\n", "bad.toml")
>>> print(error)
bad.toml:1:8: TOML: expected valid TOML, found Expected newline or end of document after a statement at '/3' — TOML has no fractions: write U_f = "1/3" (a string)
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import InputError

_POSITION = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")
_FRACTION = re.compile(r"[+-]?\d+\s*/\s*\d+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_NUMBER_END = re.compile(r"[0-9A-Za-z_\]\"')}]")
_VALUE_START = re.compile(r"[0-9+\-.\[\"']")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_STATEMENT_END = "Expected newline or end of document after a statement"

#: The longest piece of the failing line the message quotes.
SHOWN = 24

#: How much of a long line around the failing column the hints look at.
WINDOW = 2000


class _Place:
    """Where the parser stopped: the whole text, the offset, and the line around it."""

    def __init__(self, text: str, message: str, line: int, column: int) -> None:
        self.text, self.message = text, message
        start = 0
        for _ in range(line - 1):
            start = text.find("\n", start) + 1
        end = text.find("\n", start)
        self.offset = min(start + column - 1, len(text))
        begin = max(start, self.offset - WINDOW)
        #: whether ``line`` starts where the line does (a very long line is cut)
        self.whole = begin == start
        self.line = text[begin : min(len(text) if end < 0 else end, self.offset + WINDOW)]
        self.line = self.line.rstrip("\r")
        self.column = self.offset - begin  # within self.line (may equal its length)

    @property
    def rest(self) -> str:
        """The line from the failing column on."""
        return self.line[self.column :]

    @property
    def char(self) -> str:
        return self.rest[:1]

    def before(self) -> str:
        """The last character before the failing column that is neither space nor comment."""
        text = self.text[max(self.offset - WINDOW, 0) : self.offset]
        while text:
            start = text.rfind("\n") + 1
            code = _uncommented(text[start:]).rstrip()
            if code:
                return code[-1]
            text = text[: max(start - 1, 0)]
        return ""

    def statement(self) -> tuple[str, str] | None:
        """``(key, value)`` when the failing line is one ``key = value`` statement."""
        key, sep, value = _uncommented(self.line).partition("=")
        if not self.whole or not sep or not key.strip() or key.lstrip().startswith("["):
            return None
        return key.strip(), value.strip()


def _uncommented(line: str) -> str:
    """``line`` without a ``#`` comment (a ``#`` inside a string is kept)."""
    quote = ""
    for k, c in enumerate(line):
        if quote:
            quote = "" if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c == "#":
            return line[:k]
    return line


def _in_string(line: str, column: int) -> bool:
    return bool(_uncommented(line[:column]).count('"') % 2)


def _fraction(place: _Place) -> str | None:
    """``U_f = 1/3``: TOML has no fractions; lstm_sym reads them from strings."""
    for match in _FRACTION.finditer(place.line):
        if match.start() <= place.column < match.end() and not _in_string(
            place.line, match.start()
        ):
            written = re.sub(r"\s+", "", match.group())
            statement = place.statement()
            if statement and statement[1] == match.group():
                return f'TOML has no fractions: write {statement[0]} = "{written}" (a string)'
            return f'TOML has no fractions: write "{written}" (a string)'
    return None


def _leading_point(place: _Place) -> str | None:
    """``.24974``: a decimal needs a digit before its point."""
    match = re.match(r"([+-]?)\.(\d[0-9eE+\-_]*)", place.rest)
    if match and place.before() in ("=", "[", ","):
        return f"a decimal needs a digit before its point: write {match[1]}0.{match[2]}"
    return None


def _trailing_point(place: _Place) -> str | None:
    """``1.`` and ``1.e-3``: a decimal needs a digit after its point; ``0.2.1`` has two points."""
    if place.char != ".":
        return None
    if place.rest[1:2].isdigit():
        if re.search(r"\d\.\d+$", place.line[: place.column]):
            return "a number has one decimal point"
        return None
    whole = re.search(r"[+-]?\d+$", place.line[: place.column])
    if not whole:
        return None
    exponent = re.match(r"[eE][+-]?\d+", place.rest[1:])
    written = f"{whole.group()}.0{exponent.group() if exponent else ''}"
    return f"a decimal needs a digit after its point: write {written}"


def _unicode(place: _Place) -> str | None:
    """A minus sign or quotes pasted from a document."""
    if not place.char:
        return None
    if place.char in "\u2212\u2013\u2014":
        return f"{place.char!r} is not a minus sign in TOML: write '-'"
    if place.char in "\u201c\u201d\u201e\u2018\u2019":
        return 'curly quotes are not TOML quotes: write straight quotes "..."'
    return None


def _word(place: _Place) -> str | None:
    """``True``, ``None``, ``sqrt(2)``, or text without quotes."""
    match = _WORD.match(place.rest)
    if not match or not place.message.startswith("Invalid value") or place.before() not in "=[,":
        return None
    word = match.group()
    if word in ("True", "False"):
        return f"TOML writes {word.lower()} in lower case"
    if word in ("None", "null", "NULL", "Null", "nil"):
        return 'TOML has no None: leave the key out ("none", quoted, marks a step without a target)'
    if place.rest[match.end() :].lstrip().startswith("("):
        return 'nothing is evaluated: write the number itself (a fraction as "1/3")'
    if word.lower() in ("nan", "inf"):
        return None
    statement = place.statement()
    if statement and statement[1] == word:
        return f'text needs quotes: write {statement[0]} = "{word}"'
    return f'text needs quotes: write "{word}"'


def _operator(place: _Place) -> str | None:
    """``2*3``: an expression where a number should be."""
    if place.rest.startswith("//"):
        return "a comment starts with '#'"
    if place.char and place.char in "*/%^" and place.before() and place.before() in "0123456789)":
        return 'nothing is evaluated: write the number itself (a fraction as "1/3")'
    return None


def _missing_comma(place: _Place) -> str | None:
    """``[[1 2],[3 4]]``: the entries of a list are separated by commas."""
    if not place.message.startswith("Unclosed array"):
        return None
    if place.char == ";":
        return "the entries of a list are separated by commas, not ';': [[1, 2], [3, 4]]"
    if _VALUE_START.match(place.char) and _NUMBER_END.match(place.before() or " "):
        return "the entries of a list are separated by commas: [[1, 2], [3, 4]]"
    return None


def _top_level_comma(place: _Place) -> str | None:
    """``x = 0,5`` or ``x = 1, 2``: a decimal comma, or a list without brackets."""
    if place.message.startswith(_STATEMENT_END) and place.char == ",":
        return "a decimal point is '.' (0.5), and several numbers go in brackets ([1, 2])"
    return None


def _key(place: _Place) -> str | None:
    """``W/f = 1``, ``cell: "lstm"``, ``cell "lstm"``: how a key is written."""
    if not place.message.startswith("Expected '=' after a key"):
        return None
    if place.char == ":":
        return "a key and its value are joined by '=', not ':'"
    statement = place.statement()
    if statement is None:
        key = place.line[: place.column].strip()
        if key and _BARE_KEY.fullmatch(key):
            return f"a key and its value are joined by '=': write {key} = {place.rest.strip()}"
        return None
    key = statement[0]
    if '"' in key or "'" in key or _BARE_KEY.fullmatch(key):
        return None
    return (
        "a key with characters other than letters, digits, '_' and '-' needs quotes: "
        f'write "{key}" = {statement[1]}'
    )


def _inline_table(place: _Place) -> str | None:
    """``{gate = "tanh", }`` or an inline table over several lines."""
    if not place.message.startswith("Invalid initial character for a key part"):
        return None
    opened = _uncommented(place.line).count("{") > _uncommented(place.line).count("}")
    if place.char == "" and opened:
        return "an inline table { ... } must fit on one line; use a [table] section instead"
    if place.char == "}" and place.before() == ",":
        return 'an inline table takes no comma after its last entry: {gate = "tanh"}'
    return None


def _twice(place: _Place) -> str | None:
    """``[sequence]`` twice, or a key given twice."""
    header = re.fullmatch(r"\s*\[\[?\s*sequence\s*\]\]?\s*", _uncommented(place.line))
    if header and (place.message.startswith("Cannot declare") or "overwrite" in place.message):
        return "several sequences are each written [[sequence]] (double brackets, every one)"
    if place.message.startswith("Cannot declare"):
        return "each [table] is declared once"
    if place.message.startswith("Cannot overwrite a value"):
        return "each key is given once in its table"
    return None


def _other(place: _Place) -> str | None:
    """An empty value, ``==``, a Python tuple, an unclosed string."""
    if place.message.startswith("Invalid value"):
        if place.char == "" and place.before() == "=":
            return "a key needs a value after '='"
        if place.char == "=":
            return "one '=' between a key and its value"
        if place.char == "(":
            return "a list is written in brackets: [1, 2]"
    if place.message.startswith("Illegal character") and place.line.count('"') % 2:
        return "a string needs its closing quote on the same line"
    if place.message.startswith("Unclosed array") and not place.text[place.offset :].strip():
        return "a list needs its closing ']'"
    return None


_HINTS: tuple[Callable[[_Place], str | None], ...] = (
    _unicode,
    _fraction,
    _leading_point,
    _trailing_point,
    _key,
    _inline_table,
    _twice,
    _missing_comma,
    _word,
    _operator,
    _top_level_comma,
    _other,
)


def _hint(place: _Place) -> str:
    """The fix for the mistake where the parser stopped, or ``""`` when it is not clear."""
    for rule in _HINTS:
        found = rule(place)
        if found:
            return found
    return ""


def _position(text: str, message: str) -> tuple[str, int, int, bool]:
    """tomllib's message without its position, the 1-based line and column, and whether at the end.

    The end of the document is the end of its last line that is not blank.
    """
    match = _POSITION.search(message)
    if match is None:
        return message, 0, 0, False
    if match[1] is not None:
        return message[: match.start()], int(match[1]), int(match[2]), False
    body = text.rstrip()
    return message[: match.start()], body.count("\n") + 1, len(body) - body.rfind("\n"), True


def toml_error(message: str, text: str, source: str | None) -> InputError:
    """One :class:`InputError` for tomllib's ``message`` on ``text``: file:line:col, what, why."""
    what, line, column, at_end = _position(text, message)
    if not line:
        return InputError("TOML", "valid TOML", message, source=source)
    place = _Place(text, what, line, column)
    shown = (_uncommented(place.rest) or place.rest).strip()
    found = f"{what} at {shown[:SHOWN]!r}" if shown else f"{what} at the end of the line"
    if at_end:
        found = f"{what} at the end of the file"
    if source is None:
        found += f" (line {line}, column {column})"
    advice = _hint(place)
    if advice:
        found += f" — {advice}"
    where = f"{source}:{line}:{column}" if source is not None else None
    return InputError("TOML", "valid TOML", found, source=where)
