"""Named intermediates that courses print and the program does not name.

* ``tanh_c_t``: tanh(c_t) on its own line, as most notes write ``h_t = o_t ⊙ tanh(c_t)``
  in two steps (for a cell whose output is a gate times the tanh of a state);
* ``L^(b)``: the loss of sequence b of a batch, Σ_t ℓ_t^(b) (and its terminal terms);
* with gradients, the two shares of δh_t (h the cell's output state): ``dell_dh_t``, the
  loss term's own ∂ℓ_t/∂h_t (the residual h_t − y_t under ``half_sse``), and
  ``delta_h_rec_t``, what flows back from step t+1 (zero at the last step).

Each is computed from the evaluated values (at the working precision) and certified like
every other value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

import mpmath
import sympy

from ..derive.naming import applied, delta, direct, prev, recurrent
from ..names import Name
from ..problem import Problem, input_digits
from ..spec.losses import LOSS_TERM, TERMINAL_TERM
from .certify import certify
from .evaluator import Evaluator, Trace, scalar_values
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
    split = split_state(problem)
    if split is not None:
        for name in names:
            if name.base == delta(split) and name.step is not None:
                yield Name(direct(split), name.step, name.index, name.seq), name
                yield Name(recurrent(split), name.step, name.index, name.seq), name
    if problem.batch > 1 and not problem.forward_only:
        for b in range(1, problem.batch + 1):
            yield Name(TOTAL_LOSS, None, (), b), Name(TOTAL_LOSS)


def split_state(problem: Problem) -> str | None:
    """The state whose adjoint is split into direct and recurrent shares, else ``None``.

    The cell's output, when it is a state and no final gradient is given (which would
    flow in at the last step).
    """
    output = problem.cell.output
    given = any(seq.terminal for seq in problem.sequences)
    if problem.forward_only or given or output not in {s.name for s in problem.cell.states}:
        return None
    return output


def adjoint_parts(problem: Problem, trace: Trace) -> dict[Name, mpmath.mpf]:
    """``dell_dh_t`` and ``delta_h_rec_t`` of every step, from an evaluation with gradients."""
    state = split_state(problem)
    out: dict[Name, mpmath.mpf] = {}
    if state is None or not trace.steps or delta(state) not in trace.steps[0][0]:
        return out
    for pos, envs in enumerate(trace.steps):
        seq = problem.seq_label(trace.batch[pos])
        for t, env in enumerate(envs, start=1):
            total = env[delta(state)]
            later = envs[t].get(delta(prev(state))) if t < len(envs) else None
            for k, value in enumerate(total):
                index = (k + 1,) if len(total) > 1 else ()
                flowing = later[k] if later is not None else 0 * value
                out[Name(recurrent(state), t, index, seq)] = flowing
                out[Name(direct(state), t, index, seq)] = value - flowing
    return out


def value_of(name: Name, values: Mapping[Name, mpmath.mpf], source: Name) -> mpmath.mpf:
    """One intermediate from the values by name (at the working precision)."""
    if name in values:  # an adjoint's share, evaluated with the trace
        return values[name]
    if name.base == TOTAL_LOSS:
        terms = (LOSS_TERM, TERMINAL_TERM)
        return mpmath.fsum(
            value
            for key, value in values.items()
            if key.seq == name.seq and (key.base == terms[0] or key.base.startswith(terms[1]))
        )
    return mpmath.tanh(values[source])


def certified_intermediates(
    problem: Problem, digits: int, *, decimals: bool, gradients: bool = False
) -> dict[Name, Decimal]:
    """Every intermediate (with ``gradients``, the adjoint's shares too), correctly rounded."""
    evaluator = Evaluator(problem)

    def evaluate(dps: int) -> dict[Name, mpmath.mpf]:
        with mpmath.workdps(dps):
            trace = evaluator.run(gradients=gradients)
            values = {n: +v for _, n, v in scalar_values(problem, trace, gradients=gradients)}
            values.update(adjoint_parts(problem, trace))
            listed = sources(problem, list(values))
            return {name: +value_of(name, values, source) for name, source in listed}

    def zeros() -> set[Name]:
        known = structural_zeros(problem, gradients=gradients)
        found = {name for name, source in sources(problem, list(known)) if source in known}
        state = split_state(problem) if gradients else None
        if state is not None:  # nothing flows back into the last step
            for b, seq in enumerate(problem.sequences):
                size = len(seq.initial[state])
                for k in range(size):
                    index = (k + 1,) if size > 1 else ()
                    found.add(Name(recurrent(state), seq.steps, index, problem.seq_label(b)))
        return found

    return certify(evaluate, digits, decimals=decimals, zeros=zeros, scale=input_digits(problem))


__all__ = [
    "adjoint_parts",
    "certified_intermediates",
    "sources",
    "split_state",
    "tanh_state",
    "value_of",
]
