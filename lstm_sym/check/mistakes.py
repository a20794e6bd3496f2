"""A catalogue of known hand-calculation mistakes, as transformations of the problem's data.

A :class:`Mistake` turns a problem into *variants*: the same problem with the mistake
made (a changed cell equation, parameter, loss, or derived backward template). Because
mistakes act on the declarative cell, loss and templates, each applies to every cell
where it makes sense (and yields no variant where it does not). :func:`register_mistake`
adds one; the checker evaluates every variant and reports those that reproduce a wrong
answer.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sympy

from ..derive.naming import incoming
from ..derive.template import StepTemplate, problem_templates
from ..equations import Equation, Outer
from ..evaluate.evaluator import TemplateTransform
from ..names import template_symbol
from ..problem import Problem
from ..spec.activations import ACTIVATIONS, Activation
from ..spec.losses import LOSSES


@dataclass(frozen=True, eq=False)
class Variant:
    """One way of making a mistake on one problem (``label`` says which, e.g. "b_f left out")."""

    mistake: str
    label: str
    problem: Problem
    transform: TemplateTransform | None = None


@dataclass(frozen=True)
class Mistake:
    """A catalogued mistake: ``variants(problem)`` lists its instances (none if it does not apply)."""

    name: str
    description: str
    variants: Callable[[Problem], Iterator[tuple[str, Problem, TemplateTransform | None]]]

    def instances(self, problem: Problem) -> list[Variant]:
        return [Variant(self.name, label, p, t) for label, p, t in self.variants(problem)]


MISTAKES: dict[str, Mistake] = {}


def register_mistake(mistake: Mistake) -> Mistake:
    """Add ``mistake`` to the catalogue (by its name)."""
    MISTAKES[mistake.name] = mistake
    return mistake


def mistake(
    name: str, description: str
) -> Callable[
    [Callable[[Problem], Iterator[tuple[str, Problem, TemplateTransform | None]]]], Mistake
]:
    """Decorator: register a variant generator as the mistake ``name``."""

    def wrap(
        variants: Callable[[Problem], Iterator[tuple[str, Problem, TemplateTransform | None]]],
    ) -> Mistake:
        return register_mistake(Mistake(name, description, variants))

    return wrap


_VARIANTS: weakref.WeakKeyDictionary[Problem, tuple[tuple[str, ...], list[Variant]]] = (
    weakref.WeakKeyDictionary()
)


def variants(problem: Problem) -> list[Variant]:
    """Every instance of every catalogued mistake on ``problem``, in catalogue order.

    Cached per problem (checking many answer files against one problem derives each
    mistaken cell once); registering a mistake renews the cache.
    """
    catalogue = tuple(MISTAKES)
    cached = _VARIANTS.get(problem)
    if cached is None or cached[0] != catalogue:
        cached = (catalogue, [v for m in MISTAKES.values() for v in m.instances(problem)])
        _VARIANTS[problem] = cached
    return cached[1]


# -- helpers -----------------------------------------------------------------------------


def _with_cell_equations(
    problem: Problem, change: Callable[[Equation], sympy.Expr]
) -> Problem | None:
    """``problem`` with every cell equation's pointwise part changed, or ``None`` if nothing changed."""
    cell = problem.cell
    equations = tuple(dataclasses.replace(eq, pointwise=change(eq)) for eq in cell.equations)
    if all(a.pointwise == b.pointwise for a, b in zip(equations, cell.equations, strict=True)):
        return None
    return dataclasses.replace(problem, cell=dataclasses.replace(cell, equations=equations))


def _backward_transform(change: Callable[[sympy.Expr], sympy.Expr]) -> TemplateTransform:
    def transform(template: StepTemplate) -> StepTemplate:
        backward = tuple(
            dataclasses.replace(eq, pointwise=change(eq.pointwise))
            if isinstance(eq, Equation)
            else eq
            for eq in template.backward
        )
        return dataclasses.replace(template, backward=backward)

    return transform


def _changes_backward(problem: Problem, transform: TemplateTransform) -> bool:
    template = problem_templates(problem)[0]
    return transform(template).backward != template.backward


# -- the catalogue -----------------------------------------------------------------------

_SWAP = sympy.Function("swapped")


def _confused() -> Iterator[tuple[Activation, Activation]]:
    """The pairs of activation functions the records say are mistaken for each other."""
    seen: set[frozenset[str]] = set()
    for first in ACTIVATIONS.values():
        for name in first.confusions:
            second = ACTIVATIONS.get(name)
            pair = frozenset((first.name, name))
            if second is not None and first.is_function and second.is_function and pair not in seen:
                seen.add(pair)
                yield first, second


@mistake("sigma_tanh_swapped", "σ and tanh swapped (σ where tanh belongs and tanh where σ belongs)")
def _sigma_tanh(problem: Problem) -> Iterator[tuple[str, Problem, TemplateTransform | None]]:
    uses = [eq.pointwise for eq in problem.cell.equations]
    for first, second in _confused():
        a, b = first.function, second.function

        def swap(eq: Equation, a: Any = a, b: Any = b) -> sympy.Expr:
            return eq.pointwise.replace(a, _SWAP).replace(b, a).replace(_SWAP, b)

        if any(e.has(a) for e in uses) and any(e.has(b) for e in uses):
            changed = _with_cell_equations(problem, swap)
            if changed is not None:
                yield f"{first.written} and {second.written} swapped", changed, None


def _biases(problem: Problem) -> list[str]:
    """Vector parameters added as a bias to a matrix product (``z = W x + U h + b``)."""
    found: list[str] = []
    vectors = {p.name for p in problem.cell.params if not p.is_matrix}
    for eq in problem.cell.equations:
        if eq.linear:
            for term in sympy.Add.make_args(eq.pointwise):
                if isinstance(term, sympy.Symbol) and term.name in vectors:
                    found.append(term.name)
    return list(dict.fromkeys(found))


@mistake("bias_left_out", "a bias left out (taken as 0)")
def _bias_left_out(problem: Problem) -> Iterator[tuple[str, Problem, TemplateTransform | None]]:
    biases = [b for b in _biases(problem) if any(problem.params[b])]

    def without(names: list[str]) -> Problem:
        params = dict(problem.params)
        for b in names:
            params[b] = tuple(sympy.S.Zero for _ in problem.params[b])
        return dataclasses.replace(problem, params=params)

    for b in biases:
        yield f"{b} left out", without([b]), None
    if len(biases) > 1:
        yield "every bias left out", without(biases), None


@mistake(
    "current_for_previous_state",
    "h_t used where h_{t−1} belongs (in the recurrent weights' gradients Σ δz_t h_{t−1}ᵀ)",
)
def _current_for_previous(
    problem: Problem,
) -> Iterator[tuple[str, Problem, TemplateTransform | None]]:
    previous = {s.prev: s.name for s in problem.cell.states}

    def transform(template: StepTemplate) -> StepTemplate:
        backward = tuple(
            Outer(eq.target, tuple((a, previous.get(b, b)) for a, b in eq.pairs))
            if isinstance(eq, Outer)
            else eq
            for eq in template.backward
        )
        return dataclasses.replace(template, backward=backward)

    if _changes_backward(problem, transform):
        yield "h_t used for h_{t−1} in the recurrent weights' gradients", problem, transform


@mistake("state_not_carried", "a carried state such as c_{t−1} not carried (taken as 0)")
def _state_not_carried(
    problem: Problem,
) -> Iterator[tuple[str, Problem, TemplateTransform | None]]:
    for state in problem.cell.states:
        if state.name == problem.cell.output:
            continue
        zero: dict[sympy.Basic, sympy.Basic] = {template_symbol(state.prev): sympy.S.Zero}

        def carry_nothing(eq: Equation, zero: dict[sympy.Basic, sympy.Basic] = zero) -> sympy.Expr:
            return eq.pointwise.xreplace(zero)

        changed = _with_cell_equations(problem, carry_nothing)
        if changed is not None:
            yield f"{state.name}_{{t−1}} not carried", changed, None


@mistake(
    "activation_of_state_dropped", "tanh(c_t) replaced by c_t (an activation of a state left out)"
)
def _activation_dropped(
    problem: Problem,
) -> Iterator[tuple[str, Problem, TemplateTransform | None]]:
    states = {template_symbol(s.name) for s in problem.cell.states}
    for state in sorted(states, key=str):
        for function in (a.function for a in ACTIVATIONS.values() if a.is_function):
            applied = function(state)

            def drop(
                eq: Equation, applied: sympy.Expr = applied, state: sympy.Symbol = state
            ) -> sympy.Expr:
                return eq.pointwise.xreplace({applied: state})

            changed = _with_cell_equations(problem, drop)
            if changed is not None:
                name = getattr(function, "__name__", str(function))
                yield f"{name}({state}_t) replaced by {state}_t", changed, None


@mistake("loss_scale", "the ½ of the loss forgotten, or the loss averaged (a wrong loss scale)")
def _loss_scale(problem: Problem) -> Iterator[tuple[str, Problem, TemplateTransform | None]]:
    for other, label in problem.loss.confusions:
        if other in LOSSES:
            changed = dataclasses.replace(problem, loss=LOSSES[other])
            if changed.loss_scale != problem.loss_scale:  # a mean of two is a half
                yield label, changed, None


@mistake("matrix_transposed", "a weight matrix transposed, or its rows and columns mixed up")
def _matrix_transposed(
    problem: Problem,
) -> Iterator[tuple[str, Problem, TemplateTransform | None]]:
    for param in problem.cell.params:
        if not param.is_matrix:
            continue
        matrix = problem.params[param.name]
        rows, cols = len(matrix), len(matrix[0])
        if rows == 1 or cols == 1:
            continue
        flat = [v for row in matrix for v in row]
        if rows == cols:
            label, mixed = f"{param.name} transposed", tuple(zip(*matrix, strict=True))
        else:  # the entries read column by column into the same shape
            by_column = [flat[r * cols + c] for c in range(cols) for r in range(rows)]
            label = f"{param.name}'s entries read column by column"
            mixed = tuple(tuple(by_column[r * cols : (r + 1) * cols]) for r in range(rows))
        if mixed != matrix:
            params = dict(problem.params)
            params[param.name] = mixed
            yield label, dataclasses.replace(problem, params=params), None


@mistake("adjoint_not_carried", "the backward pass not carrying δh (or δc) from step t+1 to step t")
def _adjoint_not_carried(
    problem: Problem,
) -> Iterator[tuple[str, Problem, TemplateTransform | None]]:
    states = [s.name for s in problem.cell.states]
    choices = [[s] for s in states] + ([states] if len(states) > 1 else [])
    for chosen in choices:
        zero: dict[sympy.Basic, sympy.Basic] = {
            template_symbol(incoming(s)): sympy.S.Zero for s in chosen
        }

        def drop(expr: sympy.Expr, zero: dict[sympy.Basic, sympy.Basic] = zero) -> sympy.Expr:
            return expr.xreplace(zero)

        transform = _backward_transform(drop)
        if _changes_backward(problem, transform):
            text = " and ".join(f"δ{s}" for s in chosen)
            yield f"{text} not carried back from step t+1", problem, transform


@mistake("residual_sign_flipped", "the sign of (y − h) flipped in the loss gradient")
def _residual_sign(problem: Problem) -> Iterator[tuple[str, Problem, TemplateTransform | None]]:
    if not problem.loss.squared_error:
        return
    y = template_symbol(problem.loss.data)
    out = template_symbol(problem.cell.output)
    flip = {y: 2 * out - y}  # (h − y) becomes (y − h); the loss value itself is unchanged
    transform = _backward_transform(lambda expr: expr.xreplace(flip))
    if _changes_backward(problem, transform):
        yield "the sign of (y − h) flipped in ∂L/∂h", problem, transform
