"""The vector emitter: batched NumPy code, matrix products over whole gate blocks.

Walks the plan's equations (as :mod:`lstm_sym.evaluate` does) and emits source text:

* the recurrent affine equations (``z_f``, ``z_i`` …) share one block buffer; a step's
  whole block is one matrix product of the joined input ``[x_t, h_{t-1}, 1]`` with the
  stacked weights and biases (:mod:`.layout`);
* every quantity the later code reads has a history ``<name>_seq``, written in place;
  the rest live in per-step buffers;
* heads, loss terms and weight gradients run once over whole histories, outside the loop;
  the adjoints of the affine block share ``_dblock_seq``, so ``∂L/∂W``, ``∂L/∂U`` and
  ``∂L/∂b`` of every gate are one product and ``δh_prev`` one product per step;
* the backward loop reads the factors of its formulas that need no adjoint from the
  forward pass, which computes them step by step (:mod:`.rewrite`).

Arrays are time-major inside (``x_seq[t]`` is contiguous); the public functions take and
return batch-major arrays. Every buffer comes from a workspace ``ws`` (a dict), which the
public functions reuse between calls of the same sizes.
"""

from __future__ import annotations

import sympy

from ..adjoint import delta, grad
from ..equations import Equation, MatVec, Outer
from .inplace import InPlace
from .layout import Column, Layout
from .layout import size_text as _size
from .plan import Backward, Plan
from .printer import print_expr
from .rewrite import SLOPES, Rewrite, slope
from .softmax import SHIFT
from .source import Lines, dim_var, local
from .storage import Storage


def _product(vectors: str, matrix: str, where: str, *, transpose: bool = False) -> str:
    """``vectors @ matrix`` (``@ matrix.T`` with ``transpose``); over whole histories as one
    2-D product, (matrixᵀ · vectorsᵀ)ᵀ.

    A 3-D matmul is slower than one 2-D product, and OpenBLAS computes a tall, narrow
    result faster as the transpose of a short, wide one (measured: 27 ms against 43 ms
    for (25600 × 512) · (512 × 128)).
    """
    if where == "step":
        return f"{vectors} @ {matrix}.T" if transpose else f"{vectors} @ {matrix}"
    left = matrix if transpose else f"{matrix}.T"
    return f"({left} @ {vectors}.reshape(steps * batch, -1).T).T.reshape(steps, batch, -1)"


def _outer_product(left: str, right: str) -> str:
    """``Σ_rows leftᵀ · right`` of two histories, as (rightᵀ · left)ᵀ (faster, as above)."""
    return f"({right}.reshape(steps * batch, -1).T @ {left}.reshape(steps * batch, -1)).T"


def _buffer(name: str, shape: str) -> str:
    """Source of a workspace buffer called ``name`` of ``shape`` (text of a tuple)."""
    return f"_buffer(ws, {name!r}, {shape}, dtype)"


class VectorEmitter:
    """Emits the NumPy functions ``_forward``, ``_forward_grad``, ``_loss_terms`` and ``_backward``."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.helpers: set[str] = set()
        self.layout = Layout(plan)
        self.columns = self.layout.columns
        self.width = self.layout.width
        self.block_deltas = self.layout.block_deltas
        self.activations = self.layout.activations
        self.activation_of = self.layout.activation_of
        groups = tuple(
            (tuple(members), self._group_function(members)) for members, _ in self.activations
        )
        self.rewrite = Rewrite(plan, frozenset(self.block_deltas), groups)
        self.stacks = 0
        self.outer_products: dict[str, tuple[str, Column, str]] = {}
        self.joined_outer: str | None = None
        #: block adjoints whose sum was read off the joined product already
        self.ones_read: set[str] = set()
        self.before, self.after = self.rewrite.before, self.rewrite.after
        self.inside = self.rewrite.inside
        self.stored = self.rewrite.stored
        self.kept = self.rewrite.kept
        self.hoists = self.rewrite.hoists
        self.storage = Storage(plan, self.layout, self.rewrite)
        #: whether the code being emitted works with the gradient forward's histories
        self.grad_mode = False

    # -- names -----------------------------------------------------------------------
    def _group_function(self, members: list[str]) -> type:
        eq = next(e for e in self.plan.recurrent if e.target == members[0])
        return type(eq.pointwise)

    def _dim(self, name: str) -> sympy.Expr:
        return self.layout.dim(name)

    def history(self, name: str) -> str:
        """``name`` over every step, where the function being emitted keeps it."""
        return self.storage.history(name, self.grad_mode)

    def at_step(self, name: str) -> str:
        """``name`` at step ``t``, where the function being emitted keeps it."""
        return self.storage.at_step(name, self.grad_mode)

    def _print(self, expr: sympy.Expr, names: dict[str, str] | None = None) -> str:
        expr = expr.xreplace(self.plan.constants)
        return print_expr(expr, "vector", names or {}, self.helpers)

    def _local_names(self, expr: sympy.Expr) -> dict[str, str]:
        return {s.name: local(s.name) for s in expr.free_symbols}

    def _history_names(self, expr: sympy.Expr) -> dict[str, str]:
        return {s.name: self.history(s.name) for s in expr.free_symbols}

    # -- shared pieces ---------------------------------------------------------------
    def _emit_dims(self, out: Lines) -> None:
        out("steps, batch = x_seq.shape[0], x_seq.shape[1]", "dtype = x_seq.dtype")
        for dim in self.plan.size_names:
            out(f"{dim_var(dim)} = dims[{dim!r}]")

    def _emit_params(self, out: Lines, names: set[str]) -> None:
        for param in self.plan.params:
            if param in names:
                out(f"{local(param)} = P[{param!r}]")

    def _new_stack(
        self, out: Lines, rows: list[tuple[str, list[str]]], cols: str, *, transpose: bool
    ) -> str:
        """Emit one stacked matrix (block rows, zeros where a row has no matrix)."""
        name = f"_stack{self.stacks}"
        self.stacks += 1
        parts = []
        for target, matrices in rows:
            if matrices:
                parts.append(" + ".join(local(m) for m in matrices))
            else:
                parts.append(f"np.zeros(({_size(self._dim(target))}, {cols}), dtype)")
        stacked = f"np.concatenate([{', '.join(parts)}])" if len(parts) > 1 else parts[0]
        out(f"{name} = _aligned({stacked}.T)" if transpose else f"{name} = _aligned({stacked})")
        return name

    def _assign(self, out: Lines, dest: str, expr: sympy.Expr, names: dict[str, str]) -> None:
        """``dest[...] = expr`` as operations in place on ``dest`` (:mod:`.inplace`)."""
        chain = InPlace(out, lambda e: self._print(e, names))
        chain.assign(dest, expr.xreplace(self.plan.constants))
        self.helpers |= chain.helpers

    def _products(
        self, out: Lines, terms: tuple[MatVec, ...], where: str, names: dict[str, str]
    ) -> list[str]:
        """Source of ``Σ M·v`` terms; adjoint-block terms become one stacked product."""
        blocked = [term for term in terms if term.vector in self.block_deltas and term.transpose]
        texts = []
        if blocked:
            targets = [term.vector.removeprefix("delta_") for term in blocked]
            span, col = self.layout.block_range(targets)
            rows = [
                (target, [term.matrix for term in blocked if term.vector == delta(target)])
                for target in span
            ]
            cols = _size(self._dim_of_cols(blocked[0].matrix))
            stack = self._new_stack(out, rows, cols, transpose=False)
            cols_slice = col.slice(self.width)
            if where == "step":
                source = "_dblock" if cols_slice == ":" else f"_dblock[:, {cols_slice}]"
            else:
                source = "_dblock_seq" if cols_slice == ":" else f"_dblock_seq[:, :, {cols_slice}]"
            texts.append(_product(source, stack, where))
        for term in terms:
            if term in blocked:
                continue
            vector = names.get(term.vector, term.vector)
            matrix = local(term.matrix)
            texts.append(_product(vector, matrix, where, transpose=not term.transpose))
        return texts

    def _dim_of_cols(self, matrix: str) -> sympy.Expr:
        cols = self.plan.param_shape(matrix)[1]
        return sympy.S.One if cols == "1" else sympy.Symbol(cols)

    def _vectorised(self, out: Lines, eq: Backward, dest: str | None = None) -> None:
        """One equation over whole histories (before or after the time loop)."""
        if isinstance(eq, Outer):
            self._outer(out, eq)
            return
        is_grad = (
            eq.target.startswith("grad_") and eq.target.removeprefix("grad_") in self.plan.params
        )
        pointwise = eq.pointwise.xreplace(self.plan.constants)
        if is_grad and not eq.linear and self._ones_sum(out, eq.target, pointwise):
            return
        names = self._history_names(eq.pointwise)
        if not eq.linear and not is_grad and eq.pointwise_operands() and not dest:
            self._in_place(out, eq, pointwise, names)
            return
        names.update({t.vector: self.history(t.vector) for t in eq.linear})
        pieces = self._products(out, eq.linear, "all", names) if eq.linear else []
        if pointwise != 0 or not pieces:
            pieces.append(self._print(pointwise, names))
        value = " + ".join(pieces)
        target = dest or f"{eq.target}_seq"
        if eq.reduce:
            value = f"np.sum({value}, axis=-1, keepdims=True)"
        if is_grad:
            param = eq.target.removeprefix("grad_")
            out(
                f"{local(eq.target)} = np.sum(np.broadcast_to({value}, (steps, batch, "
                f"{_size(self._dim(param))})), axis=(0, 1))"
            )
            return
        if not eq.pointwise_operands() and not eq.linear:
            value = f"np.full((steps, batch, {_size(self._dim(eq.target))}), {value}, dtype)"
        if eq.target in self.block_deltas:
            out(f"{self.history(eq.target)} = {value}")
        else:
            out(f"{target} = {value}")

    def _in_place(
        self, out: Lines, eq: Equation, pointwise: sympy.Expr, names: dict[str, str]
    ) -> None:
        """A pointwise equation over whole histories, computed in place in a work buffer."""
        if pointwise.is_Symbol and not eq.reduce and eq.target not in self.block_deltas:
            out(f"{eq.target}_seq = {names[pointwise.name]}")
            return
        dims = {self.plan.dim(s.name) for s in pointwise.free_symbols} - {"1"}
        size = _size(self._dim_text(dims.pop() if dims else "1"))
        if eq.target in self.block_deltas:
            self._assign(out, self.history(eq.target), pointwise, names)
            return
        buffer = f"_{eq.target}_terms" if eq.reduce else f"{eq.target}_seq"
        out(f"{buffer} = {_buffer(buffer, f'(steps, batch, {size})')}")
        self._assign(out, buffer, pointwise, names)
        if eq.reduce:
            out(f"{eq.target}_seq = np.sum({buffer}, axis=-1, keepdims=True)")

    def _ones_sum(self, out: Lines, target: str, pointwise: sympy.Expr) -> bool:
        """``Σ_t Σ_b δz`` of a block adjoint, read off the joined product's column of ones."""
        name = pointwise.name if pointwise.is_Symbol else ""
        ones = self.layout.ones
        if ones is None or name not in self.block_deltas:
            return False
        product = self._joined_product(out)
        rows = self.block_deltas[name]
        view = f"{product}[{_size(rows.start)}:{_size(rows.stop)}, {_size(ones.start)}]"
        if name in self.ones_read:  # two biases of one block: each gradient its own array
            view = f"{view}.copy()"
        self.ones_read.add(name)
        out(f"{local(target)} = {view}")
        return True

    def _joined_product(self, out: Lines) -> str:
        """``_dblock_seqᵀ @ _in_seq``: the gradients of every stacked weight and bias, once."""
        if self.joined_outer is None:
            self.joined_outer = "_outer_in"
            out(f"_outer_in = {_outer_product('_dblock_seq', '_in_seq[:-1]')}")
        return self.joined_outer

    def _outer(self, out: Lines, eq: Outer) -> None:
        """``Σ_t Σ_b a bᵀ``: one product over all the block adjoints that pair with a vector.

        Vectors of the joined input (``x`` and ``h_prev`` in the LSTM) share one product
        against ``_in_seq``: one matrix product for ``∂L/∂W``, ``∂L/∂U`` and ``∂L/∂b`` of every
        gate. Other vectors pairing with the same block columns share one product against
        their concatenated histories.
        """
        terms = []
        for a, b in eq.pairs:
            if a not in self.block_deltas:
                terms.append(_outer_product(self.history(a), self.history(b)))
                continue
            own = self.block_deltas[a]
            if b in self.layout.joined:
                product = self._joined_product(out)
                rows = f"{_size(own.start)}:{_size(own.stop)}"
                terms.append(f"{product}[{rows}, {self.layout.in_columns(b)}]")
                continue
            if b not in self.outer_products:
                self._emit_outer_product(out, b)
            name, col, cols = self.outer_products[b]
            rows = f"{_size(own.start - col.start)}:{_size(own.stop - col.start)}"
            terms.append(f"{name}[{rows}{cols}]")
        out(f"{local(eq.target)} = {' + '.join(terms)}")

    def _block_users(self) -> dict[str, Column]:
        """Each vector outside the joined input paired with block adjoints -> the block columns."""
        users: dict[str, list[str]] = {}
        for e in self.after:
            if isinstance(e, Outer):
                for a, b in e.pairs:
                    if a in self.block_deltas and b not in self.layout.joined:
                        users.setdefault(b, []).append(a.removeprefix("delta_"))
        return {b: self.layout.block_range(targets)[1] for b, targets in users.items()}

    def _emit_outer_product(self, out: Lines, b: str) -> None:
        columns = self._block_users()
        col = columns[b]
        group = [v for v, c in columns.items() if c == col and v not in self.outer_products]
        name = f"_outer{len({entry[0] for entry in self.outer_products.values()})}"
        cols = col.slice(self.width)
        block = "_dblock_seq" if cols == ":" else f"_dblock_seq[:, :, {cols}]"
        flat = [self.history(v) for v in group]
        right = flat[0] if len(group) == 1 else f"np.concatenate([{', '.join(flat)}], axis=2)"
        out(f"{name} = {_outer_product(block, right)}")
        offset: sympy.Expr = sympy.S.Zero
        for v in group:
            size = self._dim(v)
            part = "" if len(group) == 1 else f", {_size(offset)}:{_size(offset + size)}"
            self.outer_products[v] = (name, col, part)
            offset += size

    # -- storage ---------------------------------------------------------------------
    def _per_step(self, out: Lines, name: str, shape: str, keep: bool) -> None:
        """Allocate ``name``'s history (T rows), or one step's buffer when it is not kept."""
        if keep:
            out(f"{name}_seq = {_buffer(name + '_seq', f'(steps, {shape})')}")
        else:
            out(f"{name} = {_buffer(name, f'({shape})')}")

    # -- _forward --------------------------------------------------------------------
    def emit_forward(self, out: Lines, *, grad: bool = False) -> None:
        """``_forward(P, dims, x, init, ws)`` or, with ``grad``, ``_forward_grad``.

        ``_forward`` keeps every cell quantity at every step; ``_forward_grad`` keeps what
        the loss and the backward read later and computes the hoisted factors step by step.
        """
        plan = self.plan
        layout = self.layout
        self.grad_mode = grad
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
                used |= {s.name for h in self.hoists if h.in_step for s in h.expr.free_symbols}
            self._emit_params(out, used)
            stack_in = self._emit_joined_input(out)
            input_size = dim_var(plan.cell.input_size)
            if plan.cell.input not in layout.joined:
                out(f"x_seq = {_buffer('x_seq', f'(steps, batch, {input_size})')}")
            out("np.copyto(x_seq, np.swapaxes(x, 0, 1))")
            for state in plan.cell.states:
                shape = f"(steps + 1, batch, {dim_var(state.size)})"
                out(f"{state.name}_seq = {_buffer(state.name + '_seq', shape)}")
                out(f"{state.name}_seq[0] = init[{state.name!r}]")
                if state.prev in layout.joined:
                    out(f"_in_seq[0, :, {layout.in_columns(state.prev)}] = init[{state.name!r}]")
            if plan.affine:
                self._per_step(
                    out, "_block", f"batch, {_size(self.width)}", self.storage.keeps_block(grad)
                )
            for k, (_, col) in enumerate(self.activations):
                shape = f"batch, {_size(col.stop - col.start)}"
                self._per_step(out, f"_act{k}", shape, self.storage.keeps_group(k, grad))
                for member in self.storage.copied.get(k, []) if grad else []:
                    size = _size(self._dim(member))
                    out(f"{member}_seq = {_buffer(member + '_seq', f'(steps, batch, {size})')}")
            for eq in plan.recurrent:
                if (
                    not eq.linear
                    and eq.target not in plan.states
                    and eq.target not in self.activation_of
                ):
                    shape = f"batch, {_size(self._dim(eq.target))}"
                    self._per_step(out, eq.target, shape, self.storage.keeps(eq.target, grad))
            for name in self.kept.values():
                shape = f"batch, {_size(self._dim(self.rewrite.kept_owner(name)))}"
                self._per_step(out, name, shape, self.storage.keeps(name, grad))
            hoists = [h for h in self.hoists if h.in_step] if grad else []
            slopes = self.rewrite.sloped if grad else {}
            for k in slopes:
                _, col = self.activations[k]
                self._per_step(out, f"_slope{k}", f"batch, {_size(col.stop - col.start)}", False)
            for hoist in hoists:
                shape = f"batch, {_size(self._dim_text(self.rewrite.hoist_dim(hoist)))}"
                self._per_step(out, hoist.name, shape, True)
            groups = self._recurrent_groups(out)
            out("for t in range(steps):")
            with out.indent():
                self._emit_forward_step(out, groups, stack_in, grad)
                for k, members in slopes.items():
                    function = self._group_function(list(members))
                    self._assign(out, f"_slope{k}", SLOPES[function](sympy.Symbol(f"_act{k}")), {})
                    for member in members:
                        _, own = self.activation_of[member]
                        out(f"{slope(member)} = _slope{k}[:, {_size(own.start)}:{_size(own.stop)}]")
                for hoist in hoists:
                    out(f"{hoist.name} = {hoist.name}_seq[t]")
                    self._assign(out, hoist.name, hoist.expr, self._step_names(hoist.expr))
            for eq in plan.output_equations:
                self._vectorised(out, eq)
            out("return {")
            with out.indent():
                for name, text in self.storage.forward_results(grad).items():
                    out(f"{name!r}: {text},")
                for hoist in hoists:
                    out(f"{hoist.name + '_seq'!r}: {hoist.name}_seq,")
            out("}")

    def _dim_text(self, dim: str) -> sympy.Expr:
        return sympy.S.One if dim == "1" else sympy.Symbol(dim)

    def _step_names(self, expr: sympy.Expr) -> dict[str, str]:
        return {s.name: local(s.name) for s in expr.free_symbols}

    def _emit_joined_input(self, out: Lines) -> str | None:
        """``_in_seq`` (with x's columns as ``x_seq``) and the stacked ``[W, U, b]`` of the block."""
        plan = self.plan
        layout = self.layout
        if not layout.joined and layout.ones is None:
            return None
        out(f"_in_seq = {_buffer('_in_seq', f'(steps + 1, batch, {_size(layout.in_width)})')}")
        if layout.ones is not None:
            out(f"_in_seq[:, :, {_size(layout.ones.start)}] = 1.0")
        if plan.cell.input in layout.joined:
            out(f"x_seq = _in_seq[:-1, :, {layout.in_columns(plan.cell.input)}]")
        rows = []
        for eq in plan.affine:
            size = _size(self._dim(eq.target))
            parts = []
            for vector in layout.joined:
                matrices = [t.matrix for t in eq.linear if t.vector == vector and not t.transpose]
                if matrices:
                    parts.append(" + ".join(local(m) for m in matrices))
                else:
                    parts.append(f"np.zeros(({size}, {_size(self._dim(vector))}), dtype)")
            if layout.ones is not None:
                fixed = layout.fixed_part(eq)
                if fixed == 0:
                    parts.append(f"np.zeros(({size}, 1), dtype)")
                elif fixed.is_Symbol and plan.dim(fixed.name) == plan.dim(eq.target):
                    parts.append(f"{local(fixed.name)}[:, None]")
                else:
                    value = self._print(fixed, self._local_names(fixed))
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
            cols = _size(self._dim(vector))
            stack = self._new_stack(out, rows, cols, transpose=True)
            buffer = f"_rec{sum(len(g) for g in groups.values())}"
            out(f"{buffer} = {_buffer(buffer, f'(batch, {_size(col.stop - col.start)})')}")
            product = f"np.matmul({local(vector)}, {stack}, out={buffer})"
            groups.setdefault(users[0], []).append((product, buffer, col))
        return groups

    def _emit_forward_step(
        self,
        out: Lines,
        groups: dict[str, list[tuple[str, str, Column]]],
        stack_in: str | None,
        grad: bool,
    ) -> None:
        plan = self.plan
        for state in plan.cell.states:
            out(f"{local(state.prev)} = {state.name}_seq[t]")
        if plan.affine:
            if self.storage.keeps_block(grad):
                out("_block = _block_seq[t]")
            if stack_in:
                out(f"np.matmul(_in_seq[t], {stack_in}, out=_block)")
            else:
                out("_block[...] = 0.0")
        reads = {n for eq in plan.recurrent for n in eq.pointwise_operands()}
        reads |= {t.vector for eq in plan.recurrent for t in eq.linear}
        if grad:
            reads |= {s.name for h in self.hoists if h.in_step for s in h.expr.free_symbols}
        if plan.cell.input in reads:
            out(f"{local(plan.cell.input)} = x_seq[t]")
        for eq in plan.recurrent:
            self._emit_forward_equation(out, eq, groups, grad)
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
        grad: bool,
    ) -> None:
        """One recurrent equation inside the forward loop."""
        plan = self.plan
        if eq.linear:
            col = self.columns[eq.target]
            for product, buffer, group_col in groups.get(eq.target, []):
                cols = group_col.slice(self.width)
                out(product)
                out(f"_block += {buffer}" if cols == ":" else f"_block[:, {cols}] += {buffer}")
            rest = eq.pointwise - self.layout.fixed_part(eq)
            view = f"_block[:, {col.slice(self.width)}]"
            if rest != 0:
                out(f"{view} += {self._print(rest, self._local_names(rest))}")
            out(f"{local(eq.target)} = {view}")
            return
        if eq.target in self.activation_of:
            k, _ = self.activation_of[eq.target]
            members, col = self.activations[k]
            if eq.target == members[-1]:
                if self.storage.keeps_group(k, grad):
                    out(f"_act{k} = _act{k}_seq[t]")
                block = sympy.Symbol("_block_cols")
                names = {"_block_cols": f"_block[:, {col.slice(self.width)}]"}
                self._assign(out, f"_act{k}", eq.pointwise.func(block), names)
                for member in members:
                    _, own = self.activation_of[member]
                    out(f"{local(member)} = _act{k}[:, {_size(own.start)}:{_size(own.stop)}]")
                for member in self.storage.copied.get(k, []) if grad else []:
                    out(f"{member}_seq[t] = {local(member)}")
            return
        dest = local(eq.target)
        if eq.target in plan.states or self.storage.keeps(eq.target, grad):
            out(f"{dest} = {self.at_step(eq.target)}")
        names = self._local_names(eq.pointwise)
        pointwise = eq.pointwise.xreplace(plan.constants)
        for call, name in self.kept.items():
            if pointwise.has(call):
                if self.storage.keeps(name, grad):
                    out(f"{name} = {name}_seq[t]")
                self._assign(out, name, call, names)
                pointwise = pointwise.xreplace({call: sympy.Symbol(name, real=True)})
                names[name] = name
        if eq.reduce:
            out(f"{dest}[...] = np.sum({self._print(pointwise, names)}, axis=-1, keepdims=True)")
        else:
            self._assign(out, dest, pointwise, names)

    # -- _loss_terms -------------------------------------------------------------------
    def emit_loss(self, out: Lines) -> None:
        """``_loss_terms(P, dims, fw, y_seq, ws)``: the loss equations over whole histories."""
        plan = self.plan
        out("def _loss_terms(P, dims, fw, y_seq, ws):")
        with out.indent():
            out('"""The loss quantities (each step\'s term ell) over every step."""')
            out("steps, batch = y_seq.shape[0], y_seq.shape[1]", "dtype = y_seq.dtype")
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

    def _bind_histories(self, out: Lines, names: set[str], bound: set[str] | None = None) -> None:
        """Unpack the histories ``names`` need from ``fw`` (``bound``: already unpacked)."""
        plan = self.plan
        bound = set(bound or ())
        in_step = {h.name for h in self.hoists if h.in_step}
        for name in sorted(names):
            if name in plan.params or name == plan.data:
                continue
            if self.grad_mode and name in self.storage.copied_members:
                out(f"{name}_seq = fw[{name + '_seq'!r}]")
            elif name == SHIFT:
                out(f"{SHIFT}_seq = fw[{SHIFT!r}]")
            elif name == plan.cell.input:
                if "x" not in bound:
                    out("x_seq = fw['x_seq']")
                    bound.add("x")
            elif name in plan.states or name in plan.prev:
                base = plan.prev.get(name, name)
                if base not in bound:
                    out(f"{base}_seq = fw[{base + '_seq'!r}]")
                    bound.add(base)
            elif name in self.activation_of:
                group = f"_act{self.activation_of[name][0]}"
                if group not in bound:
                    out(f"{group}_seq = fw[{group + '_seq'!r}]")
                    bound.add(group)
            elif name in self.columns:
                if "_block" not in bound:
                    out("_block_seq = fw['_block_seq']")
                    bound.add("_block")
            elif name in self.kept.values() or name in in_step:
                out(f"{name}_seq = fw[{name + '_seq'!r}]")
            elif name in {eq.target for eq in plan.template.forward}:
                out(f"{name}_seq = fw[{name!r}]")

    # -- _backward ---------------------------------------------------------------------
    def emit_backward(self, out: Lines) -> None:
        """``_backward(P, dims, fw, y_seq, seeds, ws)``: every gradient (loss scale 1)."""
        plan = self.plan
        self.grad_mode = True
        out("def _backward(P, dims, fw, y_seq, seeds, ws):")
        with out.indent():
            out(
                '"""Backpropagation through time: the adjoint equations step by step, from the last."""'
            )
            out("x_seq = fw['x_seq']")
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
                out(f"_dblock_seq = {_buffer('_dblock_seq', shape)}")
                if not set(self.block_deltas) <= written:
                    out("_dblock_seq[...] = 0.0")
                for name, value in plan.template.constant.items():
                    if name in self.block_deltas and value != 0:
                        out(f"{self.history(name)} = {self._print(value)}")
            for eq in self.before:
                self._vectorised(out, eq)
            for hoist in late:
                shape = f"(steps, batch, {_size(self._dim_text(self.rewrite.hoist_dim(hoist)))})"
                out(f"{hoist.name}_seq = {_buffer(hoist.name + '_seq', shape)}")
                self._assign(out, f"{hoist.name}_seq", hoist.expr, self._history_names(hoist.expr))
            for name in self.stored:
                shape = f"(steps, batch, {_size(self._dim_of_name(name))})"
                out(f"{name}_seq = {_buffer(name + '_seq', shape)}")
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
        return self._dim(name.removeprefix("delta_").removesuffix("_next"))

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
        for prev, incoming_name in plan.carried.items():
            if prev in plan.template.constant:
                state = prev.removeprefix("delta_").removesuffix("_prev")
                loop(f"{local(incoming_name)} = np.zeros_like(seeds[{state!r}])")
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
                out(f"{'dL_d' + param!r}: {value},")
            for state in plan.cell.states:
                # a copy: the last adjoint may be a view of a reused buffer
                adjoint = local(plan.carried[delta(state.prev)])
                out(f"{'dL_d' + state.name + '_0'!r}: np.array({adjoint}),")
            dx = delta(plan.cell.input)
            value = "np.zeros_like(x_seq)" if dx in plan.template.constant else f"{dx}_seq"
            out(f"'dL_d{plan.cell.input}': {value},")
        out("}")
