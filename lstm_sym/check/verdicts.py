"""Verdicts on single answers: certified exact values, and what "matches" means.

An answer claims the decimal places it is written with (``0.5298``: four). It is
*correct* when it equals the exact value correctly rounded to those places, *truncated*
when it equals the exact value cut off there. Exact values are certified
(:func:`lstm_sym.evaluate.certify.certify`), so verdicts never depend on floating-point luck near
a rounding tie. Values of re-evaluations (own values carried, intermediates rounded)
are compared with :func:`reproduces`, which counts a tie either way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal
from typing import Any

import mpmath

from ..errors import TooLargeError
from ..evaluate.certify import certify
from ..names import Name
from ..numbers import round_decimals, to_decimal

CORRECT, TRUNCATED, DRIFT, WRONG = "correct", "truncated", "rounding drift", "wrong"
VERDICTS = (CORRECT, TRUNCATED, DRIFT, WRONG)

#: Extra decimal places of the reference used to decide truncation.
FINE = 12
#: Significant digits the exact value of a wrong answer shows at least (``L = 1e999`` is
#: told 0.530, not 0 to 997 places), while that needs at most ``SHOWN_PLACES`` places.
SHOWN_DIGITS = 3
SHOWN_PLACES = 30


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


def unit(places: int, count: int = 1) -> Decimal:
    """``count`` units of the last of ``places`` decimal places (exact, any exponent)."""
    return Decimal((0, tuple(map(int, str(count))), -places))


def exact_context(*values: Decimal) -> Context:
    """A decimal context in which sums and differences of ``values`` are exact (any length)."""
    top = max(v.adjusted() for v in values)
    low = min(-decimals(v) for v in values)
    return Context(prec=max(top - low + 2, 1), Emax=MAX_EMAX, Emin=MIN_EMIN)


def subtract(a: Decimal, b: Decimal) -> Decimal:
    """``a - b`` exactly, whatever the number of digits."""
    return exact_context(a, b).subtract(a, b)


@dataclass(frozen=True)
class Reference:
    """The exact value of one answered quantity, correctly rounded at several places.

    ``rounded`` at the answer's places, ``plus_two`` at two more, ``shown`` as a wrong
    answer's note shows it (two more places, and at least ``SHOWN_DIGITS`` significant
    digits), ``fine`` at ``FINE`` more.
    """

    rounded: Decimal
    plus_two: Decimal
    fine: Decimal
    shown: Decimal

    def is_tie(self, places: int) -> bool:
        """Whether the exact value is (to ``FINE`` more places) halfway between two answers."""
        below = round_decimals(self.fine, places, truncate=True)
        return subtract(self.fine, below).copy_abs() == unit(places + 1, 5)

    def correct(self, places: int) -> set[Decimal]:
        """The correctly rounded values: one, or at an exact tie both neighbours.

        At a tie (exact rationals such as the first step's ``z = 1.846875``) rounding half to
        even and half away from zero disagree, and both are what careful people write.
        """
        if not self.is_tie(places):
            return {self.rounded}
        below = round_decimals(self.fine, places, truncate=True)
        step = unit(places).copy_sign(self.fine)
        return {below, exact_context(below, step).add(below, step)}

    def truncations(self, places: int) -> set[Decimal]:
        """The exact value truncated to ``places`` (two candidates when the fine value sits on the cut)."""
        cut = round_decimals(self.fine, places, truncate=True)
        found = {cut}
        if self.fine and cut == self.fine:  # the exact value may lie just inside the cut
            step = unit(places).copy_sign(self.fine)
            found.add(exact_context(cut, step).subtract(cut, step))
        return found

    def difference(self, written: Decimal) -> Decimal:
        """``written`` − the exact value, correctly rounded to two more places than written."""
        return subtract(written, self.plus_two)


def shown_places(places: int, magnitude: int | None) -> int:
    """The places at which a wrong answer's note shows an exact value of ``magnitude``.

    ``magnitude`` is the value's decimal exponent (``None`` for 0).
    """
    if magnitude is None:
        return places + 2
    return max(places + 2, min(SHOWN_DIGITS - 1 - magnitude, SHOWN_PLACES))


def _certified(
    evaluate: Callable[[int], Mapping[Name, Any]], wanted: Mapping[Name, Collection[int]]
) -> dict[tuple[Name, int], Decimal]:
    """Each wanted value correctly rounded at each of its numbers of places (any sign).

    One certification covers them all: each value is scaled by a power of ten so that
    rounding it to a common number of places rounds the value to the places wanted.
    """
    top = max(0, max(q for qs in wanted.values() for q in qs))

    def scaled(dps: int) -> dict[tuple[Name, int], mpmath.mpf]:
        values = evaluate(dps)
        with mpmath.workdps(dps):
            return {
                (name, q): values[name] * mpmath.power(10, q - top)
                for name, qs in wanted.items()
                for q in qs
            }

    found = {}
    for (name, q), value in certify(scaled, top, decimals=True).items():
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        shifted = Decimal((sign, digits, exponent + top - q))
        found[(name, q)] = shifted if decimals(shifted) == q else round_decimals(shifted, q)
    return found


def references(
    evaluate: Callable[[int], Mapping[Name, Any]], wanted: Mapping[Name, int]
) -> dict[Name, Reference]:
    """Certified references for ``wanted`` (name -> decimal places, any sign).

    ``evaluate(dps)`` returns every quantity at a working precision.
    """
    if not wanted:
        return {}
    certified = _certified(evaluate, {n: {p, p + 2, p + FINE} for n, p in wanted.items()})
    magnitudes: dict[Name, int | None] = {}
    for name, p in wanted.items():
        fine = certified[(name, p + FINE)]
        magnitudes[name] = fine.adjusted() if fine else None
    unknown = [n for n, m in magnitudes.items() if m is None and wanted[n] + FINE < SHOWN_PLACES]
    if unknown:  # below the fine places: the magnitude of a (small) value, roughly
        rough = evaluate(20)
        for name in unknown:
            value = rough[name]
            if value:
                magnitudes[name] = int(mpmath.floor(mpmath.log10(abs(value))))
    shown = {n: shown_places(p, magnitudes[n]) for n, p in wanted.items()}
    more = {n: {q} for n, q in shown.items() if q != wanted[n] + 2}
    if more:
        certified |= _certified(evaluate, more)
    found = {}
    for name, p in wanted.items():
        fine = certified[(name, p + FINE)]
        reference = Reference(
            certified[(name, p)], certified[(name, p + 2)], fine, certified[(name, shown[name])]
        )
        # agreeing roundings do not settle an exact tie: there the fine value decides
        if reference.is_tie(p):
            reference = dataclasses.replace(reference, rounded=round_decimals(fine, p))
        if reference.is_tie(p + 2):
            reference = dataclasses.replace(reference, plus_two=round_decimals(fine, p + 2))
            if shown[name] == p + 2:
                reference = dataclasses.replace(reference, shown=reference.plus_two)
        found[name] = reference
    return found


def nearby(value: mpmath.mpf, places: int) -> Decimal | None:
    """``value`` as a Decimal, far more precise than ``places`` decimal places.

    A value beyond the decimal exponent range (10^±10^18: ``exp(-1e998)`` after a carried
    answer of 1e998) is 0 at any places when tiny, and ``None`` when huge; so is a value that
    is not a number at all (a replay that took 0·log 0).
    """
    if not mpmath.isfinite(value):
        return None
    try:
        return to_decimal(mpmath.mpf(value), max(places, 0) + 30)
    except TooLargeError:
        return None if mpmath.mag(value) > 0 else Decimal(0)


def reproduces(value: mpmath.mpf, written: Decimal, *, truncation: bool = True) -> bool:
    """Whether ``value`` rounds (or, with ``truncation``, truncates) to ``written`` at its places.

    A value on a rounding tie counts either way.
    """
    places = decimals(written)
    exact = nearby(value, places)
    if exact is None:
        return False
    # the gap to far below the slack, whatever the lengths of the two numbers
    precision = max(exact.adjusted(), written.adjusted(), 0) + max(places, 0) + 30
    context = Context(prec=precision, Emax=MAX_EMAX, Emin=MIN_EMIN)
    step = unit(places)
    slack = unit(places + 9)
    gap = context.subtract(exact, written)
    if gap.copy_abs() <= context.add(unit(places + 1, 5), slack):
        return True
    if not truncation:
        return False
    low, high = context.minus(slack), context.add(step, slack)
    if written > 0:  # truncation is toward zero
        return low <= gap < high
    if written < 0:
        return context.minus(high) < gap <= slack
    return gap.copy_abs() < high
