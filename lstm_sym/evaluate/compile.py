"""Compile a step template's equations into functions over an environment of values.

Each equation becomes a function that reads its operands from ``env`` (template name →
list of numbers, matrices as lists of rows) and writes its target; pointwise formulas are
compiled by the backend once. Equations are memoized by (equation, operand shapes,
backend) and templates by (template, sizes, backend), so the cells and variants that share
equations compile each once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import Any

import sympy

from ..derive.template import StepTemplate
from ..equations import Equation, Outer
from .backends import Backend
from .stable import saturating_names

#: Values of one step by template name (vectors as lists, matrices as lists of rows).
Env = dict[str, Any]


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
