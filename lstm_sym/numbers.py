"""Exact numbers from user text, and correctly rounded decimals from mpmath values.

User numbers are data, never code: a small regular grammar reads integers, decimals
(``0.2`` is exactly 1/5) and fractions written as strings (``"1/3"``). Nothing here calls
``eval``, ``sympify`` or ``parse_expr``.
"""

from __future__ import annotations

import re
from decimal import MAX_EMAX, MIN_EMIN, ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from functools import lru_cache

import gmpy2
import mpmath
import sympy

from .errors import InputError, TooLargeError

#: Largest decimal exponent accepted in an input number (``1e999999`` is refused).
MAX_EXPONENT = 1000
#: Longest digit string accepted in an input number.
MAX_DIGITS = 10_000

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_FRACTION = re.compile(r"(?P<num>[+-]?\d+)\s*/\s*(?P<den>\d+)")


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _from_decimal(value: Decimal, field: str) -> sympy.Rational:
    if not value.is_finite():
        raise InputError(field, "a finite number", str(value))
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if len(digits) > MAX_DIGITS:
        raise InputError(field, f"a number of at most {MAX_DIGITS} digits", f"{len(digits)} digits")
    if value and abs(value.adjusted()) > MAX_EXPONENT:
        raise InputError(
            field, f"a number between 1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT} in size", str(value)
        )
    frac = Fraction(value)
    return sympy.Rational(frac.numerator, frac.denominator)


def parse_number(value: object, field: str) -> sympy.Rational:
    """Read one exact number: an int, a ``Decimal``, or a string such as ``"0.2"`` or ``"-3/4"``.

    >>> parse_number(Decimal("0.2"), "b_f")
    1/5
    >>> parse_number("-3/4", "U_c")
    -3/4
    """
    if isinstance(value, bool):
        raise InputError(field, "a number", _describe(value))
    if isinstance(value, int):
        if abs(value) > 10**MAX_EXPONENT:
            raise InputError(
                field, f"a number at most 1e{MAX_EXPONENT} in size", "a larger integer"
            )
        return sympy.Rational(value)
    if isinstance(value, Decimal):
        return _from_decimal(value, field)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, sympy.Rational):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_DIGITS + 20:
            raise InputError(field, "a number", f"a string of {len(text)} characters")
        if _DECIMAL.fullmatch(text):
            return _from_decimal(Decimal(text), field)
        match = _FRACTION.fullmatch(text)
        if match:
            den = int(match["den"])
            if den == 0:
                raise InputError(field, "a fraction with a nonzero denominator", _describe(value))
            num = int(match["num"])
            if max(abs(num), den) > 10**MAX_EXPONENT:
                raise InputError(field, "a fraction of moderate size", "huge integers")
            return sympy.Rational(num, den)
        raise InputError(field, 'a number (such as 0.2, -3, 1e-4 or "1/3")', _describe(value))
    if isinstance(value, float):
        raise InputError(field, "an exact number (a decimal literal or a string)", "a binary float")
    raise InputError(field, "a number", _describe(value))


def to_mpf(value: sympy.Rational) -> mpmath.mpf:
    """The rational rounded to the current mpmath working precision."""
    if value.q == 1:
        return mpmath.mpf(int(value.p))
    return mpmath.mpf(int(value.p)) / int(value.q)


#: Binary exponents up to this size are converted exactly (the digits stay cheap).
EXACT_EXPONENT = 200_000


def exact_decimal(value: mpmath.mpf) -> Decimal:
    """The binary value of ``value`` as an exact Decimal (no rounding at all)."""
    sign, man, exp, _bc = value._mpf_
    if not man:
        if value != 0:
            raise ValueError(f"not a finite number: {value}")
        return Decimal(0)
    # man * 2**exp == (man * 5**-exp) * 10**exp: an exact decimal; gmpy2 makes the digits fast.
    if exp < 0:
        digits = gmpy2.mpz(man) * gmpy2.mpz(5) ** (-exp)
        text = f"{digits.digits(10)}E{exp}"
    else:
        text = (gmpy2.mpz(man) << exp).digits(10)
    return Decimal(("-" if sign else "") + text)


def to_decimal(value: mpmath.mpf, digits: int = 0) -> Decimal:
    """``value`` as a Decimal: exact for moderate exponents, else to 20 digits beyond need.

    A value such as ``2**-7213475204`` (a gradient through a gate with ``W_f = 1e10``) has
    billions of exact decimal digits; its first ``max(bits·log10(2), digits) + 20`` are as
    good for rounding to ``digits`` digits, since such a value is never a decimal tie.
    """
    sign, man, exp, bc = value._mpf_
    if not man or abs(exp) <= EXACT_EXPONENT:
        return exact_decimal(value)
    if abs(exp + bc) > 3 * MAX_EMAX:  # 2^(3·10^18) > 10^(MAX_EMAX): no Decimal can hold it
        raise TooLargeError(
            f"a value of magnitude 2^({'-' if exp < 0 else ''}{_size(exp + bc)}) is beyond "
            "the range of decimal exponents (±10^18)"
        )
    keep = max(int(bc * 0.30103), digits) + 20  # significant decimal digits to produce
    bits = bc + 4 * keep.bit_length() + 80 + abs(exp).bit_length()
    with mpmath.workprec(bits):
        magnitude = int(mpmath.floor(mpmath.log10(abs(value))))
        scale = magnitude - keep + 1
        scaled = int(mpmath.nint(abs(value) / mpmath.power(10, scale)))
    return Decimal((sign, tuple(int(d) for d in str(scaled)), scale))


# Decimal contexts here allow any exponent mpmath can produce (``1e-2171472410`` and beyond).


@lru_cache(maxsize=64)
def _context(digits: int, rounding: str) -> Context:
    """A decimal context for ``digits`` digits (cached: building one costs more than rounding)."""
    return Context(prec=digits, rounding=rounding, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _size(exponent: int) -> str:
    """``|exponent|`` in a few characters (``1.4e+1000`` for a 1,001-digit integer)."""
    magnitude = abs(exponent)
    digits = len(str(magnitude)) if magnitude.bit_length() < 10_000 else 0
    if 0 < digits <= 6:
        return str(magnitude)
    scale = magnitude.bit_length() * 0.30103
    return f"10^{scale:.4g}"


def round_significant(value: Decimal, digits: int, *, truncate: bool = False) -> Decimal:
    """``value`` correctly rounded (half to even) or truncated to exactly ``digits`` significant digits."""
    if not value:
        return Decimal(0)
    context = _context(digits, ROUND_DOWN if truncate else ROUND_HALF_EVEN)
    rounded = context.plus(value)
    quantum = Decimal(1).scaleb(rounded.adjusted() - digits + 1, context=context)
    return rounded.quantize(quantum, context=context)


def round_decimals(value: Decimal, decimals: int, *, truncate: bool = False) -> Decimal:
    """``value`` correctly rounded (half to even) or truncated to ``decimals`` decimal places."""
    quantum = Decimal(1).scaleb(-decimals)
    rounding = ROUND_DOWN if truncate else ROUND_HALF_EVEN
    precision = max(value.adjusted(), 0) + decimals + 10
    return value.quantize(
        quantum, rounding=rounding, context=Context(prec=precision, Emax=MAX_EMAX, Emin=MIN_EMIN)
    )


def format_decimal(value: Decimal) -> str:
    """Plain positional notation for moderate exponents, scientific otherwise; keeps trailing zeros."""
    if not value:
        return "0"
    exponent = value.adjusted()
    if -7 <= exponent < 21:
        text = format(value, "f")
        return text
    return format(value, "E").replace("E+", "e").replace("E", "e")
