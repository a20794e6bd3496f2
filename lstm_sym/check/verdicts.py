"""Verdicts on single answers: certified exact values, and what "matches" means.

An answer claims the decimal places it is written with (``0.5298``: four). It is
*correct* when it equals the exact value correctly rounded to those places, *truncated*
when it equals the exact value cut off there. Exact values are certified
(:func:`lstm_sym.certify.certify`), so verdicts never depend on floating-point luck near
a rounding tie. Values of re-evaluations (own values carried, intermediates rounded)
are compared with :func:`reproduces`, which counts a tie either way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import mpmath

from ..certify import certify
from ..names import Name
from ..numbers import exact_decimal, round_decimals

CORRECT, TRUNCATED, DRIFT, WRONG = "correct", "truncated", "rounding drift", "wrong"
VERDICTS = (CORRECT, TRUNCATED, DRIFT, WRONG)

#: Extra decimal places of the reference used to decide truncation.
FINE = 12


def decimals(written: Decimal) -> int:
    """The decimal places an answer claims (negative for ``1E+2``-style hundreds)."""
    exponent = written.as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent


def significant(written: Decimal) -> int:
    """The significant digits an answer is written with (at least 1)."""
    digits = written.as_tuple().digits
    text = "".join(map(str, digits)).lstrip("0")
    return max(len(text), 1)


@dataclass(frozen=True)
class Reference:
    """The exact value of one answered quantity at the answer's places, two more, and many more."""

    rounded: Decimal
    plus_two: Decimal
    fine: Decimal

    def is_tie(self, places: int) -> bool:
        """Whether the exact value is (to ``FINE`` more places) halfway between two answers."""
        step = Decimal(1).scaleb(-places)
        below = round_decimals(self.fine, places, truncate=True)
        return abs(self.fine - below) == step / 2

    def correct(self, places: int) -> set[Decimal]:
        """The correctly rounded values: one, or at an exact tie both neighbours.

        At a tie (exact rationals such as the first step's ``z = 1.846875``) rounding half to
        even and half away from zero disagree, and both are what careful people write.
        """
        if not self.is_tie(places):
            return {self.rounded}
        step = Decimal(1).scaleb(-places)
        below = round_decimals(self.fine, places, truncate=True)
        return {below, below + step if self.fine > 0 else below - step}

    def truncations(self, places: int) -> set[Decimal]:
        """The exact value truncated to ``places`` (two candidates when the fine value sits on the cut)."""
        cut = round_decimals(self.fine, places, truncate=True)
        found = {cut}
        if self.fine and cut == self.fine:  # the exact value may lie just inside the cut
            step = Decimal(1).scaleb(-places)
            found.add(cut - step if self.fine > 0 else cut + step)
        return found


def references(
    evaluate: Callable[[int], Mapping[Name, Any]], wanted: Mapping[Name, int]
) -> dict[Name, Reference]:
    """Certified references for ``wanted`` (name -> decimal places).

    ``evaluate(dps)`` returns every quantity at a working precision. One certification
    covers every answer: each value is scaled by a power of ten so that all are rounded
    to the same number of places.
    """
    if not wanted:
        return {}
    top = max(wanted.values()) + FINE

    def scaled(dps: int) -> dict[tuple[Name, int], mpmath.mpf]:
        values = evaluate(dps)
        with mpmath.workdps(dps):
            return {
                (name, extra): values[name] * mpmath.power(10, top - places - extra)
                for name, places in wanted.items()
                for extra in (0, 2, FINE)
            }

    certified = certify(scaled, top, decimals=True)

    def back(name: Name, extra: int) -> Decimal:
        places = wanted[name] + extra
        return certified[(name, extra)].scaleb(places - top).quantize(Decimal(1).scaleb(-places))

    found = {}
    for name, places in wanted.items():
        fine = back(name, FINE)
        reference = Reference(back(name, 0), back(name, 2), fine)
        # agreeing roundings do not settle an exact tie: there the fine value decides
        if reference.is_tie(places):
            reference = dataclasses.replace(reference, rounded=round_decimals(fine, places))
        if reference.is_tie(places + 2):
            reference = dataclasses.replace(reference, plus_two=round_decimals(fine, places + 2))
        found[name] = reference
    return found


def reproduces(value: mpmath.mpf, written: Decimal, *, truncation: bool = True) -> bool:
    """Whether ``value`` rounds (or, with ``truncation``, truncates) to ``written`` at its places.

    A value on a rounding tie counts either way.
    """
    exact = exact_decimal(mpmath.mpf(value))
    step = Decimal(1).scaleb(-decimals(written))
    slack = step * Decimal("1e-9")
    gap = exact - written
    if abs(gap) <= step / 2 + slack:
        return True
    if not truncation:
        return False
    if written > 0:  # truncation is toward zero
        return -slack <= gap < step + slack
    if written < 0:
        return -step - slack < gap <= slack
    return abs(gap) < step + slack
