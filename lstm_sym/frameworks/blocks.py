"""Arrays made of parameter blocks: how one layout stores one cell, and both directions.

A :class:`Tensor` is one stored array. A matrix array is a grid of parameter blocks
(PyTorch's ``weight_ih_l0`` is one column of four row blocks, a per-gate weight over
``[h_prev; x]`` is one row of two column blocks), stored transposed or not; a vector array
is the parameters' entries one after another, reshaped into rows or stored as a column.
:func:`split` and :func:`assemble` are exact (the values are moved, never computed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..choices import Framework
from ..spec.cells import Cell, get_cell
from ..spec.heads import with_head

Values = list[Any]  # a vector (list of numbers) or a matrix (list of rows)

#: The head whose parameters a layout may store beside the cell's (V, b_y).
HEAD = "linear"


@dataclass(frozen=True)
class Tensor:
    """One framework array: the parameters ``blocks`` laid out in one array.

    Matrices: ``blocks`` is a grid read row by row, ``columns`` blocks wide (PyTorch: one
    column of gate blocks, gates·n × inputs), stored transposed when ``transpose`` (Keras:
    inputs × gates·n). Vectors: concatenated, then reshaped into ``rows`` rows when
    ``rows`` > 0 (Keras' GRU bias: input and recurrent) or stored as one column (k·n × 1)
    when ``column``.
    """

    key: str
    blocks: tuple[str, ...]
    transpose: bool = False
    rows: int = 0
    columns: int = 1
    column: bool = False

    def stacked(self, name: Callable[[str], str] = str) -> str:
        """The blocks in order: grid rows joined by ``, ``, blocks within a row by `` | ``."""
        return ", ".join(" | ".join(name(b) for b in row) for row in self.grid)

    @property
    def shaped(self) -> str:
        """How the stacked blocks are reshaped, in words (empty when they are not)."""
        return f" in {self.rows} rows" if self.rows else " as a column" if self.column else ""

    @property
    def grid(self) -> list[tuple[str, ...]]:
        """The blocks by grid row."""
        k = self.columns
        return [self.blocks[r : r + k] for r in range(0, len(self.blocks), k)]


@dataclass(frozen=True)
class Layout:
    """How one framework stores one cell's parameters (and, optionally, a linear head's)."""

    framework: Framework
    cell: str
    tensors: tuple[Tensor, ...]
    head: tuple[Tensor, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The arrays every set of parameters in this layout has."""
        return tuple(t.key for t in self.tensors)

    def stored(self, cell: Cell) -> tuple[Tensor, ...]:
        """The arrays of ``cell``'s parameters: the head's too when ``cell`` has its V, b_y."""
        names = {p.name for p in cell.params}
        return (*self.tensors, *(t for t in self.head if t.blocks[0] in names))

    @property
    def head_keys(self) -> tuple[str, ...]:
        """The arrays holding the output head's parameters, when the problem has one."""
        return tuple(t.key for t in self.head)


def shape_of(value: Values) -> tuple[int, ...]:
    if value and isinstance(value[0], list):
        return (len(value), len(value[0]))
    return (len(value),)


def _transpose(matrix: Values) -> Values:
    return [list(column) for column in zip(*matrix, strict=True)]


class LayoutMismatch(ValueError):
    """Arrays that do not fit a layout (the message says why)."""


def _cell(layout: Layout) -> Cell:
    cell = get_cell(layout.cell)
    return with_head(cell, HEAD) if layout.head else cell


def split(
    layout: Layout, arrays: Mapping[str, Values], sizes: dict[str, int] | None = None
) -> dict[str, Values]:
    """The cell parameters stored in ``arrays`` (framework key -> nested lists).

    ``sizes`` collects the sizes (n, d, ...) the arrays imply; a contradiction raises
    :class:`LayoutMismatch`. Head arrays are read when present.
    """
    cell = _cell(layout)
    sizes = {} if sizes is None else sizes
    params: dict[str, Values] = {}
    tensors = [*layout.tensors, *(t for t in layout.head if t.key in arrays)]
    for tensor in tensors:
        value = arrays[tensor.key]
        if cell.param(tensor.blocks[0]).is_matrix:
            blocks = _split_matrix(tensor, cell, value, sizes)
        else:
            blocks = _split_vector(tensor, value)
        for name, block in zip(tensor.blocks, blocks, strict=True):
            param = cell.param(name)
            for dim, size in zip(param.shape, shape_of(block), strict=True):
                if sizes.setdefault(dim, size) != size:
                    raise LayoutMismatch(
                        f"{tensor.key}: its {name} block implies {dim} = {size}, elsewhere {dim} = {sizes[dim]}"
                    )
            params[name] = block
    return params


def _split_matrix(tensor: Tensor, cell: Cell, value: Values, sizes: dict[str, int]) -> list[Values]:
    shape = shape_of(value)
    if len(shape) != 2:
        raise LayoutMismatch(f"{tensor.key}: expected a matrix, found shape {shape}")
    matrix = _transpose(value) if tensor.transpose else value
    grid = tensor.grid
    across, down = ("rows", "columns") if tensor.transpose else ("columns", "rows")  # as stored
    heights = _extents(
        tensor.key, [cell.param(row[0]).shape[0] for row in grid], len(matrix), sizes, down
    )
    dims = [cell.param(name).shape[1] for name in grid[0]]
    widths = _extents(tensor.key, dims, len(matrix[0]), sizes, across)
    blocks: list[Values] = []
    top = 0
    for row, height in zip(grid, heights, strict=True):
        left = 0
        for width in widths[: len(row)]:
            blocks.append([list(r[left : left + width]) for r in matrix[top : top + height]])
            left += width
        top += height
    return blocks


def _extents(key: str, dims: list[str], total: int, sizes: dict[str, int], what: str) -> list[int]:
    """The extent of each block along one axis: known sizes, and one unknown size solved for."""
    known = sum(1 if d == "1" else sizes[d] for d in dims if d == "1" or d in sizes)
    unknown = sorted({d for d in dims if d != "1" and d not in sizes})
    if len(unknown) > 1:
        raise LayoutMismatch(f"{key}: {total} {what} for blocks of unknown sizes {unknown}")
    if unknown:
        count, rest = dims.count(unknown[0]), total - known
        if rest <= 0 or rest % count:
            raise LayoutMismatch(f"{key}: {total} {what} are not {len(dims)} fitting gate blocks")
        sizes[unknown[0]] = rest // count
    elif known != total:
        raise LayoutMismatch(
            f"{key}: {total} {what}, but its blocks ({' + '.join(dims)}) need {known}"
        )
    return [1 if d == "1" else sizes[d] for d in dims]


def _split_vector(tensor: Tensor, value: Values) -> list[Values]:
    shape = shape_of(value)
    if tensor.rows:
        if len(shape) != 2 or shape[0] != tensor.rows:
            raise LayoutMismatch(f"{tensor.key}: expected {tensor.rows} rows, found shape {shape}")
        flat = [v for row in value for v in row]
    elif tensor.column:
        if len(shape) != 2 or shape[1] != 1:
            raise LayoutMismatch(f"{tensor.key}: expected a column (k × 1), found shape {shape}")
        flat = [row[0] for row in value]
    elif len(shape) != 1:
        raise LayoutMismatch(f"{tensor.key}: expected a vector, found shape {shape}")
    else:
        flat = list(value)
    k = len(tensor.blocks)
    if len(flat) % k:
        raise LayoutMismatch(f"{tensor.key}: {len(flat)} entries are not {k} equal gate blocks")
    step = len(flat) // k
    return [flat[j * step : (j + 1) * step] for j in range(k)]


def assemble(layout: Layout, params: Mapping[str, Values]) -> dict[str, Values]:
    """The framework arrays (key -> nested lists) holding the cell parameters ``params``.

    Head arrays are written when ``params`` has the head's parameters.
    """
    cell = _cell(layout)
    arrays: dict[str, Values] = {}
    tensors = [*layout.tensors, *(t for t in layout.head if t.blocks[0] in params)]
    for tensor in tensors:
        if cell.param(tensor.blocks[0]).is_matrix:
            stacked = [
                [v for name in row for v in params[name][r]]
                for row in tensor.grid
                for r in range(len(params[row[0]]))
            ]
            arrays[tensor.key] = _transpose(stacked) if tensor.transpose else stacked
        else:
            flat = [v for name in tensor.blocks for v in params[name]]
            if tensor.rows:
                width = len(flat) // tensor.rows
                arrays[tensor.key] = [flat[r * width : (r + 1) * width] for r in range(tensor.rows)]
            elif tensor.column:
                arrays[tensor.key] = [[v] for v in flat]
            else:
                arrays[tensor.key] = flat
    return arrays
