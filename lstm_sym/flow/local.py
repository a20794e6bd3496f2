"""One step's local derivatives, derived once per step template and evaluated per step.

Every equation ``v := Σ W·u + e(u_1..u_k)`` of a step gives, for each name ``u`` it reads,
the local derivative ∂v/∂u: the matrices ``W`` of its linear part and ``sympy.diff(e, u)``
of its small pointwise formula, re-expressed over names already computed (σ' is
``f·(1 − f)``), as in the backward pass. From these, at one step's values:

* :meth:`StepDerivatives.jacobian` — ∂(states_t)/∂(states_{t−1}), forward through the
  cell's equations (a tangent per state component);
* :meth:`StepDerivatives.contribution` — the part ``(∂v/∂u)ᵀ·δv`` of the adjoint δu that
  arrives through one reading equation ``v`` (one *path* of the gradient).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mpmath
import sympy

from ..derive.naming import delta
from ..derive.template import StepTemplate
from ..equations import Equation
from ..evaluate.stable import saturating_names, stable_form
from ..names import template_symbol
from ..spec.activations import mpmath_functions
from .linalg import Matrix, zeros

Env = dict[str, Any]


@dataclass(frozen=True)
class Reader:
    """How equation ``equation`` reads ``operand``: its matrix terms and pointwise partial."""

    equation: Equation
    operand: str
    #: (matrix, transposed) of every term ``matrix · operand`` of the linear part
    matrices: tuple[tuple[str, bool], ...]
    #: ∂(pointwise part)/∂operand, compiled over ``args`` (None when it is 0)
    partial: Callable[..., Any] | None
    args: tuple[str, ...]
    #: the formula of the partial (for display), over template names
    formula: sympy.Expr

    @property
    def target(self) -> str:
        return self.equation.target


class StepDerivatives:
    """The local derivatives of every equation of ``template`` (see the module docstring)."""

    def __init__(self, template: StepTemplate):
        self.template = template
        forward = template.forward
        named = {
            eq.pointwise: template_symbol(eq.target)
            for eq in forward
            if not eq.linear and not eq.reduce and not eq.pointwise.is_Atom
        }
        saturating = saturating_names(forward)
        #: operand -> the equations reading it, in evaluation order
        self.readers: dict[str, list[Reader]] = {}
        for eq in forward:
            for operand in eq.operands():
                matrices = tuple(
                    (term.matrix, term.transpose) for term in eq.linear if term.vector == operand
                )
                formula = sympy.diff(eq.pointwise, template_symbol(operand)).xreplace(named)
                if not matrices and formula == 0:
                    continue  # a matrix parameter (read only as W of W·u)
                partial, args = _compile(formula, saturating)
                reader = Reader(eq, operand, matrices, partial, args, formula)
                self.readers.setdefault(operand, []).append(reader)

    def readers_of(self, operand: str) -> list[Reader]:
        """The equations of the step that read ``operand`` (with a nonzero derivative)."""
        return self.readers.get(operand, [])

    def partials(self, reader: Reader, env: Env, width: int) -> list[Any]:
        """The pointwise partial ∂e/∂operand at each of ``width`` components."""
        if reader.partial is None:
            return [mpmath.mpf(0)] * width
        columns = [env[a] for a in reader.args]
        return [
            mpmath.mpf(reader.partial(*(col[0] if len(col) == 1 else col[k] for col in columns)))
            for k in range(width)
        ]

    def contribution(self, reader: Reader, env: Env) -> list[Any] | None:
        """``(∂v/∂u)ᵀ·δv``: the part of δu (u = ``reader.operand``) that arrives through v.

        ``None`` when v has no adjoint at this step (nothing downstream reads it).
        """
        eq, size = reader.equation, len(env[reader.operand])
        adjoint = env.get(delta(eq.target))
        if adjoint is None:
            return None
        total = [mpmath.mpf(0)] * size
        for matrix, transposed in reader.matrices:
            rows = env[matrix]
            for j in range(size):  # (Wᵀ δv)_j, or (W δv)_j for a transposed product
                terms = (
                    zip(rows[j], adjoint, strict=True)
                    if transposed
                    else ((row[j], a) for row, a in zip(rows, adjoint, strict=True))
                )
                total[j] += mpmath.fdot(terms)
        if reader.partial is not None:
            width = self._width(reader, env)
            for k, d in enumerate(self.partials(reader, env, width)):
                a = adjoint[0] if len(adjoint) == 1 else adjoint[k]
                total[0 if size == 1 else k] += d * a
        return total

    def jacobian(self, env: Env, states: Sequence[str], prev: Sequence[str]) -> Matrix:
        """∂(states)/∂(prev) at one step: rows the components of ``states``, columns ``prev``."""
        offsets, columns = {}, 0
        for name in prev:
            offsets[name] = columns
            columns += len(env[name])
        tangents: dict[str, Matrix] = {}
        for name in prev:
            size = len(env[name])
            tangents[name] = [
                [mpmath.mpf(int(c == offsets[name] + r)) for c in range(columns)]
                for r in range(size)
            ]
        for eq in self.template.cell.equations:
            self._tangent(eq, env, tangents, columns)
        rows: Matrix = []
        for name in states:
            rows.extend(tangents.get(name) or zeros(len(env[name]), columns))
        return rows

    def _tangent(self, eq: Equation, env: Env, tangents: dict[str, Matrix], columns: int) -> None:
        """d(eq.target) = Σ W·du + Σ ∂e/∂u ⊙ du over the operands that have a tangent."""
        readers = [
            r
            for operand in eq.operands()
            if operand in tangents
            for r in self.readers_of(operand)
            if r.equation is eq
        ]
        if not readers:
            return
        size = len(env[eq.target])
        result = zeros(size, columns)
        for reader in readers:
            du = tangents[reader.operand]
            for matrix, transposed in reader.matrices:
                rows = env[matrix]
                weights = list(zip(*rows, strict=True)) if transposed else rows
                for r in range(size):
                    for c in range(columns):
                        result[r][c] += mpmath.fdot(
                            (w, du_row[c]) for w, du_row in zip(weights[r], du, strict=True)
                        )
            if reader.partial is not None:
                width = self._width(reader, env)
                for k, d in enumerate(self.partials(reader, env, width)):
                    source = du[0] if len(du) == 1 else du[k]
                    r = 0 if size == 1 else k
                    for c in range(columns):
                        result[r][c] += d * source[c]
        tangents[eq.target] = result

    def _width(self, reader: Reader, env: Env) -> int:
        """Components of the pointwise part (the operands' size, before any reduction)."""
        eq = reader.equation
        if not eq.reduce:
            return len(env[eq.target])
        return max(len(env[name]) for name in eq.pointwise_operands())


def _compile(
    formula: sympy.Expr, saturating: Any
) -> tuple[Callable[..., Any] | None, tuple[str, ...]]:
    if formula == 0:
        return None, ()
    stable = stable_form(formula, saturating)
    args = tuple(sorted(s.name for s in stable.free_symbols))
    symbols = [sympy.Symbol(a, real=True) for a in args]
    fn = sympy.lambdify(symbols, stable, modules=[mpmath_functions(), "mpmath"])
    return fn, args


@lru_cache(maxsize=64)
def step_derivatives(template: StepTemplate) -> StepDerivatives:
    """The local derivatives of ``template`` (derived once per template)."""
    return StepDerivatives(template)
