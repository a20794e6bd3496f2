"""Print the templates' scalar pointwise formulas as Python source for each target.

One printer serves every :class:`~lstm_sym.codegen.targets.Target`: NumPy arrays
(``np.tanh``), Python floats (``math``-based helpers, for tiny sizes) and mpmath numbers at
any precision; it asks the target how to write numbers, elementary functions and roots.
Symbols print through a name map (template name → source expression), so the same formula
reads locals inside the time loop and whole histories outside it. Activations print as
calls of helper functions the generated module defines: their kernels' code for the target
(:mod:`lstm_sym.spec.kernels`, :meth:`Target.helper_source`), each numerically stable for
every finite argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import sympy
from sympy.printing.str import StrPrinter

from ..spec.activations import kernels

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
        kernel = kernels().get(name)
        if kernel is not None:
            if kernel.python_inline and self.target.inline and expr.args[0].is_Symbol:
                return kernel.python_inline.format(a=args)  # no call
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
