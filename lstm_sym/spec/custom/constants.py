"""Numbers in custom-cell equations: constants are folded exactly (``2 ** -3`` is 1/8),
each within the limits a number in a problem file has, and a power must stay rational
(``4 ** 0.5`` is refused: it is not a number the exact arithmetic can hold)."""

from __future__ import annotations

import math

import sympy

from ...errors import describe
from ...limits import check
from .syntax import ParsedEquation


def power(base: sympy.Expr, exponent: sympy.Expr, equation: ParsedEquation) -> sympy.Expr:
    """``base ** exponent`` for a number exponent; a number base is bounded first."""
    if not exponent.is_Rational:
        raise equation.error("a number as exponent (such as z ** 2)", f"the exponent {exponent}")
    if not base.is_Rational:
        return base**exponent
    shown = f"{_number(base)} ** {_number(exponent)}"
    if base == 0 and exponent < 0:
        raise equation.error("no division by zero", f"a division by 0 in {shown}")
    if base not in (0, 1, -1):
        # |log10| of the result and its digits, from sizes alone (10 ** 10 ** 10 is not computed)
        size = abs(math.log10(abs(base.p)) - math.log10(base.q)) * abs(exponent)
        check(
            "number_exponent",
            math.floor(size),
            equation.field,
            "constants between 1e-{limit} and 1e{limit} in size",
            found=f"{shown} (about {_magnitude(size, (abs(base) < 1) == (exponent > 0))})",
        )
    value = base**exponent
    if not value.is_Rational:
        raise equation.error(
            "a number to a power that is a rational number (such as 4 ** 0.5)", shown
        )
    return bounded(value, equation.field)


def bounded(value: sympy.Expr, field: str) -> sympy.Expr:
    """``value``, refused when it is a number beyond the limits input numbers have."""
    if value.is_Rational and value != 0:
        digits = max(abs(value.p).bit_length(), value.q.bit_length()) * math.log10(2)
        check(
            "number_digits",
            math.floor(digits),
            field,
            "constants of at most {limit} digits (numerator and denominator)",
            found=f"a constant of about {digits:.0f} digits",
        )
        size = abs(math.log10(abs(value.p)) - math.log10(value.q))
        check(
            "number_exponent",
            math.floor(size),
            field,
            "constants between 1e-{limit} and 1e{limit} in size",
            found=f"a constant of about {_magnitude(size, abs(value) < 1)}",
        )
    return value


def _magnitude(size: float | sympy.Expr, small: bool) -> str:
    """``1e-1998`` for a size of 1998 decimal digits (``small``: below 1)."""
    return f"1e{'-' if small else ''}{describe(int(size + 0.5))}"


def _number(value: sympy.Rational) -> str:
    """A number as an error message shows it (huge ones abridged)."""
    text = (
        describe(int(value.p))
        if value.q == 1
        else f"{describe(int(value.p))}/{describe(int(value.q))}"
    )
    return f"({text})" if value < 0 or value.q != 1 else text
