"""One gradient-descent step: the ``[training]`` table of a problem file.

A problem may ask for the parameters after one step of plain gradient descent (SGD,
optionally with momentum) or of Adam, both from zero optimizer state, as PyTorch's
``torch.optim.SGD`` and ``torch.optim.Adam`` take their first step:

* SGD, with or without momentum: ``P_new = P − η ∂L/∂P`` (the first step's velocity is
  the gradient itself, so momentum changes nothing yet);
* Adam: the bias-corrected moments of the first step are ``m̂ = g`` and ``v̂ = g²``, so
  ``P_new = P − η g / (|g| + ε)``.

Every number is exact (``0.1`` is 1/10), as everywhere in a problem file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import mpmath
import sympy

from ..errors import InputError, describe, did_you_mean
from ..numbers import parse_number, to_mpf

Optimizer = Literal["sgd", "adam"]
OPTIMIZERS: tuple[Optimizer, ...] = ("sgd", "adam")

#: Each optimizer's keys besides ``optimizer`` and ``learning_rate``, with PyTorch's defaults.
_DEFAULTS: dict[Optimizer, dict[str, str]] = {
    "sgd": {"momentum": "0"},
    "adam": {"beta1": "0.9", "beta2": "0.999", "epsilon": "1e-8"},
}


@dataclass(frozen=True)
class Training:
    """One optimizer step from zero state: the optimizer and its exact hyperparameters."""

    optimizer: Optimizer
    learning_rate: sympy.Rational
    #: the optimizer's other hyperparameters by key (momentum; beta1, beta2, epsilon)
    options: Mapping[str, sympy.Rational]

    def step(self, value: mpmath.mpf, gradient: mpmath.mpf) -> mpmath.mpf:
        """The parameter after the step, at the working precision."""
        rate = to_mpf(self.learning_rate)
        if self.optimizer == "adam":
            epsilon = to_mpf(self.options["epsilon"])
            return value - rate * gradient / (abs(gradient) + epsilon)
        return value - rate * gradient

    @property
    def formula(self) -> str:
        """The update as text: ``P_new = P − η ∂L/∂P`` (η and ε as numbers)."""
        if self.optimizer == "adam":
            return "P_new = P − η g/(|g| + ε), g = ∂L/∂P (Adam, first step)"
        return "P_new = P − η ∂L/∂P"


def read_training(raw: Any) -> Training:
    """Validate a ``[training]`` table."""
    if not isinstance(raw, Mapping):
        raise InputError("training", "a table such as {learning_rate = 0.1}", describe(raw))
    optimizer = raw.get("optimizer", "sgd")
    if optimizer not in OPTIMIZERS:
        raise InputError("training.optimizer", " or ".join(map(repr, OPTIMIZERS)), repr(optimizer))
    allowed = ["optimizer", "learning_rate", *_DEFAULTS[optimizer]]
    for key in raw:
        if key not in allowed:
            raise InputError(
                f"training.{key}",
                f"one of {', '.join(allowed)} (optimizer {optimizer!r})",
                f"unknown key {key!r}{did_you_mean(key, allowed)}",
            )
    if "learning_rate" not in raw:
        raise InputError("training.learning_rate", "a positive number", "nothing")
    rate = _positive(raw["learning_rate"], "training.learning_rate")
    options = {
        key: parse_number(raw.get(key, default), f"training.{key}")
        for key, default in _DEFAULTS[optimizer].items()
    }
    for key in ("beta1", "beta2", "momentum"):
        if key in options and not 0 <= options[key] < 1:
            raise InputError(
                f"training.{key}", "a number from 0 up to (not including) 1", str(options[key])
            )
    if "epsilon" in options:
        _positive(raw.get("epsilon", options["epsilon"]), "training.epsilon")
    return Training(optimizer, rate, options)


def _positive(raw: Any, field: str) -> sympy.Rational:
    value = parse_number(raw, field)
    if value <= 0:
        raise InputError(field, "a positive number", str(value))
    return value


__all__ = ["OPTIMIZERS", "Optimizer", "Training", "read_training"]
