"""The public functions of a scalar-style module (Python floats or mpmath numbers)."""

from __future__ import annotations

from collections.abc import Mapping

from ..adjoint import delta
from .module import _data_doc, _shapes_doc, _signature
from .plan import Plan
from .scalar import ScalarEmitter, Statement, component
from .source import Lines, local


class ScalarModule:
    """Writes ``_prepare`` and ``forward``/``loss``/``loss_and_grad`` in scalar style."""

    def __init__(self, plan: Plan, sizes: Mapping[str, int], flavour: str):
        self.plan = plan
        self.sizes = dict(sizes)
        self.flavour = flavour
        self.emitter = ScalarEmitter(plan, sizes, flavour)
        self.mp = flavour == "mpmath"

    @property
    def helpers(self) -> set[str]:
        return self.emitter.helpers

    def _number(self, text: str) -> str:
        return f"_mpf({text})" if self.mp else f"float({text})"

    def text(self) -> str:
        out = Lines()
        self._prepare(out)
        self._forward(out)
        self._loss(out, with_grad=False)
        self._loss(out, with_grad=True)
        return out.text().rstrip() + "\n"

    # -- helpers -------------------------------------------------------------------------
    def _prepare(self, out: Lines) -> None:
        plan, sizes = self.plan, self.sizes
        out(f"SIZES = {sizes!r}", "")
        shapes = (
            "{"
            + ", ".join(
                f"{p.name!r}: {tuple(sizes[d] if d != '1' else 1 for d in p.shape)!r}"
                for p in plan.cell.params
            )
            + "}"
        )
        out(f"_SHAPES = {shapes}", "", "")
        out(
            "def _prepare(params, x):",
            '    """Parameters flattened to numbers, x as nested lists, sizes checked."""',
        )
        with out.indent():
            out("x = np.asarray(x)")
            out(f"if x.ndim != 3 or x.shape[2] != {sizes[plan.cell.input_size]}:")
            out(
                f'    raise ValueError(f"x: expected shape (batch, T, {sizes[plan.cell.input_size]}), got {{x.shape}}")'
            )
            if self.mp:
                out(
                    "_check_shapes(params)",
                    "flat = [_mpf(v) for name in _SHAPES for v in np.asarray(params[name], dtype=object).ravel()]",
                    "xs = [[[_mpf(v) for v in row] for row in seq] for seq in x.astype(object).tolist()]",
                    "return object, flat, xs, x.shape[0], x.shape[1]",
                )
            else:
                out(
                    "try:",
                    "    flat = [params[name].tolist() for name in _SHAPES]",
                    "except KeyError as error:",
                    '    raise ValueError(f"params: missing {error.args[0]}") from None',
                    "except AttributeError:  # not all arrays",
                    "    flat = [np.asarray(params[name]).tolist() for name in _SHAPES]",
                    "dtype = x.dtype if x.dtype.kind == 'f' else np.dtype(np.float64)",
                    "return dtype, flat, x.tolist(), x.shape[0], x.shape[1]",
                )
        out("", "")
        out(
            "def _check_shapes(params):",
            '    """A clear error for a missing parameter or one of the wrong shape."""',
            "    for name, shape in _SHAPES.items():",
            "        if name not in params:",
            '            raise ValueError(f"params: missing {name}")',
            "        if np.shape(params[name]) != shape:",
            '            raise ValueError(f"{name}: expected shape {shape}, got {np.shape(params[name])}")',
            "",
            "",
        )
        out(
            "def _initial(value, batch, size):",
            '    """An initial state as one row of numbers per sequence."""',
        )
        with out.indent():
            zero = "_mpf(0)" if self.mp else "0.0"
            out("if value is None:", f"    return [[{zero}] * size] * batch")
            conv = "[[_mpf(v) for v in row] for row in rows]" if self.mp else "rows"
            array = "np.asarray(value, dtype=object)" if self.mp else "np.asarray(value)"
            out(
                f"rows = {array}",
                "if rows.shape != (batch, size):",
                "    rows = np.broadcast_to(rows, (batch, size))",
                "rows = rows.tolist()",
                f"return {conv}",
            )
        out("", "")
        out(
            "def _scale(batch, steps):",
            '    """The factor of Σ ell for batch × steps targets (the loss\'s constant is inside ell)."""',
        )
        scale = plan.scale
        one = "_mpf(1)" if self.mp else "1.0"
        if scale.per_count:
            per = self.sizes[plan.dim(plan.cell.output)] if scale.count == "elements" else 1
            out(f"    return {one} / max(batch * steps * {per}, 1)")
        else:
            out(f"    return {one}")
        out("", "")

    def _unpack_params(self, out: Lines) -> None:
        if self.mp:
            out(self.emitter.unpack(self.emitter.param_names(), "flat"))
            return
        nested = []
        for param in self.plan.cell.params:
            shape = [self.sizes[d] for d in param.shape]
            if len(shape) == 2:
                rows = [
                    "("
                    + ", ".join(str(component(param.name, r, c)) for c in range(shape[1]))
                    + ",)"
                    for r in range(shape[0])
                ]
                nested.append("(" + ", ".join(rows) + ",)")
            else:
                nested.append(
                    "(" + ", ".join(str(component(param.name, k)) for k in range(shape[0])) + ",)"
                )
        out("try:")
        with out.indent():
            out(f"({', '.join(nested)},) = flat")
        out("except ValueError:", "    _check_shapes(params)", "    raise")

    def _init_states(self, out: Lines) -> None:
        for state in self.plan.cell.states:
            size = self.sizes[state.size]
            out(f"init_{state.name} = _initial({local(state.name + '0')}, batch, {size})")

    def _sequence_start(self, out: Lines) -> None:
        for state in self.plan.cell.states:
            names = [str(component(state.prev, k)) for k in range(self.sizes[state.size])]
            out(self.emitter.unpack(names, f"init_{state.name}[b]"))

    def _step_inputs(self, out: Lines, with_data: bool) -> None:
        plan = self.plan
        out(
            self.emitter.unpack([str(c) for c in self.emitter.components(plan.cell.input)], "xb[t]")
        )
        if not with_data:
            return
        names = [str(c) for c in self.emitter.components(plan.data)]
        if plan.loss.target == "class":
            one, zero = ("_mpf(1)", "_mpf(0)") if self.mp else ("1.0", "0.0")
            out("label = yb[t]")
            for k, name in enumerate(names):
                out(f"{name} = {one} if label == {k} else {zero}")
        else:
            out(self.emitter.unpack(names, "yb[t]"))

    def _advance(self, out: Lines) -> None:
        for state in self.plan.cell.states:
            for k in range(self.sizes[state.size]):
                out(f"{component(state.prev, k)} = {component(state.name, k)}")

    def _data_lists(self, out: Lines) -> None:
        plan = self.plan
        if plan.loss.target == "class":
            out("labels = np.asarray(y)")
            out("if labels.shape != (batch, steps) or labels.dtype.kind not in 'iu':")
            out(
                '    raise ValueError(f"y: expected integer labels of shape {(batch, steps)}, got {labels.shape}")'
            )
            size = self.sizes[plan.dim(plan.cell.output)]
            out(f"if labels.size and (labels.min() < 0 or labels.max() >= {size}):")
            out(f'    raise ValueError("y: labels must be in 0..{size - 1}")')
            out("ys = labels.tolist()")
            return
        size = self.sizes[plan.dim(plan.cell.output)]
        out("y = np.asarray(y, dtype=object)" if self.mp else "y = np.asarray(y)")
        out(f"if y.shape != (batch, steps, {size}):")
        out(
            f'    raise ValueError(f"y: expected shape {{(batch, steps, {size})}}, got {{y.shape}}")'
        )
        if self.mp:
            out("ys = [[[_mpf(v) for v in row] for row in seq] for seq in y.tolist()]")
        else:
            out("ys = y.tolist()")

    def _docstring(self, out: Lines, summary: str, *, with_y: bool, returns: list[str]) -> None:
        out(f'"""{summary}', "", "Arguments:")
        out(*_shapes_doc(self.plan))
        if with_y:
            out(*_data_doc(self.plan))
        out("", *returns, '"""')

    # -- forward -----------------------------------------------------------------------
    def _forward(self, out: Lines) -> None:
        plan, em = self.plan, self.emitter
        out(f"def forward({_signature(plan, with_y=False)}):")
        with out.indent():
            self._docstring(
                out,
                "Every quantity of the cell at every step.",
                with_y=False,
                returns=["Returns a dict: quantity name -> (batch, T, size) array."],
            )
            out("dtype, flat, xs, batch, steps = _prepare(params, x)")
            self._unpack_params(out)
            self._init_states(out)
            out("rows = []", "for b in range(batch):")
            with out.indent():
                self._sequence_start(out)
                out("xb = xs[b]", "for t in range(steps):")
                with out.indent():
                    self._step_inputs(out, with_data=False)
                    em.emit(out, em.forward_statements(False), cse=False)
                    names = [str(c) for eq in plan.cell_equations for c in em.components(eq.target)]
                    out(f"rows.append(({', '.join(names)},))")
                    self._advance(out)
            out(f"table = np.array(rows, dtype).reshape(batch, steps, {len(names)})")
            out("return {")
            with out.indent():
                start = 0
                for eq in plan.cell_equations:
                    size = em.size(eq.target)
                    out(f"{eq.target!r}: table[:, :, {start}:{start + size}],")
                    start += size
            out("}")
        out("", "")

    # -- loss and gradients ------------------------------------------------------------
    def _loss(self, out: Lines, *, with_grad: bool) -> None:
        plan, em = self.plan, self.emitter
        name = "loss_and_grad" if with_grad else "loss"
        out(f"def {name}({_signature(plan, with_y=True)}):")
        with out.indent():
            returns = (
                [
                    "Returns (L, grads): dL_d<parameter>, dL_d<state>_0 (batch, size), dL_dx (batch, T, d)."
                ]
                if with_grad
                else ["Returns the loss L."]
            )
            self._docstring(
                out,
                "The loss L and its gradient." if with_grad else "The loss L.",
                with_y=True,
                returns=returns,
            )
            first = "_dtype" if self.mp else "dtype"
            out(f"{first}, flat, xs, batch, steps = _prepare(params, x)")
            self._unpack_params(out)
            self._init_states(out)
            self._data_lists(out)
            out("scale = _scale(batch, steps)")
            out(f"total = {em.zero}")
            forward = em.forward_statements(True)
            backward = em.backward_statements() if with_grad else []
            tape = em.tape_names(backward)
            if with_grad:
                accumulators = sorted({st.target for st in backward if st.accumulate})
                for acc in self._grad_order(accumulators):
                    out(f"{acc} = {em.zero}")
                out("dx_rows = [None] * (batch * steps)", "initial_rows = []")
            if plan.loss.gradient_given:
                out("final = {} if final is None else final")
            out("for b in range(batch):")
            with out.indent():
                self._sequence_start(out)
                out("xb, yb = xs[b], ys[b]")
                if with_grad:
                    out("tape = []")
                out("for t in range(steps):")
                with out.indent():
                    self._step_inputs(out, with_data=True)
                    em.emit(out, forward, cse=True)
                    for term in plan.template.loss_terms:
                        out(f"total += {component(term, 0)}")
                    if with_grad:
                        out(f"tape.append(({', '.join(tape)},))")
                    self._advance(out)
                if plan.loss.gradient_given:
                    self._terminal_loss(out)
                if with_grad:
                    self._backward(out, backward, tape)
            if not with_grad:
                out("return total * scale" if self.mp else "return dtype.type(total * scale)")
            else:
                self._grads(out, backward)
        out("", "")

    def _terminal_loss(self, out: Lines) -> None:
        for state in self.plan.cell.states:
            comps = [str(c) for c in self.emitter.components(state.name)]
            out(f"if {state.name!r} in final:")
            with out.indent():
                conv = "_mpf" if self.mp else "float"
                out(
                    f"g = [{conv}(v) for v in np.asarray(final[{state.name!r}], dtype=object).reshape(batch, -1)[b]]"
                )
                out("total += " + " + ".join(f"g[{k}] * {c}" for k, c in enumerate(comps)))

    def _grad_order(self, accumulators: list[str]) -> list[str]:
        order = []
        for param in self.plan.cell.params:
            shape = [self.sizes[d] for d in param.shape]
            if len(shape) == 2:
                order += [
                    f"dL_d{param.name}_{r}_{c}" for r in range(shape[0]) for c in range(shape[1])
                ]
            else:
                order += [f"dL_d{param.name}_{k}" for k in range(shape[0])]
        known = set(accumulators)
        return [name for name in order if name in known]

    def _backward(self, out: Lines, backward: list[Statement], tape: list[str]) -> None:
        plan, em = self.plan, self.emitter
        for state in plan.cell.states:
            incoming = plan.carried[delta(state.prev)]
            names = [str(c) for c in em.components(incoming)]
            if plan.loss.gradient_given:
                source = f"_seed(final, {state.name!r}, b, {len(names)}, scale)"
                out(self.emitter.unpack(names, source))
            else:
                out(*(f"{name} = {em.zero}" for name in names))
        out("for t in range(steps - 1, -1, -1):")
        with out.indent():
            out(f"({', '.join(tape)},) = tape[t]" if tape else "pass")
            em.emit(out, backward, cse=True)
            dx = delta(plan.cell.input)
            if dx in plan.template.constant:
                out(
                    f"dx_rows[b * steps + t] = ({', '.join([em.zero] * em.size(plan.cell.input))},)"
                )
            else:
                out(f"dx_rows[b * steps + t] = ({', '.join(str(c) for c in em.components(dx))},)")
            for prev, incoming in plan.carried.items():
                for k in range(em.size(incoming)):
                    source = em.zero if prev in plan.template.constant else str(component(prev, k))
                    out(f"{component(incoming, k)} = {source}")
        finals = [
            str(component(plan.carried[delta(s.prev)], k))
            for s in plan.cell.states
            for k in range(self.sizes[s.size])
        ]
        out(f"initial_rows.append(({', '.join(finals)},))")

    def _grads(self, out: Lines, backward: list[Statement]) -> None:
        plan, em = self.plan, self.emitter
        accumulators = set(st.target for st in backward if st.accumulate)
        dtype = "object" if self.mp else "dtype"
        order = []
        for param in plan.cell.params:
            shape = [self.sizes[d] for d in param.shape]
            count = 1
            for s in shape:
                count *= s
            names = self._grad_order(
                [n for n in accumulators if n.startswith(f"dL_d{param.name}_")]
            )
            full = self._grad_order(list(self._all_components(param.name, shape)))
            order.append((param.name, shape, count, [n if n in names else em.zero for n in full]))
        values = [v for *_, vs in order for v in vs]
        out(f"values = [{', '.join(values)}]")
        out("for row in initial_rows:", "    values.extend(row)")
        out("for row in dx_rows:", "    values.extend(row)")
        out(f"flat_grads = np.array(values, {dtype})")
        if plan.scale.per_count:
            out("flat_grads *= scale")
        out("grads = {")
        start = 0
        with out.indent():
            for name, shape, count, _ in order:
                view = f"flat_grads[{start}:{start + count}]"
                if len(shape) == 2:
                    view += f".reshape({shape[0]}, {shape[1]})"
                out(f"{'dL_d' + name!r}: {view},")
                start += count
        out("}")
        out(f"start = {start}")
        width = sum(self.sizes[state.size] for state in plan.cell.states)
        out(f"initial = flat_grads[start:start + batch * {width}].reshape(batch, {width})")
        offset = 0
        for state in plan.cell.states:
            size = self.sizes[state.size]
            out(f"grads['dL_d{state.name}_0'] = initial[:, {offset}:{offset + size}]")
            offset += size
        d = em.size(plan.cell.input)
        out(
            f"grads['dL_d{plan.cell.input}'] = flat_grads[start + batch * {width}:].reshape(batch, steps, {d})"
        )
        out(
            "return (total * scale, grads)"
            if self.mp
            else "return dtype.type(total * scale), grads"
        )

    def _all_components(self, name: str, shape: list[int]) -> list[str]:
        if len(shape) == 2:
            return [f"dL_d{name}_{r}_{c}" for r in range(shape[0]) for c in range(shape[1])]
        return [f"dL_d{name}_{k}" for k in range(shape[0])]

    def seed_helper(self) -> str:
        """``_seed``: the given ∂L/∂(final state) of one sequence, divided by the loss scale."""
        conv = "_mpf" if self.mp else "float"
        return (
            "def _seed(final, state, b, size, scale):\n"
            '    """The adjoint arriving at a final state: the given gradient over the loss scale."""\n'
            "    if state not in final:\n"
            f"        return [{self.emitter.zero}] * size\n"
            f"    return [{conv}(v) / scale for v in np.asarray(final[state], dtype=object).reshape(-1, size)[b]]\n"
        )
