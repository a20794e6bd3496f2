"""Activation functions as SymPy functions that know their own derivative.

``sigma`` is a real SymPy ``Function``: its derivative comes from differentiation
(``fdiff`` gives σ(1−σ)), it prints as ``\\sigma`` in LaTeX, and every backend
(mpmath, NumPy) receives its own numerically stable implementation through
:data:`MPMATH_FUNCTIONS` / :data:`NUMPY_FUNCTIONS`. New activations are added here and
registered in :data:`ACTIVATIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import sympy


class sigma(sympy.Function):
    """The logistic sigmoid σ(a) = 1 / (1 + e^(−a))."""

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:
        if arg.is_zero:
            return sympy.Rational(1, 2)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        s = sigma(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-arg))

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real  # type: ignore[no-any-return]

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_real  # type: ignore[no-any-return]

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return (1 / (1 + sympy.exp(-self.args[0])))._eval_evalf(prec)

    def _latex(self, printer: Any) -> str:
        return rf"\sigma\left({printer._print(self.args[0])}\right)"


def _mp_sigma(a: mpmath.mpf) -> mpmath.mpf:
    # 1/(1+e^-a) never overflows badly in mpmath (exponent range is unbounded).
    return 1 / (1 + mpmath.exp(-a))


#: Activations by name, as used in cell specs and custom-cell equations.
ACTIVATIONS: dict[str, Callable[[sympy.Expr], sympy.Expr]] = {
    "sigmoid": sigma,
    "tanh": sympy.tanh,
    "identity": lambda a: a,
}

#: Implementations handed to ``sympy.lambdify`` for the mpmath backend.
MPMATH_FUNCTIONS: dict[str, Any] = {"sigma": _mp_sigma}

#: NumPy implementations for generated code, as source text of a function with the SymPy
#: function's name (generated modules import only NumPy, so they carry this source).
#: Each must be numerically stable: no overflow warning, NaN or inf for any finite input.
NUMPY_SOURCE: dict[str, str] = {
    "sigma": (
        "def sigma(a):\n"
        '    """The logistic sigmoid 1/(1 + exp(-a)), without overflow for any finite a."""\n'
        "    e = np.exp(-np.abs(a))\n"
        "    return np.where(a >= 0, 1.0, e) / (1.0 + e)\n"
    ),
}
