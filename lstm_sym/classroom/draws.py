"""Draws: a number of a template chosen per student, reproducibly.

A draw stands where a problem file has a number: ``{ choose = ["-1", "0.5", "2"] }``
picks one of the values, ``{ range = ["-1", "1"], step = "0.1" }`` one of -1, -0.9, …, 1
(``exclude = ["0"]`` leaves values out). Which value a student gets is decided by SHA-256
of the class's seed, the student's id, the attempt number and the draw's place in the
file: the same inputs give the same variant on any machine and any Python version, and a
draw added elsewhere in the template changes no other draw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from ..errors import InputError, describe
from ..numbers import parse_number

#: The keys of a draw table.
CHOOSE, RANGE, STEP, EXCLUDE = "choose", "range", "step", "exclude"
DRAW_KEYS = (CHOOSE, RANGE, STEP, EXCLUDE)
#: Most values one draw may choose from.
MAX_VALUES = 100_000

#: A drawn value: a number, or (a choice of a whole array) nested lists of numbers.
Value = Any


def is_draw(node: object) -> bool:
    """Whether ``node`` is a draw table (it has a ``choose`` or a ``range`` key)."""
    return isinstance(node, Mapping) and (CHOOSE in node or RANGE in node)


@dataclass(frozen=True)
class Draw:
    """One draw of a template: where it is, and the values it picks from (exact)."""

    #: where it stands in the template (``parameters.W_f``, ``sequence.x[2][1]``)
    field: str
    values: tuple[Value, ...]

    def pick(self, seed: str, student: str, attempt: int, where: str | None = None) -> Value:
        """The value for ``student`` at ``attempt`` (``where``: the entry of a whole-value draw)."""
        key = "\0".join((seed, student, str(attempt), where or self.field))
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        return self.values[int.from_bytes(digest, "big") % len(self.values)]

    @property
    def scalar(self) -> bool:
        """Whether every value is a single number (a whole-value draw then fills an array)."""
        return all(isinstance(v, sympy.Rational) for v in self.values)


def read_draw(node: Mapping[str, Any], field: str) -> Draw:
    """A draw table read and checked: every value exact, at least one value to pick."""
    unknown = [key for key in node if key not in DRAW_KEYS]
    if unknown:
        raise InputError(
            f"{field}.{unknown[0]}", f"one of {', '.join(DRAW_KEYS)} in a draw", repr(unknown[0])
        )
    if CHOOSE in node:
        if RANGE in node or STEP in node:
            raise InputError(field, "a draw with either choose or range", "both")
        values = _choices(node[CHOOSE], f"{field}.{CHOOSE}")
    else:
        values = _range(node, field)
    excluded = {_number(v, f"{field}.{EXCLUDE}") for v in _list(node.get(EXCLUDE, []), field)}
    kept = tuple(v for v in values if not (isinstance(v, sympy.Rational) and v in excluded))
    if not kept:
        raise InputError(field, "a draw with at least one value left to pick", "none")
    return Draw(field, kept)


def _list(raw: object, field: str) -> list[Any]:
    if not isinstance(raw, list):
        raise InputError(field, "a list", describe(raw))
    return raw


def _number(raw: object, field: str) -> sympy.Rational:
    return parse_number(raw, field)


def _choices(raw: object, field: str) -> tuple[Value, ...]:
    items = _list(raw, field)
    if not items:
        raise InputError(field, "a list of at least one value", "an empty list")
    if len(items) > MAX_VALUES:
        raise InputError(field, f"at most {MAX_VALUES:,} values", f"{len(items):,}")
    return tuple(_exact(item, f"{field}[{k + 1}]") for k, item in enumerate(items))


def _exact(item: object, field: str) -> Value:
    """A choice as exact numbers (nested lists stay lists)."""
    if isinstance(item, list):
        return [_exact(sub, f"{field}[{k + 1}]") for k, sub in enumerate(item)]
    return _number(item, field)


def _range(node: Mapping[str, Any], field: str) -> tuple[Value, ...]:
    bounds = _list(node[RANGE], f"{field}.{RANGE}")
    if len(bounds) != 2:
        raise InputError(f"{field}.{RANGE}", "two numbers [low, high]", describe(bounds))
    low, high = (_number(b, f"{field}.{RANGE}") for b in bounds)
    if STEP not in node:
        raise InputError(f"{field}.{STEP}", "the step between values of the range", "nothing")
    step = _number(node[STEP], f"{field}.{STEP}")
    if step <= 0:
        raise InputError(f"{field}.{STEP}", "a positive step", describe(node[STEP]))
    if high < low:
        raise InputError(f"{field}.{RANGE}", "[low, high] with low <= high", describe(bounds))
    count = int(sympy.floor((high - low) / step)) + 1
    if count > MAX_VALUES:
        raise InputError(field, f"a range of at most {MAX_VALUES:,} values", f"{count:,}")
    return tuple(low + k * step for k in range(count))


def shape_values(draw: Draw, shape: Sequence[int], seed: str, student: str, attempt: int) -> Value:
    """A whole array of ``shape`` drawn entry by entry (one number when the shape is empty)."""
    if not shape:
        return draw.pick(seed, student, attempt)

    def fill(prefix: tuple[int, ...]) -> Value:
        if len(prefix) == len(shape):
            where = draw.field + "".join(f"[{i}]" for i in prefix)
            return draw.pick(seed, student, attempt, where)
        return [fill((*prefix, i)) for i in range(1, shape[len(prefix)] + 1)]

    return fill(())
