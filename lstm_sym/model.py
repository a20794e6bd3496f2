"""The user-facing derivation object: a problem in, named programs, closed forms and values out."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TypedDict, Unpack

import mpmath
import sympy

from .choices import ENGINES, Engine, View
from .derive import closed_form
from .derive.program import Program
from .errors import InputError
from .evaluate.backends import EXACT, MPMATH
from .evaluate.certify import certify
from .evaluate.evaluator import Evaluator, Trace, scalar_values
from .evaluate.prove import prove
from .evaluate.zeros import structural_zeros
from .expression import Expression
from .limits import check, check_work, limit
from .names import Name
from .problem import STEP_OVERHEAD, Problem, input_digits, load_problem
from .progress import task
from .solution import Solution

#: Fewest significant digits of values (the most is the ``digits`` limit). Exact values
#: are refused beyond the ``exact_nodes`` limit (the homework's largest gradient has about
#: 15,000 nodes and takes about 2 s).
MIN_DIGITS = 1


class Model:
    """The symbolic model of one problem.

    >>> model = Model.load("examples/hw6.toml")
    >>> model
    <Model lstm, loss=half_sse, d=2, n=1, T=2, B=1>
    >>> model.expr("c_2")
    c_1*f_2 + c_tilde_2*i_2
    >>> print(model.expr("c_2").latex())  # as a solution sheet prints it
    c_{1} f_{2} + \\tilde{c}_{2} i_{2}
    >>> model.solve(digits=12)["h_1"]
    Decimal('0.217414638710')
    """

    def __init__(self, problem: Problem):
        self.problem = problem

    def __repr__(self) -> str:
        return f"<Model {self.problem.synopsis}>"

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """The model of a problem file."""
        return cls(load_problem(path))

    # -- symbolic ------------------------------------------------------------------------
    def program(self, *, view: View = "scalar", gradients: bool = True) -> Program:
        """The named straight-line program (forward, loss and, with ``gradients``, backward)."""
        if view == "scalar":
            return self._scalar_program if gradients else Program(self.problem, gradients=False)
        return Program(self.problem, view=view, gradients=gradients)

    @cached_property
    def _scalar_program(self) -> Program:
        return Program(self.problem)

    def expr(self, name: str | Name) -> Expression:
        """The defining expression of ``name`` over earlier names (the named form).

        A SymPy expression in all but display: in Jupyter (and through ``.latex()``) it
        prints with the names and term order of a solution sheet.
        """
        return Expression(self._scalar_program[name].expr, self.problem.cell)

    def closed_form(self, name: str | Name, *, max_nodes: int | None = None) -> Expression:
        """``name`` in parameters and data only; refused at once when it would be too large."""
        closed = closed_form.closed_form(self._scalar_program, name, max_nodes=max_nodes)
        return Expression(closed, self.problem.cell)

    # -- values --------------------------------------------------------------------------
    @cached_property
    def _evaluator(self) -> Evaluator:
        return Evaluator(self.problem, MPMATH)

    def trace(self, dps: int, *, gradients: bool = False) -> Trace:
        """Every value at a working precision of ``dps`` decimal digits (no rounding guarantee)."""
        with mpmath.workdps(dps):
            return self._evaluator.run(gradients=gradients)

    def numeric(self, dps: int, *, gradients: bool = False) -> dict[Name, mpmath.mpf]:
        """Every scalar at a working precision of ``dps`` digits, by name."""
        with mpmath.workdps(dps):
            trace = self._evaluator.run(gradients=gradients)
            return {
                name: +value
                for _, name, value in scalar_values(self.problem, trace, gradients=gradients)
            }

    def exact(self, *, gradients: bool = False) -> dict[Name, sympy.Expr]:
        """Every scalar exactly (rationals and closed forms such as ``σ(6/5)``); small problems only."""
        program = self._scalar_program if gradients else self.program(gradients=False)
        size = max(closed_form.sizes(program).values())
        check(
            "exact_nodes",
            size,
            "exact",
            "closed forms of at most {limit} nodes (use solve(digits=...) for certified decimals)",
            found=f"about {size:,} nodes",
        )
        trace = Evaluator(self.problem, EXACT).run(gradients=gradients)
        return {
            name: value
            for _, name, value in scalar_values(self.problem, trace, gradients=gradients)
        }

    def solve(
        self,
        digits: int = 15,
        *,
        gradients: bool = False,
        decimals: bool = False,
        flow: bool = False,
        engine: Engine = "arb",
        intermediates: bool = False,
    ) -> Solution:
        """Every quantity correctly rounded to ``digits`` significant digits (or decimal places).

        With the ``arb`` engine (the default) every digit is proven by ball arithmetic
        (:mod:`lstm_sym.evaluate.prove`); with ``mpmath`` values are recomputed at higher precision
        until the rounded results agree (:mod:`lstm_sym.evaluate.certify`). ``flow`` adds the
        gradient-flow quantities as a section ``flow`` (``norm_dL_dc_1``, ``dc_2_dc_1``: see
        :mod:`lstm_sym.flow.naming`). ``intermediates`` adds a section ``intermediate``:
        ``tanh_c_1`` and a batch's per-sequence losses ``L^(2)``
        (:mod:`lstm_sym.evaluate.intermediates`).
        """
        field, least = ("decimals", 0) if decimals else ("digits", MIN_DIGITS)
        expected = f"an integer from {least} to {{limit}}"
        if isinstance(digits, bool) or not isinstance(digits, int) or digits < least:
            raise InputError(field, expected.format(limit=limit("digits")), repr(digits))
        check("digits", digits, field, expected)
        check_work(*_work(self.problem), digits)
        if gradients or flow:
            self.problem.refuse_gradients("flow" if flow else "gradients")
        if engine not in ENGINES:
            raise InputError("engine", " or ".join(ENGINES), repr(engine))
        if flow:
            from .flow import GradientFlow

            solution = self.solve(digits, gradients=gradients, decimals=decimals, engine=engine)
            flowing = GradientFlow(self.problem).solve(digits, decimals=decimals, entries=True)
            solution.add_section("flow", flowing.named())
            return solution
        solution = self._solve(digits, gradients=gradients, decimals=decimals, engine=engine)
        if intermediates:
            from .evaluate.intermediates import certified_intermediates

            named = certified_intermediates(
                self.problem, digits, decimals=decimals, gradients=gradients
            )
            solution.add_section("intermediate", named)
        if gradients and self.problem.training is not None:
            from .evaluate.update import certified_updates

            solution.add_section(
                "update", certified_updates(self.problem, digits, decimals=decimals)
            )
        return solution

    def _solve(self, digits: int, *, gradients: bool, decimals: bool, engine: Engine) -> Solution:
        """Every quantity of the program (the forward pass, loss and gradients), certified."""
        if engine == "arb":
            return self._prove(digits, gradients=gradients, decimals=decimals)
        sections: dict[Name, str] = {}
        # usually two passes: one at digits + guard digits, one to confirm every rounding
        bar = task("solving", 3 if decimals else 2)

        def evaluate(dps: int) -> Mapping[Name, mpmath.mpf]:
            bar.note = f"pass {bar.done + 1} at {dps} digits"
            with mpmath.workdps(dps):
                trace = self._evaluator.run(gradients=gradients)
                values = {}
                for section, name, value in scalar_values(self.problem, trace, gradients=gradients):
                    sections[name] = section
                    values[name] = +value if isinstance(value, mpmath.mpf) else mpmath.mpf(value)
            bar.advance()
            return values

        with bar:
            values: dict[Name, Decimal] = certify(
                evaluate,
                digits,
                decimals=decimals,
                zeros=lambda: structural_zeros(self.problem, gradients=gradients),
                scale=input_digits(self.problem),
            )
        return Solution(
            self.problem,
            values,
            sections,
            digits=digits,
            decimals=decimals,
            gradients=gradients,
            engine="mpmath",
        )

    def _prove(self, digits: int, *, gradients: bool, decimals: bool) -> Solution:
        bar = task("solving", 2)  # usually one pass; unsettled values add more
        started: list[str] = []

        def progress(note: str) -> None:
            if started:
                bar.advance(note)
            else:
                bar.note = note
            started.append(note)

        with bar:
            proven = prove(
                self.problem, digits, gradients=gradients, decimals=decimals, progress=progress
            )
        return Solution(
            self.problem,
            proven.values,
            proven.sections,
            digits=digits,
            decimals=decimals,
            gradients=gradients,
            engine="arb",
            unsettled=proven.unsettled,
            enclosures=proven.enclosures,
        )


def _work(problem: Problem) -> tuple[int, int]:
    """Steps of all sequences, and multiply-adds per step (as the ``work`` limit counts them)."""
    steps = sum(seq.steps for seq in problem.sequences)
    numbers = sum(
        sum(len(row) if isinstance(row, tuple) else 1 for row in value)
        for value in problem.params.values()
    )
    return steps, numbers + STEP_OVERHEAD


class SolveOptions(TypedDict, total=False):
    """The keyword options of :meth:`Model.solve`."""

    gradients: bool
    decimals: bool
    flow: bool
    engine: Engine
    intermediates: bool


def solve(
    problem: Problem | str | Path, digits: int = 15, **options: Unpack[SolveOptions]
) -> Solution:
    """Proven values of every quantity of a problem (or problem file): :meth:`Model.solve`."""
    model = Model(problem) if isinstance(problem, Problem) else Model.load(problem)
    return model.solve(digits, **options)
