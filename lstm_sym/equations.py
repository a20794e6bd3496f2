"""The vector equations a step template is made of.

Every cell, loss and adjoint is written with two shapes of equation, so that every
consumer (evaluation, named programs, LaTeX, code generation) handles just these:

* :class:`Equation` — ``target := Σ W·u (or Wᵀ·u) + pointwise(…)``, optionally summed over
  components (``reduce``). ``pointwise`` is a *scalar* SymPy expression over template
  symbols, applied component by component (size-1 operands broadcast). Its derivatives
  come from ``sympy.diff``; the matrix products have the usual transpose rules.
* :class:`Outer` — ``target := Σ a·bᵀ``: the per-step gradient of a weight matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from .names import template_symbol


@dataclass(frozen=True)
class MatVec:
    """``matrix · vector`` (or ``matrixᵀ · vector`` when ``transpose``)."""

    matrix: str
    vector: str
    transpose: bool = False


@dataclass(frozen=True)
class Equation:
    """``target := Σ linear + pointwise`` (component-wise; summed to a scalar if ``reduce``)."""

    target: str
    linear: tuple[MatVec, ...] = ()
    pointwise: sympy.Expr = field(default=sympy.S.Zero)
    reduce: bool = False

    def operands(self) -> tuple[str, ...]:
        """Names this equation reads, in a deterministic order."""
        names = [term.matrix for term in self.linear] + [term.vector for term in self.linear]
        names += sorted(s.name for s in self.pointwise.free_symbols)
        return tuple(dict.fromkeys(names))

    def pointwise_operands(self) -> tuple[str, ...]:
        """Names the pointwise part reads, sorted."""
        return tuple(sorted(s.name for s in self.pointwise.free_symbols))


@dataclass(frozen=True)
class Outer:
    """``target := Σ a · bᵀ`` over ``pairs`` (a weight matrix's gradient at one step)."""

    target: str
    pairs: tuple[tuple[str, str], ...]

    def operands(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for pair in self.pairs for name in pair))


def affine(
    target: str, *products: tuple[str, str], bias: str | sympy.Expr = sympy.S.Zero
) -> Equation:
    """``target := Σ W·u + bias``; e.g. ``affine("z_f", ("W_f", "x"), ("U_f", "h_prev"), bias="b_f")``."""
    pointwise = template_symbol(bias) if isinstance(bias, str) else bias
    return Equation(target, tuple(MatVec(w, u) for w, u in products), pointwise)


def pointwise(target: str, expr: sympy.Expr) -> Equation:
    """``target := expr`` component by component."""
    return Equation(target, (), expr)


def reduce_sum(target: str, expr: sympy.Expr) -> Equation:
    """``target := Σ_k expr_k`` (a scalar)."""
    return Equation(target, (), expr, reduce=True)
