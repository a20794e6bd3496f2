"""Check symbolic gradients against high-precision central finite differences.

Usable on any problem::

    >>> from lstm_sym import load_problem
    >>> from lstm_sym.testing import check_gradients
    >>> report = check_gradients(load_problem("examples/hw6.toml"))
    >>> report.compared, report.max_abs_error < 1e-30
    (22, True)

Every scalar the loss depends on (parameter entries, initial states, inputs) is moved by
±ε and ±2ε exactly (a rational ε), the loss is re-evaluated with mpmath, and the
fourth-order central difference (L(θ−2ε) − 8L(θ−ε) + 8L(θ+ε) − L(θ+2ε)) / 12ε is
compared with the symbolic gradient evaluated at the same precision. With
ε = 10^−(dps/5) its truncation error (∝ ε⁴) and its rounding error (∝ 10^−dps/ε) are
both about 10^−(4·dps/5).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy

from .derive.naming import GRADIENT, Gradient, Naming
from .evaluate.evaluator import Evaluator, scalar_values
from .names import Name
from .problem import Problem


@dataclass(frozen=True)
class GradientCheck:
    """The result of :func:`check_gradients`."""

    compared: int
    max_abs_error: mpmath.mpf
    worst: Name | None
    #: name -> (symbolic value, finite-difference value)
    values: dict[Name, tuple[mpmath.mpf, mpmath.mpf]]

    def __str__(self) -> str:
        worst = f" (at {self.worst})" if self.worst is not None else ""
        return (
            f"{self.compared} gradients compared with central differences; "
            f"largest disagreement {mpmath.nstr(self.max_abs_error, 3)}{worst}"
        )


@dataclass(frozen=True)
class _Input:
    """One scalar input: a component of a parameter, an initial state or one step's input."""

    gradient: Gradient  # ∂L/∂(the whole parameter, state or input)
    path: tuple[int, ...]  # 0-based position inside the vector or matrix


def _perturbations(problem: Problem) -> Iterator[tuple[Name, _Input]]:
    """Every scalar input with the name of its gradient."""
    for gradient in Naming.of(problem.cell).gradients(problem):
        seq = problem.sequences[gradient.seq]
        value = (
            problem.params[gradient.of]
            if gradient.kind == "parameter"
            else seq.initial[gradient.of]
            if gradient.kind == "initial"
            else seq.x[gradient.step - 1]
        )
        if gradient.kind == "parameter" and problem.cell.param(gradient.of).is_matrix:
            rows, cols = len(value), len(value[0])
            for r in range(rows):
                for c in range(cols):
                    index: tuple[int, ...] = (r + 1, c + 1) if rows * cols > 1 else ()
                    yield gradient.name.component(*index), _Input(gradient, (r, c))
        else:
            for k in range(len(value)):
                index = (k + 1,) if len(value) > 1 else ()
                yield gradient.name.component(*index), _Input(gradient, (k,))


def _bump(value: Any, path: tuple[int, ...], eps: sympy.Rational) -> Any:
    """``value`` (nested tuples) with the entry at ``path`` moved by ``eps``."""
    head, rest = path[0], path[1:]
    return tuple(
        (_bump(item, rest, eps) if rest else item + eps) if i == head else item
        for i, item in enumerate(value)
    )


def _shifted(problem: Problem, where: _Input, eps: sympy.Rational) -> Problem:
    gradient = where.gradient
    if gradient.kind == "parameter":
        params = dict(problem.params)
        params[gradient.of] = _bump(params[gradient.of], where.path, eps)
        return dataclasses.replace(problem, params=params)
    sequences = list(problem.sequences)
    seq = sequences[gradient.seq]
    if gradient.kind == "initial":
        initial = dict(seq.initial)
        initial[gradient.of] = _bump(initial[gradient.of], where.path, eps)
        sequences[gradient.seq] = dataclasses.replace(seq, initial=initial)
    else:
        sequences[gradient.seq] = dataclasses.replace(
            seq, x=_bump(seq.x, (gradient.step - 1, *where.path), eps)
        )
    return dataclasses.replace(problem, sequences=tuple(sequences))


def check_gradients(
    problem: Problem, *, dps: int = 60, eps: sympy.Rational | None = None
) -> GradientCheck:
    """Compare every symbolic gradient of ``problem`` with a central difference at ``dps`` digits."""
    eps = eps if eps is not None else sympy.Rational(1, 10 ** (dps // 5))
    with mpmath.workdps(dps):
        trace = Evaluator(problem).run(gradients=True)
        symbolic = {
            name: value
            for section, name, value in scalar_values(problem, trace, gradients=True)
            if section == GRADIENT
        }
        values: dict[Name, tuple[mpmath.mpf, mpmath.mpf]] = {}
        worst: Name | None = None
        largest = mpmath.mpf(0)
        twelve_eps = 12 * (mpmath.mpf(eps.p) / eps.q)
        for name, where in _perturbations(problem):
            loss = {
                k: Evaluator(_shifted(problem, where, k * eps)).run().loss for k in (-2, -1, 1, 2)
            }
            difference = (loss[-2] - 8 * loss[-1] + 8 * loss[1] - loss[2]) / twelve_eps
            values[name] = (symbolic[name], difference)
            error = abs(symbolic[name] - difference)
            if error > largest or worst is None:
                largest, worst = error, name
    return GradientCheck(len(values), largest, worst, values)
