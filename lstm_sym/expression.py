"""A named-program expression that displays in Jupyter as a solution sheet prints it.

:meth:`Model.expr <lstm_sym.model.Model.expr>` returns an :class:`Expression`: the SymPy
expression (``.sympy``), which it stands in for — SymPy functions, arithmetic,
comparison, ``str`` and attributes such as ``.subs`` and ``.free_symbols`` all reach it —
and the cell, whose names the LaTeX view uses: ``\\tilde{c}_{2}``, ``\\delta h_{1}``,
``W_{f,12}``, the same printer and term order as the sheet.
"""

from __future__ import annotations

from typing import Any

import sympy

from .spec.cells import Cell


class Expression:
    """A SymPy expression of a cell's named program, printed with the sheet's names."""

    __slots__ = ("cell", "sympy")

    def __init__(self, expr: sympy.Basic, cell: Cell):
        self.sympy = expr
        self.cell = cell

    def latex(self) -> str:
        """The expression as LaTeX, exactly as a solution sheet prints it."""
        from .latex.printer import formula

        return formula(self.sympy, self.cell)

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def _latex(self, printer: Any) -> str:
        """What ``sympy.latex(expression)`` prints: the sheet's LaTeX."""
        return self.latex()

    def _sympy_(self) -> sympy.Basic:
        return self.sympy

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__") or attribute in Expression.__slots__:
            raise AttributeError(attribute)  # not yet set (copying), or a protocol SymPy lacks
        return getattr(self.sympy, attribute)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Expression, (self.sympy, self.cell))

    def __str__(self) -> str:
        return str(self.sympy)

    def __repr__(self) -> str:
        return repr(self.sympy)

    def __eq__(self, other: object) -> bool:
        return bool(self.sympy == _unwrap(other))

    def __hash__(self) -> int:
        return hash(self.sympy)

    def __neg__(self) -> Any:
        return -self.sympy

    def __add__(self, other: Any) -> Any:
        return self.sympy + _unwrap(other)

    def __radd__(self, other: Any) -> Any:
        return _unwrap(other) + self.sympy

    def __sub__(self, other: Any) -> Any:
        return self.sympy - _unwrap(other)

    def __rsub__(self, other: Any) -> Any:
        return _unwrap(other) - self.sympy

    def __mul__(self, other: Any) -> Any:
        return self.sympy * _unwrap(other)

    def __rmul__(self, other: Any) -> Any:
        return _unwrap(other) * self.sympy

    def __truediv__(self, other: Any) -> Any:
        return self.sympy / _unwrap(other)

    def __rtruediv__(self, other: Any) -> Any:
        return _unwrap(other) / self.sympy

    def __pow__(self, other: Any) -> Any:
        return self.sympy ** _unwrap(other)

    def __rpow__(self, other: Any) -> Any:
        return _unwrap(other) ** self.sympy


def _unwrap(value: Any) -> Any:
    return value.sympy if isinstance(value, Expression) else value
