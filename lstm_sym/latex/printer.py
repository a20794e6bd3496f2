"""SymPy's LaTeX printer, taught the notation of a solution sheet.

One printer class prints a named-program expression two ways:

* as a **formula** — program symbols as names (``\\tilde{c}_{1}``, ``\\delta h_{2}``),
  elementwise products as ``\\odot``, elementwise functions as ``\\sigma(z_{f,1})``;
* with **numbers** substituted — every name replaced by its displayed number (a
  ``bmatrix`` for vectors and matrices), products written with ``\\cdot`` and negative
  numbers parenthesized wherever a sign could be misread.

The two share one term order, so the lines of a sheet correspond term by term: sums are
ordered by the cell's parameter order (``W x + U h + b``), positive terms first, then by
sequence, step and component.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import Any

import sympy
from sympy.matrices.expressions import MatAdd, MatMul, MatrixExpr, MatrixSymbol, ZeroMatrix
from sympy.printing.latex import LatexPrinter

from ..derive.naming import total_of
from ..names import Name, name_of
from ..spec.cells import Cell
from .display import Numbers
from .names import NameStyle

#: What marks a printed factor as a matrix (juxtaposed, never joined by a dot).
_MATRIX_MARKS = (r"\begin{bmatrix}", r"\mathbf")
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")

#: Sort key of a sum's terms: (parameter rank, negative, sequence, step, component, position).
TermKey = tuple[int, bool, int, int, tuple[int, ...], int]


def program_name(sym: sympy.Basic) -> Name | None:
    """The program name a symbol or matrix symbol stands for."""
    if isinstance(sym, MatrixSymbol):
        return Name.parse(str(sym.name))
    return name_of(sym)


def bmatrix(rows: Iterable[Iterable[str]]) -> str:
    """A ``bmatrix`` of already-printed entries."""
    body = r" \\ ".join(" & ".join(row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


class SheetPrinter(LatexPrinter):
    """Prints program expressions as formulas, or with numbers substituted (``numbers``)."""

    def __init__(
        self,
        names: NameStyle,
        *,
        numbers: Numbers | None = None,
        rank: Callable[[str], int] = lambda base: -1,
        is_matrix: Callable[[str], bool] = lambda base: False,
    ):
        super().__init__({"mul_symbol": "dot" if numbers is not None else None})
        self.names = names
        self.numbers = numbers
        self.rank = rank
        self.is_matrix = is_matrix
        #: symbols printed as given LaTeX (template symbols, function placeholders)
        self.overrides: dict[sympy.Basic, str] = {}

    # -- names and numbers ---------------------------------------------------------------
    def _number(self, name: Name | None) -> tuple[str, bool] | None:
        if self.numbers is None or name is None:
            return None
        return self.numbers.lookup(name)

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        if expr in self.overrides:
            return self.overrides[expr]
        name = name_of(expr)
        number = self._number(name)
        if number is not None:
            return number[0]
        if name is not None:
            return self.names(name)
        return str(super()._print_Symbol(expr, style))

    _print_Dummy = _print_Symbol

    def _entries(self, name: Name, rows: int, cols: int) -> list[list[str]] | None:
        """The displayed numbers of a vector or matrix name, row by row (``None`` if unknown)."""
        if self.numbers is None:
            return None
        matrix = self.is_matrix(name.base)
        out = []
        for r in range(1, rows + 1):
            row = []
            for c in range(1, cols + 1):
                part = (
                    name
                    if rows * cols == 1
                    else name.component(r, c)
                    if matrix
                    else name.component(r)
                )
                number = self.numbers.lookup(part)
                if number is None:
                    return None
                row.append(number[0])
            out.append(row)
        return out

    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        name = program_name(expr)
        if name is None:
            return str(super()._print_MatrixSymbol(expr))
        entries = self._entries(name, expr.rows, expr.cols)
        if entries is None:
            return self.names(name)
        return entries[0][0] if expr.rows * expr.cols == 1 else bmatrix(entries)

    def _shown_number(self, expr: sympy.Basic) -> tuple[str, bool] | None:
        """The number a symbol (or a 1×1 matrix symbol) is shown as, with its sign."""
        if isinstance(expr, sympy.Symbol):
            return self._number(name_of(expr))
        if isinstance(expr, MatrixSymbol) and expr.rows * expr.cols == 1:
            return self._number(program_name(expr))
        return None

    def _parenthesized_number(self, expr: sympy.Basic) -> bool:
        """A symbol shown as a negative number, a fraction or in scientific notation.

        Such numbers are parenthesized wherever a sign or a bar could be misread: as
        factors, as bases of powers and as terms after the first.
        """
        number = self._shown_number(expr)
        return number is not None and (number[1] or not _PLAIN.fullmatch(number[0]))

    def parenthesize(
        self, item: Any, level: int, is_neg: bool = False, strict: bool = False
    ) -> str:
        if self._parenthesized_number(item):
            return self._add_parens(self._print(item))  # type: ignore[no-any-return]
        return str(super().parenthesize(item, level, is_neg, strict))

    def _needs_mul_brackets(self, expr: Any, first: bool = False, last: bool = False) -> bool:
        return self._parenthesized_number(expr) or bool(
            super()._needs_mul_brackets(expr, first, last)
        )

    # -- sums ----------------------------------------------------------------------------
    def _key(self, term: sympy.Basic, position: int) -> TermKey:
        names = sorted(
            (n for n in map(program_name, _symbols(term)) if n is not None),
            key=lambda n: (self.rank(n.base) < 0, self.rank(n.base), str(n)),
        )
        ranked = [n for n in names if self.rank(n.base) >= 0]
        lead = ranked[0] if ranked else names[0] if names else None
        rank = self.rank(lead.base) if ranked and lead is not None else 1 << 20
        steps = [n.step for n in names if n.step is not None]
        seqs = [n.seq for n in names if n.seq is not None]
        return (
            rank,
            _is_negative(term),
            min(seqs, default=0),
            min(steps, default=1 << 20),
            lead.index if lead is not None else (),
            position,
        )

    def ordered_terms(self, expr: sympy.Basic) -> list[sympy.Basic]:
        """The terms of a (flattened) sum in sheet order; zero terms are left out."""
        terms = [t for t in _flatten(expr) if not _is_zero(t)]
        keyed = sorted((self._key(t, i), t) for i, t in enumerate(terms))
        return [t for _, t in keyed] or [sympy.S.Zero]

    def terms(self, expr: sympy.Basic) -> list[str]:
        """The printed terms of a sum, each after the first starting with ``+`` or ``-``."""
        out = []
        for i, term in enumerate(self.ordered_terms(expr)):
            sign = ""
            if _is_negative(term):
                sign, term = "- ", _negate(term)
            elif i > 0:
                sign = "+ "
            tex = self._print(term)
            if (i > 0 or sign) and (
                self._parenthesized_number(term) or self._needs_add_brackets(term)
            ):
                tex = self._add_parens(tex)
            out.append(sign + tex)
        return out

    def _print_Add(self, expr: sympy.Add, order: str | None = None) -> str:
        return " ".join(self.terms(expr))

    def _print_MatAdd(self, expr: MatAdd) -> str:
        return " ".join(self.terms(expr))

    # -- matrix products (vector view) ---------------------------------------------------
    def _print_MatMul(self, expr: MatMul) -> str:
        coefficient, factors = expr.as_coeff_matrices()
        prefix = ""
        parts: list[str] = []
        if coefficient == -1:
            prefix = "- "
        elif coefficient != 1:
            parts.append(str(self._print(coefficient)))
        for factor in factors:
            tex = str(self._print(factor))
            if isinstance(factor, MatAdd) or self._parenthesized_number(factor):
                tex = self._add_parens(tex)
            parts.append(tex)
        text = parts[0]
        for left, right in pairwise(parts):
            matrix = any(mark in side for side in (left, right) for mark in _MATRIX_MARKS)
            text += " " if self.numbers is None or matrix else r" \cdot "
            text += right
        return prefix + text

    # -- elementwise (vector view) -------------------------------------------------------
    def _print_HadamardProduct(self, expr: Any) -> str:
        return r" \odot ".join(self._factor(arg) for arg in expr.args)

    def _factor(self, arg: Any) -> str:
        tex = self._print(arg)
        if (
            isinstance(arg, MatAdd | sympy.Add)
            or self._parenthesized_number(arg)
            or _is_negative(arg)
        ):
            return self._add_parens(tex)  # type: ignore[no-any-return]
        return str(tex)

    def _print_HadamardPower(self, expr: Any) -> str:
        return rf"{self._power_base(expr.base)}^{{\odot {self._print(expr.exp)}}}"

    def _power_base(self, base: Any) -> str:
        tex = str(self._print(base))
        if self._parenthesized_number(base):
            return self._add_parens(tex)  # type: ignore[no-any-return]
        if isinstance(base, MatrixSymbol) and (tex.startswith(r"\begin") or "^" not in tex):
            return tex
        return self._add_parens(tex)  # type: ignore[no-any-return]

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        function = expr.function
        (variable,) = function.variables
        self.overrides[variable] = str(self._print(expr.expr))
        try:
            return str(self._print(function.expr))
        finally:
            del self.overrides[variable]

    def _print_Transpose(self, expr: Any) -> str:
        arg = expr.arg
        name = program_name(arg) if isinstance(arg, MatrixSymbol) else None
        if name is not None:
            entries = self._entries(name, arg.rows, arg.cols)
            if entries is not None and arg.rows * arg.cols == 1:
                return self._print(arg)  # type: ignore[no-any-return]
            if entries is not None:
                return bmatrix(zip(*entries, strict=True))
        return rf"{self._power_base(arg)}^{{\top}}"

    def _print_OneMatrix(self, expr: Any) -> str:
        if expr.rows == 1 and expr.cols > 1:
            return r"\mathbf{1}^{\top}"
        return r"\mathbf{1}"

    def _print_Identity(self, expr: Any) -> str:
        return "1" if expr.rows == 1 else r"I"

    def _print_ZeroMatrix(self, expr: Any) -> str:
        return "0"


def cell_printer(
    cell: Cell, names: NameStyle | None = None, *, numbers: Numbers | None = None
) -> SheetPrinter:
    """The sheet's printer for ``cell``: its names, its parameter order, its matrices."""
    ranks = {p.name: i for i, p in enumerate(cell.params)}
    matrices = {p.name for p in cell.params if p.is_matrix}
    return SheetPrinter(
        names or NameStyle(cell),
        numbers=numbers,
        rank=lambda base: ranks.get(base, -1),
        is_matrix=lambda base: base in matrices or total_of(base) in matrices,
    )


def formula(expr: sympy.Basic, cell: Cell) -> str:
    """``expr`` (a named-program expression of ``cell``) as LaTeX, exactly as a sheet prints it."""
    return str(cell_printer(cell).doprint(expr))


def _symbols(expr: sympy.Basic) -> Iterable[sympy.Basic]:
    if isinstance(expr, MatrixSymbol):
        return (expr,)
    return sorted(expr.free_symbols, key=str)


def _flatten(expr: sympy.Basic) -> list[sympy.Basic]:
    if isinstance(expr, sympy.Add | MatAdd):
        return [t for arg in expr.args for t in _flatten(arg)]
    return [expr]


def _is_zero(expr: sympy.Basic) -> bool:
    return isinstance(expr, ZeroMatrix) or expr == 0


def _is_negative(expr: sympy.Basic) -> bool:
    """Whether a term prints with a leading minus (matrix products: a negative coefficient)."""
    if isinstance(expr, MatrixExpr):
        # structural: MatMul.could_extract_minus_sign() would evaluate the negated product
        return isinstance(expr, MatMul) and bool(expr.args[0].is_Number and expr.args[0] < 0)
    return bool(expr.could_extract_minus_sign())


def _negate(expr: sympy.Basic) -> sympy.Basic:
    if isinstance(expr, MatMul):
        coefficient, factors = expr.as_coeff_matrices()
        if coefficient == -1:
            return factors[0] if len(factors) == 1 else MatMul(*factors)
        return MatMul(-coefficient, *factors)
    return -expr
