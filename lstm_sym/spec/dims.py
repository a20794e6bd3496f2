"""Dimensions: each vector of a cell has a size name (``"n"`` hidden, ``"d"`` input, ...) or
is a single number, :data:`SCALAR`; a matrix's dimension is written ``"rows,cols"``
(``"n,d"``). A problem gives each size name a value.

>>> matrix_dims("n,d"), matrix_dims("n"), matrix_dims(SCALAR)
(('n', 'd'), None, None)
"""

from __future__ import annotations

#: A size name, :data:`SCALAR`, or a matrix's ``"rows,cols"``.
Dim = str

#: The dimension of a single number (a loss term, a constant, a scalar parameter).
SCALAR: Dim = "1"


def matrix_dims(dim: Dim) -> tuple[Dim, Dim] | None:
    """The rows and columns of a matrix's dimension ``"rows,cols"`` (None for a vector's)."""
    rows, comma, cols = dim.partition(",")
    return (rows, cols) if comma else None
