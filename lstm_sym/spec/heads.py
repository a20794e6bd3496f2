"""Output heads: an optional ``ŷ_t = V h_t + b_y`` after any cell, as more cell data.

A head adds parameters (``V`` of shape m × n, ``b_y`` of size m, with the new size m) and
one affine equation, and makes ``y_hat`` the quantity the loss reads. The result is an
ordinary :class:`~lstm_sym.spec.cells.Cell`, so values, gradients and programs need nothing new.
"""

from __future__ import annotations

import dataclasses
import weakref

from ..equations import affine
from ..errors import InputError, did_you_mean
from .cells import Cell, Param

#: Heads by name, with what they compute.
HEADS: dict[str, str] = {
    "none": "the loss reads the cell's output h_t directly",
    "linear": "ŷ_t = V h_t + b_y (V: m × n, b_y: m); the loss reads ŷ_t",
}
#: The same as LaTeX (text with ``$...$`` math), for sheets.
HEADS_LATEX: dict[str, str] = {
    "none": r"the loss reads the cell's output $h_t$ directly",
    "linear": r"$\hat{y}_t = V h_t + b_y$ ($V$: $m \times n$, $b_y$: $m$); the loss reads $\hat{y}_t$",
}

HEAD_OUTPUT, HEAD_WEIGHT, HEAD_BIAS, HEAD_SIZE = "y_hat", "V", "b_y", "m"

_CACHE: weakref.WeakKeyDictionary[Cell, Cell] = weakref.WeakKeyDictionary()


def with_head(cell: Cell, head: str, *, field: str = "head") -> Cell:
    """``cell`` followed by the output head called ``head`` (``"none"`` returns ``cell``)."""
    if head not in HEADS:
        raise InputError(
            field, f"one of: {', '.join(HEADS)}", repr(head) + did_you_mean(head, HEADS)
        )
    if head == "none":
        return cell
    if cell in _CACHE:
        return _CACHE[cell]
    names = {p.name for p in cell.params} | {eq.target for eq in cell.equations} | {cell.input}
    clash = sorted(names & {HEAD_OUTPUT, HEAD_WEIGHT, HEAD_BIAS})
    if clash:
        raise InputError(
            field, "a cell without the head's names y_hat, V, b_y", f"{clash[0]!r} in {cell.name}"
        )
    dims = {d for p in cell.params for d in p.shape} | {cell.input_size}
    if HEAD_SIZE in dims:
        raise InputError(field, "a cell without a size named m", f"m in {cell.name}")
    output_dim = cell.quantity_dims()[cell.output]
    equation = affine(HEAD_OUTPUT, (HEAD_WEIGHT, cell.output), bias=HEAD_BIAS)
    headed = dataclasses.replace(
        cell,
        params=(
            *cell.params,
            Param(HEAD_WEIGHT, (HEAD_SIZE, output_dim)),
            Param(HEAD_BIAS, (HEAD_SIZE,)),
        ),
        equations=(*cell.equations, equation),
        spec=(*cell.spec, equation) if cell.spec else (),
        output=HEAD_OUTPUT,
        latex={**cell.latex, HEAD_OUTPUT: r"\hat{y}"},
        conventions=(
            *cell.conventions,
            ("output head", f"ŷ_t = V {cell.output}_t + b_y, m outputs; the loss reads ŷ_t"),
        ),
        latex_conventions=(
            {**cell.latex_conventions, "output head": HEADS_LATEX[head]}
            if cell.output == "h"  # HEADS_LATEX speaks of h; other outputs print as text
            else cell.latex_conventions
        ),
    )
    _CACHE[cell] = headed
    return headed
