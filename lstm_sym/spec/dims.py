"""Dimensions: each vector of a cell has a size name (``"n"`` hidden, ``"d"`` input, ...) or
is a single number, :data:`SCALAR`; a problem gives each size name a value."""

from __future__ import annotations

#: A size name, or :data:`SCALAR`.
Dim = str

#: The dimension of a single number (a loss term, a constant, a scalar parameter).
SCALAR: Dim = "1"
