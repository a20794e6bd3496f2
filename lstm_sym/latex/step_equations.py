"""The equations of one step, printed from the step template (any registered cell or loss).

Forward: the cell's equations and the loss term at a symbolic step ``t``
(``z_{f,t} = W_f x_t + U_f h_{t-1} + b_f``, ``c_t = f_t \\odot c_{t-1} + ...``). Backward:
the derived adjoint equations, with what flows in from step ``t + 1`` written out
(``\\delta h_t = h_t - y_t + U_f^{\\top} \\delta z_{f,t+1} + ...``), the gradients with respect
to the input and the initial states, and every parameter gradient as a sum over steps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sympy

from ..derive.naming import Naming, delta, grad, grad_of, incoming, prev
from ..derive.template import StepTemplate
from ..equations import Equation, MatVec, Outer
from ..spec.dims import SCALAR, matrix_dims
from .names import NameStyle
from .printer import SheetPrinter

#: One printed equation: left-hand side and the terms of the right-hand side.
Line = tuple[str, list[str]]


def step_text(step: int | str, offset: int) -> str:
    """``t`` shifted by ``offset`` (``t-1``, ``t+1``), or a number shifted."""
    if isinstance(step, int):
        return str(step + offset)
    return step if offset == 0 else f"{step}{offset:+d}"


class TemplatePrinter(SheetPrinter):
    """Prints template expressions: vector operands multiplied elementwise show ``\\odot``."""

    def __init__(self, names: NameStyle, vectors: set[sympy.Symbol], **kwargs: Any):
        super().__init__(names, **kwargs)
        self.vectors = vectors

    def _print_Mul(self, expr: sympy.Mul) -> str:
        factors = expr.as_ordered_factors()
        vector = [f for f in factors if f.free_symbols & self.vectors]
        if len(vector) < 2 or any(f.is_Pow and f.exp.is_negative for f in factors):
            return str(super()._print_Mul(expr))
        if expr.could_extract_minus_sign():
            return "- " + self._print(-expr)  # type: ignore[no-any-return]
        scalars = [f for f in factors if f not in vector]
        parts = [self._print(f) for f in scalars]
        parts.append(
            r" \odot ".join(
                self._add_parens(self._print(f)) if self._needs_mul_brackets(f) else self._print(f)
                for f in vector
            )
        )
        return " ".join(parts)


@dataclass
class StepEquations:
    """Prints a template's equations at a symbolic (``"t"``) or numeric step."""

    template: StepTemplate
    names: NameStyle
    params: tuple[str, ...]
    batch: bool = False
    #: names printed without a step (the given gradients and terms of the terminal loss)
    stepless: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        cell = self.template.cell
        self.naming = Naming.of(cell)
        self.states = {state.prev: state.name for state in cell.states}
        self.incoming = {incoming(state.name): state.name for state in cell.states}
        vectors = {
            sympy.Symbol(name, real=True)
            for name, dim in self.template.dims.items()
            if dim != SCALAR and matrix_dims(dim) is None
        }
        rank = {name: i for i, name in enumerate(self.params)}
        self.printer = TemplatePrinter(self.names, vectors, rank=lambda b: rank.get(b, -1))

    # -- names ---------------------------------------------------------------------------
    def name(self, base: str, step: int | str, offset: int = 0, index: str | None = None) -> str:
        """The LaTeX of template name ``base`` at ``step + offset``, named as in the program.

        A parameter's share (a reduction helper's too) prints as its total, without a step:
        the sum over the steps is written around it.
        """
        if base in self.params or base in self.stepless:
            return self.names.template(base, None, index)
        first = isinstance(step, int) and step + offset == 1
        name, shift = self.naming.locate(base, first=first)
        if shift is None or grad_of(base) is not None:
            return self.names.template(name, None, index)
        return self.names.template(name, step_text(step, offset + shift), index)

    def _bindings(
        self, expr: sympy.Expr, step: int | str, offset: int, index: str | None
    ) -> dict[sympy.Basic, str]:
        """The LaTeX each template symbol of ``expr`` prints as."""
        out: dict[sympy.Basic, str] = {}
        for sym in expr.free_symbols:
            if sym.name in self.template.constant:
                out[sym] = str(self.printer._print(self.template.constant[sym.name]))
            elif sym.name in self.incoming:
                inner = " ".join(self._incoming(sym.name, step, offset))
                out[sym] = rf"\left({inner}\right)"
            else:
                out[sym] = self.name(sym.name, step, offset, index)
        return out

    def _print(self, expr: sympy.Expr, bindings: dict[sympy.Basic, str]) -> list[str]:
        self.printer.overrides = dict(bindings)
        return self.printer.terms(expr)

    def _incoming(self, name: str, step: int | str, offset: int) -> list[str]:
        found = self.template.equation(delta(prev(self.incoming[name])))
        if found is None or isinstance(found, Outer):
            return ["0"]
        return self.rhs(found, step, offset + 1)

    # -- right-hand sides ----------------------------------------------------------------
    def _matvec(self, term: MatVec, step: int | str, offset: int) -> str:
        matrix = self.name(term.matrix, step, offset)
        if term.transpose:
            matrix += r"^{\top}"
        return f"{matrix} {self.name(term.vector, step, offset)}"

    def rhs(self, eq: Equation | Outer, step: int | str, offset: int = 0) -> list[str]:
        """The terms of ``eq``'s right-hand side at ``step + offset`` (vector notation)."""
        if isinstance(eq, Outer):
            terms = [
                f"{self.name(a, step, offset)} {self._transposed(b, step, offset)}"
                for a, b in eq.pairs
            ]
            return [terms[0], *(f"+ {t}" for t in terms[1:])]
        terms = [self._matvec(term, step, offset) for term in eq.linear]
        terms = [terms[0], *(f"+ {t}" for t in terms[1:])] if terms else []
        if eq.reduce:
            bindings = self._bindings(eq.pointwise, step, offset, "k")
            printer = self.printer
            vectors, printer.vectors = printer.vectors, set()
            try:
                body = " ".join(self._print(eq.pointwise, bindings))
            finally:
                printer.vectors = vectors
            if eq.pointwise.is_Add:
                body = rf"\left({body}\right)"
            return [rf"\sum_{{k}} {body}"]
        if eq.pointwise != 0 or not terms:
            bindings = self._bindings(eq.pointwise, step, offset, None)
            pointwise = self._splice(eq.pointwise, bindings, step, offset)
            if terms and pointwise and not pointwise[0].startswith("-"):
                pointwise[0] = "+ " + pointwise[0]
            terms += pointwise
        return terms

    def _splice(
        self, expr: sympy.Expr, bindings: dict[sympy.Basic, str], step: int | str, offset: int
    ) -> list[str]:
        """A sum's terms; what flows in from the next step is written out term by term."""
        out: list[str] = []
        for term in self.printer.ordered_terms(expr):
            if term.is_Symbol and term.name in self.incoming:
                spliced = self._incoming(term.name, step, offset)
                if spliced == ["0"]:
                    continue
                if out and not spliced[0].startswith("-"):
                    spliced[0] = "+ " + spliced[0]
                out += spliced
                continue
            printed = self._print(term, bindings)[0]
            if out and not printed.startswith("-"):
                printed = "+ " + printed
            out.append(printed)
        return out

    def _transposed(self, name: str, step: int | str, offset: int) -> str:
        tex = self.name(name, step, offset)
        return rf"\left({tex}\right)^{{\top}}" if "^" in tex else rf"{tex}^{{\top}}"

    # -- blocks --------------------------------------------------------------------------
    def forward(self, step: int | str = "t") -> Iterator[Line]:
        """The cell's and the loss's equations."""
        for eq in self.template.forward:
            yield self.name(eq.target, step), self.rhs(eq, step)

    def backward(self, step: int | str = "t") -> Iterator[Line]:
        """The adjoint equations of one step (parameter gradients are :meth:`gradients`)."""
        for eq in self.template.backward:
            if grad_of(eq.target) is not None or eq.target in {delta(p) for p in self.states}:
                continue
            yield self.name(eq.target, step), self.rhs(eq, step)

    def initial_gradients(self) -> Iterator[Line]:
        """∂L/∂(initial state): the adjoints step 1 sends back to step 0."""
        for previous in self.states:
            eq = self.template.equation(delta(previous))
            if eq is not None:
                yield self.name(eq.target, 1), self.rhs(eq, 1)

    def gradients(self, step: str = "t") -> Iterator[Line]:
        """Each parameter's gradient as a sum over the steps (and sequences) of its terms."""
        below = "b,t" if self.batch else step
        for param in self.params:
            eq = self.template.equation(grad(param))
            if eq is None:
                continue
            terms = self.rhs(eq, step)
            body = " ".join(terms)
            if len(terms) > 1:
                body = rf"\left({body}\right)"
            yield self.name(eq.target, step), [rf"\sum_{{{below}}} {body}"]
