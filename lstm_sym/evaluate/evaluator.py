"""Evaluate a problem's step templates over every time step: exactly, or with mpmath.

The templates are compiled once per problem (pointwise formulas lambdified to mpmath, or
substituted exactly with SymPy) and run in a loop over t, so time and memory grow
linearly in T. No per-step SymPy object is built here.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Protocol

import mpmath
import sympy

from ..derive.adjoint import delta, grad, incoming
from ..derive.template import StepTemplate, loss_template, plain_template, terminal_template
from ..equations import Equation, Outer
from ..names import Name
from ..numbers import to_mpf
from ..problem.reader import Problem
from ..spec.activations import lambdify_positional, mpmath_functions
from .domain import has_roots, real_valued, undefined
from .stable import Saturating, saturating_names, stable_form

Env = dict[str, Any]


class Backend(Protocol):
    """How numbers are represented: mpmath floats or exact SymPy numbers."""

    def number(self, value: sympy.Rational) -> Any: ...

    def form(self, expr: sympy.Expr, names: Saturating) -> sympy.Expr: ...

    def compile(self, expr: sympy.Expr, args: tuple[str, ...]) -> Callable[..., Any]: ...

    def dot(self, pairs: Iterable[tuple[Any, Any]]) -> Any: ...


class MpmathBackend:
    """mpmath numbers at the working precision in effect when evaluating."""

    def number(self, value: sympy.Rational) -> Any:
        return to_mpf(value)

    def form(self, expr: sympy.Expr, names: Saturating) -> sympy.Expr:
        """The cancellation-free form of ``expr`` (saturated gates keep full precision)."""
        return stable_form(expr, names)

    def compile(self, expr: sympy.Expr, args: tuple[str, ...]) -> Callable[..., Any]:
        function = lambdify_positional(expr, args, [mpmath_functions(), "mpmath"])
        return real_valued(function) if has_roots(expr) else function

    def dot(self, pairs: Iterable[tuple[Any, Any]]) -> Any:
        """Σ a·b with one rounding per term (mpmath's fdot: about 2.5× a Python sum)."""
        return mpmath.fdot(pairs)


class ExactBackend:
    """Exact SymPy numbers: rationals and closed forms such as ``σ(6/5)``."""

    def number(self, value: sympy.Rational) -> Any:
        return value

    def form(self, expr: sympy.Expr, names: Saturating) -> sympy.Expr:
        return expr

    def compile(self, expr: sympy.Expr, args: tuple[str, ...]) -> Callable[..., Any]:
        symbols = [sympy.Symbol(a, real=True) for a in args]

        def substitute(*values: Any) -> Any:
            return expr.xreplace(dict(zip(symbols, values, strict=True)))

        return substitute

    def dot(self, pairs: Iterable[tuple[Any, Any]]) -> Any:
        return sympy.Add(*(a * b for a, b in pairs))


MPMATH = MpmathBackend()
EXACT = ExactBackend()


def _size(template: StepTemplate, name: str, sizes: dict[str, int]) -> int:
    shape = template.shape(name, sizes)
    return shape[0]


#: Compiled equations by (equation, operand shapes, backend): templates that share
#: equations (a cell and its variants) compile each once.
_EQUATIONS: dict[tuple[Any, ...], Callable[[Env], None]] = {}
_MAX_EQUATIONS = 4096


def _compile_equation(
    eq: Equation | Outer, template: StepTemplate, sizes: dict[str, int], backend: Backend
) -> Callable[[Env], None]:
    """A function that computes ``eq.target`` from the names already in ``env`` (memoized)."""
    if isinstance(eq, Outer):
        return _compile_new(eq, template, sizes, backend)
    operands = eq.pointwise_operands()
    shapes = tuple(template.shape(name, sizes) for name in (eq.target, *operands))
    # The evaluation form depends on which operands are σ or tanh of what in this template
    # (one GRU's ``1 − z`` cancels, the same equation under a hard sigmoid does not).
    names = saturating_names(template.forward)
    activations = tuple((name, names[name]) for name in operands if name in names)
    key = (eq, shapes, activations, id(backend))
    if key not in _EQUATIONS:
        if len(_EQUATIONS) >= _MAX_EQUATIONS:
            _EQUATIONS.clear()
        _EQUATIONS[key] = _compile_new(eq, template, sizes, backend)
    return _EQUATIONS[key]


def _compile_new(
    eq: Equation | Outer, template: StepTemplate, sizes: dict[str, int], backend: Backend
) -> Callable[[Env], None]:
    if isinstance(eq, Outer):
        pairs = eq.pairs

        def outer(env: Env) -> None:
            total: list[list[Any]] | None = None
            for a_name, b_name in pairs:
                a, b = env[a_name], env[b_name]
                block = [[ak * bj for bj in b] for ak in a]
                total = (
                    block
                    if total is None
                    else [
                        [t + s for t, s in zip(rt, rs, strict=True)]
                        for rt, rs in zip(total, block, strict=True)
                    ]
                )
            env[eq.target] = total

        return outer

    pointwise = backend.form(eq.pointwise, saturating_names(template.forward))
    args = tuple(sorted(s.name for s in pointwise.free_symbols))
    fn = backend.compile(pointwise, args) if args else None
    constant = (
        None
        if args
        else backend.number(sympy.Rational(eq.pointwise))
        if eq.pointwise.is_Rational
        else None
    )
    if not args and constant is None and eq.pointwise != 0:
        raise ValueError(f"{eq.target}: constant pointwise part {eq.pointwise} is not rational")
    broadcast = tuple(_size(template, a, sizes) == 1 for a in args)
    width = max([_size(template, a, sizes) for a in args] or [1])
    if not eq.reduce:
        width = _size(template, eq.target, sizes) if not args or eq.linear else width
    linear = eq.linear
    reduce = eq.reduce

    dot = backend.dot

    # the last matrix each transposed term saw, and its transpose: parameters are the same
    # lists at every step of a run, so each is transposed once per run, not once per step
    slots: list[list[Any]] = [[None, None] for _ in linear]

    def rows_of(k: int, matrix: Any) -> Any:
        slot = slots[k]
        if slot[0] is not matrix:
            slot[0], slot[1] = matrix, list(zip(*matrix, strict=True))
        return slot[1]

    matvec = getattr(backend, "matvec", None)

    def run(env: Env) -> None:
        values: list[Any] | None = None
        if linear and matvec is not None:  # the backend multiplies matrices itself
            values = matvec(
                [(env[term.matrix], term.transpose, env[term.vector]) for term in linear], slots
            )
        elif linear:  # Σ_terms M·v, one dot product per output row over all terms at once
            blocks = [
                (
                    rows_of(k, env[term.matrix]) if term.transpose else env[term.matrix],
                    env[term.vector],
                )
                for k, term in enumerate(linear)
            ]
            values = [
                dot(
                    chain.from_iterable(
                        zip(rows[k], vector, strict=True) for rows, vector in blocks
                    )
                )
                for k in range(len(blocks[0][0]))
            ]
        if fn is not None:
            columns = [
                env[a] * width if flat and width > 1 else env[a]
                for a, flat in zip(args, broadcast, strict=True)
            ]
            point = list(map(fn, *columns)) if width > 1 else [fn(*(c[0] for c in columns))]
            values = (
                point if values is None else [a + b for a, b in zip(values, point, strict=True)]
            )
        elif constant is not None and eq.pointwise != 0:
            values = [constant] * width if values is None else [v + constant for v in values]
        if values is None:
            values = [backend.number(sympy.S.Zero)] * width
        env[eq.target] = [sum(values)] if reduce else values

    return run


@dataclass
class CompiledTemplate:
    """A template's equations compiled for one problem's sizes and one backend."""

    template: StepTemplate
    forward: list[Callable[[Env], None]]
    backward: list[Callable[[Env], None]]
    constants: Env

    @classmethod
    def build(
        cls, template: StepTemplate, sizes: dict[str, int], backend: Backend
    ) -> CompiledTemplate:
        constants: Env = {}
        for name, value in template.constant.items():
            number = backend.number(sympy.Rational(value))
            shape = template.shape(name, sizes)
            constants[name] = (  # a matrix's gradient that is identically zero stays a matrix
                [[number] * shape[1] for _ in range(shape[0])]
                if len(shape) == 2
                else [number] * shape[0]
            )
        return cls(
            template,
            [_compile_equation(eq, template, sizes, backend) for eq in template.forward],
            [_compile_equation(eq, template, sizes, backend) for eq in template.backward],
            constants,
        )


_COMPILED: dict[tuple[int, tuple[tuple[str, int], ...], int], CompiledTemplate] = {}


def compiled(template: StepTemplate, sizes: dict[str, int], backend: Backend) -> CompiledTemplate:
    """``template`` compiled for ``sizes`` and ``backend``, reusing earlier compilations."""
    key = (id(template), tuple(sorted(sizes.items())), id(backend))
    entry = _COMPILED.get(key)
    if entry is None or entry.template is not template:  # an id can be reused once freed
        if len(_COMPILED) >= _MAX_EQUATIONS:
            _COMPILED.clear()
        entry = _COMPILED[key] = CompiledTemplate.build(template, sizes, backend)
    return entry


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


def problem_templates(problem: Problem) -> tuple[StepTemplate, StepTemplate]:
    """The templates of steps with and without a loss term."""
    return (
        loss_template(problem.cell, problem.loss, problem.loss_scale),
        plain_template(problem.cell),
    )


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

FORWARD, LOSS, BACKWARD, GRADIENT = "forward", "loss", "backward", "gradient"


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
) -> Iterator[tuple[str, Name, Any]]:
    """Every scalar of the trace as ``(section, name, value)``, in reading order."""
    return _scalars(problem, trace, gradients, _components)


def scalar_list(problem: Problem, trace: Trace, *, gradients: bool) -> list[Any]:
    """The values of :func:`scalar_values`, in the same order, without building names."""
    return [value for _, _, value in _scalars(problem, trace, gradients, _unnamed)]


def _scalars(
    problem: Problem, trace: Trace, gradients: bool, _components: Callable[..., Iterator[Any]]
) -> Iterator[Any]:
    cell = problem.cell
    loss_order = problem_templates(problem)[0].loss_quantities
    loss_terms = set(loss_order)
    labels = [problem.seq_label(b) for b in trace.batch]
    for pos, envs in enumerate(trace.steps):
        seq = labels[pos]
        for t, env in enumerate(envs, start=1):
            for eq in cell.equations:
                yield from (
                    (FORWARD, n, v) for n, v in _components(eq.target, t, seq, env[eq.target])
                )
            for term in (name for name in loss_order if name in env):
                yield from ((LOSS, n, v) for n, v in _components(term, t, seq, env[term]))
        for term in sorted(k for k in trace.terminal[pos] if k.startswith("ell_T")):
            yield from (
                (LOSS, n, v) for n, v in _components(term, None, seq, trace.terminal[pos][term])
            )
    if trace.complete:
        yield LOSS, Name("L"), trace.loss
    if not gradients:
        return
    backward_names: list[str] = []
    for backward_eq in (
        problem_templates(problem)[0].backward + problem_templates(problem)[1].backward
    ):
        target = backward_eq.target
        if (
            target.startswith("delta_")
            and "__" not in target
            and not target.endswith("_prev")
            and target != delta(cell.input)
            and target not in backward_names
        ):
            backward_names.append(target)
    for pos, envs in enumerate(trace.steps):
        seq = labels[pos]
        for t in range(len(envs), 0, -1):
            env = envs[t - 1]
            for name in backward_names:
                if name in env and name.removeprefix("delta_") not in loss_terms:
                    yield from ((BACKWARD, n, v) for n, v in _components(name, t, seq, env[name]))
    for param in cell.params if trace.complete else ():
        yield from (
            (GRADIENT, n, v)
            for n, v in _components(f"dL_d{param.name}", None, None, trace.grads[param.name])
        )
    for pos, envs in enumerate(trace.steps):
        seq = labels[pos]
        first = envs[0]
        for s in cell.states:
            value = first.get(delta(s.prev))
            if value is None:
                value = [0 * v for v in trace.initial[pos][s.name]]
            yield from ((GRADIENT, n, v) for n, v in _components(f"dL_d{s.name}", 0, seq, value))
        for t, env in enumerate(envs, start=1):
            value = env.get(delta(cell.input))
            if value is None:
                value = [0 * v for v in env[cell.input]]
            yield from (
                (GRADIENT, n, v) for n, v in _components(f"dL_d{cell.input}", t, seq, value)
            )
