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

from .errors import InputError, TooLargeError, describe
from .limits import LimitError, check, limit

_DECIMAL = re.compile(
    r"(?P<sign>[+-]?)(?:(?P<int>\d+)(?:\.(?P<frac>\d*))?|\.(?P<frac2>\d+))(?:[eE](?P<exp>[+-]?\d+))?",
    re.ASCII,  # ASCII digits only: "١٢" is not a number
)
_FRACTION = re.compile(r"(?P<num>[+-]?\d+)\s*/\s*(?P<den>\d+)", re.ASCII)


def _integer(digits: str) -> int:
    """A digit string as an int (gmpy2: no cap on the length of the string)."""
    return int(gmpy2.mpz(digits, 10)) if digits else 0


def _digits(value: int) -> str:
    """The decimal digits of ``abs(value)`` (gmpy2: no cap on the number of digits)."""
    return str(gmpy2.mpz(abs(value)).digits(10))


def _check_size(field: str, digits: str, exponent: int, found: object) -> None:
    """Refuse a number ``0.DIGITS × 10**exponent``-like mantissa of too many digits or too large an exponent."""
    significant = digits.lstrip("0")
    check(
        "number_digits",
        len(significant),
        field,
        "a number of at most {limit} significant digits",
        found=f"{len(significant)} digits",
    )
    if significant:
        adjusted = exponent + len(digits) - 1
        bound = limit("number_exponent")
        if abs(adjusted) > bound:
            raise LimitError(
                "number_exponent",
                field,
                f"a number between 1e-{bound} and 1e{bound} in size",
                describe(found),
            )


def _decimal_value(
    sign: str, whole: str, frac: str, exponent: str, field: str, found: object
) -> sympy.Rational:
    """The exact value of a decimal literal's parts, refused before any big arithmetic."""
    digits = (whole + frac).lstrip("0") or "0"
    if len(exponent.lstrip("+-").lstrip("0")) > 18:
        raise LimitError(
            "number_exponent",
            field,
            f"a number between 1e-{limit('number_exponent')} and "
            f"1e{limit('number_exponent')} in size",
            describe(found),
        )
    power = (int(exponent) if exponent else 0) - len(frac)
    _check_size(field, digits, power, found)
    mantissa = _integer(digits) * (-1 if sign == "-" else 1)
    if power >= 0:
        return sympy.Rational(mantissa * 10**power)
    return sympy.Rational(mantissa, 10**-power)


def _from_decimal(value: Decimal, field: str) -> sympy.Rational:
    if not value.is_finite():
        raise InputError(field, "a finite number", str(value))
    sign, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    _check_size(field, digits, exponent, value)
    if not digits:
        return sympy.Rational(0)
    mantissa = _integer(digits) * (-1 if sign else 1)
    if exponent >= 0:
        return sympy.Rational(mantissa * 10**exponent)
    return sympy.Rational(mantissa, 10**-exponent)


def parse_number(value: object, field: str) -> sympy.Rational:
    """Read one exact number: an int, a ``Decimal``, or a string such as ``"0.2"`` or ``"-3/4"``.

    >>> parse_number(Decimal("0.2"), "b_f")
    1/5
    >>> parse_number("-3/4", "U_c")
    -3/4
    """
    if isinstance(value, bool):
        raise InputError(field, "a number", describe(value))
    if isinstance(value, int):
        _check_size(field, _digits(value), 0, value)
        return sympy.Rational(value)
    if isinstance(value, Decimal):
        return _from_decimal(value, field)
    if isinstance(value, Fraction):
        _check_size(field, _digits(value.numerator), 0, value)
        _check_size(field, _digits(value.denominator), 0, value)
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, sympy.Rational):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 2 * limit("number_digits") + 40:
            raise LimitError(
                "number_digits",
                field,
                f"a number of at most {limit('number_digits')} significant digits",
                f"a string of {len(text)} characters",
            )
        match = _DECIMAL.fullmatch(text)
        if match:
            return _decimal_value(
                match["sign"],
                match["int"] or "",
                match["frac"] or match["frac2"] or "",
                match["exp"] or "",
                field,
                value,
            )
        match = _FRACTION.fullmatch(text)
        if match:
            num, den = match["num"].lstrip("+-"), match["den"]
            for part in (num, den):
                _check_size(field, part, 0, value)
            if not den.strip("0"):
                raise InputError(field, "a fraction with a nonzero denominator", describe(value))
            sign = -1 if match["num"].startswith("-") else 1
            return sympy.Rational(sign * _integer(num), _integer(den))
        raise InputError(field, 'a number (such as 0.2, -3, 1e-4 or "1/3")', describe(value))
    if isinstance(value, float):
        raise InputError(field, "an exact number (a decimal literal or a string)", "a binary float")
    raise InputError(field, "a number", describe(value))


def to_mpf(value: sympy.Rational) -> mpmath.mpf:
    """The rational rounded to the current mpmath working precision."""
    if value.q == 1:
        return mpmath.mpf(int(value.p))
    return mpmath.mpf(int(value.p)) / int(value.q)


def terminating_decimal(value: sympy.Rational) -> Decimal | None:
    """``value`` as an exact Decimal without trailing zeros, or None when it has none (1/3).

    >>> terminating_decimal(sympy.Rational(1, 8)), terminating_decimal(sympy.Integer(300))
    (Decimal('0.125'), Decimal('3E+2'))
    >>> terminating_decimal(sympy.Rational(1, 3)) is None
    True
    """
    p, q = int(value.p), int(value.q)
    twos = (q & -q).bit_length() - 1  # q = 2^twos · 5^fives when the expansion terminates
    rest, fives = q >> twos, 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return None
    places = max(twos, fives)
    digits = abs(p) * 10**places // q
    while digits and digits % 10 == 0:
        digits //= 10
        places -= 1
    return Decimal(f"{'-' if p < 0 else ''}{_digits(digits)}E{-places}")


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
    precision = max(value.adjusted() + decimals, 0) + 10  # the result's digits, and a carry
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
