"""Softmax losses in generated code: shifted logits, so large outputs neither overflow nor NaN.

A softmax loss (``cross_entropy``) does not change when every component of the output ŷ is
shifted by one number. Generated code uses that: per step it subtracts the largest
component, ``_shift = max_k ŷ_k``, wherever the template says ``exp(ŷ)``, so ``exp`` never
overflows. Two more rewrites keep underflow harmless: ``log(p)`` becomes
``ŷ − _shift − log(Z)`` (no ``log(0)``), and the adjoint ``δp = −y/p`` is substituted into the
formulas that read it, together with ``p``'s definition, so that SymPy cancels the
division (``δŷ = δZ·exp(ŷ − _shift) − y``, no ``0/0``). The certified evaluator keeps the
textbook formulas; mpmath does not overflow.
"""

from __future__ import annotations

import dataclasses

import sympy

from ..derive.naming import delta
from ..derive.template import StepTemplate
from ..equations import Equation, Outer

#: The name of the per-step shift (the largest output component) in generated code.
SHIFT = "_shift"


def _symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def shifted(template: StepTemplate, output: str) -> StepTemplate:
    """``template`` with its softmax loss evaluated on the output minus ``_shift``."""
    cells = len(template.cell.equations)
    logits = _symbol(output)
    shift = {sympy.exp(logits): sympy.exp(logits - _symbol(SHIFT))}
    loss = [
        dataclasses.replace(eq, pointwise=eq.pointwise.xreplace(shift))
        for eq in template.forward[cells:]
    ]
    definitions = {
        _symbol(eq.target): eq.pointwise for eq in loss if not eq.reduce and not eq.linear
    }
    logs = {
        sympy.log(name): sympy.expand_log(sympy.log(value), force=True)
        for name, value in definitions.items()
    }
    loss = [dataclasses.replace(eq, pointwise=eq.pointwise.xreplace(logs)) for eq in loss]

    # δp = −y/p and the like: substituted where they are read, so that p cancels
    inlined = {delta(name.name) for name in definitions}
    adjoints = {
        _symbol(eq.target): eq.pointwise.xreplace(shift)
        for eq in template.backward
        if isinstance(eq, Equation) and eq.target in inlined and not eq.linear and not eq.reduce
    }
    backward: list[Equation | Outer] = []
    for eq in template.backward:
        if isinstance(eq, Outer) or _symbol(eq.target) in adjoints:
            backward.append(eq)
            continue
        pointwise = eq.pointwise.xreplace(shift)
        if pointwise.free_symbols & set(adjoints):
            pointwise = sympy.powsimp(pointwise.xreplace(adjoints).xreplace(definitions))
        backward.append(dataclasses.replace(eq, pointwise=pointwise))
    read = {name for eq in backward for name in eq.operands()}
    backward = [
        eq for eq in backward if not (_symbol(eq.target) in adjoints and eq.target not in read)
    ]
    return dataclasses.replace(
        template,
        forward=template.forward[:cells] + tuple(loss),
        backward=tuple(backward),
        dims={**template.dims, SHIFT: "1"},
    )
