"""What-if experiments: one quantity of the cell forced to a value (or shifted) at chosen steps.

``f=0.001`` at step 2 asks what the gradient flow would be if the forget gate were
almost closed there. A gate (``σ(z)`` or ``tanh(z)`` of one preactivation) is set by
setting its preactivation to σ⁻¹(value) — as if that step's bias had been shifted — so the
gate's value, its derivative σ' = f(1 − f) and everything downstream stay consistent. Any
other quantity (``z_f``, ``c``) is replaced by the value directly: a constant shift at that
step, which leaves every local derivative of its own equation unchanged. ``shift`` adds to
the quantity (to the preactivation, for a gate) instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from ..errors import InputError
from ..evaluate.stable import saturating_names
from ..limits import limit
from ..numbers import parse_number, terminating_decimal, to_mpf
from ..problem import Problem
from ..spec.activations import activation_of
from ..spec.cells import Cell


@dataclass(frozen=True)
class Override:
    """``name`` set to ``value`` (or shifted by it, with ``shift``) at ``steps`` (all if empty)."""

    name: str
    value: sympy.Rational
    steps: tuple[int, ...] = ()
    shift: bool = False

    def describe(self) -> str:
        """``f = 0.001 at step 2``, ``z_f shifted by -5 at every step``."""
        decimal = terminating_decimal(self.value)
        value = format(decimal, "f") if decimal is not None else str(self.value)
        what = f"{self.name} shifted by {value}" if self.shift else f"{self.name} = {value}"
        if not self.steps:
            return f"{what} at every step"
        plural = "s" if len(self.steps) > 1 else ""
        return f"{what} at step{plural} {', '.join(map(str, self.steps))}"


def parse_assignment(text: str, field: str, *, shift: bool = False) -> Override:
    """``"f=0.001"`` as an :class:`Override` (steps are given separately)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise InputError(field, "NAME=VALUE (for example f=0.001)", repr(text))
    return Override(name.strip(), parse_number(value.strip(), field), shift=shift)


def parse_steps(text: str, field: str = "--at") -> tuple[int, ...]:
    """``"2"``, ``"1,3"`` or ``"2-5"`` as sorted step numbers."""
    steps: set[int] = set()
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise InputError(field, "step numbers such as 2, 1,3 or 2-5", repr(text)) from None
        if first < 1 or last < first or last > limit("steps"):
            raise InputError(
                field, f"steps from 1 to {limit('steps')}, ranges low-high", repr(text)
            )
        steps.update(range(first, last + 1))
    return tuple(sorted(steps))


class WhatIf:
    """The evaluation hook that applies overrides (see :class:`lstm_sym.evaluate.evaluator.Hook`)."""

    def __init__(self, problem: Problem, overrides: Sequence[Override]):
        self._by_target: dict[str, list[tuple[Override, Any]]] = {}
        longest = max(seq.steps for seq in problem.sequences)
        for override in overrides:
            target, inverse = _target(problem.cell, override)
            for step in override.steps:
                if step > longest:
                    raise InputError(
                        f"steps of {override.name}", f"steps from 1 to {longest}", str(step)
                    )
            self._by_target.setdefault(target, []).append((override, inverse))

    def after(self, target: str, step: int, seq: int, env: dict[str, Any]) -> None:
        """Replace (or shift) ``target`` at ``step`` where an override asks for it."""
        for override, inverse in self._by_target.get(target, ()):
            if override.steps and step not in override.steps:
                continue
            value = to_mpf(override.value)
            if override.shift:
                env[target] = [v + value for v in env[target]]
            else:
                new = inverse(value) if inverse is not None else value
                env[target] = [new] * len(env[target])


def _target(cell: Cell, override: Override) -> tuple[str, Any]:
    """The name the hook changes for ``override``, and the inverse activation if a gate."""
    defined = [eq.target for eq in cell.equations]
    if override.name not in defined:
        raise InputError(
            "what-if name",
            f"a quantity of the {cell.name} cell: {', '.join(defined)}",
            repr(override.name),
        )
    activation = saturating_names(cell.equations).get(override.name)
    if activation is None or not isinstance(activation[1], sympy.Symbol):
        return override.name, None
    function, argument = activation
    if override.shift:
        return argument.name, None
    record = activation_of(function)
    if record is None or record.inverse is None or record.image is None:
        return override.name, None
    low, high = record.image
    if not low < override.value < high:
        expected = f"a number strictly between {low} and {high}"
        raise InputError(f"value of {override.name}", expected, str(override.value))
    return argument.name, record.inverse


def check_overrides(problem: Problem, overrides: Iterable[Override]) -> None:
    """Raise :class:`InputError` for an override that names no quantity or a step too far."""
    WhatIf(problem, list(overrides))
