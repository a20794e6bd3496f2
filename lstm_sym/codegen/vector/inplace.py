"""A pointwise formula as a chain of in-place NumPy operations on its destination array.

``dest = o*(1 - k**2)`` becomes ``np.multiply(k, k, out=dest)``,
``np.subtract(1.0, dest, out=dest)``, ``np.multiply(dest, o, out=dest)``: every operation
writes into ``dest``, so no temporary array is allocated, which matters over whole
histories (a new large array costs a page fault per 4 KiB). A part of the formula that
is not on the chain (a second composite operand) is printed as an ordinary NumPy
expression. The destination must not be read by the formula (the code is in SSA form).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from ...spec.activations import kernels

#: NumPy ufuncs of the elementary functions, by SymPy class.
UFUNCS: dict[type, str] = {sympy.tanh: "np.tanh", sympy.exp: "np.exp", sympy.log: "np.log"}


def _leaf(expr: sympy.Expr) -> bool:
    return bool(expr.is_Symbol or expr.is_Number)


def _signed(expr: sympy.Expr) -> tuple[bool, sympy.Expr]:
    """(negative, magnitude) of a term."""
    if expr.could_extract_minus_sign():
        return True, -expr
    return False, expr


class InPlace:
    """Emits ``dest = expr`` as in-place operations, printing leaves with ``show``."""

    def __init__(self, emit: Callable[[str], None], show: Callable[[sympy.Expr], str]):
        self.emit = emit
        self.show = show
        #: helper functions the emitted code calls (``sigma``)
        self.helpers: set[str] = set()

    def assign(self, dest: str, expr: sympy.Expr) -> None:
        """Emit ``dest[...] = expr``."""
        if _leaf(expr):
            self.emit(f"{dest}[...] = {self.show(expr)}")
        elif isinstance(expr, sympy.Function) and len(expr.args) == 1 and self._unary(expr):
            self._function(dest, expr)
        elif expr.is_Pow and expr.exp.is_Integer:
            self._power(dest, expr)
        elif expr.is_Add:
            self._add(dest, expr)
        elif expr.is_Mul:
            self._mul(dest, expr)
        else:
            self.emit(f"{dest}[...] = {self.show(expr)}")

    def _unary(self, expr: sympy.Expr) -> bool:
        kernel = kernels().get(type(expr).__name__)
        return type(expr) in UFUNCS or (kernel is not None and kernel.numpy_out)

    def _operand(self, dest: str, expr: sympy.Expr) -> str:
        """``expr`` as an operand: printed if a leaf, else computed into ``dest`` first."""
        if _leaf(expr):
            return self.show(expr)
        self.assign(dest, expr)
        return dest

    def _function(self, dest: str, expr: sympy.Expr) -> None:
        source = self._operand(dest, expr.args[0])
        if type(expr) not in UFUNCS:  # a kernel's NumPy code that takes ``out=``
            name = type(expr).__name__
            self.helpers.add(name)
            self.emit(f"{name}({source}, out={dest})")
        else:
            self.emit(f"{UFUNCS[type(expr)]}({source}, out={dest})")

    def _power(self, dest: str, expr: sympy.Expr) -> None:
        source = self._operand(dest, expr.base)
        exponent = int(expr.exp)
        if exponent == 2:
            self.emit(f"np.multiply({source}, {source}, out={dest})")
        elif exponent == -1:
            self.emit(f"np.reciprocal({source}, out={dest})")
        else:
            self.emit(f"np.power({source}, {exponent}.0, out={dest})")

    def _add(self, dest: str, expr: sympy.Expr) -> None:
        terms = [_signed(term) for term in expr.args]
        # the chain starts at a composite term; leaves and other terms are added to it
        start = next((k for k, (_, t) in enumerate(terms) if not _leaf(t)), None)
        if start is None:
            start = next((k for k, (neg, _) in enumerate(terms) if not neg), 0)
            negative, first = terms.pop(start)
            other_negative, second = terms.pop(0)
            first_text, second_text = self.show(first), self.show(second)
            if negative == other_negative:
                self.emit(f"np.add({first_text}, {second_text}, out={dest})")
            else:
                self.emit(f"np.subtract({first_text}, {second_text}, out={dest})")
        else:
            negative, first = terms.pop(start)
            self.assign(dest, first)
        for term_negative, term in terms:
            text = self.show(term)
            if term_negative == negative:
                self.emit(f"np.add({dest}, {text}, out={dest})")
            elif negative:  # dest holds −(sum so far): term − that = term + sum
                self.emit(f"np.subtract({text}, {dest}, out={dest})")
                negative = False
            else:
                self.emit(f"np.subtract({dest}, {text}, out={dest})")
        if negative:
            self.emit(f"np.negative({dest}, out={dest})")

    def _mul(self, dest: str, expr: sympy.Expr) -> None:
        coefficient, factors = expr.as_coeff_mul()
        numerator = [f for f in factors if not (f.is_Pow and f.exp == -1)]
        denominator = [f.base for f in factors if f.is_Pow and f.exp == -1]
        start = next((k for k, f in enumerate(numerator) if not _leaf(f)), None)
        if start is not None:
            self.assign(dest, numerator.pop(start))
        elif len(numerator) >= 2:
            first, second = numerator.pop(0), numerator.pop(0)
            self.emit(f"np.multiply({self.show(first)}, {self.show(second)}, out={dest})")
        elif numerator:
            self.emit(
                f"np.multiply({self.show(numerator.pop())}, {self._number(coefficient)}, out={dest})"
            )
            coefficient = sympy.S.One
        else:
            denominator_text = self.show(sympy.Mul(*denominator))
            self.emit(f"np.divide({self._number(coefficient)}, {denominator_text}, out={dest})")
            return
        for factor in numerator:
            self.emit(f"np.multiply({dest}, {self.show(factor)}, out={dest})")
        for factor in denominator:
            self.emit(f"np.divide({dest}, {self.show(factor)}, out={dest})")
        if coefficient == -1:
            self.emit(f"np.negative({dest}, out={dest})")
        elif coefficient != 1:
            self.emit(f"np.multiply({dest}, {self._number(coefficient)}, out={dest})")

    def _number(self, value: sympy.Expr) -> str:
        return self.show(value)
