"""The public functions of a scalar-style module (Python floats or mpmath numbers)."""

from __future__ import annotations

from collections.abc import Mapping

from ...derive.naming import delta, initial_gradient, total
from ..module import _data_doc, _shapes_doc, _signature
from ..plan import Plan
from ..source import Lines, initial_argument
from ..targets import Target
from .emitter import ScalarEmitter, Statement, accumulator, component
from .inputs import ScalarInputs


class ScalarModule:
    """Writes the input helpers and ``forward``/``loss``/``loss_and_grad`` in scalar style."""

    def __init__(self, plan: Plan, sizes: Mapping[str, int], target: Target):
        self.plan = plan
        self.sizes = dict(sizes)
        self.target = target
        self.emitter = ScalarEmitter(plan, sizes, target)
        self.inputs = ScalarInputs(plan, sizes, target, self.emitter)

    @property
    def helpers(self) -> set[str]:
        return self.emitter.helpers

    def text(self) -> str:
        out = Lines()
        self.inputs.helpers(out)
        self._forward(out)
        self._loss(out, with_grad=False)
        self._loss(out, with_grad=True)
        return out.text().rstrip() + "\n"

    def seed_helper(self) -> str:
        """``_seed``: the given ∂L/∂(final state) of one sequence, divided by the loss scale."""
        return self.inputs.seed_helper()

    # -- pieces of the functions ---------------------------------------------------------
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
        if with_data:
            self.inputs.step_data(out)

    def _advance(self, out: Lines) -> None:
        for state in self.plan.cell.states:
            for k in range(self.sizes[state.size]):
                out(f"{component(state.prev, k)} = {component(state.name, k)}")

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
            self.inputs.bind(out, f"forward(_checked(params), x, {states})")
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
            out(f"table = np.array(rows, {self.inputs.dtype}).reshape(batch, steps, {len(names)})")
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
            self.inputs.bind(out, f"{name}(_checked(params), x, y, {states}{final})")
            self._init_states(out)
            self.inputs.data(out)
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
                    self.inputs.terminal_loss(out)
                if with_grad:
                    self._backward(out, backward, tape)
            if not with_grad:
                total = "total * scale" if plan.scale.per_count else "total"
                out(f"return {self.inputs.result(total)}")
            else:
                self._grads(out, backward)
        out("", "")

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
        groups: dict[tuple[int, ...], list[tuple[str, list[str]]]] = {}
        for param in plan.cell.params:
            shape = tuple(self.sizes[d] for d in param.shape)
            full = self._all_components(param.name, list(shape))
            values = [n if n in accumulators else em.zero for n in full]
            groups.setdefault(shape, []).append((param.name, values))
        values = [v for members in groups.values() for _, vs in members for v in vs]
        values += [f"*initial_{state.name}" for state in plan.cell.states] + ["*dx"]
        out(f"values = [{', '.join(values)}]")
        out(f"flat_grads = np.array(values, {self.inputs.dtype})")
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
        out(
            f"return {self.inputs.result(loss)}, grads"
            if self.target.floats
            else f"return ({loss}, grads)"
        )

    def _all_components(self, name: str, shape: list[int]) -> list[str]:
        if len(shape) == 2:
            return [accumulator(name, r, c) for r in range(shape[0]) for c in range(shape[1])]
        return [accumulator(name, k) for k in range(shape[0])]
