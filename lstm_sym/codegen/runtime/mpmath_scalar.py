"""The elementary functions of scalar code over mpmath numbers (the ``mpmath`` target).

Real roots only: ``mpmath.sqrt`` of a negative number is complex, where the other targets
fail. Copied into every such module (:func:`lstm_sym.codegen.runtime.copied_source`).
"""

from __future__ import annotations

import mpmath

# fmt: off
_exp, _tanh, _log, _mpf = mpmath.exp, mpmath.tanh, mpmath.log, mpmath.mpf


def _pow(a, e):
    """a ** e for a >= 0 (a ValueError for a root of a negative number, as math.pow)."""
    if a < 0:
        raise ValueError("math domain error")
    return mpmath.power(a, e)


def _sqrt(a):
    """The square root of a >= 0."""
    if a < 0:
        raise ValueError("math domain error")
    return mpmath.sqrt(a)
# fmt: on
