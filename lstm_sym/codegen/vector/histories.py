"""Vector code over whole histories: what runs once over every step, before or after the loop.

Matrix products of whole histories (one 2-D product, as (Mᵀ·vᵀ)ᵀ), weight gradients as
outer products (the joined input's in one product), pointwise equations computed in place
in work buffers, and the unpacking of a forward function's histories. One
:class:`HistoryCode` serves one emitted function: the forward (:mod:`.forward`), the loss
terms (:mod:`.loss`) or the backward (:mod:`.backward`).
"""

from __future__ import annotations

import sympy

from ...derive.naming import delta, delta_of, grad_of
from ...equations import Equation, MatVec, Outer
from ..plan import Backward
from ..softmax import SHIFT
from ..source import Lines, local
from .buffers import Column, dim_symbol
from .buffers import size_text as _size
from .context import VectorContext, matrix_product, outer_product, work_buffer


class HistoryCode:
    """Emits the equations one function computes over whole histories."""

    def __init__(self, ctx: VectorContext, *, grad: bool):
        """Code for a function working with the gradient forward's histories if ``grad``."""
        self.ctx = ctx
        self.plan = ctx.plan
        self.layout = ctx.layout
        self.grad = grad
        #: outer products of block adjoints with vectors outside the joined input
        self.outer_products: dict[str, tuple[str, Column, str]] = {}
        self.joined_outer: str | None = None
        #: block adjoints whose sum was read off the joined product already
        self.ones_read: set[str] = set()

    def history(self, name: str) -> str:
        """``name`` over every step, where this function's forward keeps it."""
        return self.ctx.storage.history(name, self.grad)

    def at_step(self, name: str) -> str:
        """``name`` at step ``t``, where this function's forward keeps it."""
        return self.ctx.storage.at_step(name, self.grad)

    def history_names(self, expr: sympy.Expr) -> dict[str, str]:
        """Every name ``expr`` reads, as its history."""
        return {s.name: self.history(s.name) for s in expr.free_symbols}

    def products(
        self, out: Lines, terms: tuple[MatVec, ...], where: str, names: dict[str, str]
    ) -> list[str]:
        """Source of ``Σ M·v`` terms; adjoint-block terms become one stacked product."""
        blocked = [
            term for term in terms if term.vector in self.layout.block_deltas and term.transpose
        ]
        texts = []
        if blocked:
            targets = [delta_of(term.vector) or term.vector for term in blocked]
            span, col = self.layout.block_range(targets)
            rows = [
                (target, [term.matrix for term in blocked if term.vector == delta(target)])
                for target in span
            ]
            cols = _size(dim_symbol(self.plan.param_shape(blocked[0].matrix)[1]))
            stack = self.ctx.new_stack(out, rows, cols, transpose=False)
            cols_slice = col.slice(self.layout.width)
            if where == "step":
                source = "_dblock" if cols_slice == ":" else f"_dblock[:, {cols_slice}]"
            else:
                source = "_dblock_seq" if cols_slice == ":" else f"_dblock_seq[:, :, {cols_slice}]"
            texts.append(matrix_product(source, stack, where))
        for term in terms:
            if term in blocked:
                continue
            vector = names.get(term.vector, term.vector)
            matrix = local(term.matrix)
            texts.append(matrix_product(vector, matrix, where, transpose=not term.transpose))
        return texts

    def vectorised(self, out: Lines, eq: Backward) -> None:
        """One equation over whole histories (before or after the time loop)."""
        if isinstance(eq, Outer):
            self._outer(out, eq)
            return
        param = grad_of(eq.target)
        is_grad = param is not None and param in self.plan.params
        pointwise = eq.pointwise.xreplace(self.plan.constants)
        if is_grad and not eq.linear and self._ones_sum(out, eq.target, pointwise):
            return
        names = self.history_names(eq.pointwise)
        if not eq.linear and not is_grad and eq.pointwise_operands():
            self._in_place(out, eq, pointwise, names)
            return
        names.update({t.vector: self.history(t.vector) for t in eq.linear})
        pieces = self.products(out, eq.linear, "all", names) if eq.linear else []
        if pointwise != 0 or not pieces:
            pieces.append(self.ctx.print(pointwise, names))
        value = " + ".join(pieces)
        target = f"{eq.target}_seq"
        if eq.reduce:
            value = f"np.sum({value}, axis=-1, keepdims=True)"
        if is_grad and param is not None:
            out(
                f"{local(eq.target)} = np.sum(np.broadcast_to({value}, (steps, batch, "
                f"{_size(self.ctx.dim(param))})), axis=(0, 1))"
            )
            return
        if not eq.pointwise_operands() and not eq.linear:
            value = f"np.full((steps, batch, {_size(self.ctx.dim(eq.target))}), {value}, dtype)"
        if eq.target in self.layout.block_deltas:
            out(f"{self.history(eq.target)} = {value}")
        else:
            out(f"{target} = {value}")

    def _in_place(
        self, out: Lines, eq: Equation, pointwise: sympy.Expr, names: dict[str, str]
    ) -> None:
        """A pointwise equation over whole histories, computed in place in a work buffer."""
        if pointwise.is_Symbol and not eq.reduce and eq.target not in self.layout.block_deltas:
            out(f"{eq.target}_seq = {names[pointwise.name]}")
            return
        dims = {self.plan.dim(s.name) for s in pointwise.free_symbols} - {"1"}
        size = _size(dim_symbol(dims.pop() if dims else "1"))
        if eq.target in self.layout.block_deltas:
            self.ctx.assign(out, self.history(eq.target), pointwise, names)
            return
        buffer = f"_{eq.target}_terms" if eq.reduce else f"{eq.target}_seq"
        out(f"{buffer} = {work_buffer(buffer, f'(steps, batch, {size})')}")
        self.ctx.assign(out, buffer, pointwise, names)
        if eq.reduce:
            out(f"{eq.target}_seq = np.sum({buffer}, axis=-1, keepdims=True)")

    def _ones_sum(self, out: Lines, target: str, pointwise: sympy.Expr) -> bool:
        """``Σ_t Σ_b δz`` of a block adjoint, read off the joined product's column of ones."""
        name = pointwise.name if pointwise.is_Symbol else ""
        ones = self.layout.ones
        if ones is None or name not in self.layout.block_deltas:
            return False
        product = self._joined_product(out)
        rows = self.layout.block_deltas[name]
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
            out(f"_outer_in = {outer_product('_dblock_seq', '_in_seq[:-1]')}")
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
            if a not in self.layout.block_deltas:
                terms.append(outer_product(self.history(a), self.history(b)))
                continue
            own = self.layout.block_deltas[a]
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
        for e in self.ctx.rewrite.after:
            if isinstance(e, Outer):
                for a, b in e.pairs:
                    if a in self.layout.block_deltas and b not in self.layout.joined:
                        users.setdefault(b, []).append(delta_of(a) or a)
        return {b: self.layout.block_range(targets)[1] for b, targets in users.items()}

    def _emit_outer_product(self, out: Lines, b: str) -> None:
        columns = self._block_users()
        col = columns[b]
        group = [v for v, c in columns.items() if c == col and v not in self.outer_products]
        name = f"_outer{len({entry[0] for entry in self.outer_products.values()})}"
        cols = col.slice(self.layout.width)
        block = "_dblock_seq" if cols == ":" else f"_dblock_seq[:, :, {cols}]"
        flat = [self.history(v) for v in group]
        right = flat[0] if len(group) == 1 else f"np.concatenate([{', '.join(flat)}], axis=2)"
        out(f"{name} = {outer_product(block, right)}")
        offset: sympy.Expr = sympy.S.Zero
        for v in group:
            size = self.ctx.dim(v)
            part = "" if len(group) == 1 else f", {_size(offset)}:{_size(offset + size)}"
            self.outer_products[v] = (name, col, part)
            offset += size

    def bind_histories(self, out: Lines, names: set[str], bound: set[str] | None = None) -> None:
        """Unpack the histories ``names`` need from ``fw`` (``bound``: already unpacked)."""
        plan = self.plan
        bound = set(bound or ())
        in_step = {h.name for h in self.ctx.rewrite.hoists if h.in_step}
        for name in sorted(names):
            if name in plan.params or name == plan.data:
                continue
            if self.grad and name in self.ctx.storage.copied_members:
                out(f"{name}_seq = fw[{name + '_seq'!r}]")
            elif name == SHIFT:
                out(f"{SHIFT}_seq = fw[{SHIFT!r}]")
            elif name == plan.cell.input:
                if "x" not in bound:
                    out("_x_seq = fw['_x_seq']")
                    bound.add("x")
            elif name in plan.states or name in plan.prev:
                base = plan.prev.get(name, name)
                if base not in bound:
                    out(f"{base}_seq = fw[{base + '_seq'!r}]")
                    bound.add(base)
            elif name in self.layout.activation_of:
                group = f"_act{self.layout.activation_of[name][0]}"
                if group not in bound:
                    out(f"{group}_seq = fw[{group + '_seq'!r}]")
                    bound.add(group)
            elif name in self.layout.columns:
                if "_block" not in bound:
                    out("_block_seq = fw['_block_seq']")
                    bound.add("_block")
            elif name in self.ctx.rewrite.kept.values() or name in in_step:
                out(f"{name}_seq = fw[{name + '_seq'!r}]")
            elif name in {eq.target for eq in plan.template.forward}:
                out(f"{name}_seq = fw[{name!r}]")
