"""The backward equations rewritten for vector code: stored function values, fewer operations.

Three rewrites of the plan's backward phases, each a pure function of the plan:

* calls such as ``tanh(c)`` that forward and backward formulas share are *kept*: the
  forward pass stores their values and the backward reads them (:attr:`Rewrite.kept`);
* loop adjoints read once, pointwise, are substituted into their reader
  (``δc̃ = δc·i`` folds into ``δz_c = (1 − c̃²)·δc̃``);
* the factors of the loop's formulas that read no adjoint are *hoisted*: computed once per
  step where the forward values are at hand, not inside the backward loop
  (``δc = δc_next + δh·[o·(1 − tanh(c)²)]``: the bracket is ``_pre1``);
* where hoisted factors hold the derivatives of several members of one fused activation
  (``f·(1 − f)``, ``i·(1 − i)``, ``o·(1 − o)``), the derivative of the whole group is
  computed at once (``_slope0``; ``f·(1 − f)`` is ``_slope_f``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property

import sympy

from ..equations import Equation, Outer
from ..spec.activations import activation_of
from .plan import Backward, Plan


def activation_slope(function: type, value: sympy.Expr) -> sympy.Expr | None:
    """An activation's derivative written over its value (``v·(1 − v)`` for σ): how a fused
    group's slope is computed; None where the activation has none (relu)."""
    activation = activation_of(function)
    return None if activation is None else activation.slope(value)


@dataclass(frozen=True)
class Hoist:
    """A hoisted factor ``name := expr`` over forward values (and, if not ``in_step``, data)."""

    name: str
    expr: sympy.Expr
    #: computed inside the forward loop (reads only that step's values) or over histories
    in_step: bool


def slope(member: str) -> str:
    """The name of a fused activation member's derivative (``_slope_f``)."""
    return f"_slope_{member}"


@dataclass(frozen=True)
class Rewrite:
    """The backward phases of a plan as the vector code computes them."""

    plan: Plan
    #: block adjoints (they live in the shared adjoint buffer, not in histories of their own)
    block_deltas: frozenset[str]
    #: the fused activations: (members, their function) by group index
    groups: tuple[tuple[tuple[str, ...], type], ...]

    @property
    def grouped(self) -> frozenset[str]:
        """Quantities the forward loop computes in fused activation buffers."""
        return frozenset(member for members, _ in self.groups for member in members)

    @cached_property
    def phases(self) -> tuple[tuple[Backward, ...], ...]:
        """(before the loop, inside it, after it), with kept calls read from the forward."""
        return tuple(
            tuple(self.reading_kept(eq) for eq in phase) for phase in self.plan.backward_phases
        )

    @property
    def before(self) -> tuple[Backward, ...]:
        return self.phases[0]

    @property
    def after(self) -> tuple[Backward, ...]:
        return self.phases[2]

    @cached_property
    def stored(self) -> list[str]:
        """Loop adjoints read after the loop (their histories are kept)."""
        _, inside, after = self.plan.backward_phases
        read_after = {name for eq in after for name in eq.operands()}
        return [
            name
            for name in [*(eq.target for eq in inside), *self.plan.carried.values()]
            if name in read_after and name not in self.block_deltas
        ]

    @cached_property
    def kept(self) -> dict[sympy.Expr, str]:
        """Calls like ``tanh(c)`` in forward formulas that backward formulas contain too.

        The forward pass stores their values (``_keep0``) so the backward reads them
        instead of evaluating the transcendental function again.
        """
        plan = self.plan
        backward = [
            eq.pointwise.xreplace(plan.constants)
            for phase in plan.backward_phases
            for eq in phase
            if isinstance(eq, Equation)
        ]
        wanted: set[sympy.Expr] = set().union(*(e.atoms(sympy.Function) for e in backward))
        kept: dict[sympy.Expr, str] = {}
        for eq in plan.recurrent:
            if eq.linear or eq.reduce or eq.target in self.grouped:
                continue
            pointwise = eq.pointwise.xreplace(plan.constants)
            for call in sorted(pointwise.atoms(sympy.Function), key=sympy.default_sort_key):
                same_shape = all(
                    s.name not in plan.params and plan.dim(s.name) == plan.dim(eq.target)
                    for s in call.free_symbols
                )
                if call != pointwise and call in wanted and call not in kept and same_shape:
                    kept[call] = f"_keep{len(kept)}"
        return kept

    def kept_owner(self, name: str) -> str:
        """The forward quantity whose formula computes the kept call ``name``."""
        call = next(c for c, n in self.kept.items() if n == name)
        return next(eq.target for eq in self.plan.recurrent if eq.pointwise.has(call))

    def reading_kept(self, eq: Backward) -> Backward:
        """``eq`` with the kept calls replaced by their names (read, not computed again)."""
        if isinstance(eq, Outer) or not self.kept:
            return eq
        symbols = {call: sympy.Symbol(name, real=True) for call, name in self.kept.items()}
        pointwise = eq.pointwise.xreplace(self.plan.constants).xreplace(symbols)
        return dataclasses.replace(eq, pointwise=pointwise)

    @cached_property
    def _inlined(self) -> tuple[Backward, ...]:
        """The loop's equations with adjoints read once, pointwise only, substituted."""
        plan = self.plan
        inside = self.phases[1]
        keep = {*self.block_deltas, *self.stored, *plan.carried, *plan.carried.values()}
        keep |= {name for eq in (*self.before, *self.after) for name in eq.operands()}
        equations = list(inside)
        for target in [eq.target for eq in inside]:
            eq = next(e for e in equations if e.target == target)
            if (
                isinstance(eq, Outer)
                or eq.linear
                or eq.reduce
                or eq.target in keep
                or eq.target in plan.template.constant
            ):
                continue
            readers = [e for e in equations if eq.target in e.operands()]
            if len(readers) != 1 or isinstance(readers[0], Outer) or readers[0].reduce:
                continue
            reader = readers[0]
            value = eq.pointwise.xreplace(plan.constants)
            pointwise = reader.pointwise.xreplace({sympy.Symbol(eq.target, real=True): value})
            if pointwise == reader.pointwise:
                continue
            equations[equations.index(reader)] = dataclasses.replace(reader, pointwise=pointwise)
            equations.remove(eq)
        return tuple(equations)

    @cached_property
    def _hoisting(self) -> tuple[tuple[Backward, ...], tuple[Hoist, ...]]:
        plan = self.plan
        varying = {eq.target for eq in self._inlined} | set(plan.carried.values())
        params = set(plan.params)
        step_values = {eq.target for eq in plan.recurrent} | set(plan.prev) | params
        step_values |= {plan.cell.input, *self.kept.values()}
        hoists: dict[sympy.Expr, Hoist] = {}

        def reads(expr: sympy.Expr) -> set[str]:
            return {sym.name for sym in expr.free_symbols}

        def worth(expr: sympy.Expr) -> bool:
            return not expr.is_Symbol and not expr.is_Number and bool(reads(expr) - params)

        def hoisted(expr: sympy.Expr) -> sympy.Expr:
            if expr not in hoists:
                name = f"_pre{len(hoists)}"
                hoists[expr] = Hoist(name, expr, reads(expr) <= step_values)
            return sympy.Symbol(hoists[expr].name, real=True)

        rewritten: list[Backward] = []
        for eq in self._inlined:
            if isinstance(eq, Outer) or eq.reduce:
                rewritten.append(eq)
                continue
            terms = sympy.Add.make_args(eq.pointwise.xreplace(plan.constants))
            fixed = sympy.Add(*(t for t in terms if not reads(t) & varying))
            kept = [hoisted(fixed)] if worth(fixed) else [fixed]
            for term in terms:
                if not reads(term) & varying:
                    continue
                if term.is_Mul:
                    invariant = sympy.Mul(*(a for a in term.args if not reads(a) & varying))
                    if worth(invariant):
                        rest = (a for a in term.args if reads(a) & varying)
                        term = sympy.Mul(hoisted(invariant), *rest)
                kept.append(term)
            rewritten.append(Equation(eq.target, eq.linear, sympy.Add(*kept), eq.reduce))
        return tuple(rewritten), tuple(hoists.values())

    @property
    def inside(self) -> tuple[Backward, ...]:
        """The loop's equations, reading hoisted factors (``_pre0`` …) for their invariant parts."""
        return self._hoisting[0]

    @cached_property
    def _sloped(self) -> tuple[tuple[Hoist, ...], dict[int, tuple[str, ...]]]:
        hoists = list(self._hoisting[1])
        sloped: dict[int, tuple[str, ...]] = {}
        for k, (members, function) in enumerate(self.groups):
            derived = {m: activation_slope(function, sympy.Symbol(m, real=True)) for m in members}
            patterns = {m: p for m, p in derived.items() if p is not None}
            if len(patterns) < len(members):
                continue
            used = [
                m
                for m in members
                if any(h.in_step and h.expr.subs(patterns[m], 0) != h.expr for h in hoists)
            ]
            if len(used) < 2:
                continue
            sloped[k] = members
            for index, hoist in enumerate(hoists):
                if not hoist.in_step:
                    continue
                expr = hoist.expr
                for m in members:
                    expr = expr.subs(patterns[m], sympy.Symbol(slope(m), real=True))
                hoists[index] = dataclasses.replace(hoist, expr=expr)
        return tuple(hoists), sloped

    @property
    def hoists(self) -> tuple[Hoist, ...]:
        return self._sloped[0]

    @property
    def sloped(self) -> dict[int, tuple[str, ...]]:
        """Fused activation groups whose derivative the forward loop computes whole (by index)."""
        return self._sloped[1]

    def dim_of(self, name: str) -> str:
        """The size name of a forward name, a kept call or a slope."""
        if name in self.kept.values():
            return self.plan.dim(self.kept_owner(name))
        if name.startswith("_slope_"):
            return self.plan.dim(name.removeprefix("_slope_"))
        return self.plan.dim(name)

    def hoist_dim(self, hoist: Hoist) -> str:
        """The size name of a hoisted factor (that of its non-scalar operands)."""
        dims = {self.dim_of(s.name) for s in hoist.expr.free_symbols}
        dims.discard("1")
        return dims.pop() if dims else "1"

    @cached_property
    def read_after_forward(self) -> frozenset[str]:
        """Every forward name the loss, the heads and the backward read after the forward loop."""
        plan = self.plan
        names: set[str] = set()
        for eq in (*plan.output_equations, *plan.loss_equations, *self.before, *self.after):
            names.update(eq.operands())
        for eq in self.inside:
            names.update(eq.operands())
        for hoist in self.hoists:
            if not hoist.in_step:
                names.update(s.name for s in hoist.expr.free_symbols)
        return frozenset(names)
