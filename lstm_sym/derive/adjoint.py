"""Symbolic reverse accumulation over a list of vector equations (one step's backward pass).

For every forward equation ``v := Σ W·u + e(u_1..u_k)`` each operand receives

* ``δu += Wᵀ·δv`` for a matrix product, and ``grad_W += δv·uᵀ``;
* ``δu += δv ⊙ ∂e/∂u`` for the pointwise part, where ``∂e/∂u`` is ``sympy.diff`` of the
  scalar formula, re-expressed over names already computed (σ' becomes ``f·(1 − f)``).

The adjoints are themselves :class:`~lstm_sym.equations.Equation` s named ``delta_<u>``,
so the backward pass is evaluated, printed and compiled exactly like the forward pass.
Derivation happens once per template: it does not depend on sizes or on T.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy

from ..equations import Equation, MatVec, Outer
from ..names import template_symbol
from .naming import delta, grad, helper


@dataclass(frozen=True)
class Backward:
    """The derived backward equations of a template, in evaluation order."""

    equations: tuple[Equation | Outer, ...]
    #: adjoints that are constants (0: nothing downstream reads the quantity; 1: a loss term)
    constant: dict[str, sympy.Expr]


def derive(
    forward: Sequence[Equation],
    dims: Mapping[str, str],
    *,
    leaves: Sequence[str],
    params: Mapping[str, bool],
    seeds: Sequence[str] = (),
    carried: Mapping[str, str] = {},
) -> Backward:
    """Derive the adjoint equations of ``forward``.

    ``dims`` gives each vector's dimension name ("1" for scalars); ``leaves`` are inputs
    that need adjoints (``x``, ``h_prev``); ``params`` maps each parameter to whether it is
    a matrix; ``seeds`` are the loss terms (δ = 1); ``carried`` maps a state to the name of
    the adjoint arriving from the next step.
    """
    named = {
        eq.pointwise: template_symbol(eq.target)
        for eq in forward
        if not eq.linear and not eq.reduce and not eq.pointwise.is_Atom
    }
    component_dim = {eq.target: _component_dim(eq, dims) for eq in forward}
    pointwise_terms: dict[str, list[sympy.Expr]] = defaultdict(list)
    linear_terms: dict[str, list[MatVec]] = defaultdict(list)
    outer_terms: dict[str, list[tuple[str, str]]] = defaultdict(list)
    reductions: dict[str, list[Equation]] = defaultdict(list)

    for eq in forward:
        dv = delta(eq.target)
        for term in eq.linear:
            outer_terms[term.matrix].append((dv, term.vector))
            linear_terms[term.vector].append(MatVec(term.matrix, dv, transpose=True))
        for u in sorted(eq.pointwise.free_symbols, key=lambda sym: sym.name):
            local = sympy.diff(eq.pointwise, u)
            if local == 0:
                continue
            contribution = template_symbol(dv) * local.xreplace(named)
            receiver = grad(u.name) if u.name in params else delta(u.name)
            if dims[u.name] == "1" and component_dim[eq.target] != "1":
                reducer = helper(receiver, eq.target)
                reductions[u.name].append(Equation(reducer, (), contribution, reduce=True))
                contribution = template_symbol(reducer)
            pointwise_terms[u.name].append(contribution)

    equations: list[Equation | Outer] = []
    # adjoints known to be constant (0 when nothing reads the quantity, 1 for a loss term)
    known: dict[sympy.Symbol, sympy.Expr] = {}

    def emit(name: str, target: str, extra: sympy.Expr = sympy.S.Zero) -> None:
        equations.extend(_substitute(reducer, known) for reducer in reductions[name])
        linear = tuple(t for t in linear_terms[name] if known.get(template_symbol(t.vector)) != 0)
        total = sympy.Add(*pointwise_terms[name], extra).xreplace(known)
        if not linear and total.is_Number:
            known[template_symbol(target)] = total
            return
        equations.append(Equation(target, linear, total))

    for eq in reversed(forward):
        name = eq.target
        seed = sympy.S.One if name in seeds else sympy.S.Zero
        if name in carried:
            seed += template_symbol(carried[name])
        emit(name, delta(name), seed)
    for leaf in leaves:
        emit(leaf, delta(leaf))
    for param, is_matrix in params.items():
        if is_matrix:
            pairs = tuple(p for p in outer_terms[param] if known.get(template_symbol(p[0])) != 0)
            if pairs:
                equations.append(Outer(grad(param), pairs))
            else:
                known[template_symbol(grad(param))] = sympy.S.Zero
        else:
            emit(param, grad(param))
    return Backward(tuple(equations), {sym.name: value for sym, value in known.items()})


def _component_dim(eq: Equation, dims: Mapping[str, str]) -> str:
    """The size over which ``eq``'s pointwise part runs (before any reduction)."""
    if not eq.reduce:
        return dims[eq.target]
    sizes = {dims[name] for name in eq.pointwise_operands()} - {"1"}
    return sizes.pop() if sizes else "1"


def _substitute(eq: Equation, known: Mapping[sympy.Symbol, sympy.Expr]) -> Equation:
    return Equation(eq.target, eq.linear, eq.pointwise.xreplace(known), eq.reduce)
