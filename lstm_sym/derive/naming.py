"""Template names and program names, in both directions: the one place their rules live.

A step template names its quantities locally: ``f``, ``h_prev`` (the state the step
reads), ``delta_f`` (∂L/∂f inside the step), ``grad_W_f`` (the step's share of ∂L/∂W_f),
``delta_h_next`` (what flows into ``delta_h`` from the next step) and reduction helpers
such as ``grad_alpha__z_h`` (the share of a size-1 ``alpha`` read by the vector ``z_h``).
The unrolled program names them by step: ``f_2``, ``h_1``, ``delta_f_2``, ``dL_dW_f`` (a
total over the steps), ``dL_dx_3`` and ``dL_dh_0``: at t = 1 the adjoint of the previous
state *is* ∂L/∂(initial state). :meth:`Naming.locate` maps a template name to its program
name, :meth:`Naming.template` maps a computed program name back (what the answer checker
carries), and :meth:`Naming.gradients` lists every ∂L/∂(input of the program) in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..names import Name

if TYPE_CHECKING:
    from ..problem import Problem
    from ..spec.cells import Cell

#: Prefixes and suffixes of derived names (``delta_f``, ``grad_W_f``, ``dL_dW_f``,
#: ``h_prev``, ``delta_h_next``) and the separator of reduction helpers.
DELTA, GRAD, TOTAL, PREV, NEXT, HELPER = "delta_", "grad_", "dL_d", "_prev", "_next", "__"
#: Suffix of a parameter after one optimizer step: ``W_f_new``.
UPDATED = "_new"

#: The part of the program a quantity belongs to, in evaluation order.
Section = Literal["forward", "loss", "backward", "gradient", "update", "intermediate"]
FORWARD: Section = "forward"
LOSS: Section = "loss"
BACKWARD: Section = "backward"
GRADIENT: Section = "gradient"
#: The parameters after one optimizer step (``W_f_new``), computed from the gradients.
UPDATE: Section = "update"
#: Named intermediates courses print that the program does not name (``tanh_c_1``, ``L^(2)``).
INTERMEDIATE: Section = "intermediate"


def delta(quantity: str) -> str:
    """The adjoint ∂L/∂quantity inside one step: ``delta_f``."""
    return DELTA + quantity


def grad(param: str) -> str:
    """One step's share of ∂L/∂param: ``grad_W_f``."""
    return GRAD + param


def total(quantity: str) -> str:
    """∂L/∂quantity of the whole program: ``dL_dW_f``, ``dL_dh`` (at step 0), ``dL_dx``."""
    return TOTAL + quantity


def prev(state: str) -> str:
    """The state a step reads: ``h_prev``."""
    return state + PREV


def incoming(state: str) -> str:
    """The adjoint that flows into ``delta_<state>`` from the next step: ``delta_h_next``."""
    return delta(state) + NEXT


def helper(receiver: str, reader: str) -> str:
    """The reduction helper of a size-1 operand's adjoint read by vector ``reader``."""
    return receiver + HELPER + reader


def is_helper(name: str) -> bool:
    """Whether ``name`` is a reduction helper (``grad_alpha__z_h``)."""
    return HELPER in name


def _strip(name: str, prefix: str, suffix: str = "") -> str | None:
    if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix + suffix):
        return name[len(prefix) : len(name) - len(suffix)]
    return None


def delta_of(name: str) -> str | None:
    """The quantity whose adjoint ``name`` is (``delta_f`` → ``f``), else ``None``."""
    return _strip(name, DELTA)


def grad_of(name: str) -> str | None:
    """The parameter whose step share ``name`` is (``grad_W_f`` → ``W_f``), else ``None``."""
    return _strip(name, GRAD)


def total_of(name: str) -> str | None:
    """The quantity whose total ``name`` is (``dL_dW_f`` → ``W_f``), else ``None``."""
    return _strip(name, TOTAL)


def prev_of(name: str) -> str | None:
    """The state ``name`` is the previous value of (``h_prev`` → ``h``), else ``None``."""
    return _strip(name, "", PREV)


def incoming_of(name: str) -> str | None:
    """The state whose incoming adjoint ``name`` is (``delta_h_next`` → ``h``), else ``None``."""
    return _strip(name, DELTA, NEXT)


def updated(param: str) -> str:
    """The parameter after one optimizer step: ``W_f_new``."""
    return param + UPDATED


def updated_of(name: str) -> str | None:
    """The parameter whose updated value ``name`` is (``W_f_new`` → ``W_f``), else ``None``."""
    return _strip(name, "", UPDATED)


def applied(function: str, quantity: str) -> str:
    """A function of a quantity as its own named value: ``tanh_c`` for tanh(c_t)."""
    return f"{function}_{quantity}"


def direct(quantity: str) -> str:
    """∂ℓ_t/∂quantity: the loss term's own share of δquantity_t (``dell_dh``)."""
    return "dell_d" + quantity


def recurrent(state: str) -> str:
    """The share of δstate_t that flows back from step t+1 (``delta_h_rec``)."""
    return delta(state) + "_rec"


def initial_gradient(state: str, seq: int | None = None) -> Name:
    """∂L/∂(initial state) of sequence ``seq``: ``dL_dh_0``."""
    return Name(total(state), 0, (), seq)


def given_gradient(state: str) -> str:
    """The problem file's key of a given ∂L/∂(final state): ``dL_dh_T`` (the upstream loss)."""
    return total(state) + "_T"


GradientKind = Literal["parameter", "initial", "input"]


@dataclass(frozen=True)
class Gradient:
    """∂L/∂(one input of the program): a parameter, an initial state or one step's input."""

    name: Name  # the whole vector or matrix: dL_dW_f, dL_dh_0, dL_dx_3
    kind: GradientKind
    of: str  # the parameter, state or input: W_f, h, x
    seq: int = 0  # the 0-based sequence (0 for parameters)
    step: int = 0  # the 1-based step of an input (0 otherwise)


@dataclass(frozen=True)
class Naming:
    """How one cell's template names become program names, and back."""

    params: tuple[str, ...]
    states: tuple[str, ...]
    input: str

    @classmethod
    def of(cls, cell: Cell) -> Naming:
        """The naming of ``cell``'s templates."""
        return cls(
            tuple(p.name for p in cell.params), tuple(s.name for s in cell.states), cell.input
        )

    def locate(self, name: str, *, first: bool = False) -> tuple[str, int | None]:
        """The program base of template name ``name`` and its step relative to the template's.

        ``None`` for a quantity of the whole program (a parameter, a gradient's total);
        ``first``: the template is at step 1 (the adjoint of a previous state is then
        ∂L/∂(initial state)).
        """
        if name in self.params:
            return name, None
        param = grad_of(name)
        if param is not None:  # a helper is one step's share, so it has a step
            return total(param), 0 if is_helper(name) else None
        for state in self.states:
            if name == prev(state):
                return state, -1
            if name == delta(prev(state)):
                return (total(state) if first else delta(state)), -1
        if name == delta(self.input):
            return total(self.input), 0
        return name, 0

    def name(self, name: str, step: int | None, seq: int | None = None, *, last: int = 0) -> Name:
        """The program name of template name ``name`` at ``step`` of sequence ``seq``.

        ``step`` is ``None`` in the terminal template, whose states are at the ``last`` step.
        """
        base, shift = self.locate(name, first=step == 1)
        if shift is None:
            return Name(base)
        if step is None:
            return Name(base, last if name in self.states else None, (), seq)
        return Name(base, step + shift, (), seq)

    def template(self, name: Name) -> tuple[str, int] | None:
        """The template name and 1-based step whose equation computes program name ``name``.

        ``None`` for what no step computes: parameters, data, initial states and totals
        over the steps (``dL_dW_f``). The answer checker carries a student's values this way.
        """
        step = name.step
        quantity = total_of(name.base)
        if step == 0 and quantity in self.states:  # ∂L/∂(initial state): computed at step 1
            return delta(prev(quantity)), 1
        if step is None or step < 1:
            return None
        if quantity == self.input:
            return delta(quantity), step
        if quantity is not None and is_helper(quantity):
            return grad(quantity), step
        return name.base, step

    def gradients(
        self,
        problem: Problem,
        *,
        sequences: Iterable[int] | None = None,
        parameters: bool = True,
        inputs: bool = True,
    ) -> Iterator[Gradient]:
        """Every ∂L/∂(input): parameters, then each sequence's initial states and inputs.

        ``sequences`` (0-based, in the order given) limits the sequences; ``parameters`` and
        ``inputs`` leave those out when false.
        """
        if parameters:
            for param in self.params:
                yield Gradient(Name(total(param)), "parameter", param)
        for b in range(problem.batch) if sequences is None else sequences:
            label = problem.seq_label(b)
            for state in self.states:
                yield Gradient(initial_gradient(state, label), "initial", state, b)
            if inputs:
                for t in range(1, problem.sequences[b].steps + 1):
                    yield Gradient(Name(total(self.input), t, (), label), "input", self.input, b, t)


__all__ = [
    "BACKWARD",
    "DELTA",
    "FORWARD",
    "GRAD",
    "GRADIENT",
    "HELPER",
    "INTERMEDIATE",
    "LOSS",
    "NEXT",
    "PREV",
    "TOTAL",
    "UPDATE",
    "UPDATED",
    "Gradient",
    "Naming",
    "Section",
    "applied",
    "delta",
    "delta_of",
    "direct",
    "given_gradient",
    "grad",
    "grad_of",
    "helper",
    "incoming",
    "incoming_of",
    "initial_gradient",
    "is_helper",
    "prev",
    "prev_of",
    "recurrent",
    "total",
    "total_of",
    "updated",
    "updated_of",
]
