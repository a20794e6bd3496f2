"""Stage 2, READ: a problem file (TOML) or a dict into a validated
:class:`Problem` of exact numbers. Every mistake is an :class:`~lstm_sym.errors.InputError`
naming the field. Imports ``spec``, ``frameworks`` and the shared vocabulary.

``toml`` reads and writes the text, ``reader`` validates it into the ``data`` records,
with ``sizes`` inferred, ``arrays`` of exact numbers and the ``parameters`` table in any
layout.
"""

from .data import Matrix, Parameters, Problem, Sequence, Vector, input_digits
from .reader import (
    NO_TARGET,
    STEP_OVERHEAD,
    load_problem,
    loads_problem,
    problem_from_dict,
    read_parameters,
)
from .toml import parse_toml, read_toml

__all__ = [
    "NO_TARGET",
    "STEP_OVERHEAD",
    "Matrix",
    "Parameters",
    "Problem",
    "Sequence",
    "Vector",
    "input_digits",
    "load_problem",
    "loads_problem",
    "parse_toml",
    "problem_from_dict",
    "read_parameters",
    "read_toml",
]
