r"""Solution sheets: the whole calculation of a problem as a LaTeX document.

Every line reads *name = formula = substituted numbers = value*. The formula is the
named-program expression (:class:`~lstm_sym.derive.program.Program`, scalar or vector view);
the substituted numbers are the given data exactly and earlier results as displayed; the
value is correctly rounded (certified by :meth:`~lstm_sym.model.Model.solve`). All
arithmetic is exact: the displayed numbers are only what a reader sees.

>>> sheet = Sheet.load("examples/hw6.toml")
>>> print(sheet.line("h_1"))
h_{1} &= o_{1} \tanh{\left(c_{1} \right)} = 0.97812 \cdot \tanh{\left(0.22605 \right)} = 0.21741
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ..choices import MIN_DIGITS, Part, View
from ..choices import PARTS as PARTS  # the sheet options, re-exported
from ..choices import VIEWS as VIEWS
from ..derive.naming import BACKWARD, FORWARD, GRADIENT, LOSS
from ..derive.program import Assignment, Program
from ..errors import InputError
from ..files import write_atomic
from ..limits import check, limit
from ..model import Model
from ..names import Name
from ..problem import Problem, load_problem
from ..solution import Solution
from .blocks import BLANK, Block, SheetLine, line
from .display import Numbers
from .document import given, latex_document, shaped, summary, title_block
from .names import NameStyle
from .printer import SheetPrinter, cell_printer
from .step_equations import StepEquations
from .widths import align_rows, width


@dataclass(frozen=True)
class SheetOptions:
    """What a sheet contains and how it prints (every option has a default)."""

    parts: tuple[Part, ...] = PARTS
    #: decimal places of displayed values (correctly rounded)
    digits: int = 5
    view: View = "scalar"
    #: the given data and the equations with blanks instead of numbers
    problem_only: bool = False
    #: override the problem file's title / course / author
    title: str | None = None
    course: str | None = None
    author: str | None = None
    #: add the "Gradient flow" section (lstm_sym.latex.flow)
    flow: bool = False
    #: add the "Named intermediates" section (tanh(c_t), L^(b), the shares of δh_t)
    intermediates: bool = False

    def __post_init__(self) -> None:
        parts = tuple(self.parts)
        unknown = [p for p in parts if p not in PARTS]
        if unknown or not parts:
            raise InputError("parts", f"some of {', '.join(PARTS)}", repr(",".join(parts)))
        object.__setattr__(self, "parts", tuple(p for p in PARTS if p in parts))
        if self.view not in VIEWS:
            raise InputError("view", "'scalar' or 'vector'", repr(self.view))
        digits = self.digits
        expected = f"an integer from {MIN_DIGITS} to {{limit}}"
        if isinstance(digits, bool) or not isinstance(digits, int) or digits < MIN_DIGITS:
            raise InputError("digits", expected.format(limit=limit("sheet_digits")), repr(digits))
        check("sheet_digits", digits, "digits", expected)
        for key in ("title", "course", "author"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, str):
                raise InputError(key, "a string", repr(value))


class Sheet:
    """The solution (or problem) sheet of one problem.

    ``Sheet(problem, digits=4, view="vector")`` takes the :class:`SheetOptions` fields as
    keywords. :meth:`to_latex` gives the document, :meth:`write` writes it (and the PDF),
    :meth:`step` one step for display in Jupyter.
    """

    def __init__(
        self,
        problem: Problem | Model | str | Path,
        options: SheetOptions | None = None,
        **changes: Any,
    ):
        if isinstance(problem, str | Path):
            problem = load_problem(problem)
        self.model = problem if isinstance(problem, Model) else Model(problem)
        self.problem = self.model.problem
        self.options = _forward_only(replace(options or SheetOptions(), **changes), self.problem)
        self._check_size()
        self.names = NameStyle(self.problem.cell)
        self.gradients = "backward" in self.options.parts

    def __repr__(self) -> str:
        o = self.options
        kind = "problem sheet" if o.problem_only else "solution sheet"
        return (
            f"<Sheet {self.problem.synopsis}: {kind}, {o.view} view, {o.digits} decimals, "
            f"parts={','.join(o.parts)}>"
        )

    def _check_size(self) -> None:
        """Refuse, before any work, a sheet of more lines than the ``sheet_lines`` limit."""
        problem = self.problem
        dims = problem.cell.quantity_dims()
        per_step = sum(
            1 if self.options.view == "vector" else problem.sizes.get(dims[eq.target], 1)
            for eq in problem.cell.equations
        )
        steps = sum(seq.steps for seq in problem.sequences)
        lines = steps * per_step * (2 if "backward" in self.options.parts else 1)
        check(
            "sheet_lines",
            lines,
            "sheet",
            "at most {limit} lines (use --view vector, fewer --parts, or solve)",
            found=f"about {lines:,} lines",
        )

    @classmethod
    def load(cls, path: str | Path, **options: Any) -> Sheet:
        """The sheet of a problem file (the same as ``Sheet(path, **options)``)."""
        return cls(path, **options)

    # -- the ingredients -----------------------------------------------------------------
    @cached_property
    def program(self) -> Program:
        return self.model.program(view=self.options.view, gradients=self.gradients)

    @cached_property
    def solution(self) -> Solution | None:
        """Certified values (``None`` on a problem-only sheet)."""
        if self.options.problem_only:
            return None
        return self.model.solve(
            self.options.digits,
            decimals=True,
            gradients=self.gradients,
            intermediates=self.options.intermediates,
        )

    @cached_property
    def numbers(self) -> Numbers:
        return Numbers(self.problem, self.solution, self.options.digits)

    def _printer(self, numbers: Numbers | None) -> SheetPrinter:
        return cell_printer(self.problem.cell, self.names, numbers=numbers)

    @cached_property
    def _formula(self) -> SheetPrinter:
        return self._printer(None)

    @cached_property
    def _substituted(self) -> SheetPrinter:
        return self._printer(self.numbers)

    def _is_matrix(self, base: str) -> bool:
        return self._formula.is_matrix(base)

    def lookup_given(self, name: Name) -> str | None:
        """The displayed number of ``name`` (a given number, or a value on a solution sheet)."""
        found = self.numbers.lookup(name)
        return found[0] if found is not None else None

    # -- lines ---------------------------------------------------------------------------
    def _value(self, assignment: Assignment) -> str:
        sym = assignment.symbol
        rows, cols = (sym.rows, sym.cols) if hasattr(sym, "rows") else (1, 1)
        name = assignment.name
        return shaped(name, rows, cols, self._is_matrix(name.base), self._solved)

    def _solved(self, name: Name) -> str | None:
        return self.numbers.value(name)

    def sheet_line(self, assignment: Assignment) -> SheetLine:
        """The line of one assignment: name = formula = numbers = value (or a blank)."""
        lhs = self.names(assignment.name)
        formula = self._formula.terms(assignment.expr)
        if self.options.problem_only:
            return line(lhs, formula, [self._value(assignment)])
        numbers = self._substituted.terms(assignment.expr)
        value = self._value(assignment)
        if BLANK in value:  # a name without a certified value: leave it to the reader
            return line(lhs, formula, numbers)
        return line(lhs, formula, numbers, [value])

    def line(self, name: str | Name) -> str:
        """The ``align*`` row(s) of one name's line, as LaTeX (for a quick look)."""
        assignment = self.program[name]
        sheet_line = self.sheet_line(assignment)
        return " \\\\\n".join(align_rows(sheet_line.lhs, sheet_line.parts, width(sheet_line.lhs)))

    # -- blocks --------------------------------------------------------------------------
    def _group(
        self, sections: Sequence[str]
    ) -> Iterator[tuple[tuple[int | None, int], list[Assignment]]]:
        """Assignments of ``sections`` with a step, grouped by (sequence, step), in order."""
        key: tuple[int | None, int] | None = None
        group: list[Assignment] = []
        for assignment in self.program:
            name = assignment.name
            if assignment.section not in sections or name.step is None:
                continue
            here = (name.seq, max(name.step, 1))
            if here != key and group:
                assert key is not None
                yield key, group
                group = []
            key = here
            group.append(assignment)
        if group and key is not None:
            yield key, group

    def _step_title(self, seq: int | None, step: int) -> str:
        return f"Sequence {seq}, step {step}" if seq is not None else f"Step {step}"

    def forward_block(self) -> Block:
        children = tuple(
            Block(self._step_title(*key), tuple(map(self.sheet_line, group)))
            for key, group in self._group((FORWARD,))
        )
        return Block("Forward pass", (), level=1, children=children)

    def loss_block(self) -> Block:
        lines = tuple(self.sheet_line(a) for a in self.program if a.section == LOSS)
        return Block("Loss", lines, level=1)

    def backward_block(self) -> Block:
        steps = tuple(
            Block(self._step_title(*key), tuple(map(self.sheet_line, group)))
            for key, group in self._group((BACKWARD, GRADIENT))
        )
        gradients = tuple(
            self.sheet_line(a)
            for a in self.program
            if a.section == GRADIENT and a.name.step is None
        )
        note = r"Each parameter's gradient is the sum of its terms over every step" + (
            " of every sequence." if self.problem.batch > 1 else "."
        )
        children = (*steps, Block("Parameter gradients", gradients, note=note))
        return Block(
            r"Backward pass (backpropagation through time)",
            (),
            note=r"$\delta q = \partial L / \partial q$ for every quantity $q$ of the forward pass.",
            level=1,
            children=children,
        )

    def step(self, t: int, *, seq: int | None = None) -> Block:
        """One step (forward and, when computed, backward lines) for display in Jupyter."""
        label = self.problem.seq_label((seq or 1) - 1)
        sections = (FORWARD, BACKWARD, GRADIENT) if self.gradients else (FORWARD,)
        lines = [
            self.sheet_line(a)
            for key, group in self._group(sections)
            if key == (label, t)
            for a in group
        ]
        if not lines:
            steps = self.problem.sequences[(seq or 1) - 1].steps
            raise InputError("step", f"a step from 1 to {steps}", repr(t))
        return Block(self._step_title(label, t), tuple(lines))

    # -- the document --------------------------------------------------------------------
    def equations(self) -> str:
        """The cell's equations (and the derived backward equations) at a general step t."""
        params = tuple(p.name for p in self.problem.cell.params)
        batch = self.problem.batch > 1
        template = (
            self.program.without_loss if self.problem.forward_only else self.program.with_loss
        )
        equations = StepEquations(template, self.names, params, batch=batch)
        forward = [line(lhs, rhs) for lhs, rhs in equations.forward()]
        total = r"\sum_{t} \ell_{t}"
        terminal = self.program.terminal
        given = ""
        if terminal is not None:
            stepless = frozenset(terminal.data + terminal.loss_terms)
            ends = StepEquations(terminal, self.names, params, stepless=stepless)
            forward += [line(lhs, rhs) for lhs, rhs in ends.forward("T")]
            total += "".join(f" + {self.names.template(term)}" for term in terminal.loss_terms)
            given = ", ".join(f"${self.names.template(g)}$" for g in terminal.data)
        if batch:
            total = rf"\sum_{{b}} \left({total}\right)" if terminal else rf"\sum_{{b}} {total}"
        if not self.problem.forward_only:
            forward.append(line("L", [total]))
        out = [
            Block("Equations", (), level=1, note="At every step $t$:").latex(),
            Block("", tuple(forward)).latex(),
        ]
        if "backward" in self.options.parts:
            backward = [line(lhs, rhs) for lhs, rhs in equations.backward()]
            backward += [line(lhs, rhs) for lhs, rhs in equations.initial_gradients()]
            backward += [line(lhs, rhs) for lhs, rhs in equations.gradients()]
            last = (
                f"at the last step the given {given} flow in instead of the terms with $t+1$"
                if given
                else "terms with $t+1$ are zero at the last step"
            )
            note = (
                "Backward, derived by reverse accumulation "
                rf"($\delta q = \partial L/\partial q$; {last}):"
            )
            out.append(Block("", tuple(backward), note=note).latex())
        return "\n".join(out)

    def summary(self) -> str:
        """Tables of the results: states and loss terms per step, L, and every gradient."""
        lookup = self._solved if not self.options.problem_only else (lambda name: None)
        return summary(self.problem, self.names, lookup, gradients=self.gradients)

    def to_latex(self) -> str:
        """The whole document (deterministic: same problem and options, same text)."""
        options, problem = self.options, self.problem
        kind = "Problem sheet" if options.problem_only else "Solution sheet"
        title = options.title if options.title is not None else problem.title or kind
        course = options.course if options.course is not None else problem.course
        author = options.author if options.author is not None else problem.author
        body = [title_block(title, course, author), given(problem, self.names, self.lookup_given)]
        if options.problem_only:
            body.append(
                f"Fill in the blanks, rounding every value to {options.digits} decimal places."
            )
        else:
            body.append(
                f"Values are correctly rounded to {options.digits} decimal places. Every value "
                "is computed exactly from the given data; the numbers substituted into each "
                "formula are the earlier values as displayed."
            )
        body.append(self.equations())
        if "forward" in options.parts:
            body.append(self.forward_block().latex())
        if "loss" in options.parts:
            body.append(self.loss_block().latex())
        if "backward" in options.parts:
            body.append(self.backward_block().latex())
            if problem.training is not None:
                from .update import update_block

                body.append(update_block(problem, self.names, self.numbers).latex())
        if options.intermediates and self.solution is not None:
            from .intermediates import intermediate_block

            block = intermediate_block(problem, self.names, self.numbers, self.solution)
            body.append(block.latex())
        if "summary" in options.parts:
            body.append(self.summary())
        packages = ""
        if options.flow and not options.problem_only:
            from .flow import FLOW_PACKAGES, flow_section

            body.append(flow_section(problem, options.digits))
            packages = FLOW_PACKAGES
        return latex_document("\n\n".join(body), packages=packages)

    def write(self, path: str | Path, *, pdf: bool = False, keep_log: bool = False) -> Path:
        """Write the document to ``path`` (atomically); with ``pdf``, build the PDF beside it.

        Returns the path of the last file written (the PDF when ``pdf``).
        """
        tex = write_atomic(path, self.to_latex())
        if pdf:
            from .build import build_pdf

            return build_pdf(tex, keep_log=keep_log)
        return tex

    def _repr_latex_(self) -> str:
        blocks = []
        if "forward" in self.options.parts:
            blocks.append(self.forward_block())
        if "loss" in self.options.parts:
            blocks.append(self.loss_block())
        if "backward" in self.options.parts:
            blocks.append(self.backward_block())
        return "\n\n".join(block._repr_latex_() for block in blocks)


def _forward_only(options: SheetOptions, problem: Problem) -> SheetOptions:
    """A forward-only problem's options: by default its forward pass and summary only.

    Asking for the loss, the backward pass or the gradient flow by name is refused.
    """
    if not problem.forward_only:
        return options
    if options.parts == PARTS:
        options = replace(options, parts=("forward", "summary"))
    if options.flow:
        problem.refuse_gradients("flow")
    if "loss" in options.parts or "backward" in options.parts:
        problem.refuse_gradients("parts")
    return options
