"""The named straight-line program: one assignment per quantity per step.

Unrolling instantiates a problem's step templates at every step by *renaming*: template
symbols (``f``, ``h_prev``, ``delta_c_next``) become the step's names (``f_2``, ``h_1``,
…). Two views are offered:

* the **scalar** view, one assignment per component (what a hand calculation shows),
* the **vector** view, one assignment per vector, with SymPy matrix expressions.

Assignments are built on demand: a single name is instantiated without building the
rest. Names come from :mod:`lstm_sym.derive.naming`; closed forms (everything substituted
back) from :mod:`lstm_sym.derive.closed_form`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy
from sympy.matrices.expressions import MatrixExpr, OneMatrix

from ..equations import Equation, Outer
from ..errors import InputError
from ..names import Name, name_of, symbol
from ..problem import Problem
from .matrices import matrix_dims, to_matrix
from .naming import (
    BACKWARD,
    FORWARD,
    GRADIENT,
    LOSS,
    Naming,
    Section,
    delta,
    delta_of,
    grad,
    incoming_of,
    prev,
    prev_of,
    total,
    total_of,
)
from .template import StepTemplate, problem_templates, terminal_template

#: Longest expression text an :class:`Assignment`'s repr shows.
_REPR_WIDTH = 72


@dataclass(frozen=True)
class Assignment:
    """``name := expr``: one line of the named program."""

    name: Name
    symbol: Any
    expr: Any
    section: Section

    def __str__(self) -> str:
        return f"{self.name} := {self.expr}"

    def __repr__(self) -> str:
        text = str(self)
        if len(text) > _REPR_WIDTH:
            text = text[: _REPR_WIDTH - 3] + "..."
        return f"<Assignment {self.section}: {text}>"


class Program:
    """The unrolled program of a problem in one view (``"scalar"`` or ``"vector"``)."""

    def __init__(self, problem: Problem, *, view: str = "scalar", gradients: bool = True):
        if view not in ("scalar", "vector"):
            raise InputError("view", "'scalar' or 'vector'", repr(view))
        self.problem = problem
        self.view = view
        self.gradients = gradients
        self.cell = problem.cell
        self.naming = Naming.of(problem.cell)
        self.sizes = dict(problem.sizes)
        self.with_loss, self.without_loss = problem_templates(problem)
        states = tuple(sorted({s for seq in problem.sequences for s in seq.terminal}))
        self.terminal = terminal_template(self.cell, states) if states else None

    def __repr__(self) -> str:
        gradients = "with" if self.gradients else "without"
        return f"<Program {self.problem.synopsis}: {self.view} view {gradients} gradients>"

    # -- naming --------------------------------------------------------------------------
    def template_at(self, b: int, t: int) -> StepTemplate:
        """The template of step ``t`` (1-based) of sequence ``b`` (0-based)."""
        has_target = self.problem.sequences[b].targets[t - 1] is not None
        return self.with_loss if has_target else self.without_loss

    def _shape(self, template: StepTemplate, name: str) -> tuple[int, ...]:
        return template.shape(name, self.sizes)

    def rename(self, template: StepTemplate, name: str, b: int, t: int | None) -> Name:
        """The program name of template name ``name`` at step ``t`` of sequence ``b``."""
        sequence = self.problem.sequences[b]
        return self.naming.name(name, t, self.problem.seq_label(b), last=sequence.steps)

    def _scalar(
        self, template: StepTemplate, name: str, b: int, t: int | None, index: tuple[int, ...]
    ) -> sympy.Expr:
        """The symbol of one component (size-1 and 1×1 quantities have no index)."""
        shape = self._shape(template, name)
        if (len(shape) == 1 and shape[0] == 1) or shape == (1, 1):
            index = ()
        elif len(shape) == 1:
            index = index[:1]
        return symbol(self.rename(template, name, b, t).component(*index))

    def _vector(self, template: StepTemplate, name: str, b: int, t: int | None) -> Any:
        """A matrix symbol, or a plain symbol for scalars (dimension "1", which broadcast)."""
        if template.dims[name] == "1":
            return symbol(self.rename(template, name, b, t))
        rows, cols = matrix_dims(self._shape(template, name))
        return sympy.MatrixSymbol(str(self.rename(template, name, b, t)), rows, cols)

    # -- instantiation -------------------------------------------------------------------
    def _incoming(self, b: int, t: int, state: str, index: tuple[int, ...], vector: bool) -> Any:
        """What flows into δ(state)_t from step t+1 (or from the terminal loss at t = T)."""
        steps = self.problem.sequences[b].steps
        if t < steps:
            nxt = self.template_at(b, t + 1)
            eq = nxt.equation(delta(prev(state)))
            if eq is None:
                return sympy.S.Zero
            return (
                self._vector_expr(nxt, eq, b, t + 1)
                if vector
                else self._component_expr(nxt, eq, b, t + 1, index)
            )
        if self.terminal is not None:
            eq = self.terminal.equation(delta(state))
            if eq is not None:
                return (
                    self._vector_expr(self.terminal, eq, b, None)
                    if vector
                    else self._component_expr(self.terminal, eq, b, None, index)
                )
        return sympy.S.Zero

    def _substitution(
        self,
        template: StepTemplate,
        eq: Equation | Outer,
        b: int,
        t: int | None,
        k: int,
        vector: bool,
    ) -> dict[sympy.Symbol, Any]:
        mapping: dict[sympy.Symbol, Any] = {}
        assert isinstance(eq, Equation)
        for name in eq.pointwise_operands():
            sym = sympy.Symbol(name, real=True)
            if name in template.constant:
                mapping[sym] = template.constant[name]
            elif t is not None and (state := incoming_of(name)) is not None:
                mapping[sym] = self._incoming(b, t, state, (k,), vector)
            elif vector:
                mapping[sym] = self._vector(template, name, b, t)
            else:
                mapping[sym] = self._scalar(template, name, b, t, (k,))
        return mapping

    def _component_expr(
        self,
        template: StepTemplate,
        eq: Equation | Outer,
        b: int,
        t: int | None,
        index: tuple[int, ...],
    ) -> sympy.Expr:
        if isinstance(eq, Outer):
            r, c = index
            return sympy.Add(
                *(
                    self._scalar(template, a, b, t, (r,)) * self._scalar(template, v, b, t, (c,))
                    for a, v in eq.pairs
                )
            )
        k = index[0] if index else 1
        terms: list[sympy.Expr] = []
        for term in eq.linear:
            length = self._shape(template, term.vector)[0]
            for j in range(1, length + 1):
                entry = (j, k) if term.transpose else (k, j)
                terms.append(
                    self._scalar(template, term.matrix, b, t, entry)
                    * self._scalar(template, term.vector, b, t, (j,))
                )
        if eq.reduce:
            width = max([self._shape(template, n)[0] for n in eq.pointwise_operands()] or [1])
            for kk in range(1, width + 1):
                terms.append(
                    eq.pointwise.xreplace(self._substitution(template, eq, b, t, kk, False))
                )
        else:
            terms.append(eq.pointwise.xreplace(self._substitution(template, eq, b, t, k, False)))
        return sympy.Add(*terms)

    def _vector_expr(
        self, template: StepTemplate, eq: Equation | Outer, b: int, t: int | None
    ) -> Any:
        if isinstance(eq, Outer):
            return sympy.MatAdd(
                *(
                    self._vector(template, a, b, t) * self._vector(template, v, b, t).T
                    for a, v in eq.pairs
                )
            )
        scalar = eq.reduce or template.dims[eq.target] == "1"
        rows, _ = (1, 1) if scalar else matrix_dims(self._shape(template, eq.target))
        width = max([self._shape(template, n)[0] for n in eq.pointwise_operands()] or [rows])
        terms: list[Any] = []
        for term in eq.linear:
            matrix = self._vector(template, term.matrix, b, t)
            terms.append(
                (matrix.T if term.transpose else matrix) * self._vector(template, term.vector, b, t)
            )
        if eq.pointwise != 0:
            mapping = self._substitution(template, eq, b, t, 1, True)
            part = to_matrix(eq.pointwise, mapping, width)
            if eq.reduce:
                part = OneMatrix(1, width) * part if isinstance(part, MatrixExpr) else part * width
            elif not scalar and not isinstance(part, MatrixExpr) and part != 0:
                part = part * OneMatrix(rows, 1)  # a scalar (a broadcast size-1 name) as a vector
            if isinstance(part, MatrixExpr) or part != 0:
                terms.append(part)  # a zero (no adjoint flows in) adds nothing
        if not terms:
            return sympy.S.Zero if scalar else sympy.ZeroMatrix(rows, 1)
        if len(terms) == 1:
            return terms[0]
        return sympy.MatAdd(*terms)

    def _assignment(
        self, template: StepTemplate, eq: Equation | Outer, b: int, t: int | None
    ) -> Iterator[Assignment]:
        section = self._section(template, eq.target)
        if self.view == "vector":
            name = self.rename(template, eq.target, b, t)
            sym = self._vector(template, eq.target, b, t)
            expr = self._vector_expr(template, eq, b, t)
            yield Assignment(name, sym, expr, section)
            return
        shape = self._shape(template, eq.target)
        indices = (
            [(r, c) for r in range(1, shape[0] + 1) for c in range(1, shape[1] + 1)]
            if len(shape) == 2
            else [(k,) for k in range(1, shape[0] + 1)]
        )
        for index in indices:
            sym = self._scalar(template, eq.target, b, t, index)
            component = name_of(sym)
            assert component is not None
            yield Assignment(
                component, sym, self._component_expr(template, eq, b, t, index), section
            )

    # -- the program ---------------------------------------------------------------------
    def _section(self, template: StepTemplate, target: str) -> Section:
        """Where ``target`` of ``template`` belongs (∂L/∂x_t and ∂L/∂h_0 are gradients)."""
        if any(eq.target == target for eq in template.backward):
            gradient = target == delta(self.cell.input) or prev_of(target) is not None
            return GRADIENT if gradient else BACKWARD
        return LOSS if target in template.loss_quantities else FORWARD

    def _forward(self) -> Iterator[Assignment]:
        for b, seq in enumerate(self.problem.sequences):
            for t in range(1, seq.steps + 1):
                template = self.template_at(b, t)
                for eq in template.forward:
                    yield from self._assignment(template, eq, b, t)
            if self.terminal is not None:
                for eq in self.terminal.forward:
                    yield from self._assignment(self.terminal, eq, b, None)
        if not self.problem.forward_only:
            yield self._total_loss()

    def _total_loss(self) -> Assignment:
        terms = []
        for b, seq in enumerate(self.problem.sequences):
            label = self.problem.seq_label(b)
            for t in range(1, seq.steps + 1):
                for term in self.template_at(b, t).loss_terms:
                    terms.append(symbol(Name(term, t, (), label)))
            if self.terminal is not None:
                terms.extend(
                    symbol(Name(term, None, (), label)) for term in self.terminal.loss_terms
                )
        return Assignment(Name("L"), symbol(Name("L")), sympy.Add(*terms), LOSS)

    def _backward(self) -> Iterator[Assignment]:
        cell = self.cell
        skip = {grad(p.name) for p in cell.params} | {delta(s.prev) for s in cell.states}
        for b, seq in enumerate(self.problem.sequences):
            for t in range(seq.steps, 0, -1):
                template = self.template_at(b, t)
                for eq in template.backward:
                    if eq.target not in skip:
                        yield from self._assignment(template, eq, b, t)
                if t == 1:
                    for state in cell.states:
                        found = template.equation(delta(state.prev))
                        if found is not None:
                            yield from self._assignment(template, found, b, t)
        yield from self._parameter_gradients()

    def _parameter_gradients(self, only: str | None = None) -> Iterator[Assignment]:
        for param in self.cell.params:
            if only is not None and param.name != only:
                continue
            target = grad(param.name)
            name = Name(total(param.name))
            shape = self.problem.params[param.name]
            rows, cols = (len(shape), len(shape[0])) if param.is_matrix else (len(shape), 1)
            steps = [
                (b, t, self.template_at(b, t))
                for b, seq in enumerate(self.problem.sequences)
                for t in range(1, seq.steps + 1)
            ]
            if self.view == "vector":
                parts = [
                    self._vector_expr(tp, eq, b, t)
                    for b, t, tp in steps
                    if (eq := tp.equation(target)) is not None
                ]
                if param.shape == ("1",):  # a size-1 parameter is a scalar, as it reads
                    sym, expr = symbol(name), sympy.Add(*parts)
                else:
                    sym = sympy.MatrixSymbol(str(name), rows, cols)
                    single = parts[0] if parts else sympy.ZeroMatrix(rows, cols)
                    expr = sympy.MatAdd(*parts) if len(parts) > 1 else single
                yield Assignment(name, sym, expr, GRADIENT)
                continue
            for r in range(1, rows + 1):
                for c in range(1, cols + 1):
                    index = (r, c) if param.is_matrix else (r,)
                    parts = [
                        self._component_expr(tp, eq, b, t, index)
                        for b, t, tp in steps
                        if (eq := tp.equation(target)) is not None
                    ]
                    sym = self._scalar(self.with_loss, target, 0, None, index)
                    yield Assignment(name_of(sym) or name, sym, sympy.Add(*parts), GRADIENT)

    def _generate(self) -> Iterator[Assignment]:
        yield from self._forward()
        if self.gradients and not self.problem.forward_only:
            yield from self._backward()

    def __iter__(self) -> Iterator[Assignment]:
        return iter(self.assignments)

    @cached_property
    def assignments(self) -> tuple[Assignment, ...]:
        """Every assignment, in evaluation order (built on first use)."""
        return tuple(self._generate())

    def __len__(self) -> int:
        return len(self.assignments)

    def __getitem__(self, key: str | Name) -> Assignment:
        """The assignment of one name, instantiated on its own (the rest is not built)."""
        name = key if isinstance(key, Name) else Name.parse(key)
        found = self._lookup(name) if name is not None else None
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def _lookup(self, name: Name) -> Assignment | None:
        if name in self._cache:
            return self._cache[name]
        found = None
        for assignment in self._candidates(name):
            self._cache[assignment.name] = assignment
            if assignment.name == name:
                found = assignment
        return found

    def _candidates(self, name: Name) -> Iterator[Assignment]:
        """The assignments of the equation that may define ``name`` (all its components)."""
        if name.base == "L":
            if not self.problem.forward_only:
                yield self._total_loss()
            return
        b = (name.seq or 1) - 1
        if not 0 <= b < self.problem.batch:
            return
        if name.step is None:
            param = total_of(name.base)
            if param is not None:
                if param in self.problem.params and self.gradients:
                    yield from self._parameter_gradients(only=param)
            elif self.terminal is not None:
                eq = self.terminal.equation(name.base)
                if eq is not None:
                    yield from self._assignment(self.terminal, eq, b, None)
            return
        found = self.naming.template(name)
        if found is None or not found[1] <= self.problem.sequences[b].steps:
            return
        target, t = found
        template = self.template_at(b, t)
        eq = template.equation(target)
        if eq is not None and (delta_of(target) is None or self.gradients):
            yield from self._assignment(template, eq, b, t)

    @cached_property
    def _cache(self) -> dict[Name, Assignment]:
        return {}

    def definition(self, sym: sympy.Basic) -> Assignment | None:
        """The assignment defining a program symbol, or ``None`` for parameters and data."""
        name = name_of(sym)
        return self._lookup(name) if name is not None else None
