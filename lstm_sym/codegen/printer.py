"""Print the templates' scalar pointwise formulas as Python source for each target.

One printer serves every :class:`~lstm_sym.codegen.targets.Target`: NumPy arrays
(``np.tanh``), Python floats (``math``-based helpers, for tiny sizes) and mpmath numbers at
any precision; it asks the target how to write numbers, elementary functions and roots.
Symbols print through a name map (template name → source expression), so the same formula
reads locals inside the time loop and whole histories outside it. Activations print as
calls of helper functions the generated module defines (:meth:`Target.helper_source`), each
numerically stable for every finite argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import sympy
from sympy.printing.str import StrPrinter

from ..spec.activations import (
    CLIPPED_LINEAR,
    NUMPY_SOURCE,
    ClippedLinear,
    ClippedLinearPrime,
    sigma,
)

if TYPE_CHECKING:
    from .targets import Target


class CodePrinter(StrPrinter):
    """SymPy → Python source for one target, with symbols renamed through ``names``."""

    def __init__(self, target: Target, names: Mapping[str, str]):
        super().__init__({"order": "none"})
        self.target = target
        self.names = names
        #: helper functions (by SymPy name) the printed code calls
        self.helpers: set[str] = set()

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        return self.names.get(expr.name, expr.name)

    def _print_Integer(self, expr: sympy.Integer) -> str:
        return self.target.integer(int(expr))

    def _print_Rational(self, expr: sympy.Rational) -> str:
        return self.target.number(expr)

    def _print_Half(self, expr: sympy.Rational) -> str:
        return self._print_Rational(expr)

    def _print_Float(self, expr: sympy.Float) -> str:
        return self._print_Rational(sympy.Rational(expr))

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        base, exponent = expr.args
        if exponent == -1:
            return f"(1 / {self.parenthesize(base, 100)})"
        if exponent == 2 and base.is_Symbol and self.target.squares_as_products:
            name = self._print(base)
            return f"({name}*{name})"  # a product is faster than ** on Python numbers
        if exponent.is_Integer:
            return f"{self.parenthesize(base, 100)}**{int(exponent)}"
        if exponent.is_Rational:  # roots: real only (NaN or an error for a negative base)
            sqrt, power = self.target.sqrt, self.target.power
            if abs(exponent) == sympy.S.Half:
                root = f"{sqrt}({self._print(base)})"
                return root if exponent > 0 else f"(1 / {root})"
            return f"{power}({self._print(base)}, {self._print(exponent)})"
        raise ValueError(f"no {self.target.name} code for the power {expr}")

    def _print_Function(self, expr: sympy.Function) -> str:
        name = type(expr).__name__
        args = ", ".join(self._print(a) for a in expr.args)
        if name in self.target.functions:
            return f"{self.target.functions[name]}({args})"
        if name in self.target.inline and expr.args[0].is_Symbol:  # no call
            return self.target.inline[name].format(a=args)
        if isinstance(expr, sigma | ClippedLinear | ClippedLinearPrime):
            self.helpers.add(name)
            return f"{name}({args})"
        raise ValueError(f"no {self.target.name} code for the function {name}")

    def _print_Max(self, expr: sympy.Max) -> str:
        if not self.target.max:
            raise ValueError(f"no {self.target.name} code for Max")
        return f"{self.target.max}({', '.join(self._print(a) for a in expr.args)})"

    def _print_tanh(self, expr: sympy.Function) -> str:
        return self._print_Function(expr)

    def _print_exp(self, expr: sympy.Function) -> str:
        return self._print_Function(expr)

    def _print_log(self, expr: sympy.Function) -> str:
        return self._print_Function(expr)


def print_expr(
    expr: sympy.Expr, target: Target, names: Mapping[str, str], helpers: set[str]
) -> str:
    """``expr`` as source text; records the helper functions it calls in ``helpers``."""
    printer = CodePrinter(target, names)
    text: str = printer.doprint(expr)
    helpers.update(printer.helpers)
    return text


# -- helper functions the generated modules define ---------------------------------------

SCALAR_SIGMA = (
    "def sigma(a):\n"
    '    """The logistic sigmoid 1/(1 + exp(-a)), without overflow for any finite a."""\n'
    "    if a >= 0.0:\n"
    "        return 1.0 / (1.0 + _exp(-a))\n"
    "    e = _exp(a)\n"
    "    return e / (1.0 + e)\n"
)

MPMATH_SIGMA = (
    "def sigma(a):\n"
    '    """The logistic sigmoid 1/(1 + exp(-a)) (mpmath: no overflow at any size)."""\n'
    "    return 1 / (1 + _exp(-a))\n"
)


def _scalar_clipped(function: type[ClippedLinear], target: Target) -> str:
    slope, offset = function.slope, function.offset
    linear = "a" if slope == 1 else f"{target.number(slope)} * a"
    if offset != 0:
        linear += f" + {target.number(offset)}"
    body = f"max({target.number(function.low)}, {linear})"
    if function.high.is_finite:
        body = f"min({target.number(function.high)}, {body})"
    doc = (function.__doc__ or "").strip()
    return f'def {function.__name__}(a):\n    """{doc}"""\n    return {body}\n'


def _scalar_clipped_prime(function: type[ClippedLinear], target: Target) -> str:
    start, end = function.kinks()
    conditions = []
    if start.is_finite:
        conditions.append(f"a > {target.number(start)}")
    if end.is_finite:
        conditions.append(f"a < {target.number(end)}")
    slope = target.number(function.slope)
    doc = (function.prime.__doc__ or "").strip()
    return (
        f"def {function.prime.__name__}(a):\n"
        f'    """{doc}"""\n'
        f"    return {slope} if {' and '.join(conditions)} else {target.zero}\n"
    )


def numpy_helpers(target: Target) -> dict[str, str]:
    """The helper functions of NumPy code (vector style)."""
    return dict(NUMPY_SOURCE)


def scalar_helpers(sigma_source: str) -> Callable[[Target], dict[str, str]]:
    """The helper functions of scalar code, with ``sigma_source`` for σ."""

    def sources(target: Target) -> dict[str, str]:
        sources = {"sigma": sigma_source}
        for function in CLIPPED_LINEAR:
            sources[function.__name__] = _scalar_clipped(function, target)
            sources[function.prime.__name__] = _scalar_clipped_prime(function, target)
        return sources

    return sources
