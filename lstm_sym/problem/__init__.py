"""Stage 2, READ: a problem file (TOML) or a dict into a validated
:class:`Problem` of exact numbers. Every mistake is an :class:`~lstm_sym.errors.InputError`
naming the field. Imports ``spec``, ``frameworks`` and the shared vocabulary.
"""

from .reader import (
    NO_TARGET,
    STEP_OVERHEAD,
    Matrix,
    Parameters,
    Problem,
    Sequence,
    Vector,
    load_problem,
    loads_problem,
    parse_toml,
    problem_from_dict,
    read_parameters,
    read_toml,
)

__all__ = [
    "NO_TARGET",
    "STEP_OVERHEAD",
    "Matrix",
    "Parameters",
    "Problem",
    "Sequence",
    "Vector",
    "load_problem",
    "loads_problem",
    "parse_toml",
    "problem_from_dict",
    "read_parameters",
    "read_toml",
]
