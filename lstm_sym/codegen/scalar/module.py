"""The public functions of a scalar-style module (Python floats or mpmath numbers)."""

from __future__ import annotations

from collections.abc import Mapping

from ...derive.naming import delta, initial_gradient, total
from ..module import _data_doc, _shapes_doc, _signature
from ..plan import Plan
from ..source import Lines, initial_argument
from .emitter import ScalarEmitter, Statement, accumulator, component


class ScalarModule:
    """Writes the input helpers and ``forward``/``loss``/``loss_and_grad`` in scalar style."""

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
        self._helpers(out)
        self._forward(out)
        self._loss(out, with_grad=False)
        self._loss(out, with_grad=True)
        return out.text().rstrip() + "\n"

    # -- helpers -------------------------------------------------------------------------
    def _helpers(self, out: Lines) -> None:
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
        if self.mp:
            size = sizes[plan.cell.input_size]
            out(
                "def _prepare(params, x):",
                '    """Parameters flattened to numbers, x as nested lists, sizes checked."""',
                "    x = np.asarray(x)",
                f"    if x.ndim != 3 or x.shape[2] != {size}:",
                f'        raise ValueError(f"x: expected shape (batch, T, {size}), got {{x.shape}}")',
                "    _check_shapes(params)",
                "    flat = [_mpf(v) for name in _SHAPES for v in np.asarray(params[name], dtype=object).ravel()]",
                "    xs = [[[_mpf(v) for v in row] for row in seq] for seq in x.astype(object).tolist()]",
                "    return object, flat, xs, x.shape[0], x.shape[1]",
                "",
                "",
            )
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
        if not self.mp:
            out(
                "def _checked(params):",
                '    """The parameters as float arrays, after _check_shapes."""',
                "    _check_shapes(params)",
                "    return {name: np.asarray(params[name], dtype=np.float64) for name in _SHAPES}",
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
        if not (plan.scale.per_count or plan.loss.gradient_given):
            return
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

    def _inputs(self, out: Lines, call: str) -> None:
        """Bind x's rows and every parameter component; ``call`` re-runs the function."""
        if self.mp:
            out("_dtype, flat, xs, batch, steps = _prepare(params, x)")
            out(self.emitter.unpack(self.emitter.param_names(), "flat"))
            return
        size = self.sizes[self.plan.cell.input_size]
        out(
            "x = np.asarray(x)",
            f"if x.ndim != 3 or x.shape[2] != {size}:",
            f'    raise ValueError(f"x: expected shape (batch, T, {size}), got {{x.shape}}")',
            "batch, steps = x.shape[0], x.shape[1]",
            "dtype = x.dtype if x.dtype.kind == 'f' else np.dtype(np.float64)",
            "xs = x.tolist()",
        )
        out("try:")
        with out.indent():
            for param in self.plan.cell.params:
                shape = [self.sizes[d] for d in param.shape]
                if len(shape) == 2:
                    rows = [
                        "("
                        + ", ".join(str(component(param.name, r, c)) for c in range(shape[1]))
                        + ",)"
                        for r in range(shape[0])
                    ]
                else:
                    rows = [str(component(param.name, k)) for k in range(shape[0])]
                out(f"({', '.join(rows)},) = params[{param.name!r}].tolist()")
        out(
            "except (KeyError, AttributeError, TypeError, ValueError):",
            "    # a missing parameter or one of the wrong shape (a clear error), or not an array",
            f"    return {call}",
        )

    def _init_states(self, out: Lines) -> None:
        for state in self.plan.cell.states:
            size = self.sizes[state.size]
            out(f"init_{state.name} = _initial({initial_argument(state.name)}, batch, {size})")

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
            states = ", ".join(initial_argument(s.name) for s in plan.cell.states)
            self._inputs(out, f"forward(_checked(params), x, {states})")
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
            kind = "object" if self.mp else "dtype"  # mpmath numbers stay mpmath numbers
            out(f"table = np.array(rows, {kind}).reshape(batch, steps, {len(names)})")
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
            states = ", ".join(initial_argument(s.name) for s in plan.cell.states)
            final = ", final=final" if plan.loss.gradient_given else ""
            self._inputs(out, f"{name}(_checked(params), x, y, {states}{final})")
            self._init_states(out)
            self._data_lists(out)
            if plan.scale.per_count or plan.loss.gradient_given:
                out("scale = _scale(batch, steps)")
            out(f"total = {em.zero}")
            forward = em.forward_statements(True)
            backward = em.backward_statements() if with_grad else []
            tape = em.tape_names(backward)
            if with_grad:
                accumulators = sorted({st.target for st in backward if st.accumulate})
                for acc in self._grad_order(accumulators):
                    out(f"{acc} = {em.zero}")
                width = em.size(plan.cell.input)
                out(f"dx = [{em.zero}] * (batch * steps * {width})")
                out(*(f"initial_{state.name} = []" for state in plan.cell.states))
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
                total = "total * scale" if plan.scale.per_count else "total"
                out(f"return {total}" if self.mp else f"return dtype.type({total})")
            else:
                self._grads(out, backward)
        out("", "")

    def _terminal_loss(self, out: Lines) -> None:
        for state in self.plan.cell.states:
            # the final state: after the loop, h_prev holds it (the initial one when T = 0)
            comps = [str(c) for c in self.emitter.components(state.prev)]
            out(f"if {state.name!r} in final:")
            with out.indent():
                conv = "_mpf" if self.mp else "float"
                out(
                    f"g = [{conv}(v) for v in np.asarray(final[{state.name!r}], dtype=object).reshape(batch, -1)[b]]"
                )
                out("total += " + " + ".join(f"g[{k}] * {c}" for k, c in enumerate(comps)))

    def _grad_order(self, accumulators: list[str]) -> list[str]:
        known = set(accumulators)
        return [
            name
            for param in self.plan.cell.params
            for name in self._all_components(param.name, [self.sizes[d] for d in param.shape])
            if name in known
        ]

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
            if dx not in plan.template.constant:
                width = em.size(plan.cell.input)
                out(f"j = (b * steps + t) * {width}")
                for k, c in enumerate(em.components(dx)):
                    out(f"dx[j + {k}] = {c}" if k else f"dx[j] = {c}")
            for prev, incoming in plan.carried.items():
                for k in range(em.size(incoming)):
                    source = em.zero if prev in plan.template.constant else str(component(prev, k))
                    out(f"{component(incoming, k)} = {source}")
        for state in plan.cell.states:
            finals = [
                str(component(plan.carried[delta(state.prev)], k))
                for k in range(self.sizes[state.size])
            ]
            out(f"initial_{state.name} += ({', '.join(finals)},)")

    def _grads(self, out: Lines, backward: list[Statement]) -> None:
        """One array of every gradient number; each gradient a view of it.

        Parameters with the same number of columns are laid out one under another, so
        each matrix's gradient is one slice of a 2-D block (a view costs about 0.1 µs,
        which matters at the sizes this style is for).
        """
        plan, em = self.plan, self.emitter
        accumulators = set(st.target for st in backward if st.accumulate)
        dtype = "object" if self.mp else "dtype"
        groups: dict[tuple[int, ...], list[tuple[str, list[str]]]] = {}
        for param in plan.cell.params:
            shape = tuple(self.sizes[d] for d in param.shape)
            full = self._all_components(param.name, list(shape))
            values = [n if n in accumulators else em.zero for n in full]
            groups.setdefault(shape, []).append((param.name, values))
        values = [v for members in groups.values() for _, vs in members for v in vs]
        values += [f"*initial_{state.name}" for state in plan.cell.states] + ["*dx"]
        out(f"values = [{', '.join(values)}]")
        out(f"flat_grads = np.array(values, {dtype})")
        if plan.scale.per_count:
            out("flat_grads *= scale")
        views: dict[str, str] = {}
        start = 0
        blocks = 0

        def block(shape: str, count: int, per_sequence: bool = False) -> str:
            nonlocal blocks
            name = f"_block{blocks}"
            blocks += 1
            stop = f"{start} + {count} * batch" if per_sequence else str(start + count)
            out(f"{name} = flat_grads[{start}:{stop}].reshape({shape})")
            return name

        for shape, members in groups.items():
            size = len(members[0][1])
            if len(shape) == 2 and len(members) > 1:  # a 3-D block: one index a gradient
                name = block(", ".join(map(str, (len(members), *shape))), size * len(members))
                for k, (member, _) in enumerate(members):
                    views[member] = f"{name}[{k}]"
            else:
                for k, (member, _) in enumerate(members):
                    offset = start + k * size
                    view = f"flat_grads[{offset}:{offset + size}]"
                    views[member] = view if len(shape) == 1 else f"{view}.reshape{shape}"
            start += size * len(members)
        states = plan.cell.states
        sizes = {self.sizes[state.size] for state in states}
        if len(sizes) == 1 and len(states) > 1:
            size = self.sizes[states[0].size]
            name = block(f"{len(states)}, batch, {size}", len(states) * size, per_sequence=True)
            for k, state in enumerate(states):
                views[f"{state.name}_0"] = f"{name}[{k}]"
            start_text = f"{start} + {len(states) * self.sizes[states[0].size]} * batch"
        else:
            start_text = str(start)
            for state in states:
                size = self.sizes[state.size]
                end = f"{start_text} + {size} * batch"
                views[f"{state.name}_0"] = f"flat_grads[{start_text}:{end}].reshape(batch, {size})"
                start_text = end
        d = em.size(plan.cell.input)
        out("grads = {")
        with out.indent():
            for param in plan.cell.params:
                out(f"{total(param.name)!r}: {views[param.name]},")
            for state in states:
                key = str(initial_gradient(state.name))
                out(f"{key!r}: {views[state.name + '_0']},")
            dx = total(plan.cell.input)
            out(f"{dx!r}: flat_grads[{start_text}:].reshape(batch, steps, {d}),")
        out("}")
        loss = "total * scale" if plan.scale.per_count else "total"
        out(f"return ({loss}, grads)" if self.mp else f"return dtype.type({loss}), grads")

    def _all_components(self, name: str, shape: list[int]) -> list[str]:
        if len(shape) == 2:
            return [accumulator(name, r, c) for r in range(shape[0]) for c in range(shape[1])]
        return [accumulator(name, k) for k in range(shape[0])]

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
