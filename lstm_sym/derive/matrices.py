"""Pointwise formulas over vectors as SymPy matrix expressions (the program's vector view).

A step's pointwise formula is scalar (``f*c_prev + i*c_tilde``); over vectors it reads as
a matrix expression: products become Hadamard products (⊙), functions apply elementwise
(f∘) and numbers broadcast as multiples of a column of ones.
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.matrices.expressions import HadamardPower, HadamardProduct, MatrixExpr, OneMatrix
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction


def matrix_dims(shape: tuple[int, ...]) -> tuple[int, int]:
    """Rows and columns of a quantity of ``shape`` (a vector is a column)."""
    return (shape[0], shape[1]) if len(shape) == 2 else (shape[0], 1)


def to_matrix(expr: sympy.Expr, mapping: dict[sympy.Symbol, Any], width: int) -> Any:
    """A pointwise scalar formula as a matrix expression (⊙ for products, f∘ for functions)."""
    if expr.is_Symbol:
        return mapping[expr]
    if expr.is_Number:
        return expr * OneMatrix(width, 1) if expr != 0 else sympy.ZeroMatrix(width, 1)
    args = [to_matrix(a, mapping, width) if not a.is_Number else a for a in expr.args]
    matrices = [a for a in args if isinstance(a, MatrixExpr)]
    scalars = [a for a in args if not isinstance(a, MatrixExpr)]
    if expr.is_Add:
        return sympy.MatAdd(*matrices, *(s * OneMatrix(width, 1) for s in scalars))
    if expr.is_Mul:
        coefficient = sympy.Mul(*scalars)
        if not matrices:
            return coefficient
        product = matrices[0] if len(matrices) == 1 else HadamardProduct(*matrices)
        return coefficient * product if coefficient != 1 else product
    if expr.is_Pow:
        base, exponent = args
        if isinstance(base, MatrixExpr):
            return HadamardPower(base, exponent)
        return base**exponent
    if isinstance(expr, sympy.Function) and len(args) == 1 and isinstance(args[0], MatrixExpr):
        dummy = sympy.Dummy("a", real=True)
        return ElementwiseApplyFunction(sympy.Lambda(dummy, expr.func(dummy)), args[0])
    return expr.func(*args)
