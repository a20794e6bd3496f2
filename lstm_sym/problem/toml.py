"""Problem files as TOML: read with every float kept as an exact ``Decimal``, and written
back with exact numbers (``0.2`` stays 0.2; 1/3, which has no decimal, as ``"1/3"``)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import sympy

from ..errors import InputError
from ..files import read_regular
from ..limits import LimitError, limit
from ..numbers import terminating_decimal
from .tomlhints import toml_error


def read_toml(path: str | Path) -> dict[str, Any]:
    """The data of a TOML file, every float kept as an exact ``Decimal``."""
    path = Path(path)
    most = limit("file_bytes")
    try:
        data = read_regular(path, most + 1)  # never a FIFO or a device
        text = data[:most].decode("utf-8")
    except (OSError, ValueError) as error:  # ValueError: a NUL in the name, or not UTF-8
        found = f"{type(error).__name__}: {getattr(error, 'strerror', None) or error}"[:200]
        raise InputError("file", "a readable UTF-8 text file", found, source=str(path)) from None
    if len(data) > most:
        raise LimitError(
            "file_bytes", "file", f"a file of at most {most} bytes", "a larger file"
        ).located(str(path))
    return parse_toml(text, source=str(path))


def parse_toml(text: str, *, source: str | None = None) -> dict[str, Any]:
    """Parse TOML text, floats as exact ``Decimal`` s; errors become :class:`InputError`."""
    if len(text) > limit("file_bytes"):
        raise LimitError(
            "file_bytes", "TOML", f"at most {limit('file_bytes')} characters", f"{len(text):,}"
        ).located(source or "text")
    try:
        return tomllib.loads(text, parse_float=_toml_float)
    except tomllib.TOMLDecodeError as error:
        raise toml_error(str(error), text, source) from None
    except (RecursionError, ValueError) as error:  # pathological nesting or numbers
        found = str(error) if isinstance(error, ValueError) else type(error).__name__
        raise InputError("TOML", "valid TOML", found, source=source) from None


def _toml_float(text: str) -> Decimal:
    """A TOML float as an exact Decimal (an exponent Decimal cannot hold is a ValueError)."""
    try:
        return Decimal(text)
    except ArithmeticError:  # decimal.InvalidOperation: 1e99999999999999999999
        raise ValueError(
            f"the number {text[:40]} (beyond the limit number_exponent={limit('number_exponent')})"
        ) from None


# -- writing -----------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """A TOML literal for a problem-file value (exact numbers stay exact)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, sympy.Rational):
        decimal = terminating_decimal(value)
        return format(decimal, "f") if decimal is not None else toml_string(f"{value.p}/{value.q}")
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "")
    return key if bare.isascii() and bare.isalnum() else toml_string(key)


#: TOML's short escapes; every other character that is not printable becomes \uXXXX.
_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string that every TOML reader reads back as ``text``.

    Quotes, backslashes and every character that is not printable (control characters,
    DEL, bidirectional overrides, other separators than the space) are escaped: TOML
    forbids most of them raw, and escaped they cannot act on a terminal either.
    """
    out = []
    for char in text:
        code = ord(char)
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif char.isprintable() or char == " ":
            out.append(char)
        elif 0xD800 <= code <= 0xDFFF:
            raise InputError("output", "text that TOML can hold", f"a lone surrogate U+{code:04X}")
        else:
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
    return '"' + "".join(out) + '"'


def toml_text(data: Mapping[str, Any]) -> str:
    """TOML text of a problem-file structure: plain keys first, then tables, then ``[[...]]``."""
    lines = []
    tables = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            tables.extend((key, v) for v in value)
            continue
        else:
            lines.append(f"{_key(key)} = {toml_value(value)}")
    repeated = {
        k
        for k, v in data.items()
        if isinstance(v, list) and v and all(isinstance(x, Mapping) for x in v)
    }
    for key, table in tables:
        lines.append("")
        lines.append(f"[[{_key(key)}]]" if key in repeated else f"[{_key(key)}]")
        lines.extend(f"{_key(k)} = {toml_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"
