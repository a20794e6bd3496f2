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
    """Where one scalar input lives: a parameter entry, an initial state or an input entry."""

    kind: str  # "param" | "initial" | "input"
    key: str  # parameter or state name ("" for inputs)
    seq: int  # 0-based sequence (unused for parameters)
    step: int  # 0-based step (inputs only)
    path: tuple[int, ...]  # 0-based position inside the vector or matrix


def _perturbations(problem: Problem) -> Iterator[tuple[Name, _Input]]:
    """Every scalar input with the name of its gradient."""
    cell = problem.cell
    for param in cell.params:
        value = problem.params[param.name]
        if param.is_matrix:
            rows, cols = len(value), len(value[0])
            for r in range(rows):
                for c in range(cols):
                    index: tuple[int, ...] = (r + 1, c + 1) if rows * cols > 1 else ()
                    yield (
                        Name(f"dL_d{param.name}", None, index),
                        _Input("param", param.name, 0, 0, (r, c)),
                    )
        else:
            for k in range(len(value)):
                index = (k + 1,) if len(value) > 1 else ()
                yield (
                    Name(f"dL_d{param.name}", None, index),
                    _Input("param", param.name, 0, 0, (k,)),
                )
    for b, seq in enumerate(problem.sequences):
        label = problem.seq_label(b)
        for state in cell.states:
            size = len(seq.initial[state.name])
            for k in range(size):
                index = (k + 1,) if size > 1 else ()
                yield (
                    Name(f"dL_d{state.name}", 0, index, label),
                    _Input("initial", state.name, b, 0, (k,)),
                )
        for t, x in enumerate(seq.x):
            for k in range(len(x)):
                index = (k + 1,) if len(x) > 1 else ()
                yield (
                    Name(f"dL_d{cell.input}", t + 1, index, label),
                    _Input("input", "", b, t, (k,)),
                )


def _bump(value: Any, path: tuple[int, ...], eps: sympy.Rational) -> Any:
    """``value`` (nested tuples) with the entry at ``path`` moved by ``eps``."""
    head, rest = path[0], path[1:]
    return tuple(
        (_bump(item, rest, eps) if rest else item + eps) if i == head else item
        for i, item in enumerate(value)
    )


def _shifted(problem: Problem, where: _Input, eps: sympy.Rational) -> Problem:
    if where.kind == "param":
        params = dict(problem.params)
        params[where.key] = _bump(params[where.key], where.path, eps)
        return dataclasses.replace(problem, params=params)
    sequences = list(problem.sequences)
    seq = sequences[where.seq]
    if where.kind == "initial":
        initial = dict(seq.initial)
        initial[where.key] = _bump(initial[where.key], where.path, eps)
        sequences[where.seq] = dataclasses.replace(seq, initial=initial)
    else:
        sequences[where.seq] = dataclasses.replace(
            seq, x=_bump(seq.x, (where.step, *where.path), eps)
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
            if section == "gradient"
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
