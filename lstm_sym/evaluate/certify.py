"""Certified decimal digits: evaluate at rising precision until the rounded digits agree.

A value is printed only when two evaluations whose working precisions differ by many
guard digits round to the same decimal string, and the value is clearly away from the
rounding tie between two candidates; otherwise the precision is raised. This is what makes a
30-digit answer correct in its last digit (a naive 30-digit mpmath run gets the
homework's f_1 wrong in the 30th digit).

Two cases need more than agreement:

* **Zeros.** Two evaluations that both give exactly 0 may both have cancelled (``1 − σ(a)``
  with σ(a) rounded to 1). A zero is accepted when ``zeros()`` proves it structural (it
  follows from exact zeros in the data, such as ``c_0 = 0``), or when it is still 0 at
  more than twice the precision at which it first read 0 and at more digits than the
  inputs have (``scale``: a 61-digit bias ``1 + 1e-60`` cancels against ``-1`` below that).
* **Rounding ties.** A value within the evaluations' disagreement of a tie (``0.125`` at
  2 digits) is accepted only when it is exactly representable (the same binary value at
  two precisions that hold every input digit, ``scale``); otherwise the precision keeps
  rising, through one final pair of evaluations past ``scale``. A value that still sits on
  the tie then is taken to be the tie (it agrees with it to every digit computed).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal
from typing import TypeVar

import mpmath

from ..errors import TooLargeError
from ..numbers import round_decimals, round_significant, to_decimal

K = TypeVar("K", bound=Hashable)

#: How many times the working precision is raised before the last resort.
MAX_ROUNDS = 6
#: Most significant digits an evaluation in decimal-places mode may need.
MAX_WORKING_DIGITS = 100_000


def guard_digits(digits: int) -> int:
    """Guard digits for a first evaluation at ``digits`` digits."""
    return 10 + digits // 20


def _rounded(value: Decimal, digits: int, decimals: bool) -> Decimal:
    return round_decimals(value, digits) if decimals else round_significant(value, digits)


_LOG2_10 = 3.321928094887362
#: For error estimates: a few digits, any exponent.
_ESTIMATE = Context(prec=12, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _tie_distance(value: Decimal, rounded: Decimal) -> Decimal:
    """How far ``value`` is from the nearest tie between ``rounded`` and a neighbour."""
    context = Context(prec=len(value.as_tuple().digits) + 10, Emax=MAX_EMAX, Emin=MIN_EMIN)
    exponent = rounded.as_tuple().exponent
    assert isinstance(exponent, int)
    half = Decimal(5).scaleb(exponent - 1, context=context)
    off = context.copy_abs(context.subtract(value, rounded))
    return context.copy_abs(context.subtract(half, off))


class _Check:
    """The acceptance rules for one key at one pair of evaluations."""

    def __init__(self, digits: int, decimals: bool, scale: int):
        self.digits, self.decimals, self.scale = digits, decimals, scale
        #: binary magnitude below which a value is under 10^-(digits + 20)
        self._negligible = -(digits + 20) * _LOG2_10

    def rounded(self, old: mpmath.mpf, new: mpmath.mpf, dps_old: int) -> Decimal | None:
        """The certified rounding of ``new``, or None when the pair does not settle it."""
        if self.decimals and max(mpmath.mag(old), mpmath.mag(new)) < self._negligible:
            # far below the last decimal place: rounds to a signed 0 (whatever its exponent)
            return _rounded(Decimal((int(new < 0), (1,), -self.digits - 20)), self.digits, True)
        exact_new = to_decimal(new, self.digits)
        result = self._clear(old, new, exact_new)  # the common case
        if result is not None:
            return result
        result = _rounded(exact_new, self.digits, self.decimals)
        exact_old = to_decimal(old, self.digits)
        if old != new and _rounded(exact_old, self.digits, self.decimals) != result:
            return None
        error = _ESTIMATE.copy_abs(_ESTIMATE.subtract(exact_new, exact_old))
        if _tie_distance(exact_new, result) > _ESTIMATE.multiply(10, error):
            return result
        # on (or within the error of) a tie: trust only a value exactly representable
        return result if old == new and dps_old >= self.scale + self.digits else None

    def _clear(self, old: mpmath.mpf, new: mpmath.mpf, exact: Decimal) -> Decimal | None:
        """``exact`` rounded, when ``old`` and ``new`` differ by under 1/10,000 of the last
        digit (or not at all) and ``new`` is over 1/1,000 of it from a tie; else None.

        Rounded to three more digits first: unless those end in 499, 500 or 501 the value is
        over 1/1,000 of a unit from the tie, and rounding again gives the correct rounding.
        """
        finer = _rounded(exact, self.digits + 3, self.decimals)
        tail = finer.as_tuple().digits[-3:]
        if abs(int("".join(map(str, tail))) - 500) < 2:  # digits are right-aligned
            return None
        result = _rounded(finer, self.digits, self.decimals)
        quantum = -self.digits if self.decimals else result.adjusted() - self.digits + 1
        # |new − old| < 2^mag, and 2^-14 < 1/10,000
        return result if old == new or mpmath.mag(new - old) + 14 < quantum * _LOG2_10 else None


def certify(
    evaluate: Callable[[int], Mapping[K, mpmath.mpf]],
    digits: int,
    *,
    decimals: bool = False,
    zeros: Callable[[], Collection[K]] | None = None,
    scale: int = 0,
) -> dict[K, Decimal]:
    """Correctly rounded values of everything ``evaluate(dps)`` returns.

    ``digits`` counts significant digits, or decimal places when ``decimals`` is true.
    ``evaluate`` is called with a working precision (decimal digits) and must return the
    same keys every time. ``zeros`` (called at most once, only if some value reads 0)
    gives the keys known to be exactly 0; ``scale`` is the number of decimal digits that
    represent every input exactly.
    """
    guard = guard_digits(digits)
    dps = digits + guard
    previous = evaluate(dps)
    if decimals:  # decimal places need more significant digits for large values
        largest = max((abs(v) for v in previous.values()), default=mpmath.mpf(0))
        if largest >= 1:
            dps += int(mpmath.log10(largest)) + 1
            if dps > MAX_WORKING_DIGITS:
                raise TooLargeError(
                    f"{digits} decimal places of values near {mpmath.nstr(largest, 3)} "
                    f"would need {dps:,} digits (limit {MAX_WORKING_DIGITS:,}): "
                    "use significant digits instead"
                )
            previous = evaluate(dps)
    check = _Check(digits, decimals, scale)
    proved: Collection[K] | None = None
    first_zero: dict[K, int] = {}
    pending = set(previous)
    result: dict[K, Decimal] = {}
    dps_old = dps

    def settle(current: Mapping[K, mpmath.mpf], dps_new: int) -> None:
        nonlocal proved
        for key in list(pending):
            old, new = previous[key], current[key]
            if not new:
                if old:
                    first_zero.pop(key, None)
                    continue
                first_zero.setdefault(key, dps_old)
                if proved is None:
                    proved = zeros() if zeros is not None else ()
                if key in proved or dps_new > max(2 * first_zero[key], scale + digits):
                    result[key] = Decimal(0)
                    pending.discard(key)
                continue
            rounded = check.rounded(old, new, dps_old)
            if rounded is not None:
                result[key] = rounded
                pending.discard(key)

    for _ in range(MAX_ROUNDS):
        dps += guard
        guard *= 2
        current = evaluate(dps)
        settle(current, dps)
        previous, dps_old = current, dps
        if not pending:
            return {key: result[key] for key in previous}
    first_guard = guard_digits(digits)
    if pending and dps_old < scale + digits + first_guard:  # a final pair past every input digit
        dps = scale + digits + first_guard
        previous, dps_old = evaluate(dps), dps
        dps += first_guard
        current = evaluate(dps)
        settle(current, dps)
        previous, dps_old = current, dps
    # Last resort: the value agrees with a rounding tie to ~dps digits (or is 0 there), which
    # for the values of these programs means it is that rational number exactly.
    for key in pending:
        result[key] = _snap(previous[key], digits, decimals, dps_old - 5)
    return {key: result[key] for key in previous}


def _snap(value: mpmath.mpf, digits: int, decimals: bool, reliable: int) -> Decimal:
    exact = to_decimal(value, digits)
    if not exact:  # 0 at the highest precision
        return Decimal(0)
    cleaned = Context(prec=reliable, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN).plus(
        exact
    )
    return round_decimals(cleaned, digits) if decimals else round_significant(cleaned, digits)
