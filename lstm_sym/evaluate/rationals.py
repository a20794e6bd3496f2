"""Exact values where they are rational: how rounding ties are decided, not guessed.

A ball around ``−591/320`` (the homework's ``z_f_1``, a tie at 6 digits) never rounds
alike at both ends, at any precision. Such values are rational: pre-activations of
exact data, affine states, losses of rational values. This backend evaluates the same
compiled templates over exact rationals (``fmpq``) and marks everything else
:data:`UNKNOWN` (σ of a nonzero rational is irrational); unknowns spread through
arithmetic, except that 0 times anything is exactly 0. So a pass costs about as much as
a ball pass, and settles exactly every value that is rational by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sympy
from flint import fmpq

from ..spec.activations import CLIPPED_LINEAR, ClippedLinear, ClippedLinearPrime
from .stable import Saturating


class Unknown:
    """A value not known to be rational; 0 times it is exactly 0."""

    def __repr__(self) -> str:
        return "UNKNOWN"

    def _same(self, other: Any) -> Unknown:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __truediv__ = __rtruediv__ = _same
    __pow__ = __rpow__ = _same

    def __mul__(self, other: Any) -> Any:
        return fmpq(0) if isinstance(other, int | fmpq) and other == 0 else self

    __rmul__ = __mul__

    def __neg__(self) -> Unknown:
        return self

    def __pos__(self) -> Unknown:
        return self


UNKNOWN = Unknown()


def _exact_at(points: dict[int, int]) -> Callable[[Any], Any]:
    """A transcendental function known exactly only at ``points`` (``exp(0) = 1``)."""

    def evaluate(a: Any) -> Any:
        if isinstance(a, fmpq) and a.q == 1 and int(a.p) in points:
            return fmpq(points[int(a.p)])
        return UNKNOWN

    return evaluate


def _sigma(a: Any) -> Any:
    return fmpq(1, 2) if isinstance(a, fmpq) and a == 0 else UNKNOWN


def _rational(value: sympy.Rational) -> fmpq:
    return fmpq(int(value.p), int(value.q))


def _clipped(function: type[ClippedLinear]) -> Callable[[Any], Any]:
    def evaluate(a: Any) -> Any:
        if not isinstance(a, fmpq):
            return UNKNOWN
        value = sympy.Rational(int(a.p), int(a.q))
        result = function(value)
        return _rational(result) if result.is_Rational else UNKNOWN

    return evaluate


def _clipped_prime(prime: type[ClippedLinearPrime]) -> Callable[[Any], Any]:
    def evaluate(a: Any) -> Any:
        if not isinstance(a, fmpq):
            return UNKNOWN
        result = prime(sympy.Rational(int(a.p), int(a.q)))
        return _rational(result) if result.is_Rational else UNKNOWN

    return evaluate


def _integer(value: Any) -> fmpq:
    if not isinstance(value, int):
        raise TypeError(f"not an exact integer constant: {value!r}")
    return fmpq(value)


RATIONAL_FUNCTIONS: dict[str, Any] = {
    "mpf": _integer,
    "sigma": _sigma,
    "exp": _exact_at({0: 1}),
    "log": _exact_at({1: 0}),
    "sqrt": _exact_at({0: 0, 1: 1}),
    "tanh": _exact_at({0: 0}),
    "sinh": _exact_at({0: 0}),
    "cosh": _exact_at({0: 1}),
    "sech": _exact_at({0: 1}),
}
for _function in CLIPPED_LINEAR:
    RATIONAL_FUNCTIONS[_function.__name__] = _clipped(_function)
    RATIONAL_FUNCTIONS[_function.prime.__name__] = _clipped_prime(_function.prime)


class RationalBackend:
    """Exact rationals (``fmpq``) where a value is rational by construction, else UNKNOWN."""

    def number(self, value: sympy.Rational) -> Any:
        return fmpq(int(value.p), int(value.q))

    def form(self, expr: sympy.Expr, names: Saturating) -> sympy.Expr:
        return expr

    def compile(self, expr: sympy.Expr, args: tuple[str, ...]) -> Callable[..., Any]:
        symbols = [sympy.Symbol(a, real=True) for a in args]
        function = sympy.lambdify(symbols, expr, modules=[RATIONAL_FUNCTIONS, "mpmath"], cse=True)

        def exact(*values: Any) -> Any:
            try:
                return function(*values)
            except (TypeError, ValueError, ZeroDivisionError):  # a fractional power, 1/0
                return UNKNOWN

        return exact

    def dot(self, pairs: Iterable[tuple[Any, Any]]) -> Any:
        total: Any = fmpq(0)
        for a, b in pairs:
            total = total + a * b
            if total is UNKNOWN:  # nothing added later makes it known again
                return UNKNOWN
        return total


RATIONAL = RationalBackend()
