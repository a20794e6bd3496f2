"""The forward functions of vector code: ``_forward`` and ``_forward_grad``.

One loop over time. A step's affine block is one matrix product of the joined input
``[x_t, h_{t-1}, 1]`` with the stacked weights and biases; fused activations are one call
over adjacent block columns; states and the quantities read later are written into their
histories, everything else into buffers reused every step (:mod:`.storage`). The gradient
forward also computes, step by step, the factors of the backward formulas that need no
adjoint (:mod:`.rewrite`).
"""

from __future__ import annotations

import sympy

from ...equations import Equation
from ..rewrite import activation_slope, slope
from ..source import Lines, dim_var, local
from .buffers import Column, dim_symbol
from .buffers import size_text as _size
from .context import VectorContext, local_names, work_buffer
from .histories import HistoryCode


def emit_forward(ctx: VectorContext, out: Lines, *, grad: bool = False) -> None:
    """``_forward(P, dims, x, init, ws)`` or, with ``grad``, ``_forward_grad``."""
    ForwardCode(ctx, grad=grad).emit(out)


class ForwardCode:
    """Emits ``_forward(P, dims, x, init, ws)`` or ``_forward_grad``."""

    def __init__(self, ctx: VectorContext, *, grad: bool):
        self.ctx = ctx
        self.plan = ctx.plan
        self.layout = ctx.layout
        self.rewrite = ctx.rewrite
        self.grad = grad
        self.histories = HistoryCode(ctx, grad=grad)

    def emit(self, out: Lines) -> None:
        """``_forward(P, dims, x, init, ws)`` or, with ``grad``, ``_forward_grad``.

        ``_forward`` keeps every cell quantity at every step; ``_forward_grad`` keeps what
        the loss and the backward read later and computes the hoisted factors step by step.
        """
        plan, layout, grad = self.plan, self.layout, self.grad
        out(f"def {'_forward_grad' if grad else '_forward'}(P, dims, x, init, ws):")
        with out.indent():
            if grad:
                out(
                    '"""The forward pass as the backward reads it: the histories it needs and, step by',
                    "step, the factors of its formulas that need no adjoint (_pre0 …).",
                    '"""',
                )
            else:
                out('"""Every quantity of the cell at every step (time-major histories)."""')
            out("batch, steps = x.shape[0], x.shape[1]", "dtype = x.dtype")
            for dim in plan.size_names:
                out(f"{dim_var(dim)} = dims[{dim!r}]")
            used = {m.matrix for eq in plan.cell_equations for m in eq.linear}
            used |= {n for eq in plan.cell_equations for n in eq.pointwise_operands()}
            if grad:
                used |= {
                    s.name for h in self.rewrite.hoists if h.in_step for s in h.expr.free_symbols
                }
            self.ctx.emit_params(out, used)
            stack_in = self._emit_joined_input(out)
            input_size = dim_var(plan.cell.input_size)
            if plan.cell.input not in layout.joined:
                out(f"_x_seq = {work_buffer('_x_seq', f'(steps, batch, {input_size})')}")
            out("np.copyto(_x_seq, np.swapaxes(x, 0, 1))")
            for state in plan.cell.states:
                shape = f"(steps + 1, batch, {dim_var(state.size)})"
                out(f"{state.name}_seq = {work_buffer(state.name + '_seq', shape)}")
                out(f"{state.name}_seq[0] = init[{state.name!r}]")
                if state.prev in layout.joined:
                    out(f"_in_seq[0, :, {layout.in_columns(state.prev)}] = init[{state.name!r}]")
            if plan.affine:
                self.ctx.per_step(
                    out,
                    "_block",
                    f"batch, {_size(self.layout.width)}",
                    self.ctx.storage.keeps_block(grad),
                )
            for k, (_, col) in enumerate(self.layout.activations):
                shape = f"batch, {_size(col.stop - col.start)}"
                self.ctx.per_step(out, f"_act{k}", shape, self.ctx.storage.keeps_group(k, grad))
                for member in self.ctx.storage.copied.get(k, []) if grad else []:
                    size = _size(self.ctx.dim(member))
                    out(f"{member}_seq = {work_buffer(member + '_seq', f'(steps, batch, {size})')}")
            for eq in plan.recurrent:
                if (
                    not eq.linear
                    and eq.target not in plan.states
                    and eq.target not in self.layout.activation_of
                ):
                    shape = f"batch, {_size(self.ctx.dim(eq.target))}"
                    self.ctx.per_step(
                        out, eq.target, shape, self.ctx.storage.keeps(eq.target, grad)
                    )
            for name in self.rewrite.kept.values():
                shape = f"batch, {_size(self.ctx.dim(self.rewrite.kept_owner(name)))}"
                self.ctx.per_step(out, name, shape, self.ctx.storage.keeps(name, grad))
            hoists = [h for h in self.rewrite.hoists if h.in_step] if grad else []
            slopes = self.rewrite.sloped if grad else {}
            for k in slopes:
                _, col = self.layout.activations[k]
                self.ctx.per_step(out, f"_slope{k}", f"batch, {_size(col.stop - col.start)}", False)
            for hoist in hoists:
                shape = f"batch, {_size(dim_symbol(self.rewrite.hoist_dim(hoist)))}"
                self.ctx.per_step(out, hoist.name, shape, True)
            groups = self._recurrent_groups(out)
            out("for t in range(steps):")
            with out.indent():
                self._emit_forward_step(out, groups, stack_in)
                for k, members in slopes.items():
                    _, function = self.rewrite.groups[k]
                    derivative = activation_slope(function, sympy.Symbol(f"_act{k}"))
                    assert derivative is not None  # a group is sloped only if it has one
                    self.ctx.assign(out, f"_slope{k}", derivative, {})
                    for member in members:
                        _, own = self.layout.activation_of[member]
                        out(f"{slope(member)} = _slope{k}[:, {_size(own.start)}:{_size(own.stop)}]")
                for hoist in hoists:
                    out(f"# {hoist.name} = {sympy.sstr(hoist.expr)}")
                    out(f"{hoist.name} = {hoist.name}_seq[t]")
                    self.ctx.assign(out, hoist.name, hoist.expr, local_names(hoist.expr))
            for eq in plan.output_equations:
                self.histories.vectorised(out, eq)
            out("return {")
            with out.indent():
                for name, text in self.ctx.storage.forward_results(grad).items():
                    out(f"{name!r}: {text},")
                for hoist in hoists:
                    out(f"{hoist.name + '_seq'!r}: {hoist.name}_seq,")
            out("}")

    def _emit_joined_input(self, out: Lines) -> str | None:
        """``_in_seq`` (with x's columns as ``_x_seq``) and the stacked ``[W, U, b]`` of the block."""
        plan = self.plan
        layout = self.layout
        if not layout.joined and layout.ones is None:
            return None
        out(f"_in_seq = {work_buffer('_in_seq', f'(steps + 1, batch, {_size(layout.in_width)})')}")
        if layout.ones is not None:
            out(f"_in_seq[:, :, {_size(layout.ones.start)}] = 1.0")
        if plan.cell.input in layout.joined:
            out(f"_x_seq = _in_seq[:-1, :, {layout.in_columns(plan.cell.input)}]")
        rows = []
        for eq in plan.affine:
            size = _size(self.ctx.dim(eq.target))
            parts = []
            for vector in layout.joined:
                matrices = [t.matrix for t in eq.linear if t.vector == vector and not t.transpose]
                if matrices:
                    parts.append(" + ".join(local(m) for m in matrices))
                else:
                    parts.append(f"np.zeros(({size}, {_size(self.ctx.dim(vector))}), dtype)")
            if layout.ones is not None:
                fixed = layout.fixed_part(eq)
                if fixed == 0:
                    parts.append(f"np.zeros(({size}, 1), dtype)")
                elif fixed.is_Symbol and plan.dim(fixed.name) == plan.dim(eq.target):
                    parts.append(f"{local(fixed.name)}[:, None]")
                else:
                    value = self.ctx.print(fixed, local_names(fixed))
                    parts.append(f"np.broadcast_to({value}, ({size},))[:, None]")
            rows.append(
                parts[0] if len(parts) == 1 else f"np.concatenate([{', '.join(parts)}], axis=1)"
            )
        stacked = rows[0] if len(rows) == 1 else f"np.concatenate([{', '.join(rows)}])"
        out(f"_stack_in = _aligned({stacked}.T)")
        return "_stack_in"

    def _recurrent_groups(self, out: Lines) -> dict[str, list[tuple[str, str, Column]]]:
        """Products of vectors outside the joined input (computed within a step), before the loop.

        One fused product per vector, written into a preallocated buffer (``_rec0``) and added
        into the block in place, at the first equation that needs it.
        """
        plan = self.plan
        by_vector: dict[str, list[str]] = {}
        for eq in plan.affine:
            for term in eq.linear:
                if term.vector not in self.layout.joined:
                    users = by_vector.setdefault(term.vector, [])
                    if eq.target not in users:
                        users.append(eq.target)
        groups: dict[str, list[tuple[str, str, Column]]] = {}
        for vector, users in by_vector.items():
            span, col = self.layout.block_range(users)
            rows = []
            for target in span:
                eq = next(e for e in plan.affine if e.target == target)
                rows.append((target, [t.matrix for t in eq.linear if t.vector == vector]))
            cols = _size(self.ctx.dim(vector))
            stack = self.ctx.new_stack(out, rows, cols, transpose=True)
            buffer = f"_rec{sum(len(g) for g in groups.values())}"
            out(f"{buffer} = {work_buffer(buffer, f'(batch, {_size(col.stop - col.start)})')}")
            product = f"np.matmul({local(vector)}, {stack}, out={buffer})"
            groups.setdefault(users[0], []).append((product, buffer, col))
        return groups

    def _emit_forward_step(
        self,
        out: Lines,
        groups: dict[str, list[tuple[str, str, Column]]],
        stack_in: str | None,
    ) -> None:
        plan, grad = self.plan, self.grad
        for state in plan.cell.states:
            out(f"{local(state.prev)} = {state.name}_seq[t]")
        if plan.affine:
            if self.ctx.storage.keeps_block(grad):
                out("_block = _block_seq[t]")
            if stack_in:
                out(f"np.matmul(_in_seq[t], {stack_in}, out=_block)")
            else:
                out("_block[...] = 0.0")
        reads = {n for eq in plan.recurrent for n in eq.pointwise_operands()}
        reads |= {t.vector for eq in plan.recurrent for t in eq.linear}
        if grad:
            reads |= {s.name for h in self.rewrite.hoists if h.in_step for s in h.expr.free_symbols}
        if plan.cell.input in reads:
            out(f"{local(plan.cell.input)} = _x_seq[t]")
        for eq in plan.recurrent:
            self._emit_forward_equation(out, eq, groups)
            if eq.target in plan.states:
                value = local(eq.target)
                if eq.linear:  # an affine state lives in the block: its history is a copy
                    out(f"{eq.target}_seq[t + 1] = {value}")
                prev = next(s.prev for s in plan.cell.states if s.name == eq.target)
                if prev in self.layout.joined:
                    out(f"_in_seq[t + 1, :, {self.layout.in_columns(prev)}] = {value}")

    def _emit_forward_equation(
        self,
        out: Lines,
        eq: Equation,
        groups: dict[str, list[tuple[str, str, Column]]],
    ) -> None:
        """One recurrent equation inside the forward loop."""
        plan, grad = self.plan, self.grad
        if eq.linear:
            col = self.layout.columns[eq.target]
            for product, buffer, group_col in groups.get(eq.target, []):
                cols = group_col.slice(self.layout.width)
                out(product)
                out(f"_block += {buffer}" if cols == ":" else f"_block[:, {cols}] += {buffer}")
            rest = eq.pointwise - self.layout.fixed_part(eq)
            view = f"_block[:, {col.slice(self.layout.width)}]"
            if rest != 0:
                out(f"{view} += {self.ctx.print(rest, local_names(rest))}")
            out(f"{local(eq.target)} = {view}")
            return
        if eq.target in self.layout.activation_of:
            k, _ = self.layout.activation_of[eq.target]
            members, col = self.layout.activations[k]
            if eq.target == members[-1]:
                if self.ctx.storage.keeps_group(k, grad):
                    out(f"_act{k} = _act{k}_seq[t]")
                block = sympy.Symbol("_block_cols")
                names = {"_block_cols": f"_block[:, {col.slice(self.layout.width)}]"}
                self.ctx.assign(out, f"_act{k}", eq.pointwise.func(block), names)
                for member in members:
                    _, own = self.layout.activation_of[member]
                    out(f"{local(member)} = _act{k}[:, {_size(own.start)}:{_size(own.stop)}]")
                for member in self.ctx.storage.copied.get(k, []) if grad else []:
                    out(f"{member}_seq[t] = {local(member)}")
            return
        dest = local(eq.target)
        if eq.target in plan.states or self.ctx.storage.keeps(eq.target, grad):
            out(f"{dest} = {self.histories.at_step(eq.target)}")
        names = local_names(eq.pointwise)
        pointwise = eq.pointwise.xreplace(plan.constants)
        for call, name in self.rewrite.kept.items():
            if pointwise.has(call):
                if self.ctx.storage.keeps(name, grad):
                    out(f"{name} = {name}_seq[t]")
                self.ctx.assign(out, name, call, names)
                pointwise = pointwise.xreplace({call: sympy.Symbol(name, real=True)})
                names[name] = name
        if eq.reduce:
            out(f"{dest}[...] = np.sum({self.ctx.print(pointwise, names)}, axis=-1, keepdims=True)")
        else:
            self.ctx.assign(out, dest, pointwise, names)
