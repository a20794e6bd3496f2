"""Output heads: an optional map after any cell (``ŷ_t = V h_t + b_y``), as more cell data.

A :class:`Head` adds parameters (the linear head: ``V`` of shape m × n and ``b_y`` of size m,
with the new size m) and equations, and names the quantity the loss reads (``y_hat``). The
result of :func:`with_head` is an ordinary :class:`~lstm_sym.spec.cells.Cell`, so values,
gradients and programs need nothing new. Adding a head is one :func:`register_head`.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..equations import Equation, affine
from ..errors import InputError
from .cells import Cell, Dim, Param
from .registry import Registry


@dataclass(frozen=True, eq=False)
class Head:
    """An output head: the parameters and equations it appends to a cell.

    ``params(dim)`` gives the parameters for a cell output of size ``dim``;
    ``equations(output)`` the equations reading the cell's output (a template name) and
    defining :attr:`output`, what the loss then reads. A head without equations (``none``)
    leaves the cell as it is.
    """

    name: str
    description: str
    #: the description as LaTeX (text with ``$...$`` math), for sheets; it speaks of h, so
    #: it is used for cells whose output is h
    latex_description: str = ""
    params: Callable[[Dim], tuple[Param, ...]] = lambda dim: ()
    equations: Callable[[str], tuple[Equation, ...]] = lambda output: ()
    output: str = ""
    #: the sizes the head introduces (``m``)
    sizes: tuple[str, ...] = ()
    #: LaTeX of the names it defines
    latex: Mapping[str, str] = field(default_factory=dict)
    #: what a sheet states about it, given the cell's output name
    convention: Callable[[str], str] = lambda output: ""

    def __repr__(self) -> str:
        return f"<Head {self.name}: {self.description}>"

    @property
    def param_names(self) -> tuple[str, ...]:
        """The names of the parameters it adds (the same for every cell)."""
        return tuple(p.name for p in self.params("n"))

    def names(self, output: str) -> tuple[str, ...]:
        """Every name it adds to a cell whose output is ``output``: targets, then parameters."""
        return (*(eq.target for eq in self.equations(output)), *self.param_names)


#: The registered heads by name.
HEADS: Registry[Head] = Registry()


def register_head(head: Head) -> Head:
    """Add ``head`` to :data:`HEADS` (by its name)."""
    return HEADS.register(head)


def head_params() -> frozenset[str]:
    """The names of every registered head's parameters (they travel beside a cell's arrays)."""
    return frozenset().union(*(head.param_names for head in HEADS.values()))


HEAD_OUTPUT, HEAD_WEIGHT, HEAD_BIAS, HEAD_SIZE = "y_hat", "V", "b_y", "m"

register_head(
    Head(
        "none",
        "the loss reads the cell's output h_t directly",
        r"the loss reads the cell's output $h_t$ directly",
    )
)
register_head(
    Head(
        "linear",
        "ŷ_t = V h_t + b_y (V: m × n, b_y: m); the loss reads ŷ_t",
        r"$\hat{y}_t = V h_t + b_y$ ($V$: $m \times n$, $b_y$: $m$); the loss reads $\hat{y}_t$",
        params=lambda dim: (Param(HEAD_WEIGHT, (HEAD_SIZE, dim)), Param(HEAD_BIAS, (HEAD_SIZE,))),
        equations=lambda output: (affine(HEAD_OUTPUT, (HEAD_WEIGHT, output), bias=HEAD_BIAS),),
        output=HEAD_OUTPUT,
        sizes=(HEAD_SIZE,),
        latex={HEAD_OUTPUT: r"\hat{y}"},
        convention=lambda output: f"ŷ_t = V {output}_t + b_y, m outputs; the loss reads ŷ_t",
    )
)

_CACHE: weakref.WeakKeyDictionary[Cell, dict[Head, Cell]] = weakref.WeakKeyDictionary()


def with_head(cell: Cell, head: str, *, field: str = "head") -> Cell:
    """``cell`` followed by the output head called ``head`` (``"none"`` returns ``cell``)."""
    record = HEADS.lookup(head, field=field)
    equations = record.equations(cell.output)
    if not equations:
        return cell
    cached = _CACHE.setdefault(cell, {})
    if record not in cached:
        cached[record] = _headed(cell, record, equations, field)
    return cached[record]


def _headed(cell: Cell, head: Head, equations: tuple[Equation, ...], field: str) -> Cell:
    names = {p.name for p in cell.params} | {eq.target for eq in cell.equations} | {cell.input}
    clash = sorted(names & set(head.names(cell.output)))
    if clash:
        own = ", ".join(head.names(cell.output))
        raise InputError(
            field, f"a cell without the head's names {own}", f"{clash[0]!r} in {cell.name}"
        )
    dims = {d for p in cell.params for d in p.shape} | {cell.input_size}
    for size in head.sizes:
        if size in dims:
            raise InputError(field, f"a cell without a size named {size}", f"{size} in {cell.name}")
    output_dim = cell.quantity_dims()[cell.output]
    return dataclasses.replace(
        cell,
        params=(*cell.params, *head.params(output_dim)),
        equations=(*cell.equations, *equations),
        spec=(*cell.spec, *equations) if cell.spec else (),
        output=head.output,
        latex={**cell.latex, **head.latex},
        conventions=(*cell.conventions, ("output head", head.convention(cell.output))),
        latex_conventions=(
            {**cell.latex_conventions, "output head": head.latex_description}
            if cell.output == "h" and head.latex_description
            else cell.latex_conventions
        ),
    )
