"""Ball arithmetic (Arb, through python-flint): every value an interval that holds the true one.

An ``arb`` is a midpoint and a radius; every operation returns a ball that provably
contains the exact result of the operation on every point of its operands' balls. A
decimal digit read from a ball is therefore proven when the whole ball rounds to it
(:func:`round_ball`). The backend here plugs into the evaluator's backend protocol:
pointwise formulas are lambdified with a module mapping to Arb functions (the activations'
own come from their kernels, :mod:`lstm_sym.spec.kernels`: σ is written through ``exp``, a
single occurrence of its argument, so no dependency widening), and the cancellation-free forms of :mod:`lstm_sym.evaluate.stable` keep saturated gates tight.

Arb's working precision (``flint.ctx.prec``, in bits) is process-wide state: it is only
ever changed inside :func:`workprec`, which restores it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import starmap
from operator import mul
from typing import Any

import gmpy2
import sympy
from flint import arb, arb_mat, ctx, fmpq

from ..errors import TooLargeError
from ..numbers import round_decimals, round_significant
from ..spec.activations import kernels, lambdify_positional
from .stable import Saturating, stable_form

#: Bits per decimal digit.
LOG2_10 = 3.321928094887362


@contextlib.contextmanager
def workprec(bits: int) -> Iterator[None]:
    """Arb's working precision set to ``bits`` inside the block, and restored after it."""
    saved = ctx.prec
    ctx.prec = bits
    try:
        yield
    finally:
        ctx.prec = saved


def bits_for(digits: int) -> int:
    """Binary precision that holds ``digits`` decimal digits."""
    return int(digits * LOG2_10) + 4


def _integer(value: Any) -> arb:
    """``mpf(p)`` as printed by SymPy's mpmath printer: our expressions hold only integers there."""
    if not isinstance(value, int):
        raise TypeError(f"not an exact integer constant: {value!r}")
    return arb(value)


#: Arb's elementary functions, handed to ``sympy.lambdify`` (with SymPy's mpmath printer)
#: with the activations' kernels (:func:`arb_functions`).
ELEMENTARY: dict[str, Any] = {
    "mpf": _integer,
    "exp": arb.exp,
    "log": arb.log,
    "sqrt": arb.sqrt,
    "tanh": arb.tanh,
    "sinh": arb.sinh,
    "cosh": arb.cosh,
    "sech": arb.sech,
}


def arb_functions() -> dict[str, Any]:
    """The Arb implementation of every function a formula may call, by name."""
    return ELEMENTARY | {name: kernel.arb for name, kernel in kernels().items()}


class ArbBackend:
    """Balls at the Arb working precision in effect when evaluating (see :func:`workprec`)."""

    def number(self, value: sympy.Rational) -> Any:
        """The ball of a rational: exact when dyadic, else within half an ulp."""
        if value.q == 1:
            return arb(int(value.p))
        return arb(fmpq(int(value.p), int(value.q)))

    def form(self, expr: sympy.Expr, names: Saturating) -> sympy.Expr:
        """The cancellation-free form of ``expr`` (saturated gates keep tight balls)."""
        return stable_form(expr, names)

    def compile(self, expr: sympy.Expr, args: tuple[str, ...]) -> Callable[..., Any]:
        return lambdify_positional(expr, args, [arb_functions(), "mpmath"])

    def dot(self, pairs: Iterable[tuple[Any, Any]]) -> Any:
        return sum(starmap(mul, pairs), arb(0))

    def matvec(
        self, products: Sequence[tuple[Any, bool, list[arb]]], slots: list[list[Any]]
    ) -> list[arb]:
        """Σ M·v (M transposed where asked) as Arb matrix products, in C.

        ``slots`` (one per product) keep the last matrix seen and its ``arb_mat``: the
        parameters are the same lists at every step of a run, so each is converted once.
        """
        total: arb_mat | None = None
        for (matrix, transpose, vector), slot in zip(products, slots, strict=True):
            if slot[0] is not matrix:
                converted = arb_mat(matrix)
                slot[0], slot[1] = matrix, converted.transpose() if transpose else converted
            product = slot[1] * arb_mat(len(vector), 1, vector)
            total = product if total is None else total + product
        assert total is not None
        return [total[k, 0] for k in range(total.nrows())]


ARB = ArbBackend()


# -- reading digits off balls ------------------------------------------------------------

#: Decimal exponents beyond this cannot be written as a Decimal.
_MAX_EXPONENT = 10**18


def decimal_enclosure(value: arb, digits: int) -> tuple[int, int, int]:
    """``(m, r, e)`` such that the ball ``[m − r, m + r]·10^e`` contains ``value``.

    ``m`` has about ``digits`` + 5 digits, so the conversion from binary widens the ball by
    far less than a unit of the ``digits``-th digit.
    """
    m, r, e = value.mid_rad_10exp(digits + 5)
    return int(m), int(r), int(e)


def round_ball(value: arb, digits: int, decimals: bool) -> Decimal | None:
    """The rounding of every point of ``value`` to ``digits`` significant digits (or
    decimal places), half to even, when they all round alike; else None."""
    if not value.is_finite():
        return None
    if value.is_exact() and value.is_zero():
        return Decimal(0)
    if value.is_exact():
        man, exp = value.man_exp()
        if abs(int(exp)) <= _EXACT_EXPONENT:  # the exact binary number, as a decimal
            exact = exact_decimal(int(man), int(exp))
            return round_decimals(exact, digits) if decimals else round_significant(exact, digits)
    width = digits
    if decimals:  # significant digits needed: the places plus the integer digits
        magnitude = value.abs_upper()
        width += 5 if magnitude < 1 else integer_digits(magnitude) + 5
    m, r, e = decimal_enclosure(value, width)
    found = round_interval(m - r, m + r, e, digits, decimals)
    if found is not None:
        return found
    # as many digits as the ball is accurate: a value very near a rounding boundary is
    # settled by a narrow ball, never blurred by the conversion to decimal
    accuracy = min(value.rel_accuracy_bits(), value.bits())  # an exact ball: its own bits
    if int(accuracy * 0.30103) + 3 <= width + 5:
        return None
    m, r, e = decimal_enclosure(value, int(accuracy * 0.30103) + 3)
    return round_interval(m - r, m + r, e, digits, decimals)


#: Binary exponents up to this size are converted to decimals exactly.
_EXACT_EXPONENT = 200_000


def exact_decimal(man: int, exp: int) -> Decimal:
    """``man · 2^exp`` as an exact Decimal."""
    if exp >= 0:
        return Decimal(digits_text(man << exp))
    return Decimal(f"{digits_text(man * 5**-exp)}E{exp}")


def round_interval(lo: int, hi: int, e: int, digits: int, decimals: bool) -> Decimal | None:
    """The rounding of every number in ``[lo, hi]·10^e`` (integers ``lo ≤ hi``), or None."""
    if abs(e) > _MAX_EXPONENT:
        if decimals and e < 0:  # far below the last place: 0
            return Decimal(0).scaleb(-digits)
        raise TooLargeError(
            "a value beyond the range of decimal exponents (±10^18) cannot be written as a decimal"
        )
    if not decimals and (lo <= 0 <= hi) and (lo or hi):
        return None  # the ball holds 0 and other numbers: no first significant digit
    if lo > 0 or hi < 0:  # the common case, in integers only
        clear = _round_clear(lo, hi, e, digits, decimals)
        if clear is not None:
            return clear if isinstance(clear, Decimal) else None
    low = Decimal(f"{digits_text(lo)}E{e}")
    high = low if hi == lo else Decimal(f"{digits_text(hi)}E{e}")
    if decimals:
        a, b = round_decimals(low, digits), round_decimals(high, digits)
        if a == b:
            return b if b else Decimal(0).scaleb(-digits)
        return None
    a, b = round_significant(low, digits), round_significant(high, digits)
    return b if a == b and a.as_tuple() == b.as_tuple() else None


_POWERS: dict[int, int] = {}


def _power(k: int) -> int:
    found = _POWERS.get(k)
    if found is None:
        found = _POWERS[k] = 10**k
        if len(_POWERS) > 4096:
            _POWERS.clear()
    return found


def _size(n: Any) -> int:
    """Decimal digits of the positive integer ``n``."""
    low = ((int(n.bit_length()) - 1) * 1233) >> 12  # ⌊log10 2^(bits−1)⌋ <= ⌊log10 n⌋ <= low + 1
    return low + 2 if bool(n >= _power(low + 1)) else low + 1


def _round_clear(lo: int, hi: int, e: int, digits: int, decimals: bool) -> Decimal | bool | None:
    """The common case of :func:`round_interval` for an interval of one sign: the rounding
    when both ends are clearly on one side of every rounding boundary, False when they
    clearly round apart, None when the exact rules must decide (ties, carries, few digits)."""
    a, b, sign = (-hi, -lo, "-") if hi < 0 else (lo, hi, "")
    if b.bit_length() > 2000:  # gmpy2 divides long integers far faster
        a, b = gmpy2.mpz(a), gmpy2.mpz(b)
    if decimals:
        drop = -e - digits
    else:
        size = _size(b)
        if a < _power(size - 1):  # fewer digits than b
            return None
        drop = size - digits
    if drop <= 0:
        return None
    unit = _power(drop)
    half = unit >> 1
    rounded, rest = divmod(a, unit)
    if rest == half:
        return None
    if rest > half:
        rounded += 1
    edge = rounded * unit + half  # every point of [a, edge) rounds to ``rounded``
    if b >= edge:
        return None if b == edge else False
    if not decimals and rounded == _power(digits):  # carried into one more digit
        return None
    if not rounded:
        return Decimal(0).scaleb(-digits)
    text = str(rounded) if digits < 4000 else digits_text(rounded)
    return Decimal(f"{sign}{text}E{e + drop}")


def proven_prefix(value: arb, digits: int, decimals: bool) -> tuple[Decimal, int] | None:
    """The most digits (fewer than ``digits``) that every point of ``value`` rounds to alike."""
    for fewer in range(digits - 1, 0 if not decimals else -1, -1):
        found = round_ball(value, fewer, decimals)
        if found is not None:
            return found, fewer
    return None


def enclosure_json(value: arb | fmpq) -> dict[str, str]:
    """What proves a value, as strings: ``{"exact": "p/q"}`` for an exact rational, else
    ``{"mid": ..., "rad": ...}`` with ``[mid − rad, mid + rad]`` containing the value (the
    binary ball rounded outward to decimals, about as many digits as the ball is accurate)."""
    if isinstance(value, fmpq):
        p, q = int(value.p), int(value.q)
        return {"exact": digits_text(p) if q == 1 else f"{digits_text(p)}/{digits_text(q)}"}
    bits = value.bits() if value.is_exact() else min(value.rel_accuracy_bits(), value.bits())
    m, r, e = decimal_enclosure(value, int(max(bits, 0) * 0.30103) + 1)
    return {"mid": _scientific(m, e), "rad": _scientific(r, e)}


def _scientific(mantissa: int, exponent: int) -> str:
    return f"{digits_text(mantissa)}e{exponent}" if mantissa else "0"


def digits_text(integer: int) -> str:
    """An integer's decimal digits (gmpy2: no cap on their number)."""
    return str(gmpy2.mpz(integer).digits(10))


def integer_digits(magnitude: arb) -> int:
    """Decimal digits of the integer part of ``magnitude`` (an exact ball ≥ 1)."""
    whole = magnitude.floor().unique_fmpz()
    assert whole is not None  # the floor of an exact number is an exact integer
    return len(digits_text(int(whole)))
