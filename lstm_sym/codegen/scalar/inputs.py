"""How a scalar-style module reads its arrays into numbers of its target, and hands results back.

Python floats come straight out of ``ndarray.tolist()`` and a result is cast to the input's
dtype; mpmath numbers are converted one by one (``_mpf(v)``) from object arrays and stay
mpmath numbers. Everything here asks the :class:`~lstm_sym.codegen.targets.Target` which.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..plan import Plan
from ..source import Lines
from ..targets import Target
from .emitter import ScalarEmitter, component


class ScalarInputs:
    """Emits the input helpers of a scalar module and the lines that bind their numbers."""

    def __init__(self, plan: Plan, sizes: Mapping[str, int], target: Target, em: ScalarEmitter):
        self.plan = plan
        self.sizes = sizes
        self.target = target
        self.emitter = em

    def asarray(self, name: str) -> str:
        """``name`` as a NumPy array holding the target's numbers (objects for mpmath)."""
        return f"np.asarray({name})" if self.target.floats else f"np.asarray({name}, dtype=object)"

    def rows(self, name: str) -> str:
        """Nested lists ``name`` (from ``tolist()``) with the target's numbers."""
        if self.target.floats:
            return name
        return f"[[{self.target.convert('v')} for v in row] for row in {name}]"

    @property
    def dtype(self) -> str:
        """The dtype of result arrays: the input's, or object (mpmath stays mpmath)."""
        return "dtype" if self.target.floats else "object"

    def result(self, total: str) -> str:
        """The loss ``total`` as returned: in the input's dtype, or the number itself."""
        return f"dtype.type({total})" if self.target.floats else total

    # -- module-level helpers ------------------------------------------------------------
    def helpers(self, out: Lines) -> None:
        """``SIZES``, ``_SHAPES``, ``_prepare`` or ``_checked``, ``_initial``, ``_scale``."""
        plan, sizes, target = self.plan, self.sizes, self.target
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
        if not target.floats:
            size = sizes[plan.cell.input_size]
            v = target.convert("v")
            out(
                "def _prepare(params, x):",
                '    """Parameters flattened to numbers, x as nested lists, sizes checked."""',
                "    x = np.asarray(x)",
                f"    if x.ndim != 3 or x.shape[2] != {size}:",
                f'        raise ValueError(f"x: expected shape (batch, T, {size}), got {{x.shape}}")',
                "    _check_shapes(params)",
                f"    flat = [{v} for name in _SHAPES for v in np.asarray(params[name], dtype=object).ravel()]",
                f"    xs = [{self.rows('seq')} for seq in x.astype(object).tolist()]",
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
        if target.floats:
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
            out("if value is None:", f"    return [[{target.zero}] * size] * batch")
            out(
                f"rows = {self.asarray('value')}",
                "if rows.shape != (batch, size):",
                "    rows = np.broadcast_to(rows, (batch, size))",
                "rows = rows.tolist()",
                f"return {self.rows('rows')}",
            )
        out("", "")
        if not (plan.scale.per_count or plan.loss.gradient_given):
            return
        out(
            "def _scale(batch, steps):",
            '    """The factor of Σ ell for batch × steps targets (the loss\'s constant is inside ell)."""',
        )
        scale = plan.scale
        if scale.per_count:
            per = sizes[plan.dim(plan.cell.output)] if scale.count == "elements" else 1
            out(f"    return {target.one} / max(batch * steps * {per}, 1)")
        else:
            out(f"    return {target.one}")
        out("", "")

    def seed_helper(self) -> str:
        """``_seed``: the given ∂L/∂(final state) of one sequence, divided by the loss scale."""
        return (
            "def _seed(final, state, b, size, scale):\n"
            '    """The adjoint arriving at a final state: the given gradient over the loss scale."""\n'
            "    if state not in final:\n"
            f"        return [{self.target.zero}] * size\n"
            f"    return [{self.target.convert('v')} / scale for v in np.asarray(final[state], dtype=object).reshape(-1, size)[b]]\n"
        )

    # -- inside the public functions -------------------------------------------------------
    def bind(self, out: Lines, call: str) -> None:
        """Bind x's rows and every parameter component; ``call`` re-runs the function."""
        em = self.emitter
        if not self.target.floats:
            out("_dtype, flat, xs, batch, steps = _prepare(params, x)")
            out(em.unpack(em.param_names(), "flat"))
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

    def data(self, out: Lines) -> None:
        """``ys``: the loss data as nested lists (class labels, or the target's numbers)."""
        plan = self.plan
        size = self.sizes[plan.dim(plan.cell.output)]
        if plan.loss.target == "class":
            out("labels = np.asarray(y)")
            out("if labels.shape != (batch, steps) or labels.dtype.kind not in 'iu':")
            out(
                '    raise ValueError(f"y: expected integer labels of shape {(batch, steps)}, got {labels.shape}")'
            )
            out(f"if labels.size and (labels.min() < 0 or labels.max() >= {size}):")
            out(f'    raise ValueError("y: labels must be in 0..{size - 1}")')
            out("ys = labels.tolist()")
            return
        out(f"y = {self.asarray('y')}")
        out(f"if y.shape != (batch, steps, {size}):")
        out(
            f'    raise ValueError(f"y: expected shape {{(batch, steps, {size})}}, got {{y.shape}}")'
        )
        out(
            "ys = y.tolist()"
            if self.target.floats
            else f"ys = [{self.rows('seq')} for seq in y.tolist()]"
        )

    def step_data(self, out: Lines) -> None:
        """One step's loss data as components (a class label as a one-hot row)."""
        em = self.emitter
        names = [str(c) for c in em.components(self.plan.data)]
        if self.plan.loss.target == "class":
            out("label = yb[t]")
            for k, name in enumerate(names):
                out(f"{name} = {self.target.one} if label == {k} else {self.target.zero}")
        else:
            out(em.unpack(names, "yb[t]"))

    def terminal_loss(self, out: Lines) -> None:
        """``final``'s contribution to the loss: the given gradient times each final state."""
        for state in self.plan.cell.states:
            # the final state: after the loop, h_prev holds it (the initial one when T = 0)
            comps = [str(c) for c in self.emitter.components(state.prev)]
            out(f"if {state.name!r} in final:")
            with out.indent():
                out(
                    f"g = [{self.target.convert('v')} for v in np.asarray(final[{state.name!r}], dtype=object).reshape(batch, -1)[b]]"
                )
                out("total += " + " + ".join(f"g[{k}] * {c}" for k, c in enumerate(comps)))
