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

from ..spec.activations import (
    CLIPPED_LINEAR,
    NUMPY_SOURCE,
    ClippedLinear,
    ClippedLinearPrime,
    sigma,
)

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
        if isinstance(expr, sigma) and self.flavour == "scalar" and expr.args[0].is_Symbol:
            # inline: no call; below -700, σ(a) = e^a/(1 + e^a) is e^a to double precision
            return f"(1.0 / (1.0 + _exp(-{args})) if {args} > -700.0 else _exp({args}))"
        if isinstance(expr, sigma | ClippedLinear | ClippedLinearPrime):
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

_SCALAR_SIGMA = (
    "def sigma(a):\n"
    '    """The logistic sigmoid 1/(1 + exp(-a)), without overflow for any finite a."""\n'
    "    if a >= 0.0:\n"
    "        return 1.0 / (1.0 + _exp(-a))\n"
    "    e = _exp(a)\n"
    "    return e / (1.0 + e)\n"
)

_MPMATH_SIGMA = (
    "def sigma(a):\n"
    '    """The logistic sigmoid 1/(1 + exp(-a)) (mpmath: no overflow at any size)."""\n'
    "    return 1 / (1 + _exp(-a))\n"
)


def _scalar_number(value: sympy.Expr, flavour: str) -> str:
    if flavour == "mpmath":
        rational = sympy.Rational(value)
        return f"(_mpf({int(rational.p)}) / {int(rational.q)})"
    return repr(float(value))


def _scalar_clipped(function: type[ClippedLinear], flavour: str) -> str:
    slope, offset = function.slope, function.offset
    linear = "a" if slope == 1 else f"{_scalar_number(slope, flavour)} * a"
    if offset != 0:
        linear += f" + {_scalar_number(offset, flavour)}"
    body = f"max({_scalar_number(function.low, flavour)}, {linear})"
    if function.high.is_finite:
        body = f"min({_scalar_number(function.high, flavour)}, {body})"
    doc = (function.__doc__ or "").strip()
    return f'def {function.__name__}(a):\n    """{doc}"""\n    return {body}\n'


def _scalar_clipped_prime(function: type[ClippedLinear], flavour: str) -> str:
    start, end = function.kinks()
    conditions = []
    if start.is_finite:
        conditions.append(f"a > {_scalar_number(start, flavour)}")
    if end.is_finite:
        conditions.append(f"a < {_scalar_number(end, flavour)}")
    slope = _scalar_number(function.slope, flavour)
    zero = "_mpf(0)" if flavour == "mpmath" else "0.0"
    doc = (function.prime.__doc__ or "").strip()
    return (
        f"def {function.prime.__name__}(a):\n"
        f'    """{doc}"""\n'
        f"    return {slope} if {' and '.join(conditions)} else {zero}\n"
    )


def _helper_sources(flavour: str) -> dict[str, str]:
    if flavour == "vector":
        return dict(NUMPY_SOURCE)
    sources = {"sigma": _MPMATH_SIGMA if flavour == "mpmath" else _SCALAR_SIGMA}
    for function in CLIPPED_LINEAR:
        sources[function.__name__] = _scalar_clipped(function, flavour)
        sources[function.prime.__name__] = _scalar_clipped_prime(function, flavour)
    return sources


def helper_source(names: set[str], flavour: str) -> str:
    """The source of the helper functions called ``names``, in sorted order."""
    sources = _helper_sources(flavour)
    missing = sorted(names - set(sources))
    if missing:
        raise ValueError(f"no {flavour} implementation of {', '.join(missing)}")
    return "\n\n".join(sources[name] for name in sorted(names))
