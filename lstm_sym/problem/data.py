"""What a problem file holds once validated: :class:`Problem`, its :class:`Sequence` s, and a
cell's :class:`Parameters` read without sequences. Every number is an exact rational."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import sympy

from ..choices import Framework
from ..errors import InputError
from ..frameworks.layouts import FRAMEWORKS, NATIVE, describe_layout
from ..spec.cells import Cell
from ..spec.losses import Loss
from .training import Training

Vector = tuple[sympy.Rational, ...]
Matrix = tuple[Vector, ...]

#: What a parameter's values are: as written in the file (``Any``), or validated.
V = TypeVar("V")


@dataclass(frozen=True)
class Parameters(Generic[V]):
    """A cell's parameter values in the native layout, and how they were given.

    Read from a ``[parameters]`` table (:func:`~lstm_sym.problem.parameters.framework_parameters`)
    the values are as written and ``sizes`` is empty; validated (:func:`read_parameters`)
    they are exact matrices and vectors of the ``sizes`` inferred.
    """

    cell: Cell
    values: Mapping[str, V]
    sizes: Mapping[str, int] = field(default_factory=dict)
    layout: Framework = NATIVE
    file: str | None = None
    #: the gate order chosen for a layout that has one (``xh_rows``), as the cell's letters
    gates: str = ""


@dataclass(frozen=True)
class Sequence:
    """One input sequence with its loss data and initial states."""

    x: tuple[Vector, ...]
    #: per step: the loss data (target y, or ∂L/∂h for the upstream loss), or None
    targets: tuple[Vector | None, ...]
    #: state name -> initial value
    initial: Mapping[str, Vector]
    #: state name -> ∂L/∂(final state), for the upstream loss
    terminal: Mapping[str, Vector] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return len(self.x)


@dataclass(frozen=True, eq=False)
class Problem:
    """A fully validated problem: everything needed to unroll and evaluate."""

    cell: Cell
    loss: Loss
    sizes: Mapping[str, int]
    params: Mapping[str, Matrix | Vector]
    sequences: tuple[Sequence, ...]
    title: str = ""
    course: str = ""
    author: str = ""
    description: str = ""
    source: str | None = None
    #: the layout the parameters were given in ("lstm_sym", "pytorch", "keras", ...)
    layout: Framework = NATIVE
    #: the output head (a name in :data:`~lstm_sym.spec.heads.HEADS`: "none", "linear")
    head: str = "none"
    #: the file the parameters were read from, if any
    parameters_file: str | None = None
    #: the gate order of a layout that has one (``xh_rows``): "" for its default
    gates: str = ""
    #: one optimizer step asked for (the ``[training]`` table), if any
    training: Training | None = None

    def __repr__(self) -> str:
        return f"<Problem {self.synopsis}>"

    @property
    def synopsis(self) -> str:
        """One line: cell, loss, sizes, steps, batch (and layout, head when not the default)."""
        sizes = ", ".join(f"{k}={v}" for k, v in sorted(self.sizes.items()))
        steps = "/".join(map(str, sorted({seq.steps for seq in self.sequences})))
        text = f"{self.cell.name}, loss={self.loss.name}, {sizes}, T={steps}, B={self.batch}"
        if self.head != "none":
            text += f", head={self.head}"
        if self.layout != NATIVE:
            text += f", layout={self.layout}"
        return text

    @property
    def batch(self) -> int:
        return len(self.sequences)

    @property
    def forward_only(self) -> bool:
        """Whether no step has a target: no loss, no gradients (the upstream loss never is)."""
        return not self.loss.gradient_given and not any(
            seq.terminal or any(y is not None for y in seq.targets) for seq in self.sequences
        )

    def refuse_gradients(self, field: str) -> None:
        """Refuse what needs a loss (``field``: the option asking for it) on a forward-only problem."""
        if self.forward_only:
            raise InputError(
                field,
                f"a problem with targets ({self.loss.data_key} at some step) for a loss and gradients",
                "a forward-only problem (no targets)",
            )

    @property
    def target_count(self) -> int:
        """How many steps have a target (the N of a per-label mean)."""
        return sum(1 for seq in self.sequences for y in seq.targets if y is not None)

    @property
    def conventions(self) -> tuple[tuple[str, str], ...]:
        """(topic, statement) pairs a sheet states: cell, its conventions, activations, layout, loss."""
        cell = self.cell
        items = [("cell", f"{cell.name}: {cell.description}")]
        if cell.reference:
            items.append(("reference", cell.reference))
        items.extend(cell.conventions)
        if cell.activations:
            chosen = ", ".join(f"{slot.name}: {slot.activation}" for slot in cell.activations)
            items.append(("activations", chosen))
        given = (
            describe_layout(self.layout, cell, self.gates)
            if self.layout != NATIVE
            else FRAMEWORKS[NATIVE]
        )
        if self.parameters_file:
            given += f" (read from {self.parameters_file})"
        items.append(("parameters", given))
        if not self.forward_only:
            items.append(("loss", f"{self.loss.name}: {self.loss.description}"))
        return tuple(items)

    @property
    def target_elements(self) -> int:
        """How many target numbers the loss compares (the N of a mean)."""
        return sum(len(y) for seq in self.sequences for y in seq.targets if y is not None)

    @property
    def loss_scale(self) -> sympy.Rational:
        count = self.target_count if self.loss.count == "targets" else self.target_elements
        return self.loss.scale_for(max(count, 1))

    def seq_label(self, b: int) -> int | None:
        """The sequence number used in names (``None`` when there is only one sequence)."""
        return b + 1 if self.batch > 1 else None


def input_digits(problem: Problem) -> int:
    """Decimal digits that hold every number of ``problem`` exactly (numerator and denominator)."""
    numbers: list[sympy.Rational] = []

    def collect(value: Any) -> None:
        if isinstance(value, (tuple, list)):
            for item in value:
                collect(item)
        elif isinstance(value, sympy.Rational):
            numbers.append(value)

    collect(list(problem.params.values()))
    for seq in problem.sequences:
        collect([seq.x, [t for t in seq.targets if t is not None]])
        collect([list(seq.initial.values()), list(seq.terminal.values())])
    bits = max((abs(int(v.p)).bit_length() + int(v.q).bit_length() for v in numbers), default=1)
    return int(bits * 0.30103) + 2
