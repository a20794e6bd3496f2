"""The vector emitter: batched NumPy code, matrix products over whole gate blocks.

Walks the plan's equations (as :mod:`lstm_sym.evaluate` does) and emits source text:

* the recurrent affine equations (``z_f``, ``z_i`` …) share one buffer ``_block_seq`` of shape
  (T, B, Σ rows); the input products of every step are one matrix product before the loop,
  the recurrent products one fused product per vector (``h_prev``) inside it;
* every other quantity has a preallocated history ``<name>_seq``, written in place;
* heads, loss terms and weight gradients run once over whole histories, outside the loop;
  the adjoints of the affine block share ``_dblock_seq``, so ``∂L/∂W`` for all gates is one
  product and ``δh_prev`` one product per step.

Arrays are time-major inside (``x_seq[t]`` is contiguous); the public functions take and
return batch-major arrays.
"""

from __future__ import annotations

import dataclasses

import sympy

from ..adjoint import delta, grad
from ..equations import Equation, MatVec, Outer
from ..functions import sigma
from .layout import Column, Layout
from .layout import size_text as _size
from .plan import Backward, Plan
from .printer import print_expr
from .source import Lines, dim_var, local


def _product(vectors: str, matrix: str, where: str) -> str:
    """``vectors @ matrix``; over whole histories as one 2-D product (3-D matmul is slower)."""
    if where == "step":
        return f"{vectors} @ {matrix}"
    return f"({vectors}.reshape(steps * batch, -1) @ {matrix}).reshape(steps, batch, -1)"


class VectorEmitter:
    """Emits the NumPy functions ``_forward``, ``_loss_terms`` and ``_backward`` of a plan."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.helpers: set[str] = set()
        self.layout = Layout(plan)
        self.columns = self.layout.columns
        self.width = self.layout.width
        self.block_deltas = self.layout.block_deltas
        self.activations = self.layout.activations
        self.activation_of = self.layout.activation_of
        self.stacks = 0
        self.hoisted: list[str] = []
        self.outer_products: dict[str, tuple[str, Column, str]] = {}
        before, inside, after = plan.backward_phases
        self.before, self.inside, self.after = before, inside, after
        read_after = {name for eq in after for name in eq.operands()}
        self.stored = [
            name
            for name in [*(eq.target for eq in inside), *plan.carried.values()]
            if name in read_after and name not in self.block_deltas
        ]
        #: function values of the forward step the backward reads again -> their history name
        self.kept = self._kept_functions()
        self.before, self.inside, self.after = (
            tuple(self._reuse_kept(eq) for eq in phase) for phase in (before, inside, after)
        )
        self.inside = self._inline_single_use(self.inside)

    def _kept_functions(self) -> dict[sympy.Expr, str]:
        """Calls like ``tanh(c)`` in forward formulas that backward formulas contain too.

        The forward pass stores their values (``_keep0_seq``) so the backward reads them
        instead of evaluating the transcendental function again over every history.
        """
        plan = self.plan
        backward = [
            eq.pointwise.xreplace(plan.constants)
            for eq in (*self.before, *self.inside, *self.after)
            if isinstance(eq, Equation)
        ]
        wanted: set[sympy.Expr] = set().union(*(e.atoms(sympy.Function) for e in backward))
        kept: dict[sympy.Expr, str] = {}
        for eq in plan.recurrent:
            if eq.linear or eq.reduce or eq.target in self.activation_of:
                continue
            pointwise = eq.pointwise.xreplace(plan.constants)
            for call in sorted(pointwise.atoms(sympy.Function), key=sympy.default_sort_key):
                same_shape = all(
                    s.name not in plan.params and plan.dim(s.name) == plan.dim(eq.target)
                    for s in call.free_symbols
                )
                if call != pointwise and call in wanted and call not in kept and same_shape:
                    kept[call] = f"_keep{len(kept)}"
        return kept

    def _reuse_kept(self, eq: Backward) -> Backward:
        """``eq`` reading the stored forward values of :attr:`kept` instead of recomputing."""
        if isinstance(eq, Outer) or not self.kept:
            return eq
        symbols = {call: sympy.Symbol(name, real=True) for call, name in self.kept.items()}
        pointwise = eq.pointwise.xreplace(self.plan.constants).xreplace(symbols)
        return dataclasses.replace(eq, pointwise=pointwise)

    def _inline_single_use(self, inside: tuple[Backward, ...]) -> tuple[Backward, ...]:
        """Substitute loop adjoints read once, pointwise only, into the formula reading them.

        ``delta_c_tilde := delta_c*i`` then ``d z_c := (1 - c_tilde**2)*delta_c_tilde``
        becomes ``(1 - c_tilde**2)*i*delta_c``, whose forward-only factor the hoisting below
        computes once over all steps: one array operation per step instead of two.
        """
        plan = self.plan
        keep = {*self.block_deltas, *self.stored, *plan.carried, *plan.carried.values()}
        keep |= {name for eq in (*self.before, *self.after) for name in eq.operands()}
        equations = list(inside)
        for target in [eq.target for eq in inside]:
            eq = next(e for e in equations if e.target == target)
            if (
                isinstance(eq, Outer)
                or eq.linear
                or eq.reduce
                or eq.target in keep
                or eq.target in plan.template.constant
            ):
                continue
            readers = [e for e in equations if eq.target in e.operands()]
            if len(readers) != 1 or isinstance(readers[0], Outer) or readers[0].reduce:
                continue
            reader = readers[0]
            value = eq.pointwise.xreplace(plan.constants)
            pointwise = reader.pointwise.xreplace({sympy.Symbol(eq.target, real=True): value})
            if pointwise == reader.pointwise:
                continue
            equations[equations.index(reader)] = dataclasses.replace(reader, pointwise=pointwise)
            equations.remove(eq)
        return tuple(equations)

    # -- names -----------------------------------------------------------------------
    def _dim(self, name: str) -> sympy.Expr:
        return self.layout.dim(name)

    def history(self, name: str) -> str:
        """``name`` over every step: an array of shape (T, B, size)."""
        return self.layout.history(name)

    def at_step(self, name: str) -> str:
        """``name`` at step ``t`` (shape (B, size))."""
        return self.layout.at_step(name)

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
        out(f"{name} = np.ascontiguousarray({stacked}.T)" if transpose else f"{name} = {stacked}")
        return name

    def _assign(self, out: Lines, dest: str, expr: sympy.Expr, names: dict[str, str]) -> None:
        """``dest[...] = expr`` with the outermost operation writing into ``dest``."""
        ufuncs = {sympy.tanh: "np.tanh", sympy.exp: "np.exp", sympy.log: "np.log"}
        expr = expr.xreplace(self.plan.constants)
        if expr.func in ufuncs and not expr.args[0].is_Number:
            out(f"{ufuncs[expr.func]}({self._print(expr.args[0], names)}, out={dest})")
        elif expr.func == sigma:
            self.helpers.add("sigma")
            out(f"sigma({self._print(expr.args[0], names)}, out={dest})")
        elif (expr.is_Add or expr.is_Mul) and len(expr.args) >= 2:
            first, rest = expr.args[0], expr.func(*expr.args[1:])
            op = "np.add" if expr.is_Add else "np.multiply"
            out(f"{op}({self._print(first, names)}, {self._print(rest, names)}, out={dest})")
        else:
            out(f"{dest}[...] = {self._print(expr, names)}")

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
            texts.append(_product(vector, matrix if term.transpose else f"{matrix}.T", where))
        return texts

    def _dim_of_cols(self, matrix: str) -> sympy.Expr:
        cols = self.plan.param_shape(matrix)[1]
        return sympy.S.One if cols == "1" else sympy.Symbol(cols)

    def _vectorised(self, out: Lines, eq: Backward, dest: str | None = None) -> None:
        """One equation over whole histories (before or after the time loop)."""
        if isinstance(eq, Outer):
            self._outer(out, eq)
            return
        names = self._history_names(eq.pointwise)
        names.update({t.vector: self.history(t.vector) for t in eq.linear})
        pieces = self._products(out, eq.linear, "all", names) if eq.linear else []
        pointwise = eq.pointwise.xreplace(self.plan.constants)
        if pointwise != 0 or not pieces:
            pieces.append(self._print(pointwise, names))
        value = " + ".join(pieces)
        target = dest or f"{eq.target}_seq"
        if eq.reduce:
            value = f"np.sum({value}, axis=-1, keepdims=True)"
        is_grad = (
            eq.target.startswith("grad_") and eq.target.removeprefix("grad_") in self.plan.params
        )
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

    def _outer(self, out: Lines, eq: Outer) -> None:
        """``Σ_t Σ_b a bᵀ``: one product per vector over all the block adjoints that pair with it.

        Vectors that pair with the same block columns (``x`` and ``h_prev`` in the LSTM) share
        one product against their concatenated histories: one matrix product for ``∂L/∂W``
        and ``∂L/∂U`` of every gate.
        """
        terms = []
        for a, b in eq.pairs:
            right = f"{self.history(b)}.reshape(steps * batch, -1)"
            if a not in self.block_deltas:
                left = f"{self.history(a)}.reshape(steps * batch, -1)"
                terms.append(f"{left}.T @ {right}")
                continue
            if b not in self.outer_products:
                self._emit_outer_product(out, b)
            name, col, cols = self.outer_products[b]
            own = self.block_deltas[a]
            rows = f"{_size(own.start - col.start)}:{_size(own.stop - col.start)}"
            terms.append(f"{name}[{rows}{cols}]")
        out(f"{local(eq.target)} = {' + '.join(terms)}")

    def _block_users(self) -> dict[str, Column]:
        """Each vector paired with block adjoints in a weight gradient -> the block columns."""
        users: dict[str, list[str]] = {}
        for e in self.after:
            if isinstance(e, Outer):
                for a, b in e.pairs:
                    if a in self.block_deltas:
                        users.setdefault(b, []).append(a.removeprefix("delta_"))
        return {b: self.layout.block_range(targets)[1] for b, targets in users.items()}

    def _emit_outer_product(self, out: Lines, b: str) -> None:
        columns = self._block_users()
        col = columns[b]
        group = [v for v, c in columns.items() if c == col and v not in self.outer_products]
        name = f"_outer{len({entry[0] for entry in self.outer_products.values()})}"
        cols = col.slice(self.width)
        block = "_dblock_seq" if cols == ":" else f"_dblock_seq[:, :, {cols}]"
        flat = [f"{self.history(v)}.reshape(steps * batch, -1)" for v in group]
        right = flat[0] if len(group) == 1 else f"np.concatenate([{', '.join(flat)}], axis=1)"
        out(f"{name} = {block}.reshape(steps * batch, -1).T @ {right}")
        offset: sympy.Expr = sympy.S.Zero
        for v in group:
            size = self._dim(v)
            part = "" if len(group) == 1 else f", {_size(offset)}:{_size(offset + size)}"
            self.outer_products[v] = (name, col, part)
            offset += size

    # -- _forward --------------------------------------------------------------------
    def emit_forward(self, out: Lines) -> None:
        """``_forward(P, dims, x_seq, init)``: every cell quantity over every step."""
        plan = self.plan
        out("def _forward(P, dims, x_seq, init):")
        with out.indent():
            out('"""Every quantity of the cell at every step (time-major histories)."""')
            self._emit_dims(out)
            used = {m.matrix for eq in plan.cell_equations for m in eq.linear}
            used |= {n for eq in plan.cell_equations for n in eq.pointwise_operands()}
            self._emit_params(out, used)
            self._emit_input_projection(out)
            for state in plan.cell.states:
                out(
                    f"{state.name}_seq = np.empty((steps + 1, batch, {dim_var(state.size)}), dtype)",
                    f"{state.name}_seq[0] = init[{state.name!r}]",
                )
            for k, (_, col) in enumerate(self.activations):
                out(f"_act{k}_seq = np.empty((steps, batch, {_size(col.stop - col.start)}), dtype)")
            for eq in plan.recurrent:
                if (
                    not eq.linear
                    and eq.target not in plan.states
                    and eq.target not in self.activation_of
                ):
                    out(
                        f"{eq.target}_seq = np.empty((steps, batch, {_size(self._dim(eq.target))}), dtype)"
                    )
            for call, name in self.kept.items():
                owner = next(eq for eq in plan.recurrent if eq.pointwise.has(call))
                out(
                    f"{name}_seq = np.empty((steps, batch, {_size(self._dim(owner.target))}), dtype)"
                )
            groups = self._recurrent_groups(out)
            out("for t in range(steps):")
            with out.indent():
                self._emit_forward_step(out, groups)
            for eq in plan.output_equations:
                self._vectorised(out, eq)
            histories = {eq.target: self.history(eq.target) for eq in plan.cell_equations}
            histories.update({prev: self.history(prev) for prev in plan.prev})
            histories.update({f"{state}_seq": f"{state}_seq" for state in plan.states})
            if plan.affine:
                histories["_block_seq"] = "_block_seq"
            for k in range(len(self.activations)):
                histories[f"_act{k}_seq"] = f"_act{k}_seq"
            for name in self.kept.values():
                histories[f"{name}_seq"] = f"{name}_seq"
            out("return {")
            with out.indent():
                for name, text in histories.items():
                    out(f"{name!r}: {text},")
            out("}")

    def _emit_input_projection(self, out: Lines) -> None:
        plan = self.plan
        if not plan.affine:
            return
        rows = [
            (eq.target, [t.matrix for t in eq.linear if t.vector == plan.cell.input])
            for eq in plan.affine
        ]
        if any(matrices for _, matrices in rows):
            stack = self._new_stack(out, rows, dim_var(plan.cell.input_size), transpose=True)
            out(f"_block_seq = {_product('x_seq', stack, 'all')}")
        else:
            out(f"_block_seq = np.zeros((steps, batch, {_size(self.width)}), dtype)")
        biases = []
        for eq in plan.affine:
            fixed, _ = self._split_pointwise(eq)
            rows_text = _size(self._dim(eq.target))
            if fixed == 0:
                biases.append(f"np.zeros({rows_text}, dtype)")
            elif fixed.is_Symbol and self.plan.dim(fixed.name) == self.plan.dim(eq.target):
                biases.append(local(fixed.name))
            else:
                biases.append(
                    f"np.broadcast_to({self._print(fixed, self._local_names(fixed))}, ({rows_text},))"
                )
        if any(not b.startswith("np.zeros") for b in biases):
            joined = f"np.concatenate([{', '.join(biases)}])" if len(biases) > 1 else biases[0]
            out(f"_block_seq += {joined}")

    def _split_pointwise(self, eq: Equation) -> tuple[sympy.Expr, sympy.Expr]:
        """(the part of the pointwise formula that reads only parameters, the rest)."""
        params = set(self.plan.params)
        fixed: list[sympy.Expr] = []
        rest: list[sympy.Expr] = []
        for term in sympy.Add.make_args(eq.pointwise):
            (fixed if {s.name for s in term.free_symbols} <= params else rest).append(term)
        return sympy.Add(*fixed), sympy.Add(*rest)

    def _recurrent_groups(self, out: Lines) -> dict[str, list[tuple[str, str, Column]]]:
        """Fused recurrent products, emitted before the loop; by the equation that runs them.

        Each writes into a preallocated buffer (``_rec0``), added into the block in place.
        """
        plan = self.plan
        by_vector: dict[str, list[str]] = {}
        for eq in plan.affine:
            for term in eq.linear:
                if term.vector != plan.cell.input:
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
            out(f"{buffer} = np.empty((batch, {_size(col.stop - col.start)}), dtype)")
            product = f"np.matmul({local(vector)}, {stack}, out={buffer})"
            groups.setdefault(users[0], []).append((product, buffer, col))
        return groups

    def _emit_forward_step(
        self, out: Lines, groups: dict[str, list[tuple[str, str, Column]]]
    ) -> None:
        plan = self.plan
        for state in plan.cell.states:
            out(f"{local(state.prev)} = {state.name}_seq[t]")
        if plan.affine:
            out("_block = _block_seq[t]")
        reads = {n for eq in plan.recurrent for n in eq.pointwise_operands()}
        reads |= {
            t.vector for eq in plan.recurrent for t in eq.linear if t.vector != plan.cell.input
        }
        if plan.cell.input in reads:
            out(f"{local(plan.cell.input)} = x_seq[t]")
        for eq in plan.recurrent:
            if eq.linear:
                col = self.columns[eq.target]
                for product, buffer, group_col in groups.get(eq.target, []):
                    cols = group_col.slice(self.width)
                    out(product)
                    out(f"_block += {buffer}" if cols == ":" else f"_block[:, {cols}] += {buffer}")
                _, rest = self._split_pointwise(eq)
                view = f"_block[:, {col.slice(self.width)}]"
                if rest != 0:
                    out(f"{view} += {self._print(rest, self._local_names(rest))}")
                out(f"{local(eq.target)} = {view}")
                continue
            if eq.target in self.activation_of:
                k, _ = self.activation_of[eq.target]
                members, col = self.activations[k]
                if eq.target == members[-1]:
                    out(f"_act{k} = _act{k}_seq[t]")
                    block = sympy.Symbol("_block_cols")
                    names = {"_block_cols": f"_block[:, {col.slice(self.width)}]"}
                    self._assign(out, f"_act{k}", eq.pointwise.func(block), names)
                    for member in members:
                        _, own = self.activation_of[member]
                        out(f"{local(member)} = _act{k}[:, {_size(own.start)}:{_size(own.stop)}]")
                continue
            dest = local(eq.target)
            out(f"{dest} = {self.at_step(eq.target)}")
            names = self._local_names(eq.pointwise)
            pointwise = eq.pointwise.xreplace(plan.constants)
            for call, name in self.kept.items():
                if pointwise.has(call):
                    out(f"{name} = {name}_seq[t]")
                    self._assign(out, name, call, names)
                    pointwise = pointwise.xreplace({call: sympy.Symbol(name, real=True)})
                    names[name] = name
            if eq.reduce:
                out(
                    f"{dest}[...] = np.sum({self._print(eq.pointwise, names)}, axis=-1, keepdims=True)"
                )
            else:
                self._assign(out, dest, pointwise, names)

    # -- _loss_terms -------------------------------------------------------------------
    def emit_loss(self, out: Lines) -> None:
        """``_loss_terms(P, fw, y_seq)``: the loss equations over whole histories."""
        plan = self.plan
        out("def _loss_terms(P, fw, y_seq):")
        with out.indent():
            out('"""The loss quantities (each step\'s term ell) over every step."""')
            out("steps, batch = y_seq.shape[0], y_seq.shape[1]", "dtype = y_seq.dtype")
            reads = {n for eq in plan.loss_equations for n in eq.operands()}
            self._emit_params(out, reads)
            self._bind_histories(out, reads - {eq.target for eq in plan.loss_equations})
            for eq in plan.loss_equations:
                self._vectorised(out, eq)
            out("return {")
            with out.indent():
                for eq in plan.loss_equations:
                    out(f"{eq.target!r}: {eq.target}_seq,")
            out("}")

    def _bind_histories(self, out: Lines, names: set[str]) -> None:
        """Unpack the histories ``names`` need from ``fw``."""
        plan = self.plan
        bound: set[str] = set()
        for name in sorted(names):
            if name in plan.params or name in (plan.cell.input, plan.data):
                continue
            if name in plan.states or name in plan.prev:
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
            elif name in self.kept.values():
                out(f"{name}_seq = fw[{name + '_seq'!r}]")
            elif name in {eq.target for eq in plan.template.forward}:
                out(f"{name}_seq = fw[{name!r}]")

    # -- _backward ---------------------------------------------------------------------
    def emit_backward(self, out: Lines) -> None:
        """``_backward(P, dims, x_seq, y_seq, fw, seeds)``: every gradient (loss scale 1)."""
        plan = self.plan
        out("def _backward(P, dims, x_seq, y_seq, fw, seeds):")
        with out.indent():
            out(
                '"""Backpropagation through time: the adjoint equations step by step, from the last."""'
            )
            self._emit_dims(out)
            equations = [*self.before, *self.inside, *self.after]
            reads = {n for eq in equations for n in eq.operands()}
            self._emit_params(out, reads)
            self._bind_histories(out, reads)
            if self.block_deltas:
                out(f"_dblock_seq = np.zeros((steps, batch, {_size(self.width)}), dtype)")
                for name, value in plan.template.constant.items():
                    if name in self.block_deltas and value != 0:
                        out(f"{self.history(name)} = {self._print(value)}")
            for eq in self.before:
                self._vectorised(out, eq)
            for name in self.stored:
                out(
                    f"{name}_seq = np.empty((steps, batch, {_size(self._dim_of_name(name))}), dtype)"
                )
            for state in plan.cell.states:
                out(f"{local(plan.carried[delta(state.prev)])} = seeds[{state.name!r}]")
            self._hoist_invariants(out)
            loop = Lines()
            loop.level = out.level + 1
            self._emit_backward_step(out, loop)
            out("for t in range(steps - 1, -1, -1):")
            out.lines.extend(loop.lines)
            for eq in self.after:
                self._vectorised(out, eq)
            self._emit_grads(out)

    def _hoist_invariants(self, out: Lines) -> None:
        """Compute the parts of the loop's formulas that read no adjoint once, over histories.

        ``delta_c := delta_c_next + delta_h*o*(1 - tanh(c)**2)``: the factor
        ``o*(1 - tanh(c)**2)`` depends on forward values only, so it becomes one array
        operation over all steps (``_pre0_seq``) instead of one per step.
        """
        plan = self.plan
        varying = {eq.target for eq in self.inside} | set(plan.carried.values())
        params = set(plan.params)

        def reads(expr: sympy.Expr) -> set[str]:
            return {sym.name for sym in expr.free_symbols}

        def worth(expr: sympy.Expr) -> bool:
            return not expr.is_Symbol and not expr.is_Number and bool(reads(expr) - params)

        def hoisted(expr: sympy.Expr) -> sympy.Expr:
            name = f"_pre{len(self.hoisted)}"
            self.hoisted.append(name)
            out(f"{name}_seq = {self._print(expr, self._history_names(expr))}")
            return sympy.Symbol(name, real=True)

        rewritten: list[Backward] = []
        for eq in self.inside:
            if isinstance(eq, Outer) or eq.reduce:
                rewritten.append(eq)
                continue
            terms = sympy.Add.make_args(eq.pointwise.xreplace(plan.constants))
            fixed = sympy.Add(*(t for t in terms if not reads(t) & varying))
            kept = [hoisted(fixed)] if worth(fixed) else [fixed]
            for term in terms:
                if not reads(term) & varying:
                    continue
                if term.is_Mul:
                    invariant = sympy.Mul(*(a for a in term.args if not reads(a) & varying))
                    if worth(invariant):
                        rest = (a for a in term.args if reads(a) & varying)
                        term = sympy.Mul(hoisted(invariant), *rest)
                kept.append(term)
            rewritten.append(Equation(eq.target, eq.linear, sympy.Add(*kept), eq.reduce))
        self.inside = tuple(rewritten)

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
                out(f"{'dL_d' + state.name + '_0'!r}: {local(plan.carried[delta(state.prev)])},")
            dx = delta(plan.cell.input)
            value = "np.zeros_like(x_seq)" if dx in plan.template.constant else f"{dx}_seq"
            out(f"'dL_d{plan.cell.input}': {value},")
        out("}")
