"""Stage 4, EVALUATE: values and adjoints of a problem's templates, certified.

Backends (mpmath, exact rationals, Arb balls, zero flags), the equation compiler, the evaluator
and its hooks, certification (``certify`` for mpmath, ``prove`` for Arb) and the proof of
structural zeros. Imports ``derive``, ``problem``, ``spec`` and the shared vocabulary.
"""

from ..derive.template import problem_templates
from .backends import EXACT, MPMATH, Backend, ExactBackend, MpmathBackend
from .compile import CompiledTemplate, Env, compiled
from .evaluator import (
    Evaluator,
    Hook,
    TemplateTransform,
    Trace,
    collector_paused,
    scalar_list,
    scalar_values,
)

__all__ = [
    "EXACT",
    "MPMATH",
    "Backend",
    "CompiledTemplate",
    "Env",
    "Evaluator",
    "ExactBackend",
    "Hook",
    "MpmathBackend",
    "TemplateTransform",
    "Trace",
    "collector_paused",
    "compiled",
    "problem_templates",
    "scalar_list",
    "scalar_values",
]
