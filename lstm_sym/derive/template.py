"""The step template: one time step of a cell (plus its loss term), derived once.

A template is over symbols for the previous states (``h_prev``, ``c_prev``), this step's
input and data (``x``, ``y``) and the parameters. Its forward equations come from the
cell and the loss; its backward equations from :func:`lstm_sym.derive.adjoint.derive`. Every
time step of every sequence is an instance of one of a problem's templates (with or
without a loss term), so the symbolic work is independent of T.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy

from ..equations import Equation, Outer
from ..problem import Problem
from ..spec.cells import Cell, equation_dim
from ..spec.losses import LOSS_TERM, Loss, terminal_equations
from .adjoint import Backward, derive
from .naming import delta, grad, incoming


@dataclass(frozen=True, eq=False)
class StepTemplate:
    """Forward and backward equations of one step, with the dimension of every name."""

    cell: Cell
    forward: tuple[Equation, ...]
    backward: tuple[Equation | Outer, ...]
    dims: dict[str, str]
    #: adjoints that are constants (0 or 1) and so have no equation
    constant: dict[str, sympy.Expr]
    #: names of step inputs (x and the data the loss reads)
    data: tuple[str, ...]
    #: names of loss terms defined by this template
    loss_terms: tuple[str, ...]

    @property
    def loss_quantities(self) -> tuple[str, ...]:
        """Every quantity the loss defines (its terms and intermediates such as softmax ``p``)."""
        cell_targets = {eq.target for eq in self.cell.equations}
        return tuple(eq.target for eq in self.forward if eq.target not in cell_targets)

    def equation(self, target: str) -> Equation | Outer | None:
        """The forward or backward equation that defines ``target`` (``None``: none does)."""
        for eq in self.backward:
            if eq.target == target:
                return eq
        for eq in self.forward:
            if eq.target == target:
                return eq
        return None

    def shape(self, name: str, sizes: dict[str, int]) -> tuple[int, ...]:
        """The numeric shape of ``name`` given the problem's sizes (``{"n": 2, "d": 3}``)."""
        dim = self.dims[name]
        if "," in dim:
            rows, cols = dim.split(",")
            return (_size(rows, sizes), _size(cols, sizes))
        return (_size(dim, sizes),)


def _size(dim: str, sizes: dict[str, int]) -> int:
    return 1 if dim == "1" else sizes[dim]


def _backward_dims(forward_dims: dict[str, str], backward: Backward, cell: Cell) -> dict[str, str]:
    dims = dict(forward_dims)
    for name, dim in forward_dims.items():
        dims[delta(name)] = dim
    for param in cell.params:
        dims[param.name] = ",".join(param.shape)
        dims[grad(param.name)] = ",".join(param.shape)
    for state in cell.states:
        dims[incoming(state.name)] = state.size
    for eq in backward.equations:
        if isinstance(eq, Equation) and eq.reduce:
            dims[eq.target] = "1"
    return dims


@lru_cache(maxsize=64)
def step_template(
    cell: Cell, loss_equations: tuple[Equation, ...], data: tuple[str, ...]
) -> StepTemplate:
    """The template of one step of ``cell`` followed by ``loss_equations`` (may be empty)."""
    forward = cell.equations + loss_equations
    dims = cell.quantity_dims()
    for name in data:
        dims[name] = dims[cell.output]
    for eq in loss_equations:
        dims[eq.target] = equation_dim(cell, eq, dims)
    loss_terms = tuple(eq.target for eq in loss_equations if eq.target == LOSS_TERM)
    backward = derive(
        forward,
        dims,
        leaves=(cell.input, *(state.prev for state in cell.states)),
        params={param.name: param.is_matrix for param in cell.params},
        seeds=loss_terms,
        carried={state.name: incoming(state.name) for state in cell.states},
    )
    return StepTemplate(
        cell=cell,
        forward=forward,
        backward=backward.equations,
        dims=_backward_dims(dims, backward, cell),
        constant=backward.constant,
        data=(cell.input, *data),
        loss_terms=loss_terms,
    )


def loss_template(cell: Cell, loss: Loss, scale: sympy.Rational) -> StepTemplate:
    """The template of a step that has a loss term."""
    return step_template(cell, loss.step(cell.output, scale), (loss.data,))


def plain_template(cell: Cell) -> StepTemplate:
    """The template of a step without a loss term (no target at that step)."""
    return step_template(cell, (), ())


def problem_templates(problem: Problem) -> tuple[StepTemplate, StepTemplate]:
    """The templates of ``problem``'s steps with and without a loss term."""
    return (
        loss_template(problem.cell, problem.loss, problem.loss_scale),
        plain_template(problem.cell),
    )


@lru_cache(maxsize=64)
def terminal_template(cell: Cell, states: tuple[str, ...]) -> StepTemplate:
    """The terminal loss terms ``⟨g_s, s_T⟩`` over final states (the upstream loss)."""
    forward = terminal_equations(states)
    dims = {state.name: state.size for state in cell.states if state.name in states}
    data = tuple(f"g_{state}" for state in states)
    for state in states:
        dims[f"g_{state}"] = dims[state]
    for eq in forward:
        dims[eq.target] = "1"
    backward = derive(
        forward, dims, leaves=states, params={}, seeds=tuple(eq.target for eq in forward)
    )
    for name in states:
        dims[delta(name)] = dims[name]
    for eq in forward:
        dims[delta(eq.target)] = "1"
    return StepTemplate(
        cell,
        forward,
        backward.equations,
        dims,
        backward.constant,
        data,
        tuple(eq.target for eq in forward),
    )


__all__ = [
    "LOSS_TERM",
    "StepTemplate",
    "loss_template",
    "plain_template",
    "problem_templates",
    "step_template",
    "terminal_template",
]
