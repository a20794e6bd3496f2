"""Runtime code that generated modules carry: real functions, copied as source text.

Generated modules import only NumPy (or ``math``, or mpmath), so they carry the helpers
their formulas call. Each helper is written here as an ordinary function, so that it is
linted, type-checked and can be imported by tests; :func:`source` copies its text under
the name the generated code calls. The functions take no annotations (their text is the
generated code), and ``_exp`` stands for what the generated module binds to that name
(``math.exp`` in Python code, ``mpmath.exp`` in mpmath code).

Each must be numerically stable: no overflow warning, NaN or inf for any finite input.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

_exp = math.exp


def source(function: Callable[..., Any], name: str) -> str:
    """The source text of ``function``, defining it as ``name``."""
    text = inspect.getsource(function)
    return text.replace(f"def {function.__name__}(", f"def {name}(", 1)


# fmt: off
def numpy_sigma(a, out=None):
    """The logistic sigmoid 1/(1 + exp(-a)), into ``out`` if given.

    Four in-place passes, accurate to a few ulp relative. Where a is below about
    -709 (float64; -88 in float32) exp(-a) overflows to inf and the result is the
    correct limit 1/(1 + inf) = 0: that overflow is expected, so it is not reported.
    """
    if out is None:
        out = np.empty(np.shape(a), np.result_type(a, 0.0))
    np.negative(a, out=out)
    with np.errstate(over='ignore'):
        np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)
# fmt: on


def python_sigma(a):
    """The logistic sigmoid 1/(1 + exp(-a)), without overflow for any finite a."""
    if a >= 0.0:
        return 1.0 / (1.0 + _exp(-a))
    e = _exp(a)
    return e / (1.0 + e)


def mpmath_sigma(a):
    """The logistic sigmoid 1/(1 + exp(-a)) (mpmath: no overflow at any size)."""
    return 1 / (1 + _exp(-a))


#: Scalar Python code for σ of a name (``{a}``), written inline: no call; below −700,
#: σ(a) = e^a/(1 + e^a) is e^a to double precision.
PYTHON_SIGMA_INLINE = "(1.0 / (1.0 + _exp(-{a})) if {a} > -700.0 else _exp({a}))"
