"""Evaluate a problem's step templates over every time step: exactly, or with mpmath.

The templates are compiled once per problem (:mod:`lstm_sym.evaluate.compile`) and run in
a loop over t, so time and memory grow linearly in T. No per-step SymPy object is built
here. :func:`scalar_values` lists every scalar of a run under its program name
(:mod:`lstm_sym.derive.naming`).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import sympy

from ..derive import naming
from ..derive.naming import Naming, Section, delta, delta_of, grad, incoming, is_helper
from ..derive.template import StepTemplate, problem_templates, terminal_template
from ..equations import Equation, Outer
from ..names import Name
from ..problem import Problem
from ..spec.losses import TERMINAL_TERM
from .backends import MPMATH, Backend
from .compile import CompiledTemplate, Env, compiled
from .domain import undefined


@dataclass
class Trace:
    """Every value of one evaluation of a problem (vectors as lists, matrices as lists of rows)."""

    #: [sequence][t - 1] -> template name -> value (forward and, with gradients, backward)
    steps: list[list[Env]]
    #: [sequence] -> state -> initial value
    initial: list[dict[str, Any]]
    #: [sequence] -> values of the terminal loss terms and their adjoints
    terminal: list[Env]
    loss: Any
    #: parameter -> ∂L/∂parameter (empty without gradients)
    grads: dict[str, Any] = field(default_factory=dict)
    #: which of the problem's sequences were evaluated (all, unless some were asked for);
    #: ``loss`` and ``grads`` sum over these only
    batch: tuple[int, ...] = ()
    #: whether every sequence was evaluated (so that ``loss`` and ``grads`` are totals)
    complete: bool = True


class Hook(Protocol):
    """Watches (and may change) every value as it is computed: ``after`` runs after each
    equation of step ``step`` (1-based) of sequence ``seq`` (0-based) wrote ``env[target]``.

    The answer checker uses it to carry a student's own values downstream and to round
    every intermediate value as a hand calculation does.
    """

    def after(self, target: str, step: int, seq: int, env: Env) -> None: ...


#: A change of a step template (same names, different equations), for "what if" evaluations.
TemplateTransform = Callable[[StepTemplate], StepTemplate]


class Evaluator:
    """Runs a problem's templates; compile once, evaluate at as many precisions as needed.

    ``transform`` (optional) changes both step templates before they are compiled: the
    answer checker evaluates known mistakes this way.
    """

    def __init__(
        self,
        problem: Problem,
        backend: Backend = MPMATH,
        *,
        transform: TemplateTransform | None = None,
    ):
        self.problem = problem
        self.backend = backend
        sizes = dict(problem.sizes)
        with_loss, without_loss = problem_templates(problem)
        if transform is None:
            self.with_loss = compiled(with_loss, sizes, backend)
            self.without_loss = compiled(without_loss, sizes, backend)
        else:  # transformed templates are not cached (they are keyed by identity)
            self.with_loss = CompiledTemplate.build(transform(with_loss), sizes, backend)
            self.without_loss = CompiledTemplate.build(transform(without_loss), sizes, backend)
        terminal_states = tuple(sorted({s for seq in problem.sequences for s in seq.terminal}))
        self.terminal = (
            compiled(terminal_template(problem.cell, terminal_states), sizes, backend)
            if terminal_states
            else None
        )

    def _vector(self, values: Sequence[sympy.Rational]) -> list[Any]:
        return [self.backend.number(v) for v in values]

    def run(
        self,
        *,
        gradients: bool = False,
        hook: Hook | None = None,
        sequences: Sequence[int] | None = None,
    ) -> Trace:
        """Evaluate forward (and backward, with ``gradients``) at the current precision.

        ``hook.after`` is called after every step equation (forward and backward).
        ``sequences`` (0-based) evaluates only those sequences of a batch. Python's cyclic
        garbage collector is paused meanwhile: the values form no cycles, and its
        collections over millions of young numbers made the cost grow faster than T.
        """
        with collector_paused():
            return self._run(gradients, hook, sequences)

    def _run(self, gradients: bool, hook: Hook | None, sequences: Sequence[int] | None) -> Trace:
        problem, cell = self.problem, self.problem.cell
        number = self.backend.number
        params: Env = {
            name: [self._vector(row) for row in value]
            if cell.param(name).is_matrix
            else self._vector(value)
            for name, value in problem.params.items()
        }
        loss_data = problem.loss.data
        steps: list[list[Env]] = []
        initial: list[dict[str, Any]] = []
        terminal: list[Env] = []
        total = number(sympy.S.Zero)
        batch = tuple(range(problem.batch)) if sequences is None else tuple(sequences)
        for b in batch:
            seq = problem.sequences[b]
            state = {s.name: self._vector(seq.initial[s.name]) for s in cell.states}
            initial.append(state)
            envs: list[Env] = []
            for t, (x, target) in enumerate(zip(seq.x, seq.targets, strict=True), start=1):
                compiled = self.with_loss if target is not None else self.without_loss
                env: Env = dict(params)
                env[cell.input] = self._vector(x)
                if target is not None:
                    env[loss_data] = self._vector(target)
                for s in cell.states:
                    env[s.prev] = state[s.name]
                for eq, run in zip(compiled.template.forward, compiled.forward, strict=True):
                    try:
                        run(env)
                    except ArithmeticError as error:
                        raise self._undefined(error, eq, env, t, len(steps)) from None
                    if hook is not None:
                        hook.after(eq.target, t, b, env)
                for term in compiled.template.loss_terms:
                    total += env[term][0]
                state = {s.name: env[s.name] for s in cell.states}
                envs.append(env)
            term_env: Env = {}
            if self.terminal is not None:
                term_env.update(state)
                for s_name in self.terminal.template.data:
                    base = s_name.removeprefix("g_")
                    term_env[s_name] = self._vector(
                        seq.terminal.get(base, (sympy.S.Zero,) * len(state[base]))
                    )
                for run in self.terminal.forward:
                    run(term_env)
                for term in self.terminal.template.loss_terms:
                    total += term_env[term][0]
            steps.append(envs)
            terminal.append(term_env)
        everything = tuple(range(problem.batch))
        trace = Trace(steps, initial, terminal, total, batch=batch, complete=batch == everything)
        if gradients:
            self._backward(trace, hook)
        return trace

    def _undefined(
        self, error: ArithmeticError, eq: Equation | Outer, env: Env, t: int, b: int
    ) -> Exception:
        """The error for an equation undefined at these numbers (``1 / h_prev`` at 0)."""
        seq = self.problem.seq_label(b)
        where = f"sequence {seq}, step {t}: " if seq is not None else f"step {t}: "
        operands = eq.pointwise_operands() if isinstance(eq, Equation) else eq.operands()
        return undefined(error, eq.target, operands, env, where)

    def _backward(self, trace: Trace, hook: Hook | None = None) -> None:
        cell = self.problem.cell
        number = self.backend.number
        grads: dict[str, Any] = {}
        for pos, (b, envs) in enumerate(zip(trace.batch, trace.steps, strict=True)):
            incoming_values: dict[str, Any] = {}
            if self.terminal is not None:
                term_env = trace.terminal[pos]
                term_env.update(self.terminal.constants)
                for run in self.terminal.backward:
                    run(term_env)
            for s in cell.states:
                d = delta(s.name)
                zero = [number(sympy.S.Zero)] * len(trace.initial[pos][s.name])
                incoming_values[s.name] = trace.terminal[pos].get(d, zero)
            for t in range(len(envs) - 1, -1, -1):
                env = envs[t]
                compiled = (
                    self.with_loss if t < len(envs) and self._has_loss(b, t) else self.without_loss
                )
                env.update(compiled.constants)
                for s in cell.states:
                    env[incoming(s.name)] = incoming_values[s.name]
                for back_eq, run in zip(compiled.template.backward, compiled.backward, strict=True):
                    try:
                        run(env)
                    except ArithmeticError as error:
                        raise self._undefined(error, back_eq, env, t + 1, b) from None
                    if hook is not None:
                        hook.after(back_eq.target, t + 1, b, env)
                for s in cell.states:
                    incoming_values[s.name] = env.get(
                        delta(s.prev), [number(sympy.S.Zero)] * len(env[s.prev])
                    )
                for param in cell.params:
                    local = env.get(grad(param.name))
                    if local is None:
                        continue
                    if param.name in grads:
                        _accumulate(grads[param.name], local)
                    else:  # a copy: the sum is accumulated in place
                        grads[param.name] = _copy(local)
        for param in cell.params:
            if param.name not in grads:
                shape = self.with_loss.template.shape(param.name, dict(self.problem.sizes))
                zero = number(sympy.S.Zero)
                grads[param.name] = (
                    [[zero] * shape[1] for _ in range(shape[0])]
                    if len(shape) == 2
                    else [zero] * shape[0]
                )
        trace.grads = grads

    def _has_loss(self, b: int, t: int) -> bool:
        return self.problem.sequences[b].targets[t] is not None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside the block (restored as it was)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _copy(value: list[Any]) -> list[Any]:
    return [list(row) for row in value] if value and isinstance(value[0], list) else list(value)


def _accumulate(total: list[Any], value: list[Any]) -> None:
    """``total += value`` in place (a vector, or a matrix as a list of rows)."""
    if total and isinstance(total[0], list):
        for row, add in zip(total, value, strict=True):
            for k, v in enumerate(add):
                row[k] += v
        return
    for k, v in enumerate(value):
        total[k] += v


# -- scalar listing ----------------------------------------------------------------------


def _components(
    base: str, step: int | None, seq: int | None, value: list[Any]
) -> Iterator[tuple[Name, Any]]:
    if value and isinstance(value[0], list):
        rows, cols = len(value), len(value[0])
        for r in range(rows):
            for c in range(cols):
                index = (r + 1, c + 1) if rows * cols > 1 else ()
                yield Name(base, step, index, seq), value[r][c]
        return
    for k, v in enumerate(value):
        yield Name(base, step, (k + 1,) if len(value) > 1 else (), seq), v


def _unnamed(
    base: str, step: int | None, seq: int | None, value: list[Any]
) -> Iterator[tuple[None, Any]]:
    """The components of a value, as :func:`_components` gives them, without their names."""
    if value and isinstance(value[0], list):
        for row in value:
            for v in row:
                yield None, v
        return
    for v in value:
        yield None, v


def scalar_values(
    problem: Problem, trace: Trace, *, gradients: bool
) -> Iterator[tuple[Section, Name, Any]]:
    """Every scalar of the trace as ``(section, name, value)``, in reading order."""
    return _scalars(problem, trace, gradients, _components)


def scalar_list(problem: Problem, trace: Trace, *, gradients: bool) -> list[Any]:
    """The values of :func:`scalar_values`, in the same order, without building names."""
    return [value for _, _, value in _scalars(problem, trace, gradients, _unnamed)]


def _scalars(
    problem: Problem, trace: Trace, gradients: bool, _components: Callable[..., Iterator[Any]]
) -> Iterator[Any]:
    cell = problem.cell
    with_loss, without_loss = problem_templates(problem)
    loss_order = with_loss.loss_quantities
    loss_terms = set(loss_order)
    labels = [problem.seq_label(b) for b in trace.batch]
    for pos, envs in enumerate(trace.steps):
        seq = labels[pos]
        for t, env in enumerate(envs, start=1):
            for eq in cell.equations:
                yield from (
                    (naming.FORWARD, n, v)
                    for n, v in _components(eq.target, t, seq, env[eq.target])
                )
            for term in (name for name in loss_order if name in env):
                yield from ((naming.LOSS, n, v) for n, v in _components(term, t, seq, env[term]))
        for term in sorted(k for k in trace.terminal[pos] if k.startswith(TERMINAL_TERM)):
            yield from (
                (naming.LOSS, n, v)
                for n, v in _components(term, None, seq, trace.terminal[pos][term])
            )
    if trace.complete and not problem.forward_only:
        yield naming.LOSS, Name("L"), trace.loss
    if not gradients or problem.forward_only:
        return
    names = Naming.of(cell)
    # the adjoints named in the program as in the template (not those of the previous
    # states or the input, which are gradients, nor those of reduction helpers and loss terms)
    backward_names: list[str] = []
    for backward_eq in with_loss.backward + without_loss.backward:
        target = backward_eq.target
        quantity = delta_of(target)
        if (
            quantity is not None
            and quantity not in loss_terms
            and not is_helper(target)
            and names.locate(target) == (target, 0)
            and target not in backward_names
        ):
            backward_names.append(target)
    for pos, envs in enumerate(trace.steps):
        seq = labels[pos]
        for t in range(len(envs), 0, -1):
            env = envs[t - 1]
            for name in backward_names:
                if name in env:
                    yield from (
                        (naming.BACKWARD, n, v) for n, v in _components(name, t, seq, env[name])
                    )
    positions = {b: pos for pos, b in enumerate(trace.batch)}
    for gradient in names.gradients(problem, sequences=trace.batch, parameters=trace.complete):
        whole = gradient.name
        if gradient.kind == "parameter":
            value = trace.grads[gradient.of]
        else:  # the adjoint of the initial state or of an input, computed at a step
            pos = positions[gradient.seq]
            found = names.template(whole)
            assert found is not None
            target, t = found
            env = trace.steps[pos][t - 1]
            value = env.get(target)
            if value is None:
                read = (
                    trace.initial[pos][gradient.of]
                    if gradient.kind == "initial"
                    else env[gradient.of]
                )
                value = [0 * v for v in read]
        parts = _components(whole.base, whole.step, whole.seq, value)
        yield from ((naming.GRADIENT, n, v) for n, v in parts)
