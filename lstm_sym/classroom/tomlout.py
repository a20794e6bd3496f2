"""A problem's dictionary written back as a TOML problem file, every number exact.

Numbers are written as they are: a decimal as a TOML number with all its digits (``0.5``,
never ``0.5000000001``), a fraction that no decimal holds as a string (``"1/3"``). Text is
a TOML basic string with every control character escaped, so no value can start a line of
its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sympy

from ..errors import escape_controls

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def number(value: sympy.Rational) -> str:
    """An exact rational as TOML: a decimal when one holds it, else a ``"p/q"`` string."""
    q = int(value.q)
    twos = fives = 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    if q != 1:
        return string(f"{value.p}/{value.q}")
    places = max(twos, fives)
    scaled = int(value.p) * 10**places // int(value.q)
    return str(Decimal(scaled).scaleb(-places))


def string(text: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c.isprintable() or c == " ":
            out.append(c)
        else:
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
    out.append('"')
    return "".join(out)


def key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else string(name)


def value(item: Any) -> str:
    """One TOML value (numbers, text, booleans, arrays, inline tables)."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, sympy.Rational):
        return number(item)
    if isinstance(item, int):
        return str(item)
    if isinstance(item, Decimal):
        return str(item)
    if isinstance(item, str):
        return string(item)
    if isinstance(item, list):
        return "[" + ", ".join(value(v) for v in item) + "]"
    if isinstance(item, Mapping):
        return "{" + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + "}"
    raise TypeError(f"no TOML for {type(item).__name__}")


def dumps(data: Mapping[str, Any], header: str = "") -> str:
    """A problem file: top-level values, then ``[tables]`` and ``[[arrays of tables]]``."""
    lines = [f"# {escape_controls(line)}" for line in header.splitlines()]
    tables = []
    for name, item in data.items():
        if isinstance(item, Mapping) and name != "activations":
            tables.append((name, item, False))
        elif isinstance(item, list) and item and all(isinstance(t, Mapping) for t in item):
            tables.extend((name, t, True) for t in item)
        else:
            lines.append(f"{key(name)} = {value(item)}")
    for name, table, repeated in tables:
        lines.append("")
        lines.append(f"[[{key(name)}]]" if repeated else f"[{key(name)}]")
        lines.extend(f"{key(k)} = {value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"
