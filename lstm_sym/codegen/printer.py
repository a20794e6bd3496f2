"""Print the templates' scalar pointwise formulas as Python source for each backend.

Three flavours share one printer: ``vector`` (NumPy arrays, ``np.tanh``), ``scalar``
(Python floats, ``math``-based helpers, for tiny sizes) and ``mpmath`` (mpmath numbers at
any precision). Symbols print through a name map (template name → source expression), so
the same formula reads locals inside the time loop and whole histories outside it.
Activations print as calls of helper functions the generated module defines
(:func:`helper_source`), each numerically stable for every finite argument.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy
from sympy.printing.str import StrPrinter

from ..spec.activations import kernels
from ..spec.kernels import CodeTarget

#: Flavours of generated code.
FLAVOURS = ("vector", "scalar", "mpmath")

#: How each flavour calls the elementary functions SymPy formulas use.
_ELEMENTARY: dict[str, dict[str, str]] = {
    "vector": {"tanh": "np.tanh", "exp": "np.exp", "log": "np.log"},
    "scalar": {"tanh": "_tanh", "exp": "_exp", "log": "_log"},
    "mpmath": {"tanh": "_tanh", "exp": "_exp", "log": "_log"},
}


#: How each flavour writes square roots and other rational powers.
_ROOTS: dict[str, tuple[str, str]] = {
    "vector": ("np.sqrt", "np.power"),
    "scalar": ("_sqrt", "_pow"),
    "mpmath": ("_sqrt", "_pow"),
}


class CodePrinter(StrPrinter):
    """SymPy → Python source for one flavour, with symbols renamed through ``names``."""

    def __init__(self, flavour: str, names: Mapping[str, str]):
        super().__init__({"order": "none"})
        self.flavour = flavour
        self.names = names
        #: helper functions (by SymPy name) the printed code calls
        self.helpers: set[str] = set()

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        return self.names.get(expr.name, expr.name)

    def _print_Integer(self, expr: sympy.Integer) -> str:
        if self.flavour == "mpmath":
            return f"_mpf({int(expr)})"
        return f"{int(expr)}.0"

    def _print_Rational(self, expr: sympy.Rational) -> str:
        if self.flavour == "mpmath":
            return f"(_mpf({int(expr.p)}) / {int(expr.q)})"
        return repr(float(expr))

    def _print_Half(self, expr: sympy.Rational) -> str:
        return self._print_Rational(expr)

    def _print_Float(self, expr: sympy.Float) -> str:
        return self._print_Rational(sympy.Rational(expr))

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        base, exponent = expr.args
        if exponent == -1:
            return f"(1 / {self.parenthesize(base, 100)})"
        if exponent == 2 and base.is_Symbol and self.flavour != "vector":
            name = self._print(base)
            return f"({name}*{name})"  # a product is faster than ** on Python numbers
        if exponent.is_Integer:
            return f"{self.parenthesize(base, 100)}**{int(exponent)}"
        if exponent.is_Rational:  # roots: real only (NaN or an error for a negative base)
            sqrt, power = _ROOTS[self.flavour]
            if abs(exponent) == sympy.S.Half:
                root = f"{sqrt}({self._print(base)})"
                return root if exponent > 0 else f"(1 / {root})"
            return f"{power}({self._print(base)}, {self._print(exponent)})"
        raise ValueError(f"no {self.flavour} code for the power {expr}")

    def _print_Function(self, expr: sympy.Function) -> str:
        name = type(expr).__name__
        args = ", ".join(self._print(a) for a in expr.args)
        if name in _ELEMENTARY[self.flavour]:
            return f"{_ELEMENTARY[self.flavour][name]}({args})"
        kernel = kernels().get(name)
        if kernel is not None:
            if kernel.python_inline and self.flavour == "scalar" and expr.args[0].is_Symbol:
                return kernel.python_inline.format(a=args)
            self.helpers.add(name)
            return f"{name}({args})"
        raise ValueError(f"no {self.flavour} code for the function {name}")

    def _print_Max(self, expr: sympy.Max) -> str:
        if self.flavour == "vector":
            raise ValueError("no vector code for Max")
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_tanh(self, expr: sympy.Function) -> str:
        return self._print_Function(expr)

    def _print_exp(self, expr: sympy.Function) -> str:
        return self._print_Function(expr)

    def _print_log(self, expr: sympy.Function) -> str:
        return self._print_Function(expr)


def print_expr(expr: sympy.Expr, flavour: str, names: Mapping[str, str], helpers: set[str]) -> str:
    """``expr`` as source text; records the helper functions it calls in ``helpers``."""
    printer = CodePrinter(flavour, names)
    text: str = printer.doprint(expr)
    helpers.update(printer.helpers)
    return text


# -- helper functions the generated modules define ---------------------------------------

#: The kernel code each flavour carries.
_TARGETS: dict[str, CodeTarget] = {"vector": "numpy", "scalar": "python", "mpmath": "mpmath"}


def _helper_sources(flavour: str) -> dict[str, str]:
    found = {name: kernel.code(_TARGETS[flavour]) for name, kernel in kernels().items()}
    return {name: code for name, code in found.items() if code}


def helper_source(names: set[str], flavour: str) -> str:
    """The source of the helper functions called ``names``, in sorted order."""
    sources = _helper_sources(flavour)
    missing = sorted(names - set(sources))
    if missing:
        raise ValueError(f"no {flavour} implementation of {', '.join(missing)}")
    return "\n\n".join(sources[name] for name in sorted(names))
