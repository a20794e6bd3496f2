"""The numbers a sheet shows: given data exactly, computed values correctly rounded.

Arithmetic never uses these strings: they are only what a reader sees. Inputs print as
given (``0.5``, ``-3``, ``\\frac{1}{3}``); computed values come from a certified
:class:`~lstm_sym.solution.Solution` rounded to a fixed number of decimal places.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Context, Decimal

import sympy

from ..names import Name
from ..numbers import terminating_decimal
from ..problem import Problem
from ..solution import Solution

#: Decimal exponents outside this range print in scientific notation.
_POSITIONAL = range(-6, 10)


def exact_number(value: sympy.Rational) -> str:
    """An exact rational as LaTeX: a terminating decimal, or a fraction."""
    decimal = terminating_decimal(value)
    if decimal is None:
        minus = "-" if value < 0 else ""
        return rf"{minus}\frac{{{abs(int(value.p))}}}{{{int(value.q)}}}"
    if not decimal:
        return "0"
    exponent = decimal.adjusted()
    if exponent in _POSITIONAL:
        return format(decimal, "f")
    digits = decimal.as_tuple()  # the mantissa with one digit before the point, exact:
    mantissa = Decimal((digits.sign, digits.digits, 1 - len(digits.digits)))
    return rf"{format(mantissa, 'f')} \times 10^{{{exponent}}}"


def rounded_number(value: Decimal, decimals: int) -> str:
    """A rounded value with all its decimal places (``0.50000``; never ``-0.00000``)."""
    if not value:
        value = abs(value)
    digits = max(value.adjusted(), 0) + decimals + 2
    return format(value.quantize(Decimal(1).scaleb(-decimals), context=Context(prec=digits)), "f")


def problem_inputs(problem: Problem) -> Iterator[tuple[Name, sympy.Rational]]:
    """Every given number of a problem under its program name (``W_f[1,2]``, ``x_1[2]^(2)``)."""
    for name, value in problem.params.items():
        if problem.cell.param(name).is_matrix:
            rows = value
            single = len(rows) * len(rows[0]) == 1
            for r, row in enumerate(rows, start=1):
                for c, entry in enumerate(row, start=1):
                    yield Name(name, None, () if single else (r, c)), entry
        else:
            yield from _vector(Name(name), value)
    data = problem.loss.data
    for b, seq in enumerate(problem.sequences):
        label = problem.seq_label(b)
        for t, (x, y) in enumerate(zip(seq.x, seq.targets, strict=True), start=1):
            yield from _vector(Name(problem.cell.input, t, (), label), x)
            if y is not None:
                yield from _vector(Name(data, t, (), label), y)
        for state, value in seq.initial.items():
            yield from _vector(Name(state, 0, (), label), value)
        for state, value in seq.terminal.items():
            yield from _vector(Name(f"g_{state}", None, (), label), value)


def _vector(
    name: Name, values: tuple[sympy.Rational, ...]
) -> Iterator[tuple[Name, sympy.Rational]]:
    if len(values) == 1:
        yield name, values[0]
        return
    for k, value in enumerate(values, start=1):
        yield name.component(k), value


class Numbers:
    """The displayed number of every name: given data exactly, computed values rounded."""

    def __init__(self, problem: Problem, solution: Solution | None, decimals: int):
        self.inputs = dict(problem_inputs(problem))
        self.solution = solution
        self.decimals = decimals
        self._text: dict[Name, tuple[str, bool] | None] = {}

    def __contains__(self, name: Name) -> bool:
        return self.lookup(name) is not None

    def lookup(self, name: Name) -> tuple[str, bool] | None:
        """``(latex, is_negative)`` for ``name``, or ``None`` when it has no number."""
        if name in self._text:
            return self._text[name]
        found: tuple[str, bool] | None = None
        if name in self.inputs:
            value = self.inputs[name]
            found = (exact_number(value), bool(value < 0))
        elif self.solution is not None and name in self.solution.by_name:
            rounded = self.solution.by_name[name]
            text = rounded_number(rounded, self.decimals)
            found = (text, text.startswith("-"))
        self._text[name] = found
        return found

    def value(self, name: Name) -> str | None:
        """The rounded value of a computed name (``None`` for inputs and unknown names)."""
        if self.solution is None or name not in self.solution.by_name:
            return None
        return rounded_number(self.solution.by_name[name], self.decimals)
