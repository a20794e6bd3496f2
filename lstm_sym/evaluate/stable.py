"""Cancellation-free evaluation forms of derived expressions, for saturated activations.

Differentiation gives the textbook forms σ' = σ(1 − σ) and tanh' = 1 − tanh², and the
sheets and named programs keep them. Numerically they cancel: when σ(a) is within the
working precision of 1 (``b_f = 400``, or ``W_f = 1e10``), ``1 − σ(a)`` evaluates to 0 or to
rounding noise at every precision short of hundreds (or billions) of digits. Before the
mpmath backend compiles an expression, :func:`stable_form` rewrites each ``1 − s`` with
``s = σ(a)`` into ``sigma_complement(s, a)`` and each ``1 − t²`` with ``t = tanh(a)`` into
``tanh_complement(t, a)`` (each activation's record says which ``1 − v^k`` cancels and what
computes it: :class:`lstm_sym.spec.activations.Complement`); their implementations
(:mod:`lstm_sym.spec.kernels`) return the plain difference unless it has cancelled, and σ(−a)
or sech²(a) when it has. So the extra cost is paid only where a gate saturates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy

from ..equations import Equation
from ..spec.activations import Complement, complements

#: A name defined by an activation: its activation and argument (``f -> (sigma, z_f)``).
Saturating = Mapping[str, tuple[type[sympy.Function], sympy.Expr]]


def saturating_names(
    equations: Iterable[Equation],
) -> dict[str, tuple[type[sympy.Function], sympy.Expr]]:
    """The names that are defined as ``σ(a)`` or ``tanh(a)`` by one of ``equations``."""
    found: dict[str, tuple[type[sympy.Function], sympy.Expr]] = {}
    saturating = complements()
    for eq in equations:
        expr = eq.pointwise
        if not eq.linear and not eq.reduce and type(expr) in saturating:
            found[eq.target] = (type(expr), expr.args[0])
    return found


def _activation(
    value: sympy.Expr, names: Saturating, saturating: dict[Any, Complement]
) -> tuple[type[sympy.Function], sympy.Expr] | None:
    """``(activation, argument)`` when ``value`` is a saturating activation or such a name."""
    if isinstance(value, sympy.Symbol) and value.name in names:
        return names[value.name]
    if type(value) in saturating:
        return type(value), value.args[0]
    return None


def _complement(
    term: sympy.Expr, names: Saturating, saturating: dict[Any, Complement]
) -> sympy.Expr | None:
    """The complement call for ``term`` when it is ``−v^k`` for a value ``v`` of an
    activation whose ``1 − v^k`` cancels (``−σ``, ``−tanh²``: so that 1 + term cancels)."""
    if not (isinstance(term, sympy.Mul) and term.args[0] == -1 and len(term.args) == 2):
        return None
    value = term.args[1]
    power = 1
    if isinstance(value, sympy.Pow) and value.exp.is_Integer and value.exp > 1:
        value, power = value.base, int(value.exp)
    found = _activation(value, names, saturating)
    if found is None:
        return None
    activation, argument = found
    complement = saturating.get(activation)
    if complement is not None and complement.power == power:
        return complement.function(value, argument)
    return None


def stable_form(
    expr: sympy.Expr, names: Saturating, saturating: dict[Any, Complement] | None = None
) -> sympy.Expr:
    """``expr`` with every ``1 − σ`` and ``1 − tanh²`` replaced by its complement function
    (``saturating``: the complements of the registered activations, by function)."""
    if expr.is_Atom:
        return expr
    if saturating is None:
        saturating = complements()
    args = [stable_form(arg, names, saturating) for arg in expr.args]
    if isinstance(expr, sympy.Add) and sympy.S.One in args:
        for k, term in enumerate(args):
            complement = _complement(term, names, saturating)
            if complement is not None:
                rest = [a for j, a in enumerate(args) if j != k]
                rest.remove(sympy.S.One)
                return sympy.Add(complement, *rest)
    if all(new is old for new, old in zip(args, expr.args, strict=True)):
        return expr
    return expr.func(*args)
