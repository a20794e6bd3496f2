"""Small dense matrices of mpmath numbers: products, the spectral norm and the spectral radius.

Jacobians between states are n×n (or 2n×2n for a cell with h and c), with n small, so
plain lists of rows are enough. The spectral norm is ‖A‖₂ = √λ_max(AᵀA) and the spectral
radius ρ(A) = max |λ(A)|; 1×1 and 2×2 matrices use closed forms, larger ones mpmath's
eigenvalue routines, all at the working precision (certification repeats the whole
computation at rising precision, so these need no error bounds of their own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mpmath

#: A matrix as a list of rows of mpmath numbers.
Matrix = list[list[Any]]


def identity(size: int) -> Matrix:
    """The size×size identity matrix."""
    return [[mpmath.mpf(int(r == c)) for c in range(size)] for r in range(size)]


def zeros(rows: int, cols: int) -> Matrix:
    """A rows×cols matrix of zeros."""
    return [[mpmath.mpf(0)] * cols for _ in range(rows)]


def matmul(a: Matrix, b: Matrix) -> Matrix:
    """The product a·b."""
    columns = list(zip(*b, strict=True))
    return [[mpmath.fdot(zip(row, col, strict=True)) for col in columns] for row in a]


def transpose(a: Matrix) -> Matrix:
    """aᵀ."""
    return [list(col) for col in zip(*a, strict=True)]


def block(a: Matrix, rows: slice, cols: slice) -> Matrix:
    """The sub-matrix of ``a`` at ``rows`` × ``cols``."""
    return [row[cols] for row in a[rows]]


def euclidean_norm(vector: Sequence[Any]) -> Any:
    """‖v‖₂ = √Σ v_k²."""
    return mpmath.sqrt(mpmath.fsum(v * v for v in vector))


def spectral_norm(a: Matrix) -> Any:
    """‖A‖₂, the largest singular value of ``a``."""
    if len(a) == 1 and len(a[0]) == 1:
        return abs(a[0][0])
    gram = matmul(transpose(a), a)  # AᵀA, symmetric positive semi-definite
    if len(gram) == 1:
        return mpmath.sqrt(gram[0][0])
    if len(gram) == 2:
        p, q, r = gram[0][0], gram[1][1], gram[0][1]
        largest = (p + q) / 2 + mpmath.sqrt(((p - q) / 2) ** 2 + r * r)
    else:
        largest = max(mpmath.eigsy(mpmath.matrix(gram), eigvals_only=True))
    return mpmath.sqrt(max(largest, mpmath.mpf(0)))


def spectral_radius(a: Matrix) -> Any:
    """ρ(A) = max |λ| over the eigenvalues of the square matrix ``a``."""
    if len(a) == 1:
        return abs(a[0][0])
    if len(a) == 2:
        half_trace = (a[0][0] + a[1][1]) / 2
        det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
        root = mpmath.sqrt(mpmath.mpc(half_trace * half_trace - det))
        return max(abs(half_trace + root), abs(half_trace - root))
    return max(abs(value) for value in mpmath.eig(mpmath.matrix(a), left=False, right=False))
