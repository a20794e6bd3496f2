"""Which values are exactly zero by structure: a proof for the certifier's zeros.

Certification cannot tell from two evaluations that both give 0 whether the value is 0 or has
cancelled at both precisions. Most zeros in practice are structural: ``c_0 = 0`` makes
``δf_1 = δc_1·c_0`` vanish whatever the precision. This module runs the same step templates over
:class:`~lstm_sym.evaluate.backends.ZeroBackend`, whose numbers are *may be nonzero* flags: an
input is a flag of whether it is nonzero, a product is nonzero only if every factor may be, and
a pointwise formula is 0 when SymPy simplifies it to 0 with its zero operands substituted. A
key flagged 0 is exactly 0; everything else is left to precision.
"""

from __future__ import annotations

from ..names import Name
from ..problem import Problem
from .backends import ZERO
from .evaluator import Evaluator, scalar_values


def structural_zeros(problem: Problem, *, gradients: bool) -> set[Name]:
    """The names whose value is exactly 0 for every precision (proved from the data's zeros)."""
    trace = Evaluator(problem, ZERO).run(gradients=gradients)
    return {
        name for _, name, value in scalar_values(problem, trace, gradients=gradients) if not value
    }
