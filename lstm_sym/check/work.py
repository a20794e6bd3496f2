"""The correct line of work for an answer: the solution sheet's *formula = numbers = value* line.

The report shows it for the first wrong answer, beside the student's value: the same line a
solution sheet (:class:`lstm_sym.latex.Sheet`) prints, with values rounded to the places the
student wrote (1 to 12), as LaTeX rows for the LaTeX report and as plain text
(``h_1 = o_1*tanh(c_1) = 0.97812*tanh(0.22605) = 0.21741``) for text and Markdown. Names are
typeset as the sheet names them (:class:`lstm_sym.latex.names.NameStyle`); the squared
error ``se_t``, which no sheet line defines, is ``(y_t - h_t)^2`` = ℓ_t / scale.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import gmpy2
import sympy
from sympy.printing.str import StrPrinter

from ..choices import MIN_DIGITS
from ..derive.naming import BACKWARD, FORWARD, GRADIENT, INTERMEDIATE, LOSS, UPDATE
from ..derive.program import Assignment
from ..errors import LstmSymError
from ..latex.blocks import line as make_line
from ..latex.names import NameStyle
from ..latex.sheet import Sheet
from ..latex.widths import align_rows, width
from ..limits import limit
from ..names import Name, name_of, symbol
from ..numbers import format_decimal
from ..problem import Problem
from .quantities import SQUARED_ERROR, Quantity
from .report import WorkLine
from .verdicts import decimals


def name_latex(problem: Problem, names: NameStyle, name: Name, vector_output: bool) -> str:
    """LaTeX for an answerable quantity as the sheet names it (``se_t``: the squared error)."""
    if name.base != SQUARED_ERROR:
        return names(name)
    data = names(Name(problem.loss.data, name.step, (), name.seq))
    output = names(Name(problem.cell.output, name.step, (), name.seq))
    if vector_output:
        return rf"\lVert {data} - {output} \rVert^{{2}}"
    return rf"\left({data} - {output}\right)^{{2}}"


def sheet_parts(section: str) -> tuple[str, ...]:
    """The sheet parts that compute a quantity of ``section`` (no gradients for the forward pass)."""
    if section == FORWARD:
        return ("forward",)
    if section == LOSS:
        return ("forward", "loss")
    assert section in (BACKWARD, GRADIENT)
    return ("forward", "loss", "backward")


def work_line(
    problem: Problem,
    quantity: Quantity,
    written: Decimal,
    rounded: Decimal,
    lhs: str,
) -> WorkLine | None:
    """The sheet's line for ``quantity`` at the places of ``written`` (None: no sheet fits).

    ``rounded`` is the exact value at the places written (the value of an ``se_t`` line);
    ``lhs`` the quantity's LaTeX name. A problem too large for a sheet has no line.
    """
    if quantity.section in (UPDATE, INTERMEDIATE):  # not a line of the program
        return None
    places = decimals(written)
    digits = min(max(places, MIN_DIGITS), limit("sheet_digits"))
    try:
        sheet = Sheet(problem, digits=digits, parts=sheet_parts(quantity.section))
        assignment = sheet.program[quantity.source]
        value: str | None = None
        if quantity.source != quantity.name:  # se_t = ell_t / scale
            expr = assignment.expr / problem.loss_scale
            assignment = Assignment(quantity.name, symbol(quantity.name), expr, LOSS)
            value = format_decimal(rounded) if places == digits else None
        sheet_line = sheet.sheet_line(assignment)
    except LstmSymError:  # beyond the sheet limits: the report goes without the line
        return None
    extra = [(value,)] if value is not None else []
    line = make_line(lhs, *sheet_line.parts, *extra)  # drops a formula that repeats lhs
    numbers = sheet.numbers

    def shown(name: Name) -> str | None:
        if name in numbers.inputs:
            return plain_number(numbers.inputs[name])
        return numbers.value(name)

    formula = PlainPrinter(lambda name: None).doprint(assignment.expr)
    substituted = PlainPrinter(shown).doprint(assignment.expr)
    result = value or numbers.value(quantity.name)
    parts = [str(quantity.name)]
    for part in (formula, substituted, result):
        if part is not None and part != parts[-1]:
            parts.append(part)
    return WorkLine(
        name=str(quantity.name),
        written=format_decimal(written),
        latex=tuple(align_rows(line.lhs, line.parts, width(line.lhs))),
        text=" = ".join(parts),
    )


def plain_number(value: sympy.Rational) -> str:
    """A given number as plain text: its terminating decimal (``0.2``), else ``1/3``."""
    p, q = int(value.p), int(value.q)
    twos = fives = 0
    rest = q
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:
        return f"{p}/{q}"
    places = max(twos, fives)
    digits = gmpy2.mpz(abs(p) * 10**places // q).digits(10)  # no str() digit limit
    return format_decimal(Decimal((int(p < 0), tuple(map(int, digits)), -places)))


class PlainPrinter(StrPrinter):
    """A program expression as plain text: names (``c_tilde_1``), or their shown numbers."""

    def __init__(self, number: Callable[[Name], str | None]):
        super().__init__()
        self.number = number

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        name = name_of(expr)
        if name is None:
            return str(super()._print_Symbol(expr))
        shown = self.number(name)
        if shown is None:
            return str(name)
        return f"({shown})" if shown.startswith("-") or "/" in shown else shown

    def _print_Function(self, expr: sympy.Function) -> str:
        """``tanh(-0.21688)``: an argument needs no parentheses of its own."""
        args = ", ".join(
            self._print(arg).removeprefix("(").removesuffix(")") if _bare(arg) else self._print(arg)
            for arg in expr.args
        )
        return f"{expr.func.__name__}({args})"


def _bare(expr: sympy.Basic) -> bool:
    """A lone name (printed as a number that may be parenthesized)."""
    return isinstance(expr, sympy.Symbol)


__all__ = ["WorkLine", "name_latex", "plain_number", "work_line"]
