r"""The optional "Gradient flow" section of a solution sheet (``lstm-sym sheet --flow``).

A pgfplots plot of the flow over t (log₁₀ of each norm: pgfplots draws it inside the
document, so the ``.tex`` file stays self-contained), the flow table, and two lines of
*formula = numbers = value* for one Jacobian product: the direct path ∏ f, and the full
Jacobian of the stacked state as a product of the steps' Jacobians. Values are certified
to the sheet's number of digits, as significant digits (flow values span many decades).
"""

from __future__ import annotations

import math
from decimal import Decimal

from ..derive.naming import prev
from ..flow import FlowSolution, GradientFlow
from ..flow.naming import adjoint_norm
from ..flow.quantities import has_direct_path
from ..model import Model
from ..names import Name
from ..numbers import format_decimal
from ..problem import Problem
from .blocks import Block, SheetLine, line
from .document import table
from .names import NameStyle
from .printer import bmatrix

#: What a sheet with a flow section adds to the preamble.
FLOW_PACKAGES = "\\usepackage{pgfplots}\n\\pgfplotsset{compat=1.18}\n"
#: Most rows of the flow table (longer sequences show every k-th step).
MAX_ROWS = 26
#: Steps in the product shown as formula = numbers = value.
PRODUCT_STEPS = 2


def number(value: Decimal) -> str:
    """A certified decimal in LaTeX: positional, or ``m \\cdot 10^{k}`` for small and large."""
    if not value:
        return "0"
    exponent = value.adjusted()
    if -4 <= exponent < 6:
        return format_decimal(value)
    mantissa = format_decimal(value.scaleb(-exponent))
    return rf"{mantissa} \cdot 10^{{{exponent}}}"


class FlowSection:
    """The gradient-flow section of one problem's sheet (first sequence)."""

    def __init__(self, problem: Problem, digits: int):
        self.problem = problem
        self.digits = digits
        self.names = NameStyle(problem.cell)
        self.flow = GradientFlow(problem)
        self.solution: FlowSolution = self.flow.solve(digits)
        self.states = [s.name for s in problem.cell.states]
        self.end = self.solution.ends[0]
        #: the sequence label in names (None when the problem has one sequence)
        self.label = problem.seq_label(0)

    def latex(self) -> str:
        """The whole section."""
        out = [
            r"\section*{Gradient flow}",
            "How much of the error reaches earlier steps"
            + (" (the first sequence)" if self.label is not None else "")
            + ". Norms: Euclidean for vectors, "
            rf"spectral (the largest singular value) for Jacobians; $T = {self.end}$; values "
            f"to {self.digits} significant digits, every digit certified.",
            self.plot(),
            self.table(),
            self.product_lines().latex(),
        ]
        return "\n".join(out)

    # -- the plot ------------------------------------------------------------------------
    def _series(self) -> list[tuple[str, str, str]]:
        """(base, legend, pgfplots style) of each plotted quantity."""
        out = []
        dashes = ("solid", "dashed", "dashdotted", "densely dotted")
        for k, state in enumerate(self.states):
            dash = dashes[k % len(dashes)]
            out.append(
                (adjoint_norm(state), rf"$\|\partial L/\partial {state}_t\|$", f"blue, {dash}")
            )
            out.append(
                (
                    f"norm_d{state}T_d{state}",
                    rf"$\|\partial {state}_T/\partial {state}_t\|$",
                    f"red, {dash}",
                )
            )
            if has_direct_path(self.problem.cell, state):
                out.append(
                    (
                        f"norm_d{state}T_d{state}_direct",
                        rf"direct path of $\partial {state}_T/\partial {state}_t$",
                        "red!60!black, dotted",
                    )
                )
        return out

    def plot(self) -> str:
        """A pgfplots axis of log₁₀ of each norm over t (zeros are left out)."""
        plots, values = [], []
        for base, legend, style in self._series():
            points = [(t, float(v.log10())) for t, v in self.solution.series(base, 1) if v > 0]
            if not points:
                continue
            values += [y for _, y in points]
            coordinates = " ".join(f"({t},{y:.4f})" for t, y in points)
            plots.append(
                f"\\addplot[{style}, thick] coordinates {{{coordinates}}};\n\\addlegendentry{{{legend}}}"
            )
        low, high = math.floor(min(values)), math.ceil(max(values))
        high = max(high, low + 1)
        distance = max(1, math.ceil((high - low) / 8))
        steps = max(t for t, _ in self.solution.series(adjoint_norm(self.states[0]), 1))
        options = (
            "width=0.62\\textwidth, height=6cm, xlabel={step $t$}, grid=major, "
            f"xmin=0, xmax={steps}, xtick distance={max(1, math.ceil(steps / 10))}, "
            f"ymin={low}, ymax={high}, ytick distance={distance}, "
            "yticklabel={$10^{\\pgfmathprintnumber{\\tick}}$}, "
            "legend pos=outer north east, legend style={font=\\small}, legend cell align=left"
        )
        body = "\n".join(plots)
        return (
            "\\begin{center}\n\\begin{tikzpicture}\n"
            f"\\begin{{axis}}[{options}]\n{body}\n\\end{{axis}}\n"
            "\\end{tikzpicture}\n\\end{center}"
        )

    # -- the table -----------------------------------------------------------------------
    def table(self) -> str:
        """One row per step (every k-th for long sequences, and the last two)."""
        columns = [(adjoint_norm(s), rf"$\|\partial L/\partial {s}_t\|$") for s in self.states]
        for s in self.states:
            columns.append((f"norm_d{s}T_d{s}", rf"$\|\partial {s}_T/\partial {s}_t\|$"))
            if has_direct_path(self.problem.cell, s):
                columns.append((f"norm_d{s}T_d{s}_direct", "direct"))
        series = [dict(self.solution.series(base, 1)) for base, _ in columns]
        steps = sorted({t for s in series for t in s})
        stride = max(1, math.ceil(len(steps) / MAX_ROWS))
        shown = sorted(set(steps[::stride]) | set(steps[-2:]))
        rows = [[str(t), *(number(s[t]) if t in s else "" for s in series)] for t in shown]
        return table(["$t$", *(heading for _, heading in columns)], rows, long=True)

    # -- formula = numbers = value -------------------------------------------------------
    def product_lines(self) -> Block:
        """∂s_T/∂s_t for the last :data:`PRODUCT_STEPS` steps: direct path and every path."""
        end, start = self.end, max(0, self.end - PRODUCT_STEPS)
        lines = [*self._direct_lines(end, start), self._full_line(end, start)]
        stacked = ", ".join(f"{s}_t" for s in self.states)
        note = (
            rf"One product written out, with $s_t = ({stacked})$ stacked and "
            r"$J_t = \partial s_t/\partial s_{t-1}$ (the displayed factors are rounded; the "
            "value is the exact product, rounded):"
        )
        return Block("", tuple(lines), note=note)

    def _direct_lines(self, end: int, start: int) -> list[SheetLine]:
        out: list[SheetLine] = []
        gates = None
        for state in self.states:
            if not has_direct_path(self.problem.cell, state):
                continue
            factor = self._direct_factor(state)
            if factor is None:
                continue
            if gates is None:
                gates = Model(self.problem).solve(self.digits)
            size = self.problem.sizes.get(
                self.problem.cell.states[self.states.index(state)].size, 1
            )
            for k in range(1, size + 1):
                index = (k,) if size > 1 else ()
                names = [Name(factor, t, index, self.label) for t in range(end, start, -1)]
                component = f"_{{{k}{k}}}" if size > 1 else ""
                lhs = (
                    rf"\left(\frac{{\partial {state}_{{{end}}}}}{{\partial {state}_{{{start}}}}}"
                    rf"\right)^{{\text{{direct}}}}{component}"
                )
                value = self.solution[Name(f"d{state}T_d{state}_direct", start, index, self.label)]
                out.append(
                    line(
                        lhs,
                        [" ".join(self.names(n) for n in names)],
                        [r" \cdot ".join(number(gates[str(n)]) for n in names)],
                        [number(value)],
                    )
                )
        return out

    def _direct_factor(self, state: str) -> str | None:
        """The name along the direct path (``f`` for c, ``z`` for a GRU's h), if one name."""
        flow = self.flow.calculation()
        derivatives = flow.templates[True]
        for reader in derivatives.readers_of(prev(state)):
            if reader.target == state and reader.formula.is_Symbol:
                return str(reader.formula)
        return None

    def _full_line(self, end: int, start: int) -> SheetLine:
        factors = [
            self.flow.jacobian(None, t, t - 1, digits=self.digits) for t in range(end, start, -1)
        ]
        product = self.flow.jacobian(None, end, start, digits=self.digits)
        lhs = rf"\frac{{\partial s_{{{end}}}}}{{\partial s_{{{start}}}}}"
        return line(
            lhs,
            [" ".join(f"J_{{{t}}}" for t in range(end, start, -1))],
            [" ".join(_matrix(m) for m in factors)],
            [_matrix(product)],
        )


def _matrix(entries: tuple[tuple[Decimal, ...], ...]) -> str:
    return bmatrix([[number(v) for v in row] for row in entries])


def flow_section(problem: Problem, digits: int) -> str:
    """The LaTeX of the gradient-flow section (see :class:`FlowSection`)."""
    return FlowSection(problem, digits).latex()
