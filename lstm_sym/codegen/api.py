"""``lstm_sym.lambdify``: generated forward, loss and gradient functions, in memory or as a module.

The functions are generated from the cell's step template (never hand-written per cell),
compiled once, and loaded as a module object; :meth:`Functions.write_module` writes the
same source as a standalone ``.py`` that imports only NumPy (or mpmath).
"""

from __future__ import annotations

import keyword
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..files import write_atomic
from ..problem import Problem, load_problem
from ..spec.cells import Cell, get_cell, with_activations
from ..spec.heads import HEAD_SIZE, with_head
from ..spec.losses import Loss, get_loss
from .generate import module_source
from .plan import Plan, sizes_of
from .targets import BACKENDS, STYLES, styles_of, target_for

#: Above this many parameter numbers times the batch size, straight-line scalar code loses
#: to matrix products (measured for the LSTM, T = 10–50: the two are even between about 300
#: and 450; benchmarks/RESULTS.md).
SCALAR_LIMIT = 400


@dataclass(frozen=True, eq=False)
class Functions:
    """Generated functions of one cell and loss, with their module source."""

    cell: Cell
    loss_kind: Loss
    style: str
    backend: str
    source: str
    module: types.ModuleType

    def __repr__(self) -> str:
        return (
            f"<Functions {self.cell.name}, loss={self.loss_kind.name}, style={self.style}, "
            f"backend={self.backend}: forward, loss, loss_and_grad>"
        )

    @property
    def forward(self) -> Callable[..., Any]:
        """``forward(params, x, h0=None, c0=None)`` → dict of (batch, T, size) arrays."""
        return self.module.forward  # type: ignore[no-any-return]

    @property
    def loss(self) -> Callable[..., Any]:
        """``loss(params, x, y, h0=None, c0=None)`` → L."""
        return self.module.loss  # type: ignore[no-any-return]

    @property
    def loss_and_grad(self) -> Callable[..., Any]:
        """``loss_and_grad(params, x, y, h0=None, c0=None)`` → (L, {"dL_dW_f": …})."""
        return self.module.loss_and_grad  # type: ignore[no-any-return]

    def release_buffers(self) -> None:
        """Free the work buffers vector-style functions keep between calls of the same sizes."""
        release = getattr(self.module, "release_buffers", None)
        if release is not None:
            release()

    def write_module(self, path: str | Path) -> Path:
        """Write the module source to ``path`` atomically; returns the path."""
        write_atomic(path, self.source)
        return Path(path)


def _check_names(plan: Plan) -> None:
    """Every name that becomes a Python identifier must be one (custom cells are parsed)."""
    for name in plan.template.dims:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise InputError("cell", "quantity and parameter names that are Python names", name)


def _check_steps(plan: Plan) -> None:
    """Generated code keeps a history per quantity: each must change with the step (read the
    input or a state), which ``h = b`` (parameters only) does not."""
    cell = plan.cell
    varying = {cell.input, *(state.prev for state in cell.states)}
    for eq in cell.equations:
        if set(eq.operands()) & varying:
            varying.add(eq.target)
        else:
            raise InputError(
                "cell",
                "quantities computed from the input or a state for generated code",
                f"{eq.target}, computed from parameters only",
            )


def load_module(source: str, name: str) -> types.ModuleType:
    """Compile generated ``source`` (built from validated names only) into a module."""
    module = types.ModuleType(name)
    code = compile(source, f"<lstm_sym generated {name}>", "exec")
    exec(code, module.__dict__)
    return module


def resolve(
    problem: Problem | str | Path | None,
    cell: str | Cell | None,
    loss: str | Loss | None,
    head: str,
    activations: Mapping[str, str] | None,
) -> tuple[Cell, Loss, dict[str, int]]:
    """The cell, loss and known sizes from a problem (file) or from names."""
    if problem is not None:
        if not isinstance(problem, Problem):
            problem = load_problem(problem, cell=cell if isinstance(cell, str) else None)
        return problem.cell, problem.loss, dict(problem.sizes)
    spec = get_cell(cell or "lstm") if not isinstance(cell, Cell) else cell
    if activations:
        spec = with_activations(spec, activations)
    spec = with_head(spec, head)
    kind = get_loss(loss or "half_sse") if not isinstance(loss, Loss) else loss
    return spec, kind, {}


def choose_style(plan: Plan, sizes: Mapping[str, int], batch: int) -> str:
    """``scalar`` for tiny known sizes (straight-line code wins there), else ``vector``."""
    if any(name not in sizes for name in plan.size_names):
        return "vector"
    work = 0
    for param in plan.cell.params:
        count = 1
        for dim in param.shape:
            count *= 1 if dim == "1" else sizes[dim]
        work += count
    return "scalar" if batch * work <= SCALAR_LIMIT else "vector"


def lambdify(
    problem: Problem | str | Path | None = None,
    *,
    cell: str | Cell | None = None,
    loss: str | Loss | None = None,
    head: str = "none",
    activations: Mapping[str, str] | None = None,
    input_size: int | None = None,
    hidden_size: int | None = None,
    output_size: int | None = None,
    sizes: Mapping[str, int] | None = None,
    batch: int = 1,
    style: str = "auto",
    backend: str = "numpy",
    source: str | None = None,
) -> Functions:
    """Generated ``forward``, ``loss`` and ``loss_and_grad`` for a cell and loss.

    From a problem (or problem file: its cell, loss and sizes) or from a cell name (with
    ``head``, ``activations``) and a loss name. ``style`` is ``vector`` (batched matrix
    code, any sizes: they are read from the arrays), ``scalar`` (straight-line code for
    fixed sizes, fastest when they are tiny; needs the sizes) or ``auto`` (scalar when
    ``batch`` × parameters ≤ :data:`SCALAR_LIMIT`). ``backend="mpmath"`` gives scalar
    code over mpmath numbers at the working precision (the reference backend).
    ``source`` names the problem in the module header.
    """
    if problem is not None and isinstance(problem, Problem):
        batch = max(batch, problem.batch)
    if style not in (*STYLES, "auto"):
        raise InputError("style", f"one of: auto, {', '.join(STYLES)}", repr(style))
    if backend not in BACKENDS:
        raise InputError("backend", f"one of: {', '.join(BACKENDS)}", repr(backend))
    the_cell, the_loss, known = resolve(problem, cell, loss, head, activations)
    origin = source or (str(problem) if isinstance(problem, str | Path) else None)
    named = {"d": input_size, "n": hidden_size, HEAD_SIZE: output_size}
    known.update({k: v for k, v in named.items() if v is not None})
    known.update(sizes or {})
    plan = Plan.build(the_cell, the_loss)
    _check_names(plan)
    _check_steps(plan)
    if style == "auto" and len(styles_of(backend)) > 1:
        style = choose_style(plan, known, batch)
    target = target_for(style, backend)
    chosen = sizes_of(plan, known) if target.fixed_sizes else {}
    source = module_source(plan, style=target.style, backend=backend, sizes=chosen, source=origin)
    module = load_module(source, f"lstm_sym_{the_cell.name}_{target.style}")
    return Functions(the_cell, the_loss, target.style, backend, source, module)
