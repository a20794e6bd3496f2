"""How numbers are represented while a problem's templates are evaluated.

A :class:`Backend` turns rationals into numbers, compiles pointwise formulas and sums dot
products: mpmath floats at the working precision (:data:`MPMATH`), exact SymPy numbers
(:data:`EXACT`), or flags of *may be nonzero* that prove structural zeros (:data:`ZERO`,
see :mod:`lstm_sym.evaluate.zeros`). Arb balls (:mod:`lstm_sym.evaluate.balls`) and exact
rationals (:mod:`lstm_sym.evaluate.rationals`) follow the same protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

import mpmath
import sympy

from ..numbers import to_mpf
from ..spec.activations import lambdify_positional, mpmath_functions
from .domain import has_roots, real_valued
from .stable import Saturating, stable_form


class Backend(Protocol):
    """How numbers are represented: mpmath floats or exact SymPy numbers."""

    def number(self, value: sympy.Rational) -> Any: ...

    def form(self, expr: sympy.Expr, names: Saturating) -> sympy.Expr: ...

    def compile(self, expr: sympy.Expr, args: tuple[str, ...]) -> Callable[..., Any]: ...

    def dot(self, pairs: Iterable[tuple[Any, Any]]) -> Any: ...


class MpmathBackend:
    """mpmath numbers at the working precision in effect when evaluating."""

    def number(self, value: sympy.Rational) -> Any:
        return to_mpf(value)

    def form(self, expr: sympy.Expr, names: Saturating) -> sympy.Expr:
        """The cancellation-free form of ``expr`` (saturated gates keep full precision)."""
        return stable_form(expr, names)

    def compile(self, expr: sympy.Expr, args: tuple[str, ...]) -> Callable[..., Any]:
        function = lambdify_positional(expr, args, [mpmath_functions(), "mpmath"])
        return real_valued(function) if has_roots(expr) else function

    def dot(self, pairs: Iterable[tuple[Any, Any]]) -> Any:
        """Σ a·b with one rounding per term (mpmath's fdot: about 2.5× a Python sum)."""
        return mpmath.fdot(pairs)


class ExactBackend:
    """Exact SymPy numbers: rationals and closed forms such as ``σ(6/5)``."""

    def number(self, value: sympy.Rational) -> Any:
        return value

    def form(self, expr: sympy.Expr, names: Saturating) -> sympy.Expr:
        return expr

    def compile(self, expr: sympy.Expr, args: tuple[str, ...]) -> Callable[..., Any]:
        symbols = [sympy.Symbol(a, real=True) for a in args]

        def substitute(*values: Any) -> Any:
            return expr.xreplace(dict(zip(symbols, values, strict=True)))

        return substitute

    def dot(self, pairs: Iterable[tuple[Any, Any]]) -> Any:
        return sympy.Add(*(a * b for a, b in pairs))


MPMATH = MpmathBackend()
EXACT = ExactBackend()


class ZeroBackend:
    """Numbers as flags: 0 when exactly zero, a nonzero int when it may be nonzero."""

    def number(self, value: sympy.Rational) -> Any:
        return int(value != 0)

    def form(self, expr: sympy.Expr, names: Saturating) -> sympy.Expr:
        return expr

    def compile(self, expr: sympy.Expr, args: tuple[str, ...]) -> Callable[..., Any]:
        symbols = [sympy.Symbol(a, real=True) for a in args]
        memo: dict[tuple[Any, ...], int] = {}

        def flag(*values: Any) -> int:
            found = memo.get(values)
            if found is None:
                zeros = {s: sympy.S.Zero for s, v in zip(symbols, values, strict=True) if not v}
                found = memo[values] = int(expr.xreplace(zeros) != 0)
            return found

        return flag

    def dot(self, pairs: Iterable[tuple[Any, Any]]) -> Any:
        for a, b in pairs:
            if a and b:
                return 1
        return 0


ZERO = ZeroBackend()
