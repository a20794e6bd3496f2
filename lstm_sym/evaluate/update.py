"""The parameters after one optimizer step (a problem's ``[training]``), correctly rounded.

Each updated parameter ``W_f_new`` is computed from the parameter's exact value and its
gradient ``dL_dW_f`` at a working precision, and certified like every other value: the
precision rises until the rounded digits agree (:func:`~lstm_sym.evaluate.certify.certify`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import mpmath
import sympy

from ..derive.naming import GRADIENT, total_of, updated
from ..names import Name
from ..numbers import to_mpf
from ..problem import Matrix, Problem, Vector, input_digits
from .certify import certify
from .evaluator import Evaluator, scalar_values
from .zeros import structural_zeros


def parameter_value(value: Matrix | Vector, index: tuple[int, ...]) -> sympy.Rational:
    """One component of a parameter by its 1-based index (none for a size-1 parameter)."""
    entry: Any = value
    for i in index or (1,) * (2 if isinstance(value[0], tuple) else 1):
        entry = entry[i - 1]
    return entry


def updated_name(problem: Problem, gradient: Name) -> Name | None:
    """``W_f_new[1,2]`` for the gradient ``dL_dW_f[1,2]``; ``None`` for other gradients."""
    param = total_of(gradient.base)
    if gradient.step is not None or param is None or param not in problem.params:
        return None
    return Name(updated(param), None, gradient.index)


def update_values(problem: Problem, gradients: Mapping[Name, mpmath.mpf]) -> dict[Name, mpmath.mpf]:
    """Every updated parameter component from the gradients (at the working precision)."""
    training = problem.training
    assert training is not None
    out: dict[Name, mpmath.mpf] = {}
    for name, gradient in gradients.items():
        new = updated_name(problem, name)
        if new is not None:
            param = total_of(name.base)
            assert param is not None
            value = parameter_value(problem.params[param], name.index)
            out[new] = training.step(to_mpf(value), gradient)
    return out


def certified_updates(problem: Problem, digits: int, *, decimals: bool) -> dict[Name, Decimal]:
    """Every updated parameter component, correctly rounded to ``digits``."""
    training = problem.training
    assert training is not None
    evaluator = Evaluator(problem)

    def evaluate(dps: int) -> dict[Name, mpmath.mpf]:
        with mpmath.workdps(dps):
            trace = evaluator.run(gradients=True)
            gradients = {
                name: +value
                for section, name, value in scalar_values(problem, trace, gradients=True)
                if section == GRADIENT
            }
            return update_values(problem, gradients)

    def zeros() -> set[Name]:
        """Zero parameters whose gradient is structurally zero stay exactly zero."""
        found = set()
        for name in structural_zeros(problem, gradients=True):
            new = updated_name(problem, name)
            param = total_of(name.base)
            if (
                new is not None
                and param is not None
                and parameter_value(problem.params[param], name.index) == 0
            ):
                found.add(new)
        return found

    numbers = [training.learning_rate, *training.options.values()]
    scale = input_digits(problem) + sum(len(str(n.p)) + len(str(n.q)) for n in numbers)
    return certify(evaluate, digits, decimals=decimals, zeros=zeros, scale=scale)


__all__ = ["certified_updates", "parameter_value", "update_values", "updated_name"]
