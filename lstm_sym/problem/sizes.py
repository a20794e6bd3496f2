"""A problem's sizes (d, n, ...), inferred from the ``[sizes]`` table, the inputs and the
parameters, each with where it came from, so that a mismatch can say so
(``expected a 2×3 matrix (n=2 (from parameters.b_f), d=3 (from sequence[1].x))``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InputError
from ..limits import check, limit
from ..spec.cells import Cell
from ..spec.dims import SCALAR, Dim


class Sizes:
    """Each size name's value and where it came from; the first source to give one wins."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.sources: dict[str, str] = {}

    def set(self, dim: Dim, value: int, source: str) -> None:
        """Give ``dim`` the size ``value`` from ``source``, unless it has one already."""
        if dim == SCALAR or dim in self.values:
            return
        if value < 1:
            raise InputError(source, f"a size between 1 and {limit('size')}", str(value))
        check("size", value, source, "a size between 1 and {limit}")
        self.values[dim] = value
        self.sources[dim] = source

    def of(self, dim: Dim) -> int:
        """The number of entries along ``dim``."""
        return 1 if dim == SCALAR else self.values[dim]

    def explain(self, dim: Dim) -> str:
        """``n=2 (from parameters.W_f)`` (``1`` for a scalar)."""
        if dim == SCALAR:
            return SCALAR
        return f"{dim}={self.values[dim]} (from {self.sources[dim]})"


def cell_dims(cell: Cell) -> list[Dim]:
    """Every size name of the cell, parameters, input, output and states (a custom cell's
    states and output may have sizes no parameter has)."""
    dims = {d for p in cell.params for d in p.shape}
    dims |= {cell.input_size, cell.quantity_dims()[cell.output]}
    dims |= {s.size for s in cell.states}
    return sorted(dims - {SCALAR})


def infer_sizes(
    cell: Cell,
    given: Mapping[str, int],
    params: Mapping[str, Any],
    sequences: Sequence[Mapping[str, Any]],
) -> Sizes:
    """The sizes from ``given`` (the ``[sizes]`` table), the inputs, then the parameters.

    Vectors are read before matrices, so that a transposed matrix shows as one; a flat
    list or a bare number given for a matrix is a row (or a column when its rows are 1).
    """
    sizes = Sizes()
    for dim, value in given.items():
        sizes.set(dim, value, f"sizes.{dim}")
    for b, seq in enumerate(sequences):
        x = seq.get(cell.input)
        if isinstance(x, list) and x:
            first = x[0]
            size = len(first) if isinstance(first, list) else 1
            sizes.set(cell.input_size, size, f"sequence[{b + 1}].{cell.input}")
    shapes = {
        p.name: _raw_shape(params[p.name]) for p in cell.params if params.get(p.name) is not None
    }
    for param in cell.params:
        shape = shapes.get(param.name)
        if shape is not None and not param.is_matrix and len(shape) <= 1:
            sizes.set(param.shape[0], shape[0] if shape else 1, f"parameters.{param.name}")
    for param in cell.params:
        shape = shapes.get(param.name)
        if shape is not None and param.is_matrix and len(shape) == 2:
            sizes.set(param.shape[0], shape[0], f"parameters.{param.name}")
            sizes.set(param.shape[1], shape[1], f"parameters.{param.name}")
    for param in cell.params:  # flat lists and bare numbers in matrices: rows or columns
        shape = shapes.get(param.name)
        if shape is None or not param.is_matrix or len(shape) > 1:
            continue
        rows, cols = param.shape
        if not shape:
            sizes.set(rows, 1, f"parameters.{param.name}")
            sizes.set(cols, 1, f"parameters.{param.name}")
        elif sizes.values.get(rows) == 1 or rows not in sizes.values:
            sizes.set(rows, 1, f"parameters.{param.name}")
            sizes.set(cols, shape[0], f"parameters.{param.name}")
    missing = [d for d in cell_dims(cell) if d not in sizes.values]
    if missing:
        raise InputError(
            f"sizes.{missing[0]}", "a size given or implied by the parameters", "nothing"
        )
    return sizes


def _raw_shape(raw: Any) -> tuple[int, ...]:
    """The shape of raw (unparsed) data, without validating the numbers."""
    if isinstance(raw, list) and raw:
        first = raw[0]
        if isinstance(first, list):
            return (len(raw), len(first))
        return (len(raw),)
    return ()
