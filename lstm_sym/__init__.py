"""lstm_sym: the exact mathematics of LSTM networks, symbolically.

SymPy builds a named straight-line program for every gate and state of a cell unrolled
over time; numbers are substituted exactly and evaluated in ball arithmetic at any
precision, every printed digit proven; gradients come from symbolic reverse accumulation
(backpropagation through time) over the same program.

The package reads in pipeline order; each stage imports only the stages above it::

    spec/        1 DEFINE    activations, cells, heads, losses; the custom-cell language
    frameworks/    PyTorch and Keras layouts and parameter files
    problem/     2 READ      a problem file into exact numbers, validated
    derive/      3 DERIVE    step templates, symbolic BPTT, the named program, names
    evaluate/    4 EVALUATE  backends, compiler, evaluator, proven and certified digits
    flow/          gradient flow through time (norms, Jacobians, what-ifs)
    model.py, solution.py    the facade: Model, solve, Solution (arrays.py: framework arrays)
    latex/ codegen/ check/   5 PRODUCTS  sheets, generated code, checked hand calculations;
    gradcheck/               certified checks of live PyTorch modules
    cli.py, commands/        the command line

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
    from .gradcheck import GradcheckReport, gradcheck
    from .latex import Sheet, SheetOptions
    from .model import Model, solve
    from .names import Name
    from .problem import Problem, load_problem, loads_problem, problem_from_dict
    from .solution import Solution
    from .spec.activations import ACTIVATIONS, Activation, register_activation
    from .spec.cells import CELLS, Cell, get_cell, register_cell, with_activations
    from .spec.custom.lower import parse_cell
    from .spec.functions import sigma
    from .spec.heads import HEADS, Head, register_head, with_head
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
    "GradcheckReport": "gradcheck",
    "gradcheck": "gradcheck",
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
    "sigma": "spec.functions",
    "ACTIVATIONS": "spec.activations",
    "Activation": "spec.activations",
    "register_activation": "spec.activations",
    "HEADS": "spec.heads",
    "Head": "spec.heads",
    "register_head": "spec.heads",
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
    "ACTIVATIONS",
    "CELLS",
    "HEADS",
    "LOSSES",
    "MISTAKES",
    "Activation",
    "AnswerCheck",
    "Assignment",
    "Cell",
    "CheckReport",
    "ClassTemplate",
    "FlowSolution",
    "GradcheckReport",
    "GradientFlow",
    "Head",
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
    "gradcheck",
    "grade_class",
    "lambdify",
    "load_problem",
    "load_template",
    "loads_problem",
    "parse_cell",
    "problem_from_dict",
    "register_activation",
    "register_cell",
    "register_head",
    "register_loss",
    "register_mistake",
    "sigma",
    "solve",
    "with_activations",
    "with_head",
    "write_handouts",
]
