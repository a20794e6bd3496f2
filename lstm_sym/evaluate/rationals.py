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

from ..spec.activations import kernels
from ..spec.kernels import Kernel
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


def _exact(kernel: Kernel) -> Callable[..., Any]:
    """A kernel's exact values: rational where its ``exact`` says so, else UNKNOWN."""
    exact = kernel.exact

    def evaluate(*args: Any) -> Any:
        if exact is None or not all(isinstance(a, fmpq) for a in args):
            return UNKNOWN
        found = exact(*args)
        return UNKNOWN if found is None else found

    return evaluate


def _integer(value: Any) -> fmpq:
    if not isinstance(value, int):
        raise TypeError(f"not an exact integer constant: {value!r}")
    return fmpq(value)


#: The elementary functions where they are known exactly (the activations' own come from
#: their kernels: :func:`rational_functions`).
ELEMENTARY: dict[str, Any] = {
    "mpf": _integer,
    "exp": _exact_at({0: 1}),
    "log": _exact_at({1: 0}),
    "sqrt": _exact_at({0: 0, 1: 1}),
    "tanh": _exact_at({0: 0}),
    "sinh": _exact_at({0: 0}),
    "cosh": _exact_at({0: 1}),
    "sech": _exact_at({0: 1}),
}


def rational_functions() -> dict[str, Any]:
    """The exact implementation of every function a formula may call, by name."""
    return ELEMENTARY | {name: _exact(kernel) for name, kernel in kernels().items()}


class RationalBackend:
    """Exact rationals (``fmpq``) where a value is rational by construction, else UNKNOWN."""

    def number(self, value: sympy.Rational) -> Any:
        return fmpq(int(value.p), int(value.q))

    def form(self, expr: sympy.Expr, names: Saturating) -> sympy.Expr:
        return expr

    def compile(self, expr: sympy.Expr, args: tuple[str, ...]) -> Callable[..., Any]:
        symbols = [sympy.Symbol(a, real=True) for a in args]
        function = sympy.lambdify(symbols, expr, modules=[rational_functions(), "mpmath"], cse=True)

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
