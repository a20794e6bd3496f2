"""What the vector emitters share: a plan's layout, rewritten backward and storage, and the
small pieces of code every function of the module writes the same way.

One :class:`VectorContext` is built per module and handed to the forward, loss and backward
emitters (:mod:`.forward`, :mod:`.loss`, :mod:`.backward`); it also collects the helper
functions the code calls and numbers the stacked matrices across the whole module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ..plan import Plan
from ..printer import print_expr
from ..rewrite import Rewrite
from ..source import Lines, local
from ..targets import Target
from .buffers import Layout
from .buffers import size_text as _size
from .inplace import InPlace
from .storage import Storage


def matrix_product(vectors: str, matrix: str, where: str, *, transpose: bool = False) -> str:
    """``vectors @ matrix`` (``@ matrix.T`` with ``transpose``); over whole histories as one
    2-D product, (matrixᵀ · vectorsᵀ)ᵀ.

    A 3-D matmul is slower than one 2-D product, and OpenBLAS computes a tall, narrow
    result faster as the transpose of a short, wide one (measured: 27 ms against 43 ms
    for (25600 × 512) · (512 × 128)).
    """
    if where == "step":
        return f"{vectors} @ {matrix}.T" if transpose else f"{vectors} @ {matrix}"
    left = matrix if transpose else f"{matrix}.T"
    return f"_steps(({left} @ _rows({vectors}).T).T, steps, batch)"


def outer_product(left: str, right: str) -> str:
    """``Σ_rows leftᵀ · right`` of two histories, as (rightᵀ · left)ᵀ (faster, as above)."""
    return f"(_rows({right}).T @ _rows({left})).T"


def work_buffer(name: str, shape: str) -> str:
    """Source of a workspace buffer called ``name`` of ``shape`` (text of a tuple)."""
    return f"_buffer(ws, {name!r}, {shape}, dtype)"


def local_names(expr: sympy.Expr) -> dict[str, str]:
    """Every name ``expr`` reads, as the local variable that holds it."""
    return {s.name: local(s.name) for s in expr.free_symbols}


@dataclass
class VectorContext:
    """A plan as the vector code lays it out, shared by the emitters of one module."""

    plan: Plan
    target: Target
    layout: Layout
    #: the backward equations as the code computes them (kept calls, hoisted factors)
    rewrite: Rewrite
    #: which histories each forward function keeps
    storage: Storage
    #: helper functions (by SymPy name) the emitted code calls
    helpers: set[str] = field(default_factory=set)
    #: stacked matrices emitted so far (``_stack0``, ``_stack1``, … across the module)
    stacks: int = 0

    @classmethod
    def build(cls, plan: Plan, target: Target) -> VectorContext:
        """Analyse ``plan``: layout, backward rewrites, kept histories."""
        layout = Layout(plan)
        groups = tuple(
            (tuple(members), _group_function(plan, members)) for members, _ in layout.activations
        )
        rewrite = Rewrite(plan, frozenset(layout.block_deltas), groups)
        return cls(plan, target, layout, rewrite, Storage(plan, layout, rewrite))

    def dim(self, name: str) -> sympy.Expr:
        """The size of ``name`` as a SymPy expression."""
        return self.layout.dim(name)

    def print(self, expr: sympy.Expr, names: dict[str, str] | None = None) -> str:
        """``expr`` (constant adjoints substituted) as source, symbols renamed by ``names``."""
        expr = expr.xreplace(self.plan.constants)
        return print_expr(expr, self.target, names or {}, self.helpers)

    def assign(self, out: Lines, dest: str, expr: sympy.Expr, names: dict[str, str]) -> None:
        """``dest[...] = expr`` as operations in place on ``dest`` (:mod:`.inplace`)."""
        chain = InPlace(out, lambda e: self.print(e, names))
        chain.assign(dest, expr.xreplace(self.plan.constants))
        self.helpers |= chain.helpers

    def emit_params(self, out: Lines, names: set[str]) -> None:
        """Bind the parameters among ``names`` to locals."""
        for param in self.plan.params:
            if param in names:
                out(f"{local(param)} = P[{param!r}]")

    def new_stack(
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
                parts.append(f"np.zeros(({_size(self.dim(target))}, {cols}), dtype)")
        stacked = f"np.concatenate([{', '.join(parts)}])" if len(parts) > 1 else parts[0]
        out(f"{name} = _aligned({stacked}.T)" if transpose else f"{name} = _aligned({stacked})")
        return name

    def per_step(self, out: Lines, name: str, shape: str, keep: bool) -> None:
        """Allocate ``name``'s history (T rows), or one step's buffer when it is not kept."""
        if keep:
            out(f"{name}_seq = {work_buffer(name + '_seq', f'(steps, {shape})')}")
        else:
            out(f"{name} = {work_buffer(name, f'({shape})')}")


def _group_function(plan: Plan, members: list[str]) -> type:
    """The activation function of a fused group (that of its first member)."""
    eq = next(e for e in plan.recurrent if e.target == members[0])
    return type(eq.pointwise)
