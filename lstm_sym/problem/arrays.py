"""Numbers as a problem file writes them (a number, a list, or a list of rows), read exactly
and checked against the problem's sizes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeAlias

import sympy

from ..errors import InputError, describe
from ..numbers import parse_number
from ..spec.dims import Dim
from .data import Matrix, Vector
from .sizes import Sizes

#: A number, a flat list of numbers or a rectangular list of rows, exact.
Array: TypeAlias = sympy.Rational | list[sympy.Rational] | list[list[sympy.Rational]]


def exact_array(raw: Any, field: str) -> Array:
    """A number, a flat list of numbers or a rectangular list of lists of numbers."""
    if not isinstance(raw, list):
        return parse_number(raw, field)
    if not raw:
        raise InputError(field, "a number or a non-empty list of numbers", "an empty list")
    if all(not isinstance(item, list) for item in raw):
        return [parse_number(item, f"{field}[{k + 1}]") for k, item in enumerate(raw)]
    if not all(isinstance(item, list) for item in raw):
        raise InputError(
            field, "a list of numbers or a list of rows", "a list mixing numbers and lists"
        )
    width = len(raw[0])
    rows = []
    for r, row in enumerate(raw):
        if len(row) != width or not row:
            raise InputError(
                field,
                f"rows of equal, non-zero length {width}",
                f"row {r + 1} of length {len(row)}",
            )
        if any(isinstance(item, list) for item in row):
            raise InputError(field, "at most two levels of lists", "a deeper nesting")
        rows.append([parse_number(item, f"{field}[{r + 1},{c + 1}]") for c, item in enumerate(row)])
    return rows


def shape_of(value: Array) -> tuple[int, ...]:
    """The shape of an :func:`exact_array`: ``()``, ``(n,)`` or ``(rows, cols)``."""
    if isinstance(value, list):
        return (len(value), len(value[0])) if isinstance(value[0], list) else (len(value),)
    return ()


def exact_matrix(raw: Any, field: str, dims: tuple[Dim, ...], sizes: Sizes) -> Matrix:
    """``raw`` as a matrix of ``dims`` (rows, columns); a flat list fits one row or column."""
    rows_dim, cols_dim = dims
    rows, cols = sizes.of(rows_dim), sizes.of(cols_dim)
    value = exact_array(raw, field)
    shape = shape_of(value)
    expected = f"a {rows}×{cols} matrix ({sizes.explain(rows_dim)}, {sizes.explain(cols_dim)})"
    if shape == ():
        if rows == cols == 1:
            return ((value,),)
    elif len(shape) == 1:
        assert isinstance(value, list)
        if rows == 1 and shape[0] == cols:
            return (tuple(value),)
        if cols == 1 and shape[0] == rows:
            return tuple((v,) for v in value)
    elif shape == (rows, cols):
        return tuple(tuple(row) for row in value)
    found = describe_raw(raw)
    if rows != cols and shape == (cols, rows):
        found += f" — it looks transposed ({cols_dim}×{rows_dim} instead of {rows_dim}×{cols_dim})"
    raise InputError(field, expected, found)


def exact_vector(raw: Any, field: str, dim: Dim, sizes: Sizes) -> Vector:
    """``raw`` as a vector of ``dim``'s size (a one-column matrix will do)."""
    size = sizes.of(dim)
    value = exact_array(raw, field)
    shape = shape_of(value)
    if shape == () and size == 1:
        return (value,)
    if shape == (size,):
        return tuple(value)
    if shape == (size, 1):
        return tuple(row[0] for row in value)
    raise InputError(field, f"a vector of {size} numbers ({sizes.explain(dim)})", describe_raw(raw))


def describe_raw(raw: Any) -> str:
    """What a value of a problem file is, for an error message (``a 2×3 nested list``)."""
    if isinstance(raw, list):
        if raw and all(isinstance(r, list) for r in raw):
            lengths = sorted({len(r) for r in raw})
            if len(lengths) == 1:
                return f"a {len(raw)}×{lengths[0]} nested list"
            return f"a nested list with rows of lengths {lengths}"
        return f"a list of {len(raw)} entries"
    if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
        return f"the number {describe(raw)}"
    text = describe(raw)
    return text if len(text) < 40 else type(raw).__name__
