"""What a generated module computes: the cell, the loss, its step template and their phases.

Both emitters (vector and scalar) read a :class:`Plan`. The template is derived with the
loss's constant factor inside its terms (``ell = ½ (y − h)²``, so ``δh = h − y``); a mean's
1/N, known only at run time, is applied to the loss and every gradient then, which is
exact because every registered loss is linear in its scale (checked here). The equations are split into *phases*: what must run inside the
time loop (the recurrence and the adjoints carried back through it) and what can run
once over whole histories before or after it (input projections, output heads, loss
terms, weight gradients).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import sympy

from ..derive.naming import delta, incoming
from ..derive.template import StepTemplate, step_template
from ..equations import Equation, Outer
from ..errors import InputError
from ..spec.cells import Cell
from ..spec.losses import Loss
from .softmax import shifted

Backward = Equation | Outer

_PROBE = sympy.Symbol("loss_scale_probe", real=True)


@dataclass(frozen=True)
class Scale:
    """The loss scale: ``constant``, divided by the count of targets when ``per_count``."""

    constant: sympy.Rational
    per_count: bool
    #: what is counted: "elements" (numbers in the targets) or "targets" (steps)
    count: str


def loss_scale(loss: Loss) -> Scale:
    """How ``loss`` scales its terms, read from its ``scale_for`` (a constant or c/N)."""
    one, seven = sympy.Rational(loss.scale_for(1)), sympy.Rational(loss.scale_for(7))
    if one == seven:
        return Scale(one, False, loss.count)
    if seven * 7 == one:
        return Scale(one, True, loss.count)
    raise InputError("loss", "a loss scaled by a constant or by constant/N", loss.name)


def _check_linear_in_scale(cell: Cell, loss: Loss) -> None:
    for eq in loss.step(cell.output, _PROBE):
        expr = eq.pointwise
        if _PROBE in expr.free_symbols and (
            sympy.diff(expr, _PROBE, 2) != 0 or expr.xreplace({_PROBE: 0}) != 0
        ):
            raise InputError("loss", "a loss linear in its scale", loss.name)


@dataclass(frozen=True, eq=False)
class Plan:
    """A cell with a loss, ready for code generation."""

    cell: Cell
    loss: Loss
    template: StepTemplate
    scale: Scale

    @classmethod
    def build(cls, cell: Cell, loss: Loss) -> Plan:
        """The plan of ``cell`` followed by ``loss`` (its constant factor inside the terms)."""
        _check_linear_in_scale(cell, loss)
        scale = loss_scale(loss)
        template = step_template(cell, loss.step(cell.output, scale.constant), (loss.data,))
        if loss.softmax:
            template = shifted(template, cell.output)
        return cls(cell, loss, template, scale)

    @property
    def shift(self) -> str | None:
        """The output whose largest component is subtracted before exp (softmax losses)."""
        return self.cell.output if self.loss.softmax else None

    # -- names ---------------------------------------------------------------------------
    @cached_property
    def states(self) -> tuple[str, ...]:
        return tuple(state.name for state in self.cell.states)

    @cached_property
    def prev(self) -> dict[str, str]:
        """``h_prev`` → ``h``."""
        return {state.prev: state.name for state in self.cell.states}

    @cached_property
    def params(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.cell.params)

    @property
    def data(self) -> str:
        return self.loss.data

    def dim(self, name: str) -> str:
        return self.template.dims[name]

    def param_shape(self, name: str) -> tuple[str, ...]:
        return self.cell.param(name).shape

    @cached_property
    def size_names(self) -> tuple[str, ...]:
        """Every dimension name, in order of first appearance among the parameters."""
        names: list[str] = [self.cell.input_size]
        for param in self.cell.params:
            names.extend(param.shape)
        return tuple(dict.fromkeys(n for n in names if n != "1"))

    @cached_property
    def constants(self) -> dict[sympy.Symbol, sympy.Expr]:
        """Adjoints that are constant, as a substitution for the formulas."""
        return {sympy.Symbol(k, real=True): v for k, v in self.template.constant.items()}

    # -- forward phases ------------------------------------------------------------------
    @cached_property
    def cell_equations(self) -> tuple[Equation, ...]:
        return self.cell.equations

    @cached_property
    def loss_equations(self) -> tuple[Equation, ...]:
        return self.template.forward[len(self.cell.equations) :]

    @cached_property
    def recurrent(self) -> tuple[Equation, ...]:
        """Cell equations the next step's states depend on (the time loop's forward part)."""
        by_target = {eq.target: eq for eq in self.cell.equations}
        needed: set[str] = set()
        stack = list(self.states)
        while stack:
            name = stack.pop()
            if name in needed or name not in by_target:
                continue
            needed.add(name)
            stack.extend(by_target[name].operands())
        return tuple(eq for eq in self.cell.equations if eq.target in needed)

    @cached_property
    def output_equations(self) -> tuple[Equation, ...]:
        """Cell equations outside the recurrence (an output head): run over whole histories."""
        inside = {eq.target for eq in self.recurrent}
        return tuple(eq for eq in self.cell.equations if eq.target not in inside)

    @cached_property
    def affine(self) -> tuple[Equation, ...]:
        """Recurrent equations with matrix products: their values share one buffer."""
        return tuple(eq for eq in self.recurrent if eq.linear)

    # -- backward phases -----------------------------------------------------------------
    @cached_property
    def carried(self) -> dict[str, str]:
        """``delta_h_prev`` → ``delta_h_next``: what one step hands to the one before."""
        return {delta(state.prev): incoming(state.name) for state in self.cell.states}

    @cached_property
    def backward_phases(self) -> tuple[tuple[Backward, ...], ...]:
        """(before the loop, inside it, after it) of the backward equations."""
        equations = self.template.backward
        read: set[str] = set()
        for eq in equations:
            read.update(eq.operands())
        dependent: set[str] = set(self.carried.values())
        loop_dependent = []
        for eq in equations:
            if dependent & set(eq.operands()):
                dependent.add(eq.target)
                loop_dependent.append(eq)
        after = tuple(
            eq for eq in equations if eq.target not in read and eq.target not in self.carried
        )
        before = tuple(eq for eq in equations if eq.target not in dependent and eq not in after)
        inside = tuple(eq for eq in loop_dependent if eq not in after)
        return before, inside, after


def sizes_of(plan: Plan, sizes: Mapping[str, int]) -> dict[str, int]:
    """Check that ``sizes`` gives every dimension the plan needs."""
    missing = [name for name in plan.size_names if name not in sizes]
    if missing:
        raise InputError("sizes", f"a size for {', '.join(missing)}", repr(dict(sizes)))
    return {name: int(sizes[name]) for name in plan.size_names}
