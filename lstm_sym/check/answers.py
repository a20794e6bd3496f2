"""Answers files: a student's values as written, every digit kept.

An answers file is TOML: ``name = value`` per answer, where a value is a decimal
literal (``0.5298`` claims four decimal places, ``0.50`` two), a string holding one
(``"0.5298"``) or a list of them for a vector or matrix
(``dL_dW_f = [-0.01697, 0.03394]``). Numbers are read by a small grammar (never
``eval``); fractions are refused, since they claim no digits. An answer may have up to
``answer_digits`` (10,000) significant digits, within the ``number_exponent`` range of
problem files (1e-1000 to 1e1000); beyond either it is refused with a one-line error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InputError, describe
from ..limits import LimitError, check, limit
from ..names import Name
from ..problem import parse_toml, read_toml

#: An answer's value: one number, or nested lists of numbers (a vector or a matrix).
Value = Decimal | list["Value"]

_DECIMAL = re.compile(
    r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE](?P<exp>[+-]?\d+))?",
    re.ASCII,  # ASCII digits only: "١٢" is not a number
)

#: Most answers one file may hold (components counted).
MAX_ANSWERS = 10_000


@dataclass(frozen=True)
class Answer:
    """One answer as written: the key, and its value(s) with the digits as written."""

    key: str
    value: Value


def written_decimal(value: object, field: str) -> Decimal:
    """One number of an answers file as a ``Decimal`` with exactly the digits written.

    >>> written_decimal(Decimal("0.50"), "h_1")
    Decimal('0.50')
    >>> written_decimal(" -0.18988 ", "h_2")
    Decimal('-0.18988')
    >>> written_decimal(3, "U_f")
    Decimal('3')
    >>> written_decimal(0.5298, "L")  # a Python float: the digits of its shortest repr
    Decimal('0.5298')
    """
    expected = "a decimal number (such as 0.5298 or -3) with the digits as written"
    if isinstance(value, float) and math.isfinite(value):
        value = repr(value)  # a Python float's shortest repr: the digits as typed
    if isinstance(value, bool) or not isinstance(value, str | Decimal | int):
        raise InputError(field, expected, describe(value))
    if isinstance(value, str):
        number = _from_text(value, field, expected)
    elif isinstance(value, int):
        if value.bit_length() > 3.33 * limit("answer_digits") + 4:  # too many for str()
            _too_many_digits(field, f"an integer of {value.bit_length():,} bits")
        number = Decimal(value)
    elif not value.is_finite():
        raise InputError(field, "a finite number", str(value))
    else:
        number = value
    digits = len("".join(map(str, number.as_tuple().digits)).lstrip("0"))
    if digits > limit("answer_digits"):
        _too_many_digits(field, f"{digits:,} digits")
    bound = limit("number_exponent")
    if abs(number.adjusted()) > bound:  # 0E-5000 too: it claims 5,000 places
        raise LimitError(
            "number_exponent",
            field,
            f"a number between 1e-{bound} and 1e{bound} in size",
            describe(value),
        )
    return number


def _from_text(value: str, field: str, expected: str) -> Decimal:
    text = value.strip()
    if len(text) > limit("answer_digits") + limit("number_exponent") + 40:
        _too_many_digits(field, f"a string of {len(text):,} characters")
    match = _DECIMAL.fullmatch(text)
    if not match:
        raise InputError(field, expected, describe(value))
    if match["exp"] and len(match["exp"].lstrip("+-").lstrip("0")) > 18:
        bound = limit("number_exponent")
        raise LimitError(
            "number_exponent",
            field,
            f"a number between 1e-{bound} and 1e{bound} in size",
            describe(value),
        )
    return Decimal(text)


def _too_many_digits(field: str, found: str) -> None:
    check(
        "answer_digits",
        limit("answer_digits") + 1,
        field,
        "a number of at most {limit} significant digits",
        found=found,
    )


def _value(value: Any, field: str, depth: int = 0) -> Value:
    if isinstance(value, list):
        if depth >= 2:
            raise InputError(field, "a number, a vector or a matrix", "lists nested too deeply")
        if not value:
            raise InputError(field, "a number or a non-empty list of numbers", "[]")
        return [_value(item, f"{field}[{k}]", depth + 1) for k, item in enumerate(value, start=1)]
    if isinstance(value, dict):
        raise InputError(field, "a number or a list of numbers", "a table")
    return written_decimal(value, field)


def _count(value: Value) -> int:
    return sum(_count(item) for item in value) if isinstance(value, list) else 1


def answers_from_dict(data: Mapping[str, Any], *, source: str | None = None) -> list[Answer]:
    """The answers of a parsed answers file, in file order."""
    answers: list[Answer] = []
    try:
        for key, value in data.items():
            answers.append(Answer(key, _value(value, key)))
        if not answers:
            raise InputError("answers", "at least one answer (name = value)", "none")
        total = sum(_count(a.value) for a in answers)
        if total > MAX_ANSWERS:
            raise InputError("answers", f"at most {MAX_ANSWERS:,} numbers", f"{total:,}")
    except InputError as error:
        raise error.located(source) if source and not error.source else error from None
    return answers


def read_answers(path: str | Path) -> list[Answer]:
    """Read an answers file (TOML)."""
    return answers_from_dict(read_toml(path), source=str(path))


def loads_answers(text: str, *, source: str | None = None) -> list[Answer]:
    """Read answers given as TOML text."""
    return answers_from_dict(parse_toml(text, source=source), source=source)


def split_answer(
    answer: Answer, name: Name, components: list[Name], taken: Container[Name]
) -> list[tuple[str, Name, Decimal]]:
    """``answer`` for ``name`` as (key, component, number), one per scalar it stands for.

    A matrix's answer is a nested list of its entries (keyed ``dL_dW_f[1,2]``); a scalar's
    is one number. A component answered twice (in ``taken``) is an error.
    """
    numbers = _flatten(answer.value)
    if len(numbers) != len(components) or (
        isinstance(answer.value, list) and len(components) == 1 and name == components[0]
    ):
        shape = "one number" if len(components) == 1 else f"{len(components)} numbers"
        given = f"a list of {len(numbers)}" if isinstance(answer.value, list) else "one number"
        raise InputError(answer.key, f"{shape} for {name}", given)
    split = []
    for component, number in zip(components, numbers, strict=True):
        if component in taken:
            raise InputError(answer.key, f"one answer for {component}", "a second one")
        suffix = "[" + ",".join(map(str, component.index)) + "]"
        split.append(
            (answer.key if len(components) == 1 else answer.key + suffix, component, number)
        )
    return split


def _flatten(value: Value) -> list[Decimal]:
    return [v for item in value for v in _flatten(item)] if isinstance(value, list) else [value]
