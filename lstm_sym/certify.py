"""Certified decimal digits: evaluate at rising precision until the rounded digits agree.

A value is printed only when two evaluations whose working precisions differ by many
guard digits round to the same decimal string; otherwise the precision is raised. This is
what makes a 30-digit answer correct in its last digit (a naive 30-digit mpmath run gets
the homework's f_1 wrong in the 30th digit).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import TypeVar

import mpmath

from .numbers import exact_decimal, round_decimals, round_significant

K = TypeVar("K", bound=Hashable)

#: How many times the working precision is raised before the last resort.
MAX_ROUNDS = 6


def guard_digits(digits: int) -> int:
    """Guard digits for a first evaluation at ``digits`` digits."""
    return 10 + digits // 20


def _rounded(value: mpmath.mpf, digits: int, decimals: bool) -> Decimal:
    exact = exact_decimal(value)
    return round_decimals(exact, digits) if decimals else round_significant(exact, digits)


def certify(
    evaluate: Callable[[int], Mapping[K, mpmath.mpf]],
    digits: int,
    *,
    decimals: bool = False,
) -> dict[K, Decimal]:
    """Correctly rounded values of everything ``evaluate(dps)`` returns.

    ``digits`` counts significant digits, or decimal places when ``decimals`` is true.
    ``evaluate`` is called with a working precision (decimal digits) and must return the
    same keys every time.
    """
    guard = guard_digits(digits)
    dps = digits + guard
    previous = evaluate(dps)
    if decimals:  # decimal places need more significant digits for large values
        largest = max((abs(v) for v in previous.values()), default=mpmath.mpf(0))
        if largest >= 1:
            dps += int(mpmath.log10(largest)) + 1
            previous = evaluate(dps)
    pending = set(previous)
    result: dict[K, Decimal] = {}
    for _ in range(MAX_ROUNDS):
        dps += guard
        guard *= 2
        current = evaluate(dps)
        for key in list(pending):
            old, new = previous[key], current[key]
            rounded = _rounded(new, digits, decimals)
            if old == new or _rounded(old, digits, decimals) == rounded:
                result[key] = rounded
                pending.discard(key)
        previous = current
        if not pending:
            return {key: result[key] for key in previous}
    # Last resort: the value agrees with a rounding tie (or with zero) to ~dps digits, which
    # for the values of these programs means it is that rational number exactly.
    for key in pending:
        result[key] = _snap(previous[key], digits, decimals, dps - 5)
    return {key: result[key] for key in previous}


def _snap(value: mpmath.mpf, digits: int, decimals: bool, reliable: int) -> Decimal:
    exact = exact_decimal(value)
    if abs(exact) < Decimal(10) ** (-reliable):
        return Decimal(0)
    cleaned = Context(prec=reliable, rounding=ROUND_HALF_EVEN).plus(exact)
    return round_decimals(cleaned, digits) if decimals else round_significant(cleaned, digits)
