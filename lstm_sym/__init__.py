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

from .cells import CELLS, Cell, get_cell, register_cell, with_activations
from .cellspec import parse_cell
from .check import MISTAKES, AnswerCheck, CheckReport, MistakeFinding, check, register_mistake
from .codegen import lambdify
from .errors import InputError, LstmSymError, TooLargeError
from .flow import FlowSolution, GradientFlow
from .functions import sigma
from .heads import with_head
from .latex import Sheet, SheetOptions
from .losses import LOSSES, Loss, get_loss, register_loss
from .model import Model, solve
from .names import Name
from .problem import Problem, load_problem, loads_problem, problem_from_dict
from .program import Assignment, Program
from .solution import Solution

__version__ = "0.1.0"

__all__ = [
    "CELLS",
    "LOSSES",
    "MISTAKES",
    "AnswerCheck",
    "Assignment",
    "Cell",
    "CheckReport",
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
    "get_cell",
    "get_loss",
    "lambdify",
    "load_problem",
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
]
