"""Where the vector emitter keeps each quantity: the affine block, fused activations, histories.

The recurrent affine equations share one (T, B, Σ rows) buffer ``_block_seq`` (their
adjoints ``_dblock_seq``), in equation order; runs of ``q = F(z)`` over adjacent block
columns share one buffer ``_act<k>_seq`` and one call of F. Every other quantity has its
own history ``<name>_seq``; states have T + 1 rows (row 0 is the initial value).

The vectors the block's matrix products read at the start of a step (the input ``x`` and
previous states such as ``h_prev``) are stored side by side, followed by a column of
ones, in one buffer ``_in_seq`` of shape (T + 1, B, Σ sizes + 1): step t's row is
``[x_t, h_{t-1}, 1]``. The whole affine block of a step is then one matrix product
``_in_seq[t] @ _stack_in`` (weights and biases stacked), and every weight and bias
gradient one product ``_dblock_seqᵀ @ _in_seq`` over all steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ...derive.naming import delta
from ...equations import Equation
from ..plan import Plan
from ..source import dim_var, local


@dataclass(frozen=True)
class Column:
    """Where an affine quantity lives in the block buffer: columns ``start:stop``."""

    start: sympy.Expr
    stop: sympy.Expr

    def slice(self, width: sympy.Expr) -> str:
        if self.start == 0 and self.stop == width:
            return ":"
        return f"{size_text(self.start)}:{size_text(self.stop)}"


def dim_symbol(dim: str) -> sympy.Expr:
    """A size name as a SymPy expression (``1`` for scalars)."""
    return sympy.S.One if dim == "1" else sympy.Symbol(dim)


def size_text(expr: sympy.Expr) -> str:
    text: str = sympy.sstr(
        expr.xreplace({s: sympy.Symbol(dim_var(s.name)) for s in expr.free_symbols})
    )
    return text


class Layout:
    """Buffers and columns of every quantity of a plan's vector code."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.columns: dict[str, Column] = {}
        offset: sympy.Expr = sympy.S.Zero
        for eq in plan.affine:
            rows = self.dim(eq.target)
            self.columns[eq.target] = Column(offset, offset + rows)
            offset += rows
        self.width = offset
        self.joined, self.ones, self.in_width = self._joined_input()
        self.block_deltas = {delta(name): col for name, col in self.columns.items()}
        self.activations = self._activation_groups()
        #: member of a fused activation -> (group index, its columns within the group)
        self.activation_of: dict[str, tuple[int, Column]] = {}
        for k, (members, col) in enumerate(self.activations):
            for member in members:
                z = self._activation_argument(member)
                own = self.columns[z]
                self.activation_of[member] = (
                    k,
                    Column(own.start - col.start, own.stop - col.start),
                )

    # -- joined input ----------------------------------------------------------------
    def _joined_input(self) -> tuple[dict[str, Column], Column | None, sympy.Expr]:
        """Columns of ``_in_seq``: step-start vectors of the block's products, then ones."""
        plan = self.plan
        vectors = {t.vector for eq in plan.affine for t in eq.linear if not t.transpose}
        order = [plan.cell.input, *(state.prev for state in plan.cell.states)]
        joined: dict[str, Column] = {}
        offset: sympy.Expr = sympy.S.Zero
        for name in order:
            if name in vectors:
                joined[name] = Column(offset, offset + self.dim(name))
                offset += self.dim(name)
        ones = None
        if any(self.fixed_part(eq) != 0 for eq in plan.affine):
            ones = Column(offset, offset + 1)
            offset += 1
        return joined, ones, offset

    def fixed_part(self, eq: Equation) -> sympy.Expr:
        """The terms of an affine equation's pointwise part that read only parameters (its bias)."""
        params = set(self.plan.params)
        return sympy.Add(
            *(
                term
                for term in sympy.Add.make_args(eq.pointwise)
                if {s.name for s in term.free_symbols} <= params
            )
        )

    def in_columns(self, name: str) -> str:
        """``name``'s columns of ``_in_seq`` as slice text."""
        col = self.joined[name]
        return f"{size_text(col.start)}:{size_text(col.stop)}"

    # -- fused activations ---------------------------------------------------------
    def _activation_argument(self, target: str) -> str:
        eq = next(e for e in self.plan.recurrent if e.target == target)
        return str(eq.pointwise.args[0])

    def _activation_groups(self) -> list[tuple[list[str], Column]]:
        """Runs of ``q = F(z)`` over adjacent block columns, computed by one call of F.

        The group is computed where its last member stands; that is allowed when nothing
        between its first and last member reads a member.
        """
        plan = self.plan
        recurrent = list(plan.recurrent)

        def candidate(eq: Equation) -> bool:
            expr = eq.pointwise
            return (
                not eq.linear
                and not eq.reduce
                and eq.target not in plan.states
                and isinstance(expr, sympy.Function)
                and len(expr.args) == 1
                and expr.args[0].is_Symbol
                and expr.args[0].name in self.columns
            )

        groups: list[tuple[list[str], Column]] = []
        current: list[int] = []

        def close() -> None:
            if len(current) > 1:
                members = [recurrent[i].target for i in current]
                first = self.columns[self._activation_argument(members[0])]
                last = self.columns[self._activation_argument(members[-1])]
                groups.append((members, Column(first.start, last.stop)))

        for index, eq in enumerate(recurrent):
            if not candidate(eq):
                continue
            if current:
                previous = recurrent[current[-1]]
                members = {recurrent[i].target for i in current}
                between = recurrent[current[0] + 1 : index]
                fits = (
                    eq.pointwise.func == previous.pointwise.func
                    and self.columns[str(eq.pointwise.args[0])].start
                    == self.columns[str(previous.pointwise.args[0])].stop
                    and not any(
                        members & set(e.operands()) for e in between if e.target not in members
                    )
                )
                if fits:
                    current.append(index)
                    continue
                close()
            current = [index]
        close()
        return groups

    # -- names -----------------------------------------------------------------------
    def dim(self, name: str) -> sympy.Expr:
        return dim_symbol(self.plan.dim(name))

    def history(self, name: str) -> str:
        """``name`` over every step: an array of shape (T, B, size)."""
        plan = self.plan
        if name in plan.params:
            return local(name)
        if name == plan.cell.input:
            return "_x_seq"
        if name == plan.data:
            return "_y_seq"
        if name in plan.states:
            return f"{name}_seq[1:]"
        if name in plan.prev:
            return f"{plan.prev[name]}_seq[:-1]"
        return self._stored(name, ":, :") or f"{name}_seq"

    def at_step(self, name: str) -> str:
        """``name`` at step ``t`` (shape (B, size)), read from its history."""
        plan = self.plan
        if name in plan.states:
            return f"{name}_seq[t + 1]"
        if name in plan.prev:
            return f"{plan.prev[name]}_seq[t]"
        return self._stored(name, "t, :") or f"{self.history(name)}[t]"

    def _stored(self, name: str, rows: str) -> str | None:
        """``name`` read from the shared block, block-adjoint or activation buffer, if it lives there."""
        if name in self.columns:
            return f"_block_seq[{rows}, {self.columns[name].slice(self.width)}]"
        if name in self.block_deltas:
            return f"_dblock_seq[{rows}, {self.block_deltas[name].slice(self.width)}]"
        if name in self.activation_of:
            k, col = self.activation_of[name]
            return f"_act{k}_seq[{rows}, {size_text(col.start)}:{size_text(col.stop)}]"
        return None

    def block_range(self, targets: list[str]) -> tuple[list[str], Column]:
        """Affine targets from the first to the last of ``targets``, in block order."""
        order = [eq.target for eq in self.plan.affine]
        first, last = min(order.index(t) for t in targets), max(order.index(t) for t in targets)
        span = order[first : last + 1]
        return span, Column(self.columns[span[0]].start, self.columns[span[-1]].stop)
