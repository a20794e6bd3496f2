r"""The gradient-flow quantities of one evaluated problem, by name, at one working precision.

For every sequence, step ``t`` and state ``s`` of the cell (``h`` and ``c`` for an LSTM;
``h`` alone for a GRU or an Elman RNN), with ``T`` the end step (the last step unless
another is asked for):

* ``norm_delta_s_t`` — ‖∂L/∂s_t‖₂, the Euclidean norm of the total adjoint;
* ``norm_delta_s_via_<v>_t`` and ``share_delta_s_via_<v>_t`` — the part of ∂L/∂s_t that
  arrives through the equation ``v`` reading s_t (``<v>_next`` when v belongs to step t+1,
  ``terminal`` for a given ∂L/∂s_T): its norm and its share of the sum of all parts' norms;
* ``norm_J_t``, ``rho_J_t`` — spectral norm and spectral radius of the step's Jacobian
  J_t = ∂(states_t)/∂(states_{t−1}) (every state stacked, in the cell's order);
* ``norm_dsT_ds_t``, ``rho_dsT_ds_t`` — the same for the block ∂s_T/∂s_t of the product
  J_T ⋯ J_{t+1}: every path from s_t through the later steps (the states of step t are
  independent coordinates, so c_t → h_t, a step's own path, is not in ∂c_T/∂c_t: it is
  the ``via_h`` part of ∂L/∂c_t);
* ``dsT_ds_t[i,j]`` (with ``entries``) — the entries of that block;
* ``dsT_ds_direct_t[k]``, ``norm_dsT_ds_direct_t`` — the direct path alone, where s's
  equation reads s_{t−1} pointwise (the LSTM's carousel c_t = f_t ⊙ c_{t−1} + …, the GRU's
  z_t ⊙ h_{t−1}): the diagonal ∏_{k=t+1}^{T} ∂s_k/∂s_{k−1}|direct, i.e. ∏ f for an LSTM.

Products are accumulated backward from T (P_t = P_{t+1}·J_{t+1}), so the cost is linear
in T: no T² set of Jacobians is ever formed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import mpmath

from ..derive.naming import NEXT, delta, prev
from ..derive.template import problem_templates
from ..evaluate.evaluator import Trace
from ..names import Name, template_symbol
from ..problem import Problem
from ..spec.cells import Cell
from .linalg import Matrix, block, euclidean_norm, identity, matmul, spectral_norm, spectral_radius
from .local import Env, Reader, StepDerivatives, step_derivatives
from .naming import adjoint_norm, adjoint_share

#: The label of the path of a given ∂L/∂s_T (the upstream loss).
TERMINAL = "terminal"


@dataclass(frozen=True)
class Path:
    """One way into ∂L/∂s_t: an equation reading s_t at step t, or s_{t−1} at step t+1."""

    state: str
    #: the reading equation's target (or ``terminal``)
    target: str
    #: whether the reading equation belongs to the next step
    next_step: bool

    @property
    def label(self) -> str:
        """``c_next``, ``h``, ``z_o_next``, ``ell``, ``terminal``."""
        return self.target + NEXT if self.next_step else self.target


def has_direct_path(cell: Cell, state: str) -> bool:
    """Whether ``state``'s own equation reads its previous value in its pointwise part."""
    previous = template_symbol(prev(state))
    for eq in cell.equations:
        if eq.target == state:
            return previous in eq.pointwise.free_symbols and not any(
                term.vector == prev(state) for term in eq.linear
            )
    return False


def paths(problem: Problem, state: str) -> list[Path]:
    """Every path into ∂L/∂s_t, in a fixed order: this step's readers, the next step's, terminal."""
    with_loss, _ = problem_templates(problem)
    derivatives = step_derivatives(with_loss)
    same = [
        Path(state, r.target, False)
        for r in derivatives.readers_of(state)
        if r.target != state  # h_t's own equation does not read h_t
    ]
    following = [Path(state, r.target, True) for r in derivatives.readers_of(prev(state))]
    found = [*same, *following]
    if any(state in seq.terminal for seq in problem.sequences):
        found.append(Path(state, TERMINAL, False))
    return found


class FlowCalculation:
    """Computes every flow quantity of a trace (at the precision the trace was made at)."""

    def __init__(self, problem: Problem, *, end: int | None = None, entries: bool = False):
        self.problem = problem
        self.cell = problem.cell
        self.end = end
        #: whether the entries of each ∂s_T/∂s_t are values too (not only its norm and radius)
        self.entries = entries
        self.states = tuple(s.name for s in self.cell.states)
        self.prev = tuple(s.prev for s in self.cell.states)
        with_loss, without_loss = problem_templates(problem)
        self.templates: dict[bool, StepDerivatives] = {
            True: step_derivatives(with_loss),
            False: step_derivatives(without_loss),
        }
        self.paths = {s: paths(problem, s) for s in self.states}
        self.direct = {s: has_direct_path(self.cell, s) for s in self.states}

    def bases(self) -> list[str]:
        """Every quantity's base name, in the order tables list them."""
        out: list[str] = []
        for s in self.states:
            out.append(adjoint_norm(s))
            for path in self.paths[s]:
                out += [adjoint_norm(s, path.label), adjoint_share(s, path.label)]
        out += ["norm_J", "rho_J"]
        for s in self.states:
            out += [f"d{s}T_d{s}"] if self.entries else []
            out += [f"norm_d{s}T_d{s}", f"rho_d{s}T_d{s}"]
            if self.direct[s]:
                out += [f"d{s}T_d{s}_direct", f"norm_d{s}T_d{s}_direct"]
        return out

    def end_step(self, b: int) -> int:
        """The T of ∂s_T/∂s_t for sequence ``b`` (its last step unless asked otherwise)."""
        steps = self.problem.sequences[b].steps
        return steps if self.end is None else min(self.end, steps)

    def _derivatives(self, b: int, t: int) -> StepDerivatives:
        """The derivatives of step ``t`` (1-based) of sequence ``b``."""
        return self.templates[self.problem.sequences[b].targets[t - 1] is not None]

    def jacobians(self, trace: Trace, b: int) -> list[Matrix]:
        """J_t = ∂(states_t)/∂(states_{t−1}) for t = 1..T of sequence ``b`` (index t − 1)."""
        return [
            self._derivatives(b, t).jacobian(env, self.states, self.prev)
            for t, env in enumerate(trace.steps[b], start=1)
        ]

    def values(self, trace: Trace) -> dict[Name, Any]:
        """Every flow quantity of ``trace``, by name."""
        values: dict[Name, Any] = {}
        for b in range(len(trace.steps)):
            values.update(self._sequence(trace, b))
        return values

    def _sequence(self, trace: Trace, b: int) -> Iterator[tuple[Name, Any]]:
        label = self.problem.seq_label(b)
        envs = trace.steps[b]
        steps = len(envs)
        for t in range(steps + 1):
            for s in self.states:
                yield (
                    Name(adjoint_norm(s), t, (), label),
                    euclidean_norm(self._adjoint(trace, b, s, t)),
                )
                yield from self._path_values(trace, b, s, t, label)
        local = self.jacobians(trace, b)
        for t, jac in enumerate(local, start=1):
            yield Name("norm_J", t, (), label), spectral_norm(jac)
            yield Name("rho_J", t, (), label), spectral_radius(jac)
        yield from self._products(local, envs, b, label)

    def _adjoint(self, trace: Trace, b: int, s: str, t: int) -> list[Any]:
        """∂L/∂s_t (t = 0: the initial state)."""
        envs = trace.steps[b]
        if t == 0:
            found = envs[0].get(delta(prev(s))) if envs else None
            return list(found) if found is not None else [mpmath.mpf(0)] * len(trace.initial[b][s])
        return list(envs[t - 1][delta(s)])

    def _path_values(
        self, trace: Trace, b: int, s: str, t: int, label: int | None
    ) -> Iterator[tuple[Name, Any]]:
        norms = [
            (label, euclidean_norm(part)) for label, part in self.parts(trace, b, s, t).items()
        ]
        total = mpmath.fsum(norm for _, norm in norms)
        for path_label, norm in norms:
            yield Name(adjoint_norm(s, path_label), t, (), label), norm
            share = norm / total if total else mpmath.mpf(0)
            yield Name(adjoint_share(s, path_label), t, (), label), share

    def parts(self, trace: Trace, b: int, s: str, t: int) -> dict[str, list[Any]]:
        """The parts of ∂L/∂s_t by path label (they add up to ∂L/∂s_t); absent paths left out."""
        envs = trace.steps[b]
        found = {}
        for path in self.paths[s]:
            part = self._path(trace, b, path, t, envs)
            if part is not None:
                found[path.label] = part
        return found

    def _path(self, trace: Trace, b: int, path: Path, t: int, envs: list[Env]) -> list[Any] | None:
        """The part of ∂L/∂s_t through ``path`` (None where the path does not exist at t)."""
        if path.target == TERMINAL:
            if t != len(envs):
                return None
            found = trace.terminal[b].get(delta(path.state))
            return list(found) if found is not None else None
        if path.next_step:
            if t >= len(envs):
                return None
            step, operand = t + 1, prev(path.state)
        else:
            if t == 0:
                return None
            step, operand = t, path.state
        derivatives = self._derivatives(b, step)
        reader = _reader(derivatives, operand, path.target)
        if reader is None:  # a loss equation at a step without a target
            return None
        return derivatives.contribution(reader, envs[step - 1])

    def _products(
        self, local: list[Matrix], envs: list[Env], b: int, label: int | None
    ) -> Iterator[tuple[Name, Any]]:
        """∂s_T/∂s_t (every path, and the direct path) for t = T..0, accumulated backward."""
        end = self.end_step(b)
        blocks: dict[str, slice] = {}
        offset = 0
        for s, previous in zip(self.states, self.prev, strict=True):
            size = len(envs[0][previous]) if envs else 0
            blocks[s] = slice(offset, offset + size)
            offset += size
        product = identity(offset)
        direct = {s: [mpmath.mpf(1)] * (blocks[s].stop - blocks[s].start) for s in self.states}
        for t in range(end, -1, -1):
            if t < end:
                product = matmul(product, local[t])  # P_t = P_{t+1} · J_{t+1}
            for s in self.states:
                part = block(product, blocks[s], blocks[s])
                if self.entries:
                    for i, row in enumerate(part, start=1):
                        for j, value in enumerate(row, start=1):
                            entry = (i, j) if len(part) > 1 else ()
                            yield Name(f"d{s}T_d{s}", t, entry, label), value
                yield Name(f"norm_d{s}T_d{s}", t, (), label), spectral_norm(part)
                yield Name(f"rho_d{s}T_d{s}", t, (), label), spectral_radius(part)
                if not self.direct[s]:
                    continue
                if t < end:
                    step_factor = self._direct_factor(b, t + 1, s, envs[t])
                    direct[s] = [a * d for a, d in zip(direct[s], step_factor, strict=True)]
                for k, value in enumerate(direct[s], start=1):
                    index = (k,) if len(direct[s]) > 1 else ()
                    yield Name(f"d{s}T_d{s}_direct", t, index, label), value
                yield Name(f"norm_d{s}T_d{s}_direct", t, (), label), max(abs(v) for v in direct[s])

    def _direct_factor(self, b: int, step: int, s: str, env: Env) -> list[Any]:
        """∂s_step/∂s_{step−1} along the direct path: s's own pointwise partial (f for c)."""
        derivatives = self._derivatives(b, step)
        reader = _reader(derivatives, prev(s), s)
        assert reader is not None
        return derivatives.partials(reader, env, len(env[s]))


def _reader(derivatives: StepDerivatives, operand: str, target: str) -> Reader | None:
    for reader in derivatives.readers_of(operand):
        if reader.target == target:
            return reader
    return None
