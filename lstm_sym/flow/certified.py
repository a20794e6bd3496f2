"""Certified gradient flow: every flow quantity correctly rounded, every digit proven.

The problem is evaluated forward and backward with the package's evaluator (optionally
under what-if overrides), the flow quantities are computed from that trace, and the whole
computation is repeated at rising precision by :func:`lstm_sym.evaluate.certify.certify` until
every rounded digit agrees (see docs/guarantees.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import mpmath

from ..errors import InputError
from ..evaluate.backends import MPMATH
from ..evaluate.certify import certify
from ..evaluate.evaluator import Evaluator, Trace
from ..limits import check, limit
from ..names import Name
from ..problem import Problem, input_digits, load_problem
from .linalg import block, matmul
from .quantities import FlowCalculation
from .result import FlowSolution
from .whatif import Override, WhatIf


class GradientFlow:
    """How the gradient flows back through time in one problem.

    >>> flow = GradientFlow.load("examples/hw6.toml")
    >>> flow.solve(digits=6)["dcT_dc_direct_0"]  # ∂c_2/∂c_0 along the carousel: f_2·f_1
    Decimal('0.179088')
    >>> flow.jacobian("c", 2, 0, digits=6)  # every path (also through h_1)
    ((Decimal('0.307050'),),)
    """

    def __init__(self, problem: Problem, overrides: Sequence[Override] = ()):
        self.problem = problem
        self.overrides = tuple(overrides)
        self._hook = WhatIf(problem, self.overrides) if self.overrides else None
        self._evaluator = Evaluator(problem, MPMATH)
        self._calculation: dict[tuple[int | None, bool], FlowCalculation] = {}

    @classmethod
    def load(
        cls, path: str | Path, *, cell: str | None = None, overrides: Sequence[Override] = ()
    ) -> GradientFlow:
        """The gradient flow of a problem file."""
        return cls(load_problem(path, cell=cell), overrides)

    def trace(self, dps: int) -> Trace:
        """Forward and backward values at ``dps`` digits (with the overrides applied)."""
        with mpmath.workdps(dps):
            return self._evaluator.run(gradients=True, hook=self._hook)

    def calculation(self, end: int | None = None, *, entries: bool = False) -> FlowCalculation:
        """The flow calculation with end step ``end`` (None: each sequence's last step)."""
        if (end, entries) not in self._calculation:
            found = FlowCalculation(self.problem, end=end, entries=entries)
            self._calculation[(end, entries)] = found
        return self._calculation[(end, entries)]

    def solve(
        self,
        digits: int = 6,
        *,
        end: int | None = None,
        decimals: bool = False,
        entries: bool = False,
    ) -> FlowSolution:
        """Every flow quantity to ``digits`` significant digits (``end``: the T of ∂s_T/∂s_t).

        ``decimals``: ``digits`` counts decimal places instead; ``entries``: also every entry
        of ∂s_T/∂s_t (``dcT_dc_t[i,j]``), not only its norm and radius.
        """
        _check_digits(digits)
        steps = max(seq.steps for seq in self.problem.sequences)
        if end is not None and (isinstance(end, bool) or not isinstance(end, int) or end < 0):
            raise InputError("end", f"a step from 0 to {steps}", repr(end))
        if end is not None and end > steps:
            raise InputError("end", f"a step from 0 to {steps}", repr(end))
        calculation = self.calculation(end, entries=entries)

        def evaluate(dps: int) -> Mapping[Name, Any]:
            trace = self.trace(dps)
            with mpmath.workdps(dps):
                return {name: +value for name, value in calculation.values(trace).items()}

        values: dict[Name, Decimal] = certify(
            evaluate, digits, decimals=decimals, scale=input_digits(self.problem)
        )
        rank = {base: k for k, base in enumerate(calculation.bases())}
        ordered = sorted(values, key=lambda n: (n.seq or 0, rank[n.base], n.step or 0, n.index))
        values = {name: values[name] for name in ordered}
        ends = tuple(calculation.end_step(b) for b in range(self.problem.batch))
        return FlowSolution(
            self.problem,
            values,
            digits=digits,
            ends=ends,
            overrides=self.overrides,
            decimals=decimals,
        )

    def jacobian(
        self, state: str | None, end: int, start: int, *, digits: int = 15, seq: int = 1
    ) -> tuple[tuple[Decimal, ...], ...]:
        """∂state_end/∂state_start (every path) of sequence ``seq``, certified entries.

        ``state=None``: the Jacobian of every state stacked (h then c for an LSTM).
        """
        _check_digits(digits)
        states = [s.name for s in self.problem.cell.states]
        if state is not None and state not in states:
            raise InputError("state", f"one of {', '.join(states)}", repr(state))
        if not 1 <= seq <= self.problem.batch:
            raise InputError("seq", f"a sequence from 1 to {self.problem.batch}", repr(seq))
        steps = self.problem.sequences[seq - 1].steps
        if not 0 <= start <= end <= steps:
            raise InputError("steps", f"0 <= start <= end <= {steps}", f"{start}, {end}")
        calculation = self.calculation()
        offset = 0
        rows = slice(0, 0)
        for s in self.problem.cell.states:
            size = self.problem.sizes.get(s.size, 1)
            if s.name == state:
                rows = slice(offset, offset + size)
            offset += size
        if state is None:
            rows = slice(0, offset)

        def evaluate(dps: int) -> Mapping[tuple[int, int], Any]:
            trace = self.trace(dps)
            with mpmath.workdps(dps):
                local = calculation.jacobians(trace, seq - 1)
                product = [[mpmath.mpf(int(r == c)) for c in range(offset)] for r in range(offset)]
                for t in range(end, start, -1):
                    product = matmul(product, local[t - 1])
                part = block(product, rows, rows)
                return {(r, c): +v for r, row in enumerate(part) for c, v in enumerate(row)}

        values = certify(evaluate, digits, scale=input_digits(self.problem))
        size = rows.stop - rows.start
        return tuple(tuple(values[(r, c)] for c in range(size)) for r in range(size))


def _check_digits(digits: int) -> None:
    expected = "an integer from 1 to {limit}"
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise InputError("digits", expected.format(limit=limit("digits")), repr(digits))
    check("digits", digits, "digits", expected)
