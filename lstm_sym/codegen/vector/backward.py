"""The backward function of vector code: ``_backward``, backpropagation through time.

What needs no adjoint runs once over whole histories before the loop; the loop reads the
factors of its formulas that need no adjoint from the forward (:mod:`..rewrite`); the
adjoints of the affine block share ``_dblock_seq``, so ``δh_prev`` is one product per step,
and ``∂L/∂W``, ``∂L/∂U``, ``∂L/∂b`` of every gate and ``∂L/∂x`` are one product each over all
steps, after the loop.
"""

from __future__ import annotations

import sympy

from ...derive.naming import delta, grad, incoming_of, initial_gradient, total
from ...equations import Outer
from ..source import Lines, dim_var, local
from .buffers import dim_symbol
from .buffers import size_text as _size
from .context import VectorContext, local_names, work_buffer
from .histories import HistoryCode


def emit_backward(ctx: VectorContext, out: Lines) -> None:
    """``_backward(P, dims, fw, _y_seq, seeds, ws)``: every gradient (loss scale 1)."""
    BackwardCode(ctx).emit(out)


class BackwardCode:
    """Emits ``_backward``, reading the histories of ``_forward_grad``."""

    def __init__(self, ctx: VectorContext):
        self.ctx = ctx
        self.plan = ctx.plan
        self.layout = ctx.layout
        self.rewrite = ctx.rewrite
        self.histories = HistoryCode(ctx, grad=True)

    def emit(self, out: Lines) -> None:
        """``_backward(P, dims, fw, _y_seq, seeds, ws)``: every gradient (loss scale 1)."""
        plan = self.plan
        out("def _backward(P, dims, fw, _y_seq, seeds, ws):")
        with out.indent():
            out(
                '"""Backpropagation through time: the adjoint equations step by step, from the last."""'
            )
            out("_x_seq = fw['_x_seq']")
            out("steps, batch = _x_seq.shape[0], _x_seq.shape[1]", "dtype = _x_seq.dtype")
            for dim in plan.size_names:
                out(f"{dim_var(dim)} = dims[{dim!r}]")
            equations = [*self.rewrite.before, *self.rewrite.inside, *self.rewrite.after]
            reads = {n for eq in equations for n in eq.operands()}
            late = [h for h in self.rewrite.hoists if not h.in_step]
            reads |= {s.name for h in late for s in h.expr.free_symbols}
            self.ctx.emit_params(out, reads)
            self.histories.bind_histories(out, reads, {"x"})
            if self.layout.joined or self.layout.ones is not None:
                out("_in_seq = fw['_in_seq']")
            if self.layout.block_deltas:
                written = {eq.target for eq in self.rewrite.inside}
                shape = f"(steps, batch, {_size(self.layout.width)})"
                out(f"_dblock_seq = {work_buffer('_dblock_seq', shape)}")
                if not set(self.layout.block_deltas) <= written:
                    out("_dblock_seq[...] = 0.0")
                for name, value in plan.template.constant.items():
                    if name in self.layout.block_deltas and value != 0:
                        out(f"{self.histories.history(name)} = {self.ctx.print(value)}")
            for eq in self.rewrite.before:
                self.histories.vectorised(out, eq)
            for hoist in late:
                shape = f"(steps, batch, {_size(dim_symbol(self.rewrite.hoist_dim(hoist)))})"
                out(f"# {hoist.name} = {sympy.sstr(hoist.expr)}, over every step")
                out(f"{hoist.name}_seq = {work_buffer(hoist.name + '_seq', shape)}")
                self.ctx.assign(
                    out, f"{hoist.name}_seq", hoist.expr, self.histories.history_names(hoist.expr)
                )
            for name in self.rewrite.stored:
                shape = f"(steps, batch, {_size(self._dim_of_name(name))})"
                out(f"{name}_seq = {work_buffer(name + '_seq', shape)}")
            for state in plan.cell.states:
                out(f"{local(plan.carried[delta(state.prev)])} = seeds[{state.name!r}]")
            loop = Lines()
            loop.level = out.level + 1
            self._emit_backward_step(out, loop)
            out("for t in range(steps - 1, -1, -1):")
            out.lines.extend(loop.lines)
            for eq in self.rewrite.after:
                self.histories.vectorised(out, eq)
            self._emit_grads(out)

    def _dim_of_name(self, name: str) -> sympy.Expr:
        if name in self.plan.template.dims:
            return self.ctx.dim(name)
        return self.ctx.dim(incoming_of(name) or name)

    def _emit_backward_step(self, out: Lines, loop: Lines) -> None:
        plan = self.plan
        targets = {eq.target for eq in self.rewrite.inside}
        reads = {n for eq in self.rewrite.inside for n in eq.operands()}
        if self.layout.block_deltas:
            loop("_dblock = _dblock_seq[t]")
        for name in self.rewrite.stored:
            if name in plan.carried.values():
                loop(f"{name}_seq[t] = {local(name)}")
        for name in sorted(reads - targets - set(plan.params) - set(plan.carried.values())):
            if name in plan.template.constant:
                continue
            loop(f"{local(name)} = {self.histories.at_step(name)}")
        for eq in self.rewrite.inside:
            if isinstance(eq, Outer):
                raise ValueError(f"{eq.target}: an outer product inside the time loop")
            names = local_names(eq.pointwise)
            names.update({t.vector: local(t.vector) for t in eq.linear})
            pieces = self.histories.products(out, eq.linear, "step", names) if eq.linear else []
            pointwise = eq.pointwise.xreplace(plan.constants)
            if eq.target in self.layout.block_deltas:
                dest = f"_dblock[:, {self.layout.block_deltas[eq.target].slice(self.layout.width)}]"
            elif eq.target in self.rewrite.stored:
                dest = f"{eq.target}_seq[t]"
            else:
                dest = ""
            if eq.reduce:
                value = f"np.sum({self.ctx.print(pointwise, names)}, axis=-1, keepdims=True)"
                pieces.append(value)
                self._step_value(loop, eq.target, dest, " + ".join(pieces))
            elif pieces:
                if pointwise != 0:
                    pieces.append(self.ctx.print(pointwise, names))
                self._step_value(loop, eq.target, dest, " + ".join(pieces))
            elif dest:
                self.ctx.assign(loop, dest, pointwise, names)
                loop(f"{local(eq.target)} = {dest}")
            else:
                loop(f"{local(eq.target)} = {self.ctx.print(pointwise, names)}")
        for state in plan.cell.states:
            prev = delta(state.prev)
            incoming_name = plan.carried[prev]
            if prev in plan.template.constant:
                loop(f"{local(incoming_name)} = np.zeros_like(seeds[{state.name!r}])")
            else:
                loop(f"{local(incoming_name)} = {local(prev)}")

    def _step_value(self, loop: Lines, target: str, dest: str, value: str) -> None:
        if dest:
            loop(f"{dest} = {value}", f"{local(target)} = {dest}")
        else:
            loop(f"{local(target)} = {value}")

    def _emit_grads(self, out: Lines) -> None:
        plan = self.plan
        out("return {")
        with out.indent():
            for param in plan.params:
                name = grad(param)
                value = (
                    f"np.zeros_like({local(param)})"
                    if name in plan.template.constant
                    else local(name)
                )
                out(f"{total(param)!r}: {value},")
            for state in plan.cell.states:
                # a copy: the last adjoint may be a view of a reused buffer
                adjoint = local(plan.carried[delta(state.prev)])
                key = str(initial_gradient(state.name))
                out(f"{key!r}: np.array({adjoint}),")
            dx = delta(plan.cell.input)
            value = "np.zeros_like(_x_seq)" if dx in plan.template.constant else f"{dx}_seq"
            out(f"{total(plan.cell.input)!r}: {value},")
        out("}")
