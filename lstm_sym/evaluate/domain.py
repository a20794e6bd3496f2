"""Values a formula does not define at the given numbers: ``1 / 0``, ``(-5) ** 0.5``.

A custom cell may divide by a quantity or take a root of it; at numbers where that is not
a real number, evaluation stops with one error naming the step, the quantity and the
operands' values (``step 1: h: division by zero (h_prev = 0)``), never a complex number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import mpmath
import sympy

from ..errors import InputError


class UndefinedValueError(InputError):
    """A quantity whose formula is undefined (or not real) at the given numbers."""

    def _message(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.field}: {self.expected} ({self.found})"

    def located(self, source: str) -> UndefinedValueError:
        return UndefinedValueError(self.field, self.expected, self.found, source=source)


def may_be_undefined(expr: sympy.Expr) -> bool:
    """Whether ``expr`` divides or takes a root: undefined (or not real) at some numbers."""
    return any(
        p.exp.is_Rational and (p.exp.is_negative or not p.exp.is_Integer)
        for p in expr.atoms(sympy.Pow)
    )


def has_roots(expr: sympy.Expr) -> bool:
    """Whether ``expr`` raises something to a non-integer power (complex for a negative base)."""
    return any(p.exp.is_Rational and not p.exp.is_Integer for p in expr.atoms(sympy.Pow))


def real_valued(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, raising ``ArithmeticError`` where its value is complex (a root of a negative)."""

    def real(*args: Any) -> Any:
        value = function(*args)
        if isinstance(value, mpmath.mpc):
            raise ArithmeticError("a root of a negative number")
        return value

    return real


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, mpmath.mpf) and value == int(value) and abs(value) < 10**15:
        return str(int(value))
    return mpmath.nstr(value, 6) if isinstance(value, mpmath.mpf) else str(value)


def undefined(
    error: ArithmeticError, target: str, operands: Sequence[str], env: Mapping[str, Any], where: str
) -> UndefinedValueError:
    """The error for ``target`` whose formula raised ``error`` at the values in ``env``."""
    reason = "division by zero" if isinstance(error, ZeroDivisionError) else str(error)
    values = ", ".join(
        f"{name} = {_show(env[name][0] if len(env[name]) == 1 else env[name])}"
        for name in operands
        if name in env
    )
    return UndefinedValueError(f"{where}{target}", reason, values or "no operands")
