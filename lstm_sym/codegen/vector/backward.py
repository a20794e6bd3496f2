"""The vector emitter: batched NumPy code, matrix products over whole gate blocks.

Walks the plan's equations (as :mod:`lstm_sym.evaluate.evaluator` does) and emits source text, in
three layers: :mod:`.histories` (what the emitter knows of the plan, and code over whole
histories), :mod:`.forward` (the two forward functions: one loop over time, a step's whole
affine block one matrix product) and this module, the loss terms and the backward:

* the loss equations run once over whole histories;
* the backward loop reads the factors of its formulas that need no adjoint from the
  forward (:mod:`.rewrite`); the adjoints of the affine block share ``_dblock_seq``, so
  ``δh_prev`` is one product per step, and ``∂L/∂W``, ``∂L/∂U``, ``∂L/∂b`` of every gate and
  ``∂L/∂x`` are one product each over all steps.

Arrays are time-major inside (``_x_seq[t]`` is contiguous); the public functions take and
return batch-major arrays. Every buffer comes from a workspace ``ws`` (a dict), which the
public functions reuse between calls of the same sizes.
"""

from __future__ import annotations

import sympy

from ...derive.naming import delta, grad, incoming_of, initial_gradient, total
from ...equations import Outer
from ..softmax import SHIFT
from ..source import Lines, dim_var, local
from .buffers import size_text as _size
from .context import work_buffer
from .forward import ForwardCode


class VectorEmitter(ForwardCode):
    """Emits the NumPy functions ``_forward``, ``_forward_grad``, ``_loss_terms`` and ``_backward``."""

    # -- _loss_terms -------------------------------------------------------------------
    def emit_loss(self, out: Lines) -> None:
        """``_loss_terms(P, dims, fw, _y_seq, ws)``: the loss equations over whole histories."""
        plan = self.plan
        out("def _loss_terms(P, dims, fw, _y_seq, ws):")
        with out.indent():
            out('"""The loss quantities (each step\'s term ell) over every step."""')
            out("steps, batch = _y_seq.shape[0], _y_seq.shape[1]", "dtype = _y_seq.dtype")
            for dim in plan.size_names:
                out(f"{dim_var(dim)} = dims[{dim!r}]")
            reads = {n for eq in plan.loss_equations for n in eq.operands()}
            self._emit_params(out, reads)
            targets = {eq.target for eq in plan.loss_equations}
            if plan.shift:
                reads.add(plan.shift)
            self._bind_histories(out, reads - targets - {SHIFT})
            if plan.shift:  # the largest component, subtracted before exp (no overflow)
                logits = self.history(plan.shift)
                out(f"{SHIFT}_seq = np.max({logits}, axis=-1, keepdims=True)")
            for eq in plan.loss_equations:
                self._vectorised(out, eq)
            out("return {")
            with out.indent():
                for eq in plan.loss_equations:
                    out(f"{eq.target!r}: {eq.target}_seq,")
                if plan.shift:
                    out(f"{SHIFT!r}: {SHIFT}_seq,")
            out("}")

    # -- _backward ---------------------------------------------------------------------
    def emit_backward(self, out: Lines) -> None:
        """``_backward(P, dims, fw, _y_seq, seeds, ws)``: every gradient (loss scale 1)."""
        plan = self.plan
        self.grad_mode = True
        out("def _backward(P, dims, fw, _y_seq, seeds, ws):")
        with out.indent():
            out(
                '"""Backpropagation through time: the adjoint equations step by step, from the last."""'
            )
            out("_x_seq = fw['_x_seq']")
            self._emit_dims(out)
            equations = [*self.before, *self.inside, *self.after]
            reads = {n for eq in equations for n in eq.operands()}
            late = [h for h in self.hoists if not h.in_step]
            reads |= {s.name for h in late for s in h.expr.free_symbols}
            self._emit_params(out, reads)
            self._bind_histories(out, reads, {"x"})
            if self.layout.joined or self.layout.ones is not None:
                out("_in_seq = fw['_in_seq']")
            if self.block_deltas:
                written = {eq.target for eq in self.inside}
                shape = f"(steps, batch, {_size(self.width)})"
                out(f"_dblock_seq = {work_buffer('_dblock_seq', shape)}")
                if not set(self.block_deltas) <= written:
                    out("_dblock_seq[...] = 0.0")
                for name, value in plan.template.constant.items():
                    if name in self.block_deltas and value != 0:
                        out(f"{self.history(name)} = {self._print(value)}")
            for eq in self.before:
                self._vectorised(out, eq)
            for hoist in late:
                shape = f"(steps, batch, {_size(self._dim_text(self.rewrite.hoist_dim(hoist)))})"
                out(f"# {hoist.name} = {sympy.sstr(hoist.expr)}, over every step")
                out(f"{hoist.name}_seq = {work_buffer(hoist.name + '_seq', shape)}")
                self._assign(out, f"{hoist.name}_seq", hoist.expr, self._history_names(hoist.expr))
            for name in self.stored:
                shape = f"(steps, batch, {_size(self._dim_of_name(name))})"
                out(f"{name}_seq = {work_buffer(name + '_seq', shape)}")
            for state in plan.cell.states:
                out(f"{local(plan.carried[delta(state.prev)])} = seeds[{state.name!r}]")
            loop = Lines()
            loop.level = out.level + 1
            self._emit_backward_step(out, loop)
            out("for t in range(steps - 1, -1, -1):")
            out.lines.extend(loop.lines)
            for eq in self.after:
                self._vectorised(out, eq)
            self._emit_grads(out)

    def _dim_of_name(self, name: str) -> sympy.Expr:
        if name in self.plan.template.dims:
            return self._dim(name)
        return self._dim(incoming_of(name) or name)

    def _emit_backward_step(self, out: Lines, loop: Lines) -> None:
        plan = self.plan
        targets = {eq.target for eq in self.inside}
        reads = {n for eq in self.inside for n in eq.operands()}
        if self.block_deltas:
            loop("_dblock = _dblock_seq[t]")
        for name in self.stored:
            if name in plan.carried.values():
                loop(f"{name}_seq[t] = {local(name)}")
        for name in sorted(reads - targets - set(plan.params) - set(plan.carried.values())):
            if name in plan.template.constant:
                continue
            loop(f"{local(name)} = {self.at_step(name)}")
        for eq in self.inside:
            if isinstance(eq, Outer):
                raise ValueError(f"{eq.target}: an outer product inside the time loop")
            names = self._local_names(eq.pointwise)
            names.update({t.vector: local(t.vector) for t in eq.linear})
            pieces = self._products(out, eq.linear, "step", names) if eq.linear else []
            pointwise = eq.pointwise.xreplace(plan.constants)
            if eq.target in self.block_deltas:
                dest = f"_dblock[:, {self.block_deltas[eq.target].slice(self.width)}]"
            elif eq.target in self.stored:
                dest = f"{eq.target}_seq[t]"
            else:
                dest = ""
            if eq.reduce:
                value = f"np.sum({self._print(pointwise, names)}, axis=-1, keepdims=True)"
                pieces.append(value)
                self._step_value(loop, eq.target, dest, " + ".join(pieces))
            elif pieces:
                if pointwise != 0:
                    pieces.append(self._print(pointwise, names))
                self._step_value(loop, eq.target, dest, " + ".join(pieces))
            elif dest:
                self._assign(loop, dest, pointwise, names)
                loop(f"{local(eq.target)} = {dest}")
            else:
                loop(f"{local(eq.target)} = {self._print(pointwise, names)}")
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
