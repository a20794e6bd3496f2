"""Which values are exactly zero by structure: a proof for the certifier's zeros.

Certification cannot tell from two evaluations that both give 0 whether the value is 0
or has cancelled at both precisions. Most zeros in practice are structural: ``c_0 = 0``
makes ``δf_1 = δc_1·c_0`` vanish whatever the precision. This module runs the same step
templates over a backend whose numbers are *may be nonzero* flags: an input is a flag of
whether it is nonzero, a product is nonzero only if every factor may be, and a pointwise
formula is 0 when SymPy simplifies it to 0 with its zero operands substituted. A key
flagged 0 is exactly 0; everything else is left to precision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sympy

from ..names import Name
from ..problem.reader import Problem
from .evaluator import Evaluator, scalar_values
from .stable import Saturating


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


def structural_zeros(problem: Problem, *, gradients: bool) -> set[Name]:
    """The names whose value is exactly 0 for every precision (proved from the data's zeros)."""
    trace = Evaluator(problem, ZERO).run(gradients=gradients)
    return {
        name for _, name, value in scalar_values(problem, trace, gradients=gradients) if not value
    }
