"""lstm_sym: the exact mathematics of LSTM networks, symbolically.

SymPy builds a named straight-line program for every gate and state of a cell unrolled
over time; numbers are substituted exactly and evaluated with mpmath at any precision,
every printed digit certified; gradients come from symbolic reverse accumulation
(backpropagation through time) over the same program.

>>> import lstm_sym
>>> solution = lstm_sym.solve("examples/hw6.toml", digits=5)
>>> solution["h_1"], solution["h_2"], solution["L"]
(Decimal('0.21741'), Decimal('-0.18988'), Decimal('0.52986'))
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:
    from .check import MISTAKES, AnswerCheck, CheckReport, MistakeFinding, check, register_mistake
    from .classroom.classgrade import grade_class
    from .classroom.documents import write_handouts
    from .classroom.lms import export_lms
    from .classroom.template import ClassTemplate, load_template
    from .classroom.variants import draw_class
    from .codegen import lambdify
    from .derive.program import Assignment, Program
    from .errors import InputError, LstmSymError, TooLargeError
    from .flow import FlowSolution, GradientFlow
    from .latex import Sheet, SheetOptions
    from .model import Model, solve
    from .names import Name
    from .problem.reader import Problem, load_problem, loads_problem, problem_from_dict
    from .solution import Solution
    from .spec.activations import sigma
    from .spec.cells import CELLS, Cell, get_cell, register_cell, with_activations
    from .spec.custom.lower import parse_cell
    from .spec.heads import with_head
    from .spec.losses import LOSSES, Loss, get_loss, register_loss

#: Each public name and the module that defines it. Importing the package imports none of
#: them (the command line parses its arguments without loading SymPy); a name's module is
#: imported on first use.
_EXPORTS = {
    "CELLS": "spec.cells",
    "Cell": "spec.cells",
    "get_cell": "spec.cells",
    "register_cell": "spec.cells",
    "with_activations": "spec.cells",
    "parse_cell": "spec.custom.lower",
    "AnswerCheck": "check",
    "CheckReport": "check",
    "MISTAKES": "check",
    "MistakeFinding": "check",
    "check": "check",
    "register_mistake": "check",
    "ClassTemplate": "classroom.template",
    "load_template": "classroom.template",
    "draw_class": "classroom.variants",
    "write_handouts": "classroom.documents",
    "grade_class": "classroom.classgrade",
    "export_lms": "classroom.lms",
    "lambdify": "codegen",
    "InputError": "errors",
    "LstmSymError": "errors",
    "TooLargeError": "errors",
    "FlowSolution": "flow",
    "GradientFlow": "flow",
    "sigma": "spec.activations",
    "with_head": "spec.heads",
    "Sheet": "latex",
    "SheetOptions": "latex",
    "LOSSES": "spec.losses",
    "Loss": "spec.losses",
    "get_loss": "spec.losses",
    "register_loss": "spec.losses",
    "Model": "model",
    "solve": "model",
    "Name": "names",
    "Problem": "problem",
    "load_problem": "problem",
    "loads_problem": "problem",
    "problem_from_dict": "problem",
    "Assignment": "derive.program",
    "Program": "derive.program",
    "Solution": "solution",
}


def __getattr__(name: str) -> object:
    """Import a public name's module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Package(types.ModuleType):
    """The package: importing the subpackage ``check`` keeps ``lstm_sym.check`` the function."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return  # the import system binding a submodule over a public name
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "CELLS",
    "LOSSES",
    "MISTAKES",
    "AnswerCheck",
    "Assignment",
    "Cell",
    "CheckReport",
    "ClassTemplate",
    "FlowSolution",
    "GradientFlow",
    "InputError",
    "Loss",
    "LstmSymError",
    "MistakeFinding",
    "Model",
    "Name",
    "Problem",
    "Program",
    "Sheet",
    "SheetOptions",
    "Solution",
    "TooLargeError",
    "__version__",
    "check",
    "draw_class",
    "export_lms",
    "get_cell",
    "get_loss",
    "grade_class",
    "lambdify",
    "load_problem",
    "load_template",
    "loads_problem",
    "parse_cell",
    "problem_from_dict",
    "register_cell",
    "register_loss",
    "register_mistake",
    "sigma",
    "solve",
    "with_activations",
    "with_head",
    "write_handouts",
]
