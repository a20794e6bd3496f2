"""Named intermediates that courses print and the program does not name.

* ``tanh_c_t``: tanh(c_t) on its own line, as most notes write ``h_t = o_t ⊙ tanh(c_t)``
  in two steps (for a cell whose output is a gate times the tanh of a state);
* ``L^(b)``: the loss of sequence b of a batch, Σ_t ℓ_t^(b) (and its terminal terms).

Each is computed from the evaluated values (at the working precision) and certified like
every other value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

import mpmath
import sympy

from ..derive.naming import applied
from ..names import Name
from ..problem import Problem, input_digits
from ..spec.losses import LOSS_TERM, TERMINAL_TERM
from .certify import certify
from .evaluator import Evaluator, scalar_values
from .zeros import structural_zeros

#: The loss of the whole problem (of one sequence, with its ``seq``).
TOTAL_LOSS = "L"


def tanh_state(problem: Problem) -> str | None:
    """The state s of an output equation ``gate * tanh(s)``, else ``None``."""
    cell = problem.cell
    output = next(eq for eq in cell.equations if eq.target == cell.output)
    states = {state.name for state in cell.states}
    factors = output.pointwise.args if isinstance(output.pointwise, sympy.Mul) else ()
    for factor in factors:
        if isinstance(factor, sympy.tanh) and str(factor.args[0]) in states:
            return str(factor.args[0])
    return None


def sources(problem: Problem, names: list[Name]) -> Iterator[tuple[Name, Name]]:
    """Each intermediate with the value it is computed from (``tanh_c_1`` ← ``c_1``)."""
    state = tanh_state(problem)
    if state is not None:
        for name in names:
            if name.base == state and name.step is not None and name.step >= 1:
                yield Name(applied("tanh", state), name.step, name.index, name.seq), name
    if problem.batch > 1 and not problem.forward_only:
        for b in range(1, problem.batch + 1):
            yield Name(TOTAL_LOSS, None, (), b), Name(TOTAL_LOSS)


def value_of(name: Name, values: Mapping[Name, mpmath.mpf], source: Name) -> mpmath.mpf:
    """One intermediate from the values by name (at the working precision)."""
    if name.base == TOTAL_LOSS:
        terms = (LOSS_TERM, TERMINAL_TERM)
        return mpmath.fsum(
            value
            for key, value in values.items()
            if key.seq == name.seq and (key.base == terms[0] or key.base.startswith(terms[1]))
        )
    return mpmath.tanh(values[source])


def certified_intermediates(
    problem: Problem, digits: int, *, decimals: bool
) -> dict[Name, Decimal]:
    """Every intermediate, correctly rounded to ``digits``."""
    evaluator = Evaluator(problem)

    def evaluate(dps: int) -> dict[Name, mpmath.mpf]:
        with mpmath.workdps(dps):
            trace = evaluator.run(gradients=False)
            values = {n: +v for _, n, v in scalar_values(problem, trace, gradients=False)}
            listed = sources(problem, list(values))
            return {name: value_of(name, values, source) for name, source in listed}

    def zeros() -> set[Name]:
        known = structural_zeros(problem, gradients=False)
        return {name for name, source in sources(problem, list(known)) if source in known}

    return certify(evaluate, digits, decimals=decimals, zeros=zeros, scale=input_digits(problem))


__all__ = ["certified_intermediates", "sources", "tanh_state", "value_of"]
