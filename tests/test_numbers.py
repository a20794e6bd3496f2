"""Exact number parsing and correctly rounded decimal output."""

from __future__ import annotations

from decimal import Decimal

import mpmath
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from lstm_sym.errors import InputError
from lstm_sym.numbers import (
    exact_decimal,
    format_decimal,
    parse_number,
    round_decimals,
    round_significant,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (Decimal("0.2"), sympy.Rational(1, 5)),
        ("0.2", sympy.Rational(1, 5)),
        (3, sympy.Integer(3)),
        ("-3/4", sympy.Rational(-3, 4)),
        ("1/3", sympy.Rational(1, 3)),
        (" 6 / 8 ", sympy.Rational(3, 4)),
        ("1e-4", sympy.Rational(1, 10_000)),
        (Decimal("-2.5E+2"), sympy.Integer(-250)),
        (".5", sympy.Rational(1, 2)),
    ],
)
def test_exact_parsing(raw: object, expected: sympy.Rational) -> None:
    """Integers, decimals and fraction strings become the exact rational they denote."""
    assert parse_number(raw, "x") == expected


def test_decimal_is_not_the_nearest_double() -> None:
    """0.2 is exactly 1/5, not the binary float 0.2000000000000000111."""
    assert parse_number(Decimal("0.2"), "b") != sympy.Rational(0.2)


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "1/0",
        "__import__('os').system('true')",
        "1+1",
        True,
        Decimal("NaN"),
        Decimal("Infinity"),
        "inf",
        0.5,
        None,
        "1e999999",
        Decimal("1e999999"),
        [1],
    ],
)
def test_bad_numbers_are_refused(raw: object) -> None:
    """Anything that is not a finite, moderate exact number is an InputError naming the field."""
    with pytest.raises(InputError, match=r"^W_f\[1,2\]: expected"):
        parse_number(raw, "W_f[1,2]")


@given(st.fractions(max_denominator=10**6))
def test_fraction_strings_round_trip(value: object) -> None:
    """Any fraction written as "p/q" parses back to itself."""
    text = f"{value.numerator}/{value.denominator}"  # type: ignore[attr-defined]
    assert parse_number(text, "x") == sympy.Rational(text)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=20, min_value=-1e6, max_value=1e6))
def test_decimals_are_exact(value: Decimal) -> None:
    """Every finite decimal literal parses to exactly its value."""
    rational = parse_number(value, "x")
    assert Decimal(rational.p) / Decimal(rational.q) == value or rational == sympy.Rational(
        str(value)
    )


def test_exact_decimal_is_exact() -> None:
    """Binary mpmath values convert to Decimal without rounding."""
    assert exact_decimal(mpmath.mpf(0.1)) == Decimal.from_float(0.1)
    assert exact_decimal(mpmath.mpf(-3) * 2**80) == Decimal(-3 * 2**80)
    assert exact_decimal(mpmath.mpf(0)) == 0


def test_rounding_keeps_the_requested_digits() -> None:
    """Significant-digit rounding pads with zeros and rounds half to even."""
    assert str(round_significant(Decimal("1.5"), 5)) == "1.5000"
    assert str(round_significant(Decimal("9.9996"), 4)) == "10.00"
    assert round_significant(Decimal("0.125"), 2) == Decimal("0.12")
    assert round_significant(Decimal("0.52986"), 4, truncate=True) == Decimal("0.5298")
    assert round_decimals(Decimal("0.529860"), 4) == Decimal("0.5299")
    assert round_decimals(Decimal("-0.529860"), 4, truncate=True) == Decimal("-0.5298")


def test_format() -> None:
    """Moderate exponents print positionally, extreme ones in scientific notation."""
    assert format_decimal(Decimal("0.00012")) == "0.00012"
    assert format_decimal(Decimal("1.5000E-30")) == "1.5000e-30"
    assert format_decimal(Decimal(0)) == "0"
