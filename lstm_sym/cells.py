"""Recurrent cells as data: parameters, states and an ordered list of vector equations.

A cell never gets code of its own elsewhere in the package: evaluation, the backward
pass, printing and code generation all read this declarative spec. Built-in cells live in
:data:`CELLS`; :func:`register_cell` adds one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from .equations import Equation, affine, pointwise
from .errors import InputError
from .functions import sigma
from .names import template_symbol as s

#: A dimension is a size name ("n" hidden, "d" input, ...) or "1".
Dim = str


@dataclass(frozen=True)
class Param:
    """A parameter: a matrix (``shape = (rows, cols)``) or a vector (``shape = (rows,)``)."""

    name: str
    shape: tuple[Dim, ...]

    @property
    def is_matrix(self) -> bool:
        return len(self.shape) == 2


@dataclass(frozen=True)
class State:
    """A quantity carried from one step to the next; ``<name>_prev`` reads last step's value."""

    name: str
    size: Dim

    @property
    def prev(self) -> str:
        return f"{self.name}_prev"


@dataclass(frozen=True, eq=False)
class Cell:
    """A recurrent cell: what it reads, what it carries, and how one step computes."""

    name: str
    description: str
    params: tuple[Param, ...]
    states: tuple[State, ...]
    equations: tuple[Equation, ...]
    input: str = "x"
    input_size: Dim = "d"
    output: str = "h"
    latex: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    def quantity_dims(self) -> dict[str, Dim]:
        """The size (as a dimension name) of every vector the step reads or defines."""
        dims: dict[str, Dim] = {self.input: self.input_size}
        for state in self.states:
            dims[state.prev] = state.size
        for param in self.params:
            if not param.is_matrix:
                dims[param.name] = param.shape[0]
        for eq in self.equations:
            dims[eq.target] = _equation_dim(self, eq, dims)
        return dims

    def equations_text(self) -> list[str]:
        """The equations in plain text, for listings."""
        lines = []
        for eq in self.equations:
            terms = [f"{t.matrix} @ {t.vector}" for t in eq.linear]
            if eq.pointwise != 0 or not terms:
                terms.append(str(eq.pointwise))
            lines.append(f"{eq.target} = {' + '.join(terms)}")
        return lines


def _equation_dim(cell: Cell, eq: Equation, dims: dict[str, Dim]) -> Dim:
    if eq.reduce:
        return "1"
    if eq.linear:
        return cell.param(eq.linear[0].matrix).shape[0]
    sizes = {dims[name] for name in eq.pointwise_operands()} - {"1"}
    if len(sizes) > 1:
        raise ValueError(f"cell {cell.name}: {eq.target} mixes sizes {sorted(sizes)}")
    return sizes.pop() if sizes else "1"


CELLS: dict[str, Cell] = {}


def register_cell(cell: Cell) -> Cell:
    """Add ``cell`` to the registry of built-in cells (by its name)."""
    CELLS[cell.name] = cell
    return cell


def get_cell(name: str, *, field: str = "cell") -> Cell:
    """The registered cell called ``name``, or an :class:`InputError` listing the known ones."""
    try:
        return CELLS[name]
    except KeyError:
        known = ", ".join(sorted(CELLS))
        raise InputError(field, f"one of: {known}", repr(name)) from None


def _gate_params(gate: str) -> tuple[Param, ...]:
    return (
        Param(f"W_{gate}", ("n", "d")),
        Param(f"U_{gate}", ("n", "n")),
        Param(f"b_{gate}", ("n",)),
    )


def _preactivation(gate: str) -> Equation:
    return affine(f"z_{gate}", (f"W_{gate}", "x"), (f"U_{gate}", "h_prev"), bias=f"b_{gate}")


LSTM = register_cell(
    Cell(
        name="lstm",
        description="LSTM with forget gate (the homework's cell): gates f, i, o and candidate c̃.",
        params=_gate_params("f") + _gate_params("i") + _gate_params("o") + _gate_params("c"),
        states=(State("h", "n"), State("c", "n")),
        equations=(
            _preactivation("f"),
            pointwise("f", sigma(s("z_f"))),
            _preactivation("i"),
            pointwise("i", sigma(s("z_i"))),
            _preactivation("o"),
            pointwise("o", sigma(s("z_o"))),
            _preactivation("c"),
            pointwise("c_tilde", sympy.tanh(s("z_c"))),
            pointwise("c", s("f") * s("c_prev") + s("i") * s("c_tilde")),
            pointwise("h", s("o") * sympy.tanh(s("c"))),
        ),
        latex={"c_tilde": r"\tilde{c}", "z_c": r"z_{\tilde{c}}"},
    )
)
